#!/usr/bin/env bash
# The CLI finds the daemon that holds its repo, and only that one: the
# daemon writes its API address to $CAIRN_PATH/api while it runs (the port
# it really got), removes it at stop; the CLI reads it, and refuses a
# daemon that holds another repo (its PeerID) before sending anything.
# --api ADDR and $CAIRN_API pick a daemon explicitly.
. "$(dirname "$0")/../lib/tap.bash"
. "$(dirname "$0")/../lib/daemon.bash"
run() { out=$("$@" 2>"$scratch/err"); rc=$?; err=$(cat "$scratch/err"); }
pins() { curl -sS --max-time 10 -X POST "$1/api/v0/pin/ls?type=recursive"; }
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

# B, another node, listens where A's config says A's API is
CAIRN_PATH=$scratch/A "$CAIRN" init >/dev/null
port=$(free_port)
node -e 'const f=process.argv[1],c=JSON.parse(require("fs").readFileSync(f));c.Addresses.API=process.argv[2];require("fs").writeFileSync(f,JSON.stringify(c))' \
	"$scratch/A/config" "127.0.0.1:$port"
daemon_start B --api "127.0.0.1:$port" || { echo "not ok 1 - daemon B: $(tail -3 "$scratch/B.log")"; exit 1; }
# A itself on another port, 0: the kernel picks it
daemon_start A --api 127.0.0.1:0 || { echo "not ok 1 - daemon A: $(tail -3 "$scratch/A.log")"; exit 1; }
check "A's api file names the port it got (port 0 asked)" "/ip4/127.0.0.1/tcp/${A_API##*:}" "$(cat "$scratch/A/api" 2>/dev/null)"

printf 'only for A' >"$scratch/f"
export CAIRN_PATH=$scratch/A
run "$CAIRN" add -Q "$scratch/f"
cid=$out
check "cairn add with A's daemon on another port than its config's: exit 0" "0" "$rc"
pins "$A_API" | grep -q "$cid" && ok "…pinned in A" || not_ok "A's pins: $(pins "$A_API")"
! pins "$B_API" | grep -q "$cid" && ok "…and not in B, which listens at A's configured address" || not_ok "it went to B"
run "$CAIRN" cat "$cid"
check "cairn cat goes to A too" "only for A" "$out"

# without the api file (an old daemon, or removed): the config's address
# is B, which holds another repo: refused before anything is sent
mv "$scratch/A/api" "$scratch/A/api.away"
run "$CAIRN" pin ls
check "the config's address holds another node: exit 1" "1" "$rc"
b_id=$(curl -sS -X POST "$B_API/api/v0/id" | sed -n 's/.*"ID":"\([^"]*\)".*/\1/p')
echo "$err" | grep -q "holds another repo (PeerID $b_id)" && echo "$err" | grep -q -- "--api" &&
	ok "…naming the other PeerID and --api" || not_ok "stderr: $err"
[ -z "$out" ] && ok "…and printing nothing of B's" || not_ok "stdout: $out"
before=$(pins "$B_API")
run "$CAIRN" add -Q "$scratch/f"
check "an add then is refused too (exit 1), and B gets nothing" "1 $before" "$rc $(pins "$B_API")"
mv "$scratch/A/api.away" "$scratch/A/api"

# explicitly: --api and $CAIRN_API, whatever the repo
CAIRN_PATH=$scratch/none run "$CAIRN" --api "$B_API" pin ls
check "--api http://HOST:PORT: that daemon, with no repo here" "0" "$rc"
CAIRN_PATH=$scratch/none CAIRN_API=/ip4/127.0.0.1/tcp/${A_API##*:} run "$CAIRN" pin ls
echo "$out" | grep -q "$cid" && ok "\$CAIRN_API as a multiaddr: A's pins" || not_ok "out: $out err: $err"
CAIRN_PATH=$scratch/none run "$CAIRN" --api nowhere pin ls
check "--api that is not an address: exit 2" "2" "$rc"
echo "$err" | grep -q "not an API address" && ok "…saying what it takes" || not_ok "stderr: $err"

daemon_stop A
[ ! -e "$scratch/A/api" ] && ok "the api file is gone once the daemon stops" || not_ok "api file left: $(cat "$scratch/A/api")"
run "$CAIRN" pin ls
check "…and the CLI then opens the repo itself" "0" "$rc"
echo "$out" | grep -q "$cid" && ok "…finding what A pinned" || not_ok "out: $out"
daemon_stop B

# a daemon that fails on a bad option announces nothing
CAIRN_PATH=$scratch/A "$CAIRN" daemon --api 127.0.0.1:0 --gateway 127.0.0.1:0 --peer ftp://example.org/x \
	>"$scratch/bad.out" 2>"$scratch/bad.err" </dev/null
check "a bad --peer: exit 2" "2" "$?"
! grep -q "listening" "$scratch/bad.out" && ok "…and no 'listening' line before it" || not_ok "out: $(cat "$scratch/bad.out")"
grep -q "peer 'ftp://…' is not http(s)://" "$scratch/bad.err" && ok "…naming the URL's scheme, the rest hidden" || not_ok "err: $(cat "$scratch/bad.err")"
[ ! -e "$scratch/A/api" ] && ok "…and no api file" || not_ok "api file: $(cat "$scratch/A/api")"
echo "1..$n"

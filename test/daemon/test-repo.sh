#!/usr/bin/env bash
# The repo through the CLI: init, add/cat/get byte-exact, pins and GC,
# blocks, corruption never served, the repo lock, zstd at rest, and
# SIGKILL during add leaving a repo that verifies.
. "$(dirname "$0")/../lib/tap.bash"
export CAIRN_PATH=$scratch/repo
run() { out=$("$@" 2>"$scratch/err"); rc=$?; err=$(cat "$scratch/err"); }
fails() { # fails NAME CODE PATTERN CMD...
	local name=$1 code=$2 pat=$3; shift 3
	run "$@"
	if [ "$rc" -eq "$code" ] && echo "$err" | grep -q -- "$pat"; then ok "$name"
	else not_ok "$name"; echo "#   rc=$rc err=$err"; fi
}

fails "commands need a repo" 1 "no cairn repo at $CAIRN_PATH (run 'cairn init')" "$CAIRN" pin ls
run "$CAIRN" init
[ $rc -eq 0 ] && echo "$out" | grep -q '^peer identity: 12D3KooW' && ok "init prints an Ed25519 PeerID" || not_ok "init"
[ "$(stat -c %a "$CAIRN_PATH/identity.key")" = 600 ] && ok "identity key is private (0600)" || not_ok "key mode"
fails "second init refused" 1 "a repo already exists" "$CAIRN" init

# add, cat, get: byte-exact at layout boundaries, every mode
i=0
for size in 0 1 262145 3000000; do
	i=$((i + 1))
	f=$scratch/in$i
	head -c "$size" /dev/urandom >"$f"
	for mode in "" "--cid-version 0" "--trickle --raw-leaves=false" "--chunker size-1000"; do
		cid=$("$CAIRN" add -Q $mode "$f")
		want=$("$CAIRN" add -nQ $mode "$f")
		if [ "$cid" = "$want" ] && "$CAIRN" cat "$cid" | cmp -s - "$f"; then ok "size $size ${mode:-default}: add = add -n, cat byte-exact"
		else not_ok "size $size ${mode:-default}: add/cat"; fi
	done
done
cid=$("$CAIRN" add -Q "$scratch/in4")
(cd "$scratch" && "$CAIRN" get "$cid" -o out4 >/dev/null) && cmp -s "$scratch/out4" "$scratch/in4" && ok "get -o writes the file" || not_ok "get"
check "identity CIDs need no block" "hello world" "$("$CAIRN" cat bafkqac3imvwgy3zao5xxe3de)"

# pins and GC
head -c 500000 /dev/urandom >"$scratch/loose"
loose=$("$CAIRN" add -Q --pin=false "$scratch/loose")
run "$CAIRN" pin ls "$loose"
[ $rc -eq 1 ] && ok "--pin=false does not pin" || not_ok "--pin=false"
run "$CAIRN" pin ls --type recursive -q
check "pin ls lists the added roots" "$("$CAIRN" add -nQ "$scratch/in4")" "$(echo "$out" | grep -x "$cid")"
"$CAIRN" repo gc -q
run "$CAIRN" cat "$loose"
[ $rc -eq 1 ] && echo "$err" | grep -q "is not in the repo" && ok "gc removed the unpinned file" || not_ok "gc removed unpinned"
"$CAIRN" cat "$cid" | cmp -s - "$scratch/in4" && ok "gc kept the pinned file" || not_ok "gc kept pinned"
fails "pin add of a missing DAG" 1 "is not in the repo" "$CAIRN" pin add "$loose"
loose=$("$CAIRN" add -Q --pin=false "$scratch/loose")
run "$CAIRN" pin add --name contract "$loose"
check "pin add a stored DAG" "pinned $loose recursively" "$out"
check "pin names are kept" "$loose recursive contract" "$("$CAIRN" pin ls "$loose")"
check "pin rm" "unpinned $loose" "$("$CAIRN" pin rm "$loose")"
fails "pin rm of what is not pinned" 1 "not pinned" "$CAIRN" pin rm "$loose"
fails "pin add of a bad CID" 1 "invalid CID 'nope'" "$CAIRN" pin add nope

# blocks (Kubo's CID for "hello\n" as a raw block)
b=$(echo hello | "$CAIRN" block put)
check "block put = ipfs block put" "bafkreicysg23kiwv34eg2d7qweipxwosdo2py4ldv42nbauguluen5v6am" "$b"
check "block get" "hello" "$("$CAIRN" block get "$b")"
check "block stat" "Key: $b Size: 6" "$("$CAIRN" block stat "$b" | tr '\n' ' ' | sed 's/ $//')"
check "block put --mhtype blake3 --cid-codec dag-cbor" "$("$CAIRN" cid format --mc dag-cbor "$(printf 'x' | "$CAIRN" add -nQ)")" \
	"$(printf 'x' | "$CAIRN" block put --mhtype blake3 --cid-codec dag-cbor)"
"$CAIRN" pin add "$b" >/dev/null
fails "block rm of a pinned block" 1 "is pinned" "$CAIRN" block rm "$b"
"$CAIRN" pin rm "$b" >/dev/null
check "block rm" "removed $b" "$("$CAIRN" block rm "$b")"
fails "block get of a missing block" 1 "block not found" "$CAIRN" block get "$b"
head -c $((2 * 1024 * 1024 + 1)) /dev/zero >"$scratch/huge"
fails "block put over 2 MiB" 1 "larger than 2 MiB" "$CAIRN" block put "$scratch/huge"
fails "block put unknown codec" 2 "unsupported value 'git-raw'" "$CAIRN" block put --cid-codec git-raw "$scratch/loose"

# zstd at rest: a compressible file takes less room than its bytes, reads back exact
yes "compressible line of text" | head -c 2000000 >"$scratch/text"
before=$("$CAIRN" repo stat | sed -n 's/RepoSize: *//p')
tcid=$("$CAIRN" add -Q "$scratch/text")
after=$("$CAIRN" repo stat | sed -n 's/RepoSize: *//p')
[ $((after - before)) -lt 200000 ] && ok "compressible data is stored compressed ($((after - before)) bytes on disk)" || not_ok "zstd at rest ($((after - before)))"
"$CAIRN" cat "$tcid" | cmp -s - "$scratch/text" && ok "compressed blocks read back exact" || not_ok "zstd read"

# corruption: a damaged block is reported and never served
run "$CAIRN" repo verify
[ $rc -eq 0 ] && ok "repo verify passes on a healthy repo" || not_ok "verify healthy"
# the victim: the one block a fresh single-chunk file adds
find "$CAIRN_PATH/blocks" -name '*.data' | sort >"$scratch/before"
head -c 200000 /dev/urandom >"$scratch/one"
one=$("$CAIRN" add -Q "$scratch/one")
victim=$(find "$CAIRN_PATH/blocks" -name '*.data' | sort | comm -13 "$scratch/before" -)
printf '\x00\x01' | dd of="$victim" bs=1 seek=1000 conv=notrunc 2>/dev/null
run "$CAIRN" repo verify
[ $rc -eq 1 ] && echo "$out" | grep -q ": corrupt" && ok "repo verify reports damage and exits 1" || not_ok "verify damage"
"$CAIRN" cat "$one" >"$scratch/served" 2>"$scratch/err"
rc=$?
[ $rc -ne 0 ] && [ ! -s "$scratch/served" ] && grep -q "is corrupt; treating it as missing" "$scratch/err" \
	&& ok "a corrupt block is not served (no bytes out)" || not_ok "corrupt served"
"$CAIRN" pin rm "$one" >/dev/null
rm -f "$victim"

# the repo lock
flock "$CAIRN_PATH/repo.lock" sleep 3 &
sleep 0.3
fails "a held repo is refused" 1 "is in use by process" "$CAIRN" pin ls
wait

# SIGKILL during add: no torn block under a real name, temp files cleaned by gc
head -c 150000000 /dev/urandom >"$scratch/big"
for delay in 0.2 0.5 0.9; do
	"$CAIRN" add -Q "$scratch/big" >/dev/null 2>&1 &
	sleep "$delay"
	kill -9 $! 2>/dev/null
	wait $! 2>/dev/null
	run "$CAIRN" repo verify
	[ $rc -eq 0 ] && ok "SIGKILL after ${delay}s: repo verify passes" || { not_ok "SIGKILL after ${delay}s"; echo "# $out"; }
done
"$CAIRN" repo gc -q
check "gc removes temp files of killed writes" "0" "$(find "$CAIRN_PATH/blocks" -name '.tmp-*' | wc -l)"
big=$("$CAIRN" add -Q "$scratch/big")
"$CAIRN" cat "$big" | cmp -s - "$scratch/big" && ok "the file adds completely after the kills" || not_ok "re-add"
echo "1..$n"

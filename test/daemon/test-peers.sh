#!/usr/bin/env bash
# Fetching from peers over the trustless gateway protocol: a chain of three
# daemons (C asks B, B asks A); a peer that lies is caught, skipped and
# counted, and its bytes never served; a peer that is down or stalls is
# passed over; content nobody has is a 502 with a reason; a 100 MiB file
# through a peer, byte-exact, in bounded memory; fetched blocks are cached,
# not pinned, and GC removes them.
. "$(dirname "$0")/../lib/tap.bash"
. "$(dirname "$0")/../lib/daemon.bash"
# start NAME [daemon options…]: a daemon on its own repo; sets ${NAME}_API, ${NAME}_GW
start() { daemon_start "$@" || not_ok "daemon $1: $(tail -3 "$scratch/$1.log")"; }
get() { curl -sS --max-time 60 -o "$scratch/body" -w '%{http_code}' "$@"; }
add() { curl -sS --max-time 120 -X POST -F "file=@$1" "$2/api/v0/add?cid-version=1" | sed -n 's/.*"Hash":"\([^"]*\)".*/\1/p'; }
metric() { curl -sS --max-time 10 "$1/metrics" | grep -F "$2" | awk '{print $NF}'; }

# bad options: usage errors, before anything listens
CAIRN_PATH=$scratch/Z "$CAIRN" init >/dev/null
for opt in "--peer ftp://x" "--router http://" "--replicate-to nope,tok" "--peer-timeout 0"; do
	out=$(CAIRN_PATH=$scratch/Z timeout 10 "$CAIRN" daemon --api 127.0.0.1:0 --gateway 127.0.0.1:0 $opt 2>&1); rc=$?
	[ $rc -eq 2 ] && ok "daemon $opt: exit 2 ($(echo "$out" | head -1))" || not_ok "daemon $opt: $rc $out"
done
start A
start B --peer "$A_GW" --peer-timeout 2
start C --peer "$B_GW" --peer-timeout 2
head -c 3000000 /dev/urandom >"$scratch/file"
cid=$(add "$scratch/file" "$A_API")
check "C gets a file only A has, through B" "200" "$(get "$C_GW/ipfs/$cid")"
cmp -s "$scratch/body" "$scratch/file" && ok "…byte-exact" || not_ok "bytes differ"
check "B fetched it from A (13 blocks: 12 leaves and the root)" "13" "$(metric "$B_GW" "cairn_peer_blocks_total{peer=\"$A_GW\"}")"
check "B now serves it without asking" "200" "$(CAIRN_PATH= get -H 'Cache-Control: only-if-cached' "$B_GW/ipfs/$cid")"
check "…as a cache: not pinned on B" "0" "$(curl -sS -X POST "$B_API/api/v0/pin/ls" | grep -c "$cid")"
# a cached file that lost blocks (an interrupted GC, block/rm): B fetches
# them again mid-body instead of cutting the body short
links() { # the CIDs a dag-pb block links to
	curl -sS -X POST "$1/api/v0/block/get?arg=$2" | (cd "$here" && node --input-type=module -e '
import {decode} from "@ipld/dag-pb"; import fs from "fs";
console.log(decode(fs.readFileSync(0)).Links.map((l) => l.Hash.toString()).join(" "))')
}
read -r -a lv <<<"$(links "$B_API" "$cid")"
for i in 2 9; do curl -sS -X POST "$B_API/api/v0/block/rm?arg=${lv[$i]}" >/dev/null; done
n0=$(metric "$B_GW" "cairn_peer_blocks_total{peer=\"$A_GW\"}")
check "B, two leaves of its cached 3 MB file gone, still serves all of it" "200" "$(get "$B_GW/ipfs/$cid")"
cmp -s "$scratch/body" "$scratch/file" && ok "…byte-exact (streamed, the leaves fetched on the way)" || not_ok "bytes differ after refetch"
check "…fetching just the two it lacked" "$((n0 + 2))" "$(metric "$B_GW" "cairn_peer_blocks_total{peer=\"$A_GW\"}")"
head -c 600000 /dev/urandom >"$scratch/short"
short=$(add "$scratch/short" "$A_API")
get "$B_GW/ipfs/$short" >/dev/null
read -r -a sv <<<"$(links "$B_API" "$short")"
curl -sS -X POST "$B_API/api/v0/block/rm?arg=${sv[1]}" >/dev/null
check "a short cached file (sent whole, after its status) missing a leaf: 200" "200" "$(get "$B_GW/ipfs/$short")"
cmp -s "$scratch/body" "$scratch/short" && ok "…byte-exact" || not_ok "short file differs"
check "api/v0/cat of it too, missing a leaf again" "$(sha256sum <"$scratch/short" | cut -c1-64)" \
	"$(curl -sS -X POST "$B_API/api/v0/block/rm?arg=${sv[0]}" >/dev/null; curl -sS -X POST "$B_API/api/v0/cat?arg=$short" | sha256sum | cut -c1-64)"
head -c 600000 /dev/urandom >"$scratch/onlyb"
only_b=$(add "$scratch/onlyb" "$B_API")
read -r -a ov <<<"$(links "$B_API" "$only_b")"
curl -sS -X POST "$B_API/api/v0/pin/rm?arg=$only_b" >/dev/null
curl -sS -X POST "$B_API/api/v0/block/rm?arg=${ov[1]}" >/dev/null
check "a leaf nobody has: 404 with the peers' answer, not a short body" "404" "$(get "$B_GW/ipfs/$only_b")"
grep -q "peers did not give it" "$scratch/body" && ok "…saying so" || not_ok "body: $(head -c 200 "$scratch/body")"
# a path inside a directory, and raw blocks, through the peer
mkdir -p "$scratch/site/docs"; echo '<h1>hi</h1>' >"$scratch/site/index.html"; echo 'readme' >"$scratch/site/docs/README"
dir=$(curl -sS -X POST -F "file=@$scratch/site/index.html;filename=site/index.html" -F "file=@$scratch/site/docs/README;filename=site/docs/README" \
	"$A_API/api/v0/add?cid-version=1" | sed -n 's/.*"Name":"site","Hash":"\([^"]*\)".*/\1/p')
check "a path inside a directory, through two peers" "200 readme" "$(get "$C_GW/ipfs/$dir/docs/README") $(cat "$scratch/body")"
head -c 1000 /dev/urandom >"$scratch/small"
small=$(add "$scratch/small" "$A_API")
check "a raw block, through two peers" "200" "$(get "$C_GW/ipfs/$small?format=raw")"
cmp -s "$scratch/body" "$scratch/small" && ok "…its exact bytes" || not_ok "raw block differs"

# api/v0/cat fetches too, paths included (names %-encoded on the wire)
head -c 700000 /dev/urandom >"$scratch/catfile"
catcid=$(add "$scratch/catfile" "$A_API")
check "api/v0/cat on C of a file only A has (through B)" "200" \
	"$(curl -sS --max-time 60 -o "$scratch/body" -w '%{http_code}' -X POST "$C_API/api/v0/cat?arg=$catcid")"
cmp -s "$scratch/body" "$scratch/catfile" && ok "…byte-exact" || not_ok "cat differs"
printf 'spaced out' >"$scratch/spaced"
catdir=$(curl -sS -X POST -F "file=@$scratch/spaced;filename=d/a b+c.txt" "$A_API/api/v0/add?cid-version=1" | sed -n 's/.*"Name":"d","Hash":"\([^"]*\)".*/\1/p')
check "api/v0/cat of a path with a space and a plus, through two peers" "spaced out" \
	"$(curl -sS --max-time 60 -X POST "$C_API/api/v0/cat?arg=/ipfs/$catdir/a%20b%2Bc.txt")"

# ls, block/get, block/stat and dag/export fetch too (each on a node that lacks it)
head -c 600000 /dev/urandom >"$scratch/x1"; printf 'tiny' >"$scratch/x2"
lsdir=$(curl -sS -X POST -F "file=@$scratch/x1;filename=e/x1" -F "file=@$scratch/x2;filename=e/x2" "$A_API/api/v0/add?cid-version=1" | sed -n 's/.*"Name":"e","Hash":"\([^"]*\)".*/\1/p')
check "api/v0/ls of a directory only A has (through B)" "x1 x2" \
	"$(curl -sS --max-time 60 -X POST "$C_API/api/v0/ls?arg=$lsdir" | node -e 'const o=JSON.parse(require("fs").readFileSync(0));console.log(o.Objects[0].Links.map(l=>l.Name).join(" "))')"
x2=$(printf 'tiny' | CAIRN_PATH= "$CAIRN" add -nQ --cid-version 1)
check "api/v0/block/stat of a block only A has" "4" \
	"$(curl -sS --max-time 60 -X POST "$B_API/api/v0/block/stat?arg=$x2" | sed -n 's/.*"Size":\([0-9]*\).*/\1/p')"
curl -sS -X POST "$A_API/api/v0/dag/export?arg=$lsdir" >"$scratch/a.car"
curl -sS --max-time 60 -X POST "$C_API/api/v0/dag/export?arg=$lsdir" >"$scratch/c.car"
cmp -s "$scratch/a.car" "$scratch/c.car" && [ -s "$scratch/c.car" ] && ok "api/v0/dag/export of a DAG only A has: the same CAR as A's" || not_ok "dag/export differs ($(stat -c %s "$scratch/c.car") bytes)"
x3=$(printf 'raw only on A' | tee "$scratch/x3" | curl -sS -X POST -F "data=@-" "$A_API/api/v0/block/put" | sed -n 's/.*"Key":"\([^"]*\)".*/\1/p')
curl -sS --max-time 60 -X POST "$C_API/api/v0/block/get?arg=$x3" >"$scratch/x3.out"
cmp -s "$scratch/x3" "$scratch/x3.out" && ok "api/v0/block/get of a block only A has: its bytes" || not_ok "block/get: $(cat "$scratch/x3.out")"

# delegated routing: the routing v1 API names A for what A has
A_ID=$(curl -sS -X POST "$A_API/api/v0/id" | sed -n 's/.*"ID":"\([^"]*\)".*/\1/p')
curl -sS -D "$scratch/h" -o "$scratch/body" "$A_GW/routing/v1/providers/$cid"
check "routing v1: A is a provider of its file, as a trustless gateway" "$A_ID /ip4/127.0.0.1/tcp/${A_GW##*:}/http transport-ipfs-gateway-http" \
	"$(node -e 'const p=JSON.parse(require("fs").readFileSync(process.argv[1])).Providers[0];console.log(p.Schema==="peer"?p.ID:"?",p.Addrs.join(","),p.Protocols.join(","))' "$scratch/body")"
grep -qi '^content-type: application/json' "$scratch/h" && grep -qi '^cache-control: public, max-age=300' "$scratch/h" && grep -qi '^vary: accept' "$scratch/h" &&
	ok "…as application/json, cached 5 minutes, varying on Accept" || not_ok "headers: $(cat "$scratch/h")"
curl -sS -D "$scratch/h" -o "$scratch/body" -H 'Accept: application/x-ndjson' "$A_GW/routing/v1/providers/$cid"
check "…one object per line with Accept: application/x-ndjson" "application/x-ndjson 1" \
	"$(sed -n 's/^[Cc]ontent-[Tt]ype: \([^;[:space:]]*\).*/\1/p' "$scratch/h" | tr -d '\r') $(grep -c '"Schema":"peer"' "$scratch/body")"
lacks=bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy
check "…200 with no provider for what it lacks (IPIP-513), cached 15 s and nothing else" '200 {"Providers":[]} max-age=15 0' \
	"$(curl -sS -D "$scratch/h" -o "$scratch/body" -w '%{http_code}' "$A_GW/routing/v1/providers/$lacks") $(cat "$scratch/body") $(grep -io 'max-age=[0-9]*' "$scratch/h") $(grep -ic 'no-store' "$scratch/h")"
check "…and an empty stream as ndjson" "200 0" "$(curl -sS -o "$scratch/body" -w '%{http_code}' -H 'Accept: application/x-ndjson' "$A_GW/routing/v1/providers/$lacks") $(wc -c <"$scratch/body")"
# IPIP-484 filters, each answered as the IPIP says for A's one gateway address
providers() { curl -sS "$A_GW/routing/v1/providers/$cid?$1" | node -e 'console.log(JSON.parse(require("fs").readFileSync(0)).Providers.length)'; }
for f in "filter-protocols=transport-ipfs-gateway-http 1" "filter-protocols=TRANSPORT-IPFS-GATEWAY-HTTP 1" "filter-protocols=transport-bitswap 0" \
	"filter-protocols=transport-bitswap,transport-ipfs-gateway-http 1" "filter-protocols=!transport-ipfs-gateway-http 0" \
	"filter-protocols=!transport-bitswap 1" "filter-protocols=unknown 0" "filter-addrs=http 1" "filter-addrs=tcp 1" \
	"filter-addrs=webtransport 0" "filter-addrs=!tcp 0" "filter-addrs=!quic-v1 1" "filter-addrs=webtransport,tcp 1" \
	"filter-addrs=unknown 0" "filter-addrs=http&filter-protocols=!transport-ipfs-gateway-http 0"; do
	check "…?${f% *}: ${f##* } provider" "${f##* }" "$(providers "${f% *}")"
done
check "…a filter name longer than 63 characters: 400" "400" "$(get "$A_GW/routing/v1/providers/$cid?filter-protocols=$(printf 'x%.0s' $(seq 64))")"
check "…400 for a malformed CID" "400" "$(get "$A_GW/routing/v1/providers/nope")"
check "…405 for a POST" "405" "$(curl -sS -o /dev/null -w '%{http_code}' -X POST "$A_GW/routing/v1/providers/$cid")"
check "…501 for the other routing v1 endpoints" "501" "$(get "$A_GW/routing/v1/peers/$A_ID")"

# a node with a router and no peers: asks the router who has it
start H --router "$A_GW" --peer-timeout 2
check "with only a router, H finds A as provider and fetches from it" "200" "$(get "$H_GW/ipfs/$cid")"
cmp -s "$scratch/body" "$scratch/file" && ok "…byte-exact" || not_ok "bytes differ"
code=$(get "$H_GW/ipfs/bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy")
check "…what the router knows no provider for: 502" "502" "$code"
grep -q "router $A_GW: no gateway provider" "$scratch/body" && ok "…saying so" || not_ok "body: $(cat "$scratch/body")"

# nobody has it
missing=bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy
errs0=$(metric "$C_GW" 'cairn_http_errors_total{server="gateway"}')
miss0=$(metric "$C_GW" 'cairn_http_upstream_misses_total{server="gateway"}')
code=$(get "$C_GW/ipfs/$missing")
check "content no peer has: 502" "502" "$code"
check "…an upstream miss, not a fault of the node's (cairn_http_upstream_misses_total +1, errors +0)" "1 0" \
	"$(( $(metric "$C_GW" 'cairn_http_upstream_misses_total{server="gateway"}') - miss0 )) $(( $(metric "$C_GW" 'cairn_http_errors_total{server="gateway"}') - errs0 ))"
grep -q "answered 502" "$scratch/body" && ok "…saying what each peer answered: $(head -c 200 "$scratch/body")" || not_ok "body: $(cat "$scratch/body")"
check "B, whose peer has not got it either, says so" "502" "$(get "$B_GW/ipfs/$missing")"
grep -q "does not have it (404)" "$scratch/body" && ok "…naming A's 404" || not_ok "body: $(cat "$scratch/body")"
check "api/v0/cat of what no peer has: 502" "502" \
	"$(curl -sS --max-time 60 -o /dev/null -w '%{http_code}' -X POST "$C_API/api/v0/cat?arg=bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy")"

# a liar first, then an honest peer
# helper servers print their port, then serve until killed
helper() { node "$here/evil-peer.mjs" "$1" "$2" >"$scratch/$1.port" & at_exit "kill $! 2>/dev/null"; for _ in $(seq 100); do [ -s "$scratch/$1.port" ] && break; sleep 0.05; done; }
helper flip "$A_GW"; evil_port=$(cat "$scratch/flip.port")
EVIL=http://127.0.0.1:$evil_port
start D --peer "$EVIL" --peer "$A_GW" --peer-timeout 2
check "D gets the file although its first peer lies" "200" "$(get "$D_GW/ipfs/$cid")"
cmp -s "$scratch/body" "$scratch/file" && ok "…byte-exact: the lie was never served" || not_ok "bytes differ"
check "the liar is counted" "1" "$(metric "$D_GW" "cairn_peer_fetches_total{peer=\"$EVIL\",outcome=\"bad_data\"}")"
check "…and not asked again (down)" "0" "$(metric "$D_GW" "cairn_peer_up{peer=\"$EVIL\"}")"
for _ in $(seq 20); do grep -q "peer $EVIL sent bad data" "$scratch/D.log" && break; sleep 0.1; done
grep -q "peer $EVIL sent bad data" "$scratch/D.log" && ok "…and logged" || not_ok "not logged"
check "the next fetch goes straight to the honest peer" "200 1 0 2" \
	"$(get "$D_GW/ipfs/$dir/index.html") $(metric "$D_GW" "cairn_peer_fetches_total{peer=\"$EVIL\",outcome=\"bad_data\"}") $(metric "$D_GW" "cairn_peer_fetches_total{peer=\"$EVIL\",outcome=\"ok\"}") $(metric "$D_GW" "cairn_peer_fetches_total{peer=\"$A_GW\",outcome=\"ok\"}")"
# only a liar to ask: caught at the root, a 502 and nothing else; caught at
# the last block, after the verified part was streamed, a broken transfer
# (never what looks like a whole file)
helper flipearly "$A_GW"; EARLY=http://127.0.0.1:$(cat "$scratch/flipearly.port")
start E --peer "$EARLY" --peer-timeout 2
check "only a liar to ask, caught at the root: 502" "502" "$(get "$E_GW/ipfs/$cid")"
grep -q "not what it claims" "$scratch/body" && ok "…the body says why" || not_ok "body: $(cat "$scratch/body")"
start E2 --peer "$EVIL" --peer-timeout 2
curl -sS --max-time 60 -o "$scratch/body" "$E2_GW/ipfs/$cid" 2>/dev/null; rc=$?
[ $rc -ne 0 ] && ! cmp -s "$scratch/body" "$scratch/file" && [ "$(stat -c %s "$scratch/body")" -lt 3000000 ] &&
	ok "only a liar, caught at the last block: the transfer breaks short (curl exit $rc, $(stat -c %s "$scratch/body") of 3000000 bytes)" ||
	not_ok "liar mid-stream: curl $rc, $(stat -c %s "$scratch/body") bytes"

# down and stalled peers are passed over
helper stall x; stall_port=$(cat "$scratch/stall.port")
dead=$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
start F --peer "http://127.0.0.1:$dead" --peer "http://127.0.0.1:$stall_port" --peer "$A_GW" --peer-timeout 2
t0=$(date +%s)
check "a dead peer and a stalled one, then a good one" "200" "$(get "$F_GW/ipfs/$dir/index.html")"
t1=$(date +%s)
[ $((t1 - t0)) -le 6 ] && ok "…within the stall timeout ($((t1 - t0)) s)" || not_ok "took $((t1 - t0)) s"
start G --peer "http://127.0.0.1:$stall_port" --peer-timeout 1
check "only a stalled peer: 504" "504" "$(get "$G_GW/ipfs/$missing")"
grep -q "timed out after 1 s" "$scratch/body" && ok "…saying it timed out" || not_ok "body: $(cat "$scratch/body")"

# 100 MiB through a peer, in bounded memory
head -c $((100 * 1024 * 1024)) /dev/urandom >"$scratch/big"
big=$(add "$scratch/big" "$A_API")
check "100 MiB through a peer" "200" "$(curl -sS --max-time 120 -o "$scratch/big.out" -w '%{http_code}' "$C_GW/ipfs/$big")"
cmp -s "$scratch/big" "$scratch/big.out" && ok "…byte-exact" || not_ok "100 MiB differs"
hwm=$(awk '/VmHWM/ {print $2}' "/proc/$B_PID/status")
# ASan keeps freed memory in quarantine (256 MiB) and adds its shadow:
# the bound is only meaningful in the plain build.
limit=$([ "${SANITIZE:-0}" = 1 ] && echo $((1024 * 1024)) || echo 65536)
[ "$hwm" -lt "$limit" ] && ok "B's peak memory stayed under $((limit / 1024)) MiB ($((hwm / 1024)) MiB)" || not_ok "B peak RSS $((hwm / 1024)) MiB"
rm -f "$scratch/big" "$scratch/big.out"

# pin add of a DAG the node lacks: fetched whole from the peers, then pinned
for i in 1 2 3; do head -c $((i * 300000)) /dev/urandom >"$scratch/t$i"; done
tree=$(curl -sS -X POST -F "file=@$scratch/t1;filename=tree/t1" -F "file=@$scratch/t2;filename=tree/sub/t2" \
	-F "file=@$scratch/t3;filename=tree/sub/t3" "$A_API/api/v0/add?cid-version=1" | sed -n 's/.*"Name":"tree","Hash":"\([^"]*\)".*/\1/p')
check "pin add on C of a tree only A has (through B): pinned" "$tree" \
	"$(curl -sS --max-time 60 -X POST "$C_API/api/v0/pin/add?arg=$tree" | sed -n 's/.*"Pins":\["\([^"]*\)".*/\1/p')"
check "pin add of what no peer has: 502, with each peer's answer" "502" \
	"$(curl -sS --max-time 60 -o "$scratch/body" -w '%{http_code}' -X POST "$C_API/api/v0/pin/add?arg=$missing")"

# pin add with progress: ndjson {"Progress": blocks} while fetching
head -c 3000000 /dev/urandom >"$scratch/prog"
prog=$(add "$scratch/prog" "$A_API")
start P --peer "$A_GW"
curl -sS --max-time 60 -X POST "$P_API/api/v0/pin/add?arg=$prog&progress=true" >"$scratch/lines"
check "pin/add?progress=true: progress lines, then the pin with the count (13 blocks)" "0 13 $prog" \
	"$(head -1 "$scratch/lines" | sed -n 's/.*"Progress":\([0-9]*\).*/\1/p') $(tail -1 "$scratch/lines" | node -e 'const o=JSON.parse(require("fs").readFileSync(0));console.log(o.Progress,o.Pins[0])')"
# the CLI through the daemon: --progress counts on standard error
head -c 1000000 /dev/urandom >"$scratch/prog2"
prog2=$(add "$scratch/prog2" "$A_API")
config_api "$P_API" "$scratch/P/config"
out=$(CAIRN_PATH=$scratch/P "$CAIRN" pin add --progress "$prog2" 2>"$scratch/err")
check "cairn pin add --progress through the daemon: pinned" "pinned $prog2 recursively" "$out"
grep -q "fetched 5 blocks" "$scratch/err" && ok "…counting the blocks fetched on stderr" || not_ok "stderr: $(cat "$scratch/err")"
CAIRN_PATH=$scratch/P "$CAIRN" pin add --progress bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy 2>"$scratch/err"; rc=$?
[ $rc -eq 1 ] && grep -q "does not have it (404)" "$scratch/err" && ok "…and a DAG no peer has: exit 1, with the peers' answers" || not_ok "rc $rc: $(cat "$scratch/err")"

# cached, not pinned: GC removes what was fetched, keeps what was pinned
curl -sS -X POST "$C_API/api/v0/repo/gc" >/dev/null
check "after GC on C, the fetched file is gone from C" "412" "$(get -H 'Cache-Control: only-if-cached' "$C_GW/ipfs/$cid")"
daemon_stop A
check "…the pinned tree is whole on C, with A gone" "200" "$(get -H 'Cache-Control: only-if-cached' "$C_GW/ipfs/$tree/sub/t3")"
cmp -s "$scratch/body" "$scratch/t3" && ok "…byte-exact" || not_ok "t3 differs"
curl -sS -X POST "$C_API/api/v0/repo/verify" | grep -q '"Msg":"verify complete, all blocks validated."' && ok "C's repo verifies" || not_ok "repo verify on C"
echo "1..$n"

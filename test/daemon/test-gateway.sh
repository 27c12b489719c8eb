#!/usr/bin/env bash
# The daemon over real HTTP (curl, loopback, bounded): the gateway's files,
# raw blocks, Range, ETag/304, caching headers and errors; the read-only
# Kubo RPC endpoints; the repo lock and a clean SIGTERM.
. "$(dirname "$0")/../lib/tap.bash"
. "$(dirname "$0")/../lib/daemon.bash"
export CAIRN_PATH=$scratch/repo
"$CAIRN" init >/dev/null
C=262144
head -c $((3 * C + 100)) /dev/urandom >"$scratch/multi"     # 4 chunks, streamed
head -c $((C / 2)) /dev/urandom >"$scratch/small"           # 1 chunk, raw leaf
yes 'plain text' | head -c 3000 >"$scratch/text"
head -c $((5 * 1024 * 1024)) /dev/urandom >"$scratch/big"   # > 1 MiB: streamed
multi=$("$CAIRN" add -Q "$scratch/multi")
multi0=$("$CAIRN" add -Q --cid-version 0 "$scratch/multi")
small=$("$CAIRN" add -Q "$scratch/small")
text=$("$CAIRN" add -Q "$scratch/text")
big=$("$CAIRN" add -Q "$scratch/big")
missing=$(printf 'not stored' | "$CAIRN" add -nQ)
head -c $((4 * C)) /dev/zero >"$scratch/zeros"              # 4 identical leaves
zeros=$("$CAIRN" add -Q "$scratch/zeros")
daemon_start && ok "daemon starts on free loopback ports" || { not_ok "daemon start"; cat "$scratch/daemon.log"; echo "1..$n"; exit 1; }
fails_lock=$("$CAIRN" daemon --api 127.0.0.1:0 --gateway 127.0.0.1:0 2>&1)
echo "$fails_lock" | grep -q "is in use by process $DAEMON_PID" && ok "a second daemon on the repo is refused" || not_ok "second daemon: $fails_lock"

cu() { curl -sS --max-time 10 "$@"; }
status() { cu -o /dev/null -w '%{http_code}' "$@"; }
header() { cu -o /dev/null -D - "${@:2}" | tr -d '\r' | sed -n "s/^$1: //Ip"; }

# files, byte-exact, v0 and v1, small, multi-block, streamed
for f in multi small text big; do
	cid=${!f}
	cu "$GW/ipfs/$cid" | cmp -s - "$scratch/$f" && ok "GET $f byte-exact" || not_ok "GET $f"
done
cu "$GW/ipfs/$multi0" | cmp -s - "$scratch/multi" && ok "GET a CIDv0 file" || not_ok "GET v0"
check "Content-Length" "$((3 * C + 100))" "$(header Content-Length "$GW/ipfs/$multi")"
check "Cache-Control immutable" "public, max-age=29030400, immutable" "$(header Cache-Control "$GW/ipfs/$multi")"
check "ETag is the CID" "\"$multi\"" "$(header Etag "$GW/ipfs/$multi")"
check "X-Ipfs-Path" "/ipfs/$multi" "$(header X-Ipfs-Path "$GW/ipfs/$multi")"
check "text is sniffed as text" "text/plain; charset=utf-8" "$(header Content-Type "$GW/ipfs/$text")"
check "binary is octet-stream" "application/octet-stream" "$(header Content-Type "$GW/ipfs/$multi")"
check "HEAD: status" "200" "$(status -I "$GW/ipfs/$multi")"
check "HEAD: no body, same length" "$((3 * C + 100))|0" \
	"$(cu -I "$GW/ipfs/$multi" -D - -o /dev/null -w '%{size_download}' | tr -d '\r' | sed -n 's/^Content-Length: //p;$p' | paste -sd'|')"
check "If-None-Match → 304" "304" "$(status -H "If-None-Match: \"$multi\"" "$GW/ipfs/$multi")"
check "If-None-Match among several → 304" "304" "$(status -H "If-None-Match: \"x\", W/\"$multi\"" "$GW/ipfs/$multi")"
check "other ETag → 200" "200" "$(status -H 'If-None-Match: "bafyother"' "$GW/ipfs/$multi")"
check "/ipfs/bafkqaaa probe" "200|0" "$(cu -o /dev/null -w '%{http_code}|%{size_download}' "$GW/ipfs/bafkqaaa")"

# Range: first byte, last byte, across chunk boundaries, suffix, open-ended, unsatisfiable
range() { # range SPEC OFFSET LENGTH FILE CID
	local got want
	got=$(cu -H "Range: bytes=$1" -o "$scratch/r" -w '%{http_code}' "$GW/ipfs/$5")
	if [ "$got" = 206 ] && cmp -s "$scratch/r" <(tail -c +$(($2 + 1)) "$scratch/$4" | head -c "$3"); then ok "Range $1 on $4"
	else not_ok "Range $1 on $4 (status $got)"; fi
}
S=$((3 * C + 100))
range 0-0 0 1 multi "$multi"
range "$((S - 1))-$((S - 1))" $((S - 1)) 1 multi "$multi"
range "$((C - 10))-$((C + 9))" $((C - 10)) 20 multi "$multi"
range "$((2 * C - 1))-$((3 * C))" $((2 * C - 1)) $((C + 2)) multi "$multi"
range "-100" $((S - 100)) 100 multi "$multi"
range "$((S - 5))-" $((S - 5)) 5 multi "$multi"
range "1000-$((10 * S))" 1000 $((S - 1000)) multi "$multi"
range "1000000-3999999" 1000000 3000000 big "$big"
check "Content-Range" "bytes 10-19/$S" "$(header Content-Range -H 'Range: bytes=10-19' "$GW/ipfs/$multi")"
check "unsatisfiable range → 416" "416" "$(status -H "Range: bytes=$S-" "$GW/ipfs/$multi")"
check "416 says the size" "bytes */$S" "$(header Content-Range -H "Range: bytes=$S-" "$GW/ipfs/$multi")"
check "several ranges → whole body" "200" "$(status -H 'Range: bytes=0-1,5-6' "$GW/ipfs/$multi")"

# raw blocks
cu "$GW/ipfs/$small?format=raw" | cmp -s - "$scratch/small" && ok "?format=raw gives the block" || not_ok "format=raw"
check "raw Content-Type" "application/vnd.ipld.raw" "$(header Content-Type "$GW/ipfs/$small?format=raw")"
check "Accept: application/vnd.ipld.raw" "$(cu "$GW/ipfs/$multi?format=raw" | sha256sum)" \
	"$(cu -H 'Accept: application/vnd.ipld.raw' "$GW/ipfs/$multi" | sha256sum)"
"$CAIRN" cid inspect "$multi" >/dev/null
check "raw root block hashes to its CID" "$("$CAIRN" cid inspect "$multi" | sed -n 's/  Digest:   //p')" \
	"$(cu "$GW/ipfs/$multi?format=raw" | b3sum --no-names)"
check "raw ETag" "\"$small.raw\"" "$(header Etag "$GW/ipfs/$small?format=raw")"

# CAR: parsed by @ipld/car, every block re-hashed, DFS order, no duplicates
carcheck() { # carcheck NAME URL ROOT WANT_BLOCKS [accept-header]
	cu ${5:+-H "Accept: $5"} "$2" -o "$scratch/c.car"
	node "$here/car-verify.mjs" "$scratch/c.car" >"$scratch/c.txt" 2>&1
	check "$1" "roots=$3 blocks=$4 dups=0 bad=0" "$(head -1 "$scratch/c.txt" | sed 's/ bytes=[0-9]*//')"
}
# the 4-chunk file: root + 4 raw leaves; its blocks are exactly the add's
carcheck "CAR of a file (format=car)" "$GW/ipfs/$multi?format=car" "$multi" 5
carcheck "CAR by Accept header" "$GW/ipfs/$multi" "$multi" 5 "application/vnd.ipld.car"
carcheck "CAR dag-scope=block" "$GW/ipfs/$multi?format=car&dag-scope=block" "$multi" 1
carcheck "CAR dag-scope=entity" "$GW/ipfs/$multi?format=car&dag-scope=entity" "$multi" 5
carcheck "CAR entity-bytes in the first chunk" "$GW/ipfs/$multi?format=car&entity-bytes=0:99" "$multi" 2
carcheck "CAR entity-bytes across a boundary" "$GW/ipfs/$multi?format=car&entity-bytes=$((C - 1)):$C" "$multi" 3
carcheck "CAR entity-bytes to the end" "$GW/ipfs/$multi?format=car&entity-bytes=$((3 * C)):*" "$multi" 2
carcheck "CAR entity-bytes from the end" "$GW/ipfs/$multi?format=car&entity-bytes=-10:*" "$multi" 2
carcheck "CAR of a raw block" "$GW/ipfs/$small?format=car" "$small" 1
carcheck "CAR of a streamed 5 MiB file" "$GW/ipfs/$big?format=car" "$big" 21
# DFS order: the root, then the leaves in file order (what 'add' produced)
cu "$GW/ipfs/$multi?format=car" -o "$scratch/c.car"
node "$here/car-verify.mjs" "$scratch/c.car" | sed -n 2p | grep -qx "$multi" && ok "CAR starts with the root" || not_ok "CAR root first"
# duplicates: a file of identical chunks has one leaf, listed once
carcheck "CAR without duplicate blocks" "$GW/ipfs/$zeros?format=car" "$zeros" 2
check "CAR Content-Type" "application/vnd.ipld.car; version=1; order=dfs; dups=n" "$(header Content-Type "$GW/ipfs/$multi?format=car")"
check "CAR of a missing root → 404" "404" "$(status "$GW/ipfs/$missing?format=car")"
check "CAR bad dag-scope → 400" "400" "$(status "$GW/ipfs/$multi?format=car&dag-scope=most")"
check "CAR bad entity-bytes → 400" "400" "$(status "$GW/ipfs/$multi?format=car&entity-bytes=5")"
check "CAR If-None-Match → 304" "304" "$(status -H "If-None-Match: $(header Etag "$GW/ipfs/$multi?format=car")" "$GW/ipfs/$multi?format=car")"

# errors: short text bodies with the right status
check "malformed CID → 400" "400" "$(status "$GW/ipfs/bafyNOTACID")"
cu "$GW/ipfs/bafyNOTACID" | grep -q "invalid CID" && ok "400 body says why" || not_ok "400 body"
check "unknown CID → 404" "404" "$(status "$GW/ipfs/$missing")"
check "unknown CID raw → 404" "404" "$(status "$GW/ipfs/$missing?format=raw")"
check "unknown format → 400" "400" "$(status "$GW/ipfs/$multi?format=zip")"
check "POST to the gateway → 405" "405" "$(status -X POST "$GW/ipfs/$multi")"
check "outside /ipfs → 404" "404" "$(status "$GW/elsewhere")"
check "/ipns → 501" "501" "$(status "$GW/ipns/example.com")"
check "errors are not cached" "no-store" "$(header Cache-Control "$GW/ipfs/$missing")"

# the Kubo RPC read side
check "api version" "0.1.0" "$(cu -X POST "$API/api/v0/version" | sed -n 's/.*"Version":"\([^"]*\)".*/\1/p')"
commit=$(git -C "$(dirname "$0")" rev-parse --short=12 HEAD 2>/dev/null)
[ -z "$commit" ] || check "…and its Commit is the one built" "$commit" "$(cu -X POST "$API/api/v0/version" | sed -n 's/.*"Commit":"\([^"]*\)".*/\1/p')"
check "api id is the repo's PeerID" "$(sed -n 's/^peer identity: //p' "$scratch/daemon.out")" \
	"$(cu -X POST "$API/api/v0/id" | sed -n 's/.*"ID":"\([^"]*\)".*/\1/p')"
cu -X POST "$API/api/v0/cat?arg=$big" | cmp -s - "$scratch/big" && ok "api cat (streamed)" || not_ok "api cat"
check "api cat offset/length" "$(tail -c +101 "$scratch/text" | head -c 50)" "$(cu -X POST "$API/api/v0/cat?arg=$text&offset=100&length=50")"
cu -X POST "$API/api/v0/block/get?arg=$small" | cmp -s - "$scratch/small" && ok "api block/get" || not_ok "api block/get"
check "api block/stat" "{\"Key\":\"$small\",\"Size\":$((C / 2))}" "$(cu -X POST "$API/api/v0/block/stat?arg=$small")"
cu -X POST "$API/api/v0/pin/ls" | grep -q "\"$multi\":{\"Type\":\"recursive\"" && ok "api pin/ls" || not_ok "api pin/ls"
check "api pin/ls of an unpinned CID → 404" "404" "$(status -X POST "$API/api/v0/pin/ls?arg=$missing")"
check "api GET → 405" "405" "$(status "$API/api/v0/version")"
check "api unknown → 404 JSON" '"Type":"error"' "$(cu -X POST "$API/api/v0/nothing" | grep -o '"Type":"error"')"
check "api bad CID → 400" "400" "$(status -X POST "$API/api/v0/cat?arg=nope")"
check "api missing arg → 400" "400" "$(status -X POST "$API/api/v0/cat")"
check "api unknown block → 404" "404" "$(status -X POST "$API/api/v0/block/get?arg=$missing")"

# slow readers do not block others: a stalled download while others proceed
curl -sS --max-time 5 --limit-rate 50k "$GW/ipfs/$big" -o /dev/null &
slow=$!
sleep 0.3
cu "$GW/ipfs/$multi" | cmp -s - "$scratch/multi" && ok "served while a slow client downloads" || not_ok "blocked by slow client"
kill $slow 2>/dev/null; wait $slow 2>/dev/null

# CORS, as the Fetch standard has a browser check it: a preflight for a
# Range request from another origin passes, and a script may read the
# headers a verifying client needs; the API sends no CORS at all
hdr() { tr -d '\r' <"$scratch/h" | sed -n "s/^$1: //Ip"; }
pre=$(cu -o /dev/null -D "$scratch/h" -w '%{http_code}' -X OPTIONS -H 'Origin: https://app.example' \
	-H 'Access-Control-Request-Method: GET' -H 'Access-Control-Request-Headers: range' "$GW/ipfs/$multi")
case "$pre $(hdr Access-Control-Allow-Origin) $(hdr Access-Control-Allow-Methods | grep -c GET) $(hdr Access-Control-Allow-Headers | grep -ic range)" in
"204 * 1 1") ok "CORS preflight: 204, any origin, GET, the Range header" ;; *) not_ok "preflight: $pre $(cat "$scratch/h")" ;; esac
cu -o /dev/null -D "$scratch/h" -H 'Origin: https://app.example' -H 'Range: bytes=0-9' "$GW/ipfs/$multi"
exp=$(hdr Access-Control-Expose-Headers)
check "…a cross-origin GET: allowed, the headers verified-fetch reads exposed" "* Content-Range X-Ipfs-Path X-Ipfs-Roots X-Content-Type-Options" \
	"$(hdr Access-Control-Allow-Origin) $(for k in Content-Range X-Ipfs-Path X-Ipfs-Roots X-Content-Type-Options; do echo "$exp" | tr -d ' ' | tr ',' '\n' | grep -ix "$k"; done | xargs)"
check "…and a preflight to routing v1" "204 *" "$(cu -o /dev/null -D "$scratch/h" -w '%{http_code}' -X OPTIONS "$GW/routing/v1/providers/$multi") $(hdr Access-Control-Allow-Origin)"
check "…the API: no CORS header" "0" "$(cu -o /dev/null -D - -X POST -H 'Origin: https://app.example' "$API/api/v0/id" | grep -ic '^access-control-')"

# a client that disconnects mid-stream leaves the daemon healthy
curl -sS --max-time 5 "$GW/ipfs/$big" 2>/dev/null | head -c 1000 >/dev/null
check "daemon alive after a client hung up mid-stream" "200" "$(status "$GW/ipfs/$small")"

grep -q 'level=info server=gateway client=127.0.0.1:[0-9]* method=GET path="/ipfs/' "$scratch/daemon.log" && ok "one log line per request" || not_ok "request log"

# operations endpoints
check "/healthz on the gateway" "ok" "$(cu "$GW/healthz")"
check "/healthz on the API" "ok" "$(cu "$API/healthz")"
cu "$API/metrics" >"$scratch/metrics"
grep -q '^cairn_http_requests_total{server="gateway",code="206"} [1-9]' "$scratch/metrics" && ok "metrics: requests by status" || not_ok "metrics requests"
grep -q '^cairn_http_requests_total{server="gateway",code="404"} [1-9]' "$scratch/metrics" && ok "metrics: 404s counted" || not_ok "metrics 404"
grep -q '^cairn_http_request_duration_seconds_bucket{server="gateway",le="+Inf"} [1-9]' "$scratch/metrics" && ok "metrics: latency histogram" || not_ok "metrics histogram"
grep -q '^cairn_http_response_bytes_total{server="gateway"} [1-9][0-9]\{6,\}' "$scratch/metrics" && ok "metrics: bytes sent" || not_ok "metrics bytes"
check "metrics: pins gauge" "cairn_pins 6" "$(grep '^cairn_pins ' "$scratch/metrics")"
check "metrics: blocks gauge" "cairn_blocks $(CAIRN_PATH=$CAIRN_PATH find "$CAIRN_PATH/blocks" -name '*.data' | wc -l)" "$(grep '^cairn_blocks ' "$scratch/metrics")"
grep -q '^# TYPE cairn_http_request_duration_seconds histogram' "$scratch/metrics" && ok "metrics: Prometheus TYPE lines" || not_ok "metrics TYPE"
daemon_stop
grep -q "shutting down" "$scratch/daemon.log" && grep -q "stopped" "$scratch/daemon.log" && ok "SIGTERM: clean shutdown" || not_ok "shutdown"
"$CAIRN" pin ls >/dev/null 2>&1 && ok "the repo lock is released at exit" || not_ok "lock released"
echo "1..$n"

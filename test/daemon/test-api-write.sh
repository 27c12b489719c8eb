#!/usr/bin/env bash
# Writes through the Kubo RPC API with curl: add in every mode (CIDs equal
# `cairn add -n`), block/put, pin add/rm, repo/gc, upload limits, malformed
# uploads; then SIGKILL during concurrent adds: the repo verifies and every
# answered add is served byte-exact.
. "$(dirname "$0")/../lib/tap.bash"
. "$(dirname "$0")/../lib/daemon.bash"
export CAIRN_PATH=$scratch/repo
"$CAIRN" init >/dev/null
# a small upload cap, to test 413 without huge bodies
node -e 'const f=process.argv[1],c=JSON.parse(require("fs").readFileSync(f));c.Limits={MaxUploadBytes:3000000};require("fs").writeFileSync(f,JSON.stringify(c))' "$CAIRN_PATH/config"
daemon_start || { echo "not ok 1 - daemon start"; cat "$scratch/daemon.log"; exit 1; }
cu() { curl -sS --max-time 20 "$@"; }
hash_of() { sed -n 's/.*"Hash":"\([^"]*\)".*/\1/p'; }

head -c 700000 /dev/urandom >"$scratch/f"
for mode in "" "cid-version=0" "cid-version=1&hash=sha2-256" "trickle=true&raw-leaves=false" "chunker=size-1000"; do
	flags=$(echo "$mode" | sed 's/cid-version=/--cid-version /; s/&hash=/ --hash /; s/trickle=true/--trickle/; s/&raw-leaves=false/ --raw-leaves=false/; s/chunker=/--chunker /')
	got=$(cu -X POST -F "file=@$scratch/f" "$API/api/v0/add?$mode" | hash_of)
	check "add ${mode:-default} = cairn add -n $flags" "$("$CAIRN" add -nQ $flags "$scratch/f")" "$got"
done
out=$(cu -X POST -F "file=@$scratch/f;filename=a%2Fb.bin" "$API/api/v0/add?progress=true")
echo "$out" | head -1 | grep -q '"Bytes":700000' && ok "progress line" || not_ok "progress: $out"
echo "$out" | sed -n 2p | grep -q '"Name":"a/b.bin"' && ok "file names are percent-decoded" || not_ok "names: $out"
echo "$out" | tail -1 | grep -q '"Name":"a",' && ok "a name with a slash is a file in a directory" || not_ok "dir line: $out"
two=$(cu -X POST -F "file=@$scratch/f" -F "file=@$scratch/daemon.out" "$API/api/v0/add" | grep -c '"Hash"')
check "two files, two results" "2" "$two"
head -c 300000 /dev/urandom >"$scratch/loose"   # fresh content: nothing pins it yet
cid=$(cu -X POST -F "file=@$scratch/loose" "$API/api/v0/add?pin=false" | hash_of)
check "pin=false does not pin" "404" "$(cu -o /dev/null -w '%{http_code}' -X POST "$API/api/v0/pin/ls?arg=$cid")"
check "pin/add" "{\"Pins\":[\"$cid\"]}" "$(cu -X POST "$API/api/v0/pin/add?arg=$cid")"
check "pin/rm" "{\"Pins\":[\"$cid\"]}" "$(cu -X POST "$API/api/v0/pin/rm?arg=$cid")"
check "pin/rm again → 404" "404" "$(cu -o /dev/null -w '%{http_code}' -X POST "$API/api/v0/pin/rm?arg=$cid")"
cu -X POST "$API/api/v0/repo/gc" | grep -q '"Key":{"/":"' && ok "repo/gc lists removed blocks" || not_ok "repo/gc"
check "gc'd data is gone" "404" "$(cu -o /dev/null -w '%{http_code}' "$GW/ipfs/$cid")"
head -c 300000 /dev/urandom >"$scratch/unstored"
only=$(cu -X POST -F "file=@$scratch/unstored" "$API/api/v0/add?only-hash=true" | hash_of)
check "only-hash gives the CID" "$("$CAIRN" add -nQ "$scratch/unstored")" "$only"
check "only-hash stores nothing" "404" "$(cu -o /dev/null -w '%{http_code}' "$GW/ipfs/$only")"
printf 'hello\n' >"$scratch/h"
check "block/put" '{"Key":"bafkreicysg23kiwv34eg2d7qweipxwosdo2py4ldv42nbauguluen5v6am","Size":6}' \
	"$(cu -X POST -F "data=@$scratch/h" "$API/api/v0/block/put")"
check "block/put mhtype/cid-codec" "$("$CAIRN" cid format --mc dag-cbor "$("$CAIRN" add -nQ "$scratch/h")")" \
	"$(cu -X POST -F "data=@$scratch/h" "$API/api/v0/block/put?mhtype=blake3&cid-codec=dag-cbor" | sed -n 's/.*"Key":"\([^"]*\)".*/\1/p')"
m=$(cu "$API/metrics")
echo "$m" | grep -q '^cairn_blocks [1-9]' && ok "metrics count the daemon's writes" || not_ok "metrics after writes"

# malformed and oversized uploads: clear 4xx, nothing stored
code() { cu -o "$scratch/body" -w '%{http_code}' "$@"; }
check "add without a file → 400" "400" "$(code -X POST "$API/api/v0/add")"
grep -q '"Type":"error"' "$scratch/body" && ok "errors are Kubo JSON" || not_ok "error body"
check "add not multipart → 400" "400" "$(code -X POST -H 'Content-Type: text/plain' --data-binary @"$scratch/h" "$API/api/v0/add")"
check "add truncated multipart → 400" "400" "$(code -X POST -H 'Content-Type: multipart/form-data; boundary=XX' --data-binary $'--XX\r\nContent-Disposition: form-data; name="file"\r\n\r\nabc' "$API/api/v0/add")"
check "a directory part alone: Kubo's empty directory" "QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn" \
	"$(cu -X POST -F 'file=@/dev/null;type=application/x-directory;filename=d' "$API/api/v0/add?cid-version=0" | hash_of)"
check "a file given as a directory too → 400" "400" "$(code -X POST -F 'file=@/dev/null;type=application/x-directory;filename=d' -F "file=@$scratch/h;filename=d" "$API/api/v0/add")"
check "a '..' segment → 400" "400" "$(code -X POST -F "file=@$scratch/h;filename=d%2F..%2Fx" "$API/api/v0/add")"
check "add cid-version 2 → 400" "400" "$(code -X POST -F "file=@$scratch/h" "$API/api/v0/add?cid-version=2")"
check "add v0 with blake3 → 400" "400" "$(code -X POST -F "file=@$scratch/h" "$API/api/v0/add?cid-version=0&hash=blake3")"
check "add bad chunker → 400" "400" "$(code -X POST -F "file=@$scratch/h" "$API/api/v0/add?chunker=rabin")"
check "add bad boolean → 400" "400" "$(code -X POST -F "file=@$scratch/h" "$API/api/v0/add?pin=maybe")"
head -c 3500000 /dev/urandom >"$scratch/too-big"
check "upload over the limit → 413" "413" "$(code -X POST -F "file=@$scratch/too-big" "$API/api/v0/add")"
check "block/put over 2 MiB → 413" "413" "$(code -X POST -F "data=@$(head -c 2200000 /dev/zero >"$scratch/z"; echo "$scratch/z")" "$API/api/v0/block/put")"
check "block/put bad codec → 400" "400" "$(code -X POST -F "data=@$scratch/h" "$API/api/v0/block/put?cid-codec=git")"
check "pin/add of a missing DAG → 404" "404" "$(code -X POST "$API/api/v0/pin/add?arg=$only")"
check "daemon healthy after bad uploads" "ok" "$(cu "$GW/healthz")"

# SIGKILL while four clients add concurrently
: >"$scratch/acked"
for w in 1 2 3 4; do
	(
		for i in $(seq 40); do
			f=$scratch/w$w-$i
			head -c $((200000 + RANDOM * 30)) /dev/urandom >"$f"
			c=$(curl -sS --max-time 5 -X POST -F "file=@$f" "$API/api/v0/add" 2>/dev/null | hash_of)
			[ -n "$c" ] && echo "$c $f" >>"$scratch/acked" || break
		done
	) &
done
sleep 1.5
daemon_kill
wait
acked=$(wc -l <"$scratch/acked")
[ "$acked" -gt 0 ] && ok "adds were answered before the kill ($acked)" || not_ok "no adds answered"
run_out=$("$CAIRN" repo verify 2>&1) && ok "after SIGKILL: repo verify passes" || { not_ok "repo verify after SIGKILL"; echo "# $run_out"; }
bad=0
while read -r c f; do
	"$CAIRN" cat "$c" 2>/dev/null | cmp -s - "$f" || bad=$((bad + 1))
	"$CAIRN" pin ls "$c" >/dev/null 2>&1 || bad=$((bad + 1))
done <"$scratch/acked"
check "every answered add is pinned and served byte-exact" "0" "$bad"
echo "1..$n"

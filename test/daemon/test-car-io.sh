#!/usr/bin/env bash
# CAR export and import, CLI and API, against @ipld/car: cairn's CARs parse
# and re-hash in @ipld/car; CARs @ipld/car wrote import into cairn; a CAR
# with a tampered block is refused and stores nothing under a false name.
. "$(dirname "$0")/../lib/tap.bash"
. "$(dirname "$0")/../lib/daemon.bash"
export CAIRN_PATH=$scratch/repo
"$CAIRN" init >/dev/null
head -c $((5 * 262144 + 99)) /dev/urandom >"$scratch/f"
cid=$("$CAIRN" add -Q "$scratch/f")

"$CAIRN" dag export "$cid" >"$scratch/out.car"
check "dag export parses in @ipld/car, blocks re-hashed" "roots=$cid blocks=7 dups=0 bad=0" \
	"$(node "$here/car-verify.mjs" "$scratch/out.car" | head -1 | sed 's/ bytes=[0-9]*//')"
run=$("$CAIRN" dag export "$(printf x | "$CAIRN" add -nQ)" 2>&1 >/dev/null)
echo "$run" | grep -q "is not in the repo" && ok "dag export of a missing DAG fails" || not_ok "export missing: $run"

# into a second repo: what @ipld/car wrote, and what cairn wrote
export CAIRN_PATH=$scratch/repo2
"$CAIRN" init >/dev/null
jsroot=$(node "$here/make-car.mjs" "$scratch/f" "$scratch/js.car")
check "JS importer + @ipld/car root = cairn add (sha2-256)" "$("$CAIRN" add -nQ --hash sha2-256 "$scratch/f")" "$jsroot"
check "dag import of an @ipld/car CAR" "Pinned root	$jsroot	success" "$("$CAIRN" dag import "$scratch/js.car")"
"$CAIRN" cat "$jsroot" | cmp -s - "$scratch/f" && ok "imported DAG reads back byte-exact" || not_ok "imported cat"
check "dag import of cairn's own CAR" "Pinned root	$cid	success" "$("$CAIRN" dag import "$scratch/out.car")"
"$CAIRN" repo verify >/dev/null && ok "repo verifies after imports" || not_ok "verify after import"
bad=$(node "$here/make-car.mjs" "$scratch/f" "$scratch/bad.car" --corrupt)
before=$("$CAIRN" repo stat | sed -n 's/NumObjects: *//p')
out=$("$CAIRN" dag import "$scratch/bad.car" 2>&1)
[ $? -eq 1 ] && echo "$out" | grep -q "does not match its CID" && ok "a tampered block is refused" || not_ok "tampered: $out"
"$CAIRN" repo verify >/dev/null && ok "nothing false was stored" || not_ok "verify after tampered import"
head -c 300 "$scratch/out.car" >"$scratch/short.car"
out=$("$CAIRN" dag import "$scratch/short.car" 2>&1)
[ $? -eq 1 ] && echo "$out" | grep -q "ends inside a block" && ok "a truncated CAR is refused" || not_ok "truncated: $out"
out=$("$CAIRN" dag import --pin-roots=false "$scratch/out.car")
rc=$?
[ $rc -eq 0 ] && [ -z "$out" ] && ok "--pin-roots=false imports without pinning" || not_ok "--pin-roots=false: rc=$rc out=$out"

# the same over HTTP
export CAIRN_PATH=$scratch/repo
daemon_start || { echo "not ok - daemon"; exit 1; }
curl -sS --max-time 20 -X POST "$API/api/v0/dag/export?arg=$cid" -o "$scratch/api.car"
cmp -s "$scratch/api.car" "$scratch/out.car" && ok "api dag/export = cairn dag export" || not_ok "api export"
r=$(curl -sS --max-time 20 -X POST -F "file=@$scratch/js.car" "$API/api/v0/dag/import")
check "api dag/import" "{\"Root\":{\"Cid\":{\"/\":\"$jsroot\"},\"PinErrorMsg\":\"\"}}" "$r"
check "api dag/import of a tampered CAR → 400" "400" \
	"$(curl -sS --max-time 20 -o /dev/null -w '%{http_code}' -X POST -F "file=@$scratch/bad.car" "$API/api/v0/dag/import")"
curl -sS --max-time 20 "$GW/ipfs/$jsroot" | cmp -s - "$scratch/f" && ok "imported DAG served by the gateway" || not_ok "gateway after import"
echo "1..$n"

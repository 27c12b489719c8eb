#!/usr/bin/env bash
# Helia's own clients against the node (test/interop/helia.mjs): the
# delegated routing v1 client with IPIP-484 filters and IPIP-513 empty
# answers, and @helia/verified-fetch finding the node through routing v1
# and verifying every block it fetches from the trustless gateway.
. "$(dirname "$0")/../lib/tap.bash"
. "$(dirname "$0")/../lib/daemon.bash"
export CAIRN_PATH=$scratch/repo
"$CAIRN" init >/dev/null
mkdir -p "$scratch/d/sub"
head -c 600000 /dev/urandom >"$scratch/d/sub/big"   # three blocks
printf 'small\n' >"$scratch/d/a.txt"
# sha2-256: what Helia verifies out of the box (blake3 is not in it)
dir=$("$CAIRN" add -rQ --hash sha2-256 --cid-version 1 "$scratch/d")
rec=$(printf '{"name":"record","dir":{"/":"%s"},"n":[1,2.5]}' "$dir" | "$CAIRN" dag put)
"$CAIRN" dag get "$rec" >"$scratch/rec.json"
"$CAIRN" block get "$rec" >"$scratch/rec.cbor"
daemon_start || { not_ok "daemon start"; echo "1..$n"; exit 1; }
id=$("$CAIRN" id | sed -n 's/.*"ID": "\(.*\)".*/\1/p')
out=$(cd "$here" && timeout 120 node helia.mjs "$GW" "$n" "$id" "$dir" sub/big "$scratch/d/sub/big" "$rec" "$scratch/rec.json" "$dir")
echo "$out" | grep -v '^n='
n=$(echo "$out" | sed -n 's/^n=//p')
[ -n "$n" ] || { n=0; not_ok "helia.mjs ran to its end"; }
echo "1..$n"

#!/usr/bin/env bash
# IPLD records: cairn dag put|get|stat against the reference JS codecs
# (@ipld/dag-cbor, @ipld/dag-json, @ipld/dag-pb), on random values and on
# the edges (widest integers, floats, key orders, deep nesting); bad input
# refused with its reason and nothing stored; links in records followed by
# GC, pins, refs and CAR export.
. "$(dirname "$0")/../lib/tap.bash"
. "$(dirname "$0")/../lib/daemon.bash"
export CAIRN_PATH=$scratch/repo
"$CAIRN" init >/dev/null
v=$scratch/vec
mkdir -p "$v"
count=160
node "$here/ipld-vectors.mjs" "$v" "$count" 20261130 >"$v/list"
check "the JS codecs wrote $count records" "$count" "$(wc -l <"$v/list" | tr -d ' ')"

# Each record, five ways; a mismatch is listed, the first few shown.
bad_put=0 bad_json_store=0 bad_cbor_in=0 bad_bytes=0 bad_get=0 shown=0
show() { [ $shown -lt 8 ] && echo "#   record $1: $2" && shown=$((shown + 1)); }
while read -r i cbor_cid json_cid; do
	got=$("$CAIRN" dag put <"$v/$i.in" 2>&1)
	[ "$got" = "$cbor_cid" ] || { bad_put=$((bad_put + 1)); show "$i" "dag put: $got (want $cbor_cid)"; }
	got=$("$CAIRN" dag put --store-codec dag-json <"$v/$i.in" 2>&1)
	[ "$got" = "$json_cid" ] || { bad_json_store=$((bad_json_store + 1)); show "$i" "--store-codec dag-json: $got"; }
	got=$("$CAIRN" dag put --input-codec dag-cbor <"$v/$i.cbor" 2>&1)
	[ "$got" = "$cbor_cid" ] || { bad_cbor_in=$((bad_cbor_in + 1)); show "$i" "--input-codec dag-cbor: $got"; }
	"$CAIRN" block get "$cbor_cid" >"$scratch/b" 2>&1 && cmp -s "$scratch/b" "$v/$i.cbor" &&
		"$CAIRN" block get "$json_cid" >"$scratch/b" 2>&1 && cmp -s "$scratch/b" "$v/$i.djson" ||
		{ bad_bytes=$((bad_bytes + 1)); show "$i" "stored bytes differ"; }
	"$CAIRN" dag get "$cbor_cid" >"$scratch/g" 2>&1 && cmp -s "$scratch/g" "$v/$i.djson" &&
		"$CAIRN" dag get "$json_cid" >"$scratch/g" 2>&1 && cmp -s "$scratch/g" "$v/$i.djson" ||
		{ bad_get=$((bad_get + 1)); show "$i" "dag get: $(head -c 300 "$scratch/g")"; }
done <"$v/list"
check "dag put (loose dag-json in, dag-cbor stored): the CID @ipld/dag-cbor gives" 0 "$bad_put"
check "dag put --store-codec dag-json: the CID @ipld/dag-json gives" 0 "$bad_json_store"
check "dag put --input-codec dag-cbor of @ipld/dag-cbor's bytes: the same CID" 0 "$bad_cbor_in"
check "the blocks stored are @ipld's bytes exactly" 0 "$bad_bytes"
check "dag get writes @ipld/dag-json's bytes, from either codec" 0 "$bad_get"

# Plain json (0x0200): "/" is an ordinary key there.
printf '{"/":"plain","n":[1]}' >"$scratch/plain.json"
pc=$("$CAIRN" dag put --input-codec json --store-codec json "$scratch/plain.json")
check "json in, json stored" "$(cd "$here" && node -e '
import("multiformats/cid").then(async ({CID}) => { const {sha256} = await import("multiformats/hashes/sha2");
const b = new TextEncoder().encode(JSON.stringify({"/":"plain",n:[1]}));
console.log(CID.create(1, 0x0200, await sha256.digest(b)).toString()) })' 2>&1)" "$pc"
out=$("$CAIRN" dag get "$pc" 2>&1); rc=$?
check "a map with the key \"/\" has no dag-json form: dag get says so" "1 yes" \
	"$rc $(echo "$out" | grep -q 'cannot be written as DAG-JSON' && echo yes)"
check "... and --output-codec json writes it" '{"/":"plain","n":[1]}' "$("$CAIRN" dag get --output-codec json "$pc")"

# Bad input: exit 1, the reason and where, nothing stored.
before=$("$CAIRN" repo stat | awk '/NumObjects/ {print $2}')
while IFS='|' read -r name codec input why; do
	printf '%b' "$input" >"$scratch/bad"
	out=$("$CAIRN" dag put --input-codec "$codec" "$scratch/bad" 2>&1); rc=$?
	if [ $rc -eq 1 ] && echo "$out" | grep -q -- "$why"; then ok "refused: $name"; else not_ok "refused: $name"; echo "#   rc=$rc $out"; fi
done <<'EOF'
unsorted map keys|dag-cbor|\xa2\x61\x62\x01\x61\x61\x02|length-first order (at byte 4)
duplicate key|dag-cbor|\xa2\x61\x61\x01\x61\x61\x02|duplicate map key
integer not in its shortest form|dag-cbor|\x18\x01|shortest form
indefinite length|dag-cbor|\x9f\x01\xff|indefinite
32-bit float|dag-cbor|\xfa\x3f\xc0\x00\x00|64-bit floats
NaN|dag-cbor|\xfb\x7f\xf8\x00\x00\x00\x00\x00\x00|NaN
a tag other than 42|dag-cbor|\xc1\x01|tag 42
trailing bytes|dag-cbor|\x01\x01|bytes after the value
text that is not UTF-8|dag-cbor|\x62\xc3\x28|UTF-8
duplicate key in JSON|dag-json|{"a":1,"a":2}|duplicate map key
a link that is no CID|dag-json|{"/":"bafynotacid"}|link is not a CID
a link with more keys|dag-json|{"/":"bafkqaaa","x":1}|has no other keys
bad base64|dag-json|{"/":{"bytes":"!!"}}|base64
a lone surrogate|dag-json|["\\ud800"]|surrogate
a number past a double|dag-json|1e400|out of range
an integer past 64 bits|dag-json|18446744073709551616|out of range
a trailing comma|dag-json|[1,]|unexpected character (at byte 3)
not JSON at all|dag-json|hello|unexpected character
empty input|json||input ends
EOF
check "nothing was stored by the refused records" "$before" "$("$CAIRN" repo stat | awk '/NumObjects/ {print $2}')"
python3 -c 'print("[" * 200 + "]" * 200)' >"$scratch/deep"
out=$("$CAIRN" dag put "$scratch/deep" 2>&1); rc=$?
check "200 levels deep: refused at 128" "1 yes" "$rc $(echo "$out" | grep -q 'deeper than 128' && echo yes)"
head -c $((1024 * 1024 + 10)) /dev/zero | base64 -w0 | sed 's/^/"/; s/$/"/' >"$scratch/big"
out=$("$CAIRN" dag put "$scratch/big" 2>&1); rc=$?
check "a record over 1 MiB needs --allow-big-block" "1 yes" "$rc $(echo "$out" | grep -q -- '--allow-big-block' && echo yes)"
big=$("$CAIRN" dag put --allow-big-block "$scratch/big" 2>&1)
check "... and is stored with it" "Size: $(($(wc -c <"$scratch/big") - 2 + 5))" "$("$CAIRN" block stat "$big" 2>&1 | grep Size)"
out=$("$CAIRN" dag put --store-codec raw "$scratch/plain.json" 2>&1); rc=$?
check "a store codec other than dag-cbor, dag-json, json is a usage error" 2 "$rc"

# Records that link: paths through maps, lists and links; stat; walks.
leaf=$(printf 'leaf bytes' | "$CAIRN" block put)
child=$(printf '{"name":"child","data":{"/":"%s"}}' "$leaf" | "$CAIRN" dag put --store-codec dag-json)
parent=$(printf '{"kids":[{"/":"%s"}],"title":"parent"}' "$child" | "$CAIRN" dag put)
check "dag get PATH through a list into a map" '"parent"' "$("$CAIRN" dag get "$parent/title")"
check "dag get PATH through a link into another block" '"child"' "$("$CAIRN" dag get "$parent/kids/0/name")"
check "a path that ends on a link gives the block it names" \
	"$("$CAIRN" dag get "$child")" "$("$CAIRN" dag get "$parent/kids/0")"
check "... down to a raw block, shown as bytes" \
	"{\"/\":{\"bytes\":\"$(printf 'leaf bytes' | base64 -w0 | tr -d =)\"}}" "$("$CAIRN" dag get "$parent/kids/0/data")"
out=$("$CAIRN" dag get "$parent/kids/1" 2>&1); rc=$?
check "a list index past the end: exit 1, no link named" "1 yes" "$rc $(echo "$out" | grep -q 'no link named "1"' && echo yes)"
out=$("$CAIRN" dag get "$parent/nope" 2>&1); rc=$?
check "a key that is not there: exit 1" "1 yes" "$rc $(echo "$out" | grep -q 'no link named "nope"' && echo yes)"
sizes=0
for c in "$parent" "$child" "$leaf"; do sizes=$((sizes + $("$CAIRN" block stat "$c" | awk '/Size/ {print $2}'))); done
st=$("$CAIRN" dag stat "$parent")
check "dag stat: 3 blocks and their bytes" "$parent	3	$sizes" "$(echo "$st" | sed -n 2p)"
check "dag stat: Kubo's summary" "Total Size: $sizes" "$(echo "$st" | grep 'Total Size')"
refs=$("$CAIRN" refs -r "$parent" | tr '\n' ' ')
check "refs -r follows dag-cbor and dag-json links" "$child $leaf " "$refs"
check "refs -ru: short flags combine, as Kubo's" "$child $leaf " "$("$CAIRN" refs -ru "$parent" | tr '\n' ' ')"
"$CAIRN" dag export "$parent" >"$scratch/p.car"
check "dag export: a CAR of all three blocks (read by @ipld/car)" "3" \
	"$(cd "$here" && node -e '
import("@ipld/car").then(async ({CarReader}) => { const fs = await import("node:fs");
const r = await CarReader.fromBytes(fs.readFileSync(process.argv[1])); let n = 0;
for await (const b of r.blocks()) n++; console.log(n) })' "$scratch/p.car")"
"$CAIRN" pin add "$parent" >/dev/null
"$CAIRN" repo gc >/dev/null 2>&1
check "GC keeps what a pinned record links to, across codecs" "leaf bytes" "$("$CAIRN" block get "$leaf" 2>&1)"
check "pin verify: the pinned record is whole" "$parent ok" "$("$CAIRN" pin verify --verbose)"
"$CAIRN" block rm "$leaf" >/dev/null
out=$("$CAIRN" pin verify 2>&1); rc=$?
check "pin verify walks through both records to the raw block gone" "1 yes" \
	"$rc $(echo "$out" | grep -q "$leaf" && echo yes)"
printf 'leaf bytes' | "$CAIRN" block put >/dev/null
"$CAIRN" pin rm "$parent" >/dev/null
"$CAIRN" repo gc >/dev/null 2>&1
out=$("$CAIRN" block get "$leaf" 2>&1); rc=$?
check "unpinned, GC takes them" 1 "$rc"
pinned=$(printf '{"x":{"/":"%s"}}' "$leaf" | "$CAIRN" dag put --pin 2>&1); rc=$?
check "dag put --pin of a record whose link is missing: refused, said" "1 yes" \
	"$rc $(echo "$pinned" | grep -q 'not in the repo' && echo yes)"

# dag-pb shown as its data model, as @ipld/dag-pb + @ipld/dag-json do.
mkdir -p "$scratch/d"; printf a >"$scratch/d/a"; printf bb >"$scratch/d/b"
dir=$("$CAIRN" add -rQ "$scratch/d")
"$CAIRN" block get "$dir" >"$scratch/dir.pb"
want=$(cd "$here" && node -e '
Promise.all([import("@ipld/dag-pb"), import("@ipld/dag-json")]).then(([pb, dj]) => {
const fs = require("node:fs"); process.stdout.write(new TextDecoder().decode(dj.encode(pb.decode(fs.readFileSync(process.argv[1]))))) })' "$scratch/dir.pb")
check "dag get of a dag-pb directory: @ipld/dag-pb's data model" "$want" "$("$CAIRN" dag get "$dir")"
check "dag get DIR/Links/1/Name" '"b"' "$("$CAIRN" dag get "$dir/Links/1/Name")"

# The same through the daemon: the CLI uses its API, and so does
# kubo-rpc-client.
daemon_start || { not_ok "daemon start"; echo "1..$n"; exit 1; }
check "through the daemon: block put, dag put (dag-json, dag-cbor) give the same CIDs" "$leaf $child $parent" \
	"$(printf 'leaf bytes' | "$CAIRN" block put) $(printf '{"name":"child","data":{"/":"%s"}}' "$leaf" |
		"$CAIRN" dag put --store-codec dag-json) $(printf '{"title":"parent","kids":[{"/":"%s"}]}' "$child" |
		"$CAIRN" dag put --pin)"
check "through the daemon: dag get PATH through a link" '"child"' "$("$CAIRN" dag get "$parent/kids/0/name")"
check "through the daemon: dag stat" "$parent	3	$sizes" "$("$CAIRN" dag stat "$parent" | sed -n 2p)"
i=$(sed -n 5p "$v/list" | cut -d' ' -f1)
check "through the daemon: --input-codec dag-cbor, --store-codec dag-json" "$(sed -n 5p "$v/list" | cut -d' ' -f3)" \
	"$("$CAIRN" dag put --input-codec dag-cbor --store-codec dag-json "$v/$i.cbor")"
out=$(printf '[1,]' | "$CAIRN" dag put 2>&1); rc=$?
check "through the daemon: bad input is exit 1 with the reason" "1 yes" \
	"$rc $(echo "$out" | grep -q 'unexpected character (at byte 3)' && echo yes)"
out=$(cd "$here" && node ipld-client.mjs "$API" "$n")
echo "$out" | grep -v '^n='
n=$(echo "$out" | sed -n 's/^n=//p')
echo "1..$n"

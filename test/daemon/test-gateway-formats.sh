#!/usr/bin/env bash
# The gateway's IPLD and tar formats (path gateway spec, IPIP-328):
# ?format=dag-json|dag-cbor|json|cbor and their Accept types, records served
# in their own codec, paths through records' maps, lists and links (and on
# into UnixFS), ?format=tar read back by GNU tar and Python's tarfile, and
# names that would leave the archive refused.
. "$(dirname "$0")/../lib/tap.bash"
. "$(dirname "$0")/../lib/daemon.bash"
export CAIRN_PATH=$scratch/repo
"$CAIRN" init >/dev/null
mkdir -p "$scratch/t/sub/deeper"
printf 'hello\n' >"$scratch/t/a.txt"
head -c 700000 /dev/urandom >"$scratch/t/sub/big"
: >"$scratch/t/sub/deeper/empty"
ln -s a.txt "$scratch/t/link"
long=$(printf 'n%.0s' $(seq 1 150))
printf 'long name\n' >"$scratch/t/sub/$long"
dir=$("$CAIRN" add -rQ "$scratch/t")
leaf=$(printf 'leaf' | "$CAIRN" block put)
rec=$(printf '{"file":{"/":"%s"},"tree":{"/":"%s"},"list":[1,{"k":"v"}],"n":1.5}' "$leaf" "$dir" | "$CAIRN" dag put)
jrec=$(printf '{"b":{"/":{"bytes":"AQI"}},"a":"x"}' | "$CAIRN" dag put --store-codec dag-json)
plain=$(printf '{"n":[1,2.5],"k":"v"}' | "$CAIRN" dag put --store-codec dag-json)
daemon_start || { not_ok "daemon start"; exit 1; }
get() { curl -s -o "$scratch/body" -D "$scratch/head" -w '%{http_code}' "$@"; }
hdr() { grep -i "^$1:" "$scratch/head" | cut -d' ' -f2- | tr -d '\r'; }

# records in their own codec, and converted
check "a dag-cbor record by default: its block, as dag-cbor" "200 application/vnd.ipld.dag-cbor" \
	"$(get "$GW/ipfs/$rec") $(hdr Content-Type)"
"$CAIRN" block get "$rec" >"$scratch/rec.cbor"
check "...byte for byte" "same" "$(cmp -s "$scratch/body" "$scratch/rec.cbor" && echo same)"
check "...ETag names the CID and the format" "\"$rec.dag-cbor\"" "$(hdr Etag)"
check "...saved, not shown: attachment $rec.cbor" "attachment; filename=\"$rec.cbor\"" "$(hdr Content-Disposition)"
check "...immutable" "public, max-age=29030400, immutable" "$(hdr Cache-Control)"
check "?format=dag-json: the record as dag-json" "200 application/vnd.ipld.dag-json" \
	"$(get "$GW/ipfs/$rec?format=dag-json") $(hdr Content-Type)"
check "...what cairn dag get writes" "$("$CAIRN" dag get "$rec")" "$(cat "$scratch/body")"
check "...shown inline as $rec.json" "inline; filename=\"$rec.json\"" "$(hdr Content-Disposition)"
check "Accept: application/vnd.ipld.dag-json does the same" "$("$CAIRN" dag get "$rec")" \
	"$(curl -s -H 'Accept: application/vnd.ipld.dag-json' "$GW/ipfs/$rec")"
check "a dag-json record by default: its own bytes" "$("$CAIRN" block get "$jrec")" "$(curl -s "$GW/ipfs/$jrec")"
check "...?format=dag-cbor converts it" "$("$CAIRN" dag get --output-codec dag-cbor "$jrec" | od -An -tx1 | tr -d ' \n')" \
	"$(curl -s "$GW/ipfs/$jrec?format=dag-cbor" | od -An -tx1 | tr -d ' \n')"
check "?format=json of a record with links: 406, said why" "406 yes" \
	"$(get "$GW/ipfs/$rec?format=json") $(grep -q 'plain JSON cannot hold links' "$scratch/body" && echo yes)"
check "?format=json of a record without: application/json" '200 application/json {"k":"v","n":[1,2.5]}' \
	"$(get "$GW/ipfs/$plain?format=json") $(hdr Content-Type) $(cat "$scratch/body")"
check "Accept: application/json of a record: plain JSON" '{"k":"v","n":[1,2.5]}' \
	"$(curl -s -H 'Accept: application/json' "$GW/ipfs/$plain")"
check "...and of one holding bytes: 406" "406" "$(curl -s -o /dev/null -w '%{http_code}' -H 'Accept: application/json' "$GW/ipfs/$jrec")"
check "Accept: application/json of a UnixFS file: the file, as Kubo" "hello" \
	"$(curl -s -H 'Accept: application/json' "$GW/ipfs/$dir/a.txt")"
want_pb=$(cd "$here" && node -e '
Promise.all([import("@ipld/dag-pb"), import("@ipld/dag-json")]).then(([pb, dj]) => {
const fs = require("node:fs"); process.stdout.write(new TextDecoder().decode(dj.encode(pb.decode(fs.readFileSync(0))))) })' \
	< <("$CAIRN" block get "$dir"))
check "?format=dag-json of a dag-pb directory: @ipld/dag-pb's data model" "$want_pb" \
	"$(curl -s "$GW/ipfs/$dir?format=dag-json")"
check "?format=xml: 400 naming the formats" "400 yes" \
	"$(get "$GW/ipfs/$rec?format=xml") $(grep -q 'dag-json, dag-cbor, json or cbor' "$scratch/body" && echo yes)"
check "a browser (Accept: text/html) gets a record as a page" "200 text/html; charset=utf-8" \
	"$(get -H 'Accept: text/html,application/xhtml+xml,*/*;q=0.8' "$GW/ipfs/$rec") $(hdr Content-Type)"
check "...its links lead to the content they name" "2" \
	"$(grep -c "<a href=\"/ipfs/$leaf\">$leaf</a>\|<a href=\"/ipfs/$dir\">$dir</a>" "$scratch/body")"
check "...its text, tags aside, is the record's DAG-JSON" "$("$CAIRN" dag get "$rec")" \
	"$(sed -n '/<pre>/,/<\/pre>/p' "$scratch/body" | sed 's/<[^>]*>//g' | python3 -c '
import html, json, sys
v = json.loads(html.unescape(sys.stdin.read()))
print(json.dumps(v, separators=(",", ":"), sort_keys=True))')"
check "...and names the formats to download it in" "4" \
	"$(grep -o 'href="?format=[a-z-]*"' "$scratch/body" | sort -u | wc -l)"
check "If-None-Match with the ETag: 304" "304" \
	"$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: \"$rec.dag-json\"" "$GW/ipfs/$rec?format=dag-json")"

# paths through records
check "a path through a record's link to a raw block" "leaf" "$(curl -s "$GW/ipfs/$rec/file")"
check "...and on through a link into UnixFS names" "hello" "$(curl -s "$GW/ipfs/$rec/tree/a.txt")"
check "...X-Ipfs-Roots: the record, the directory, the file" \
	"$rec,$dir,$(curl -s "$GW/ipfs/$dir/a.txt?format=raw" -D - -o /dev/null | grep -i '^x-ipfs-roots' | cut -d, -f2 | tr -d '\r')" \
	"$(get "$GW/ipfs/$rec/tree/a.txt" >/dev/null; hdr X-Ipfs-Roots)"
check "a path ending inside the record, not at a link: 404, said why" "404 yes" \
	"$(get "$GW/ipfs/$rec/list/1") $(grep -q 'not a link' "$scratch/body" && echo yes)"
check "a key that is not there: 404" "404" "$(get "$GW/ipfs/$rec/nope")"
curl -s "$GW/ipfs/$rec/tree/a.txt?format=car" >"$scratch/path.car"
check "a CAR of a path through a record holds the record, the directory and the file" "3 $rec" \
	"$(cd "$here" && node -e '
import("@ipld/car").then(async ({CarReader}) => { const fs = await import("node:fs");
const r = await CarReader.fromBytes(fs.readFileSync(process.argv[1])); let n = 0, first;
for await (const b of r.blocks()) { if (!n) first = b.cid.toString(); n++ } console.log(n, first) })' "$scratch/path.car")"

# tar
check "?format=tar: 200 application/x-tar, $dir.tar" "200 application/x-tar attachment; filename=\"$dir.tar\"" \
	"$(get "$GW/ipfs/$dir?format=tar") $(hdr Content-Type) $(hdr Content-Disposition)"
cp "$scratch/body" "$scratch/t.tar"
mkdir -p "$scratch/x"
tar -xf "$scratch/t.tar" -C "$scratch/x"
check "GNU tar extracts exactly the tree that was added (symlink, 150-byte name, empty file, 700 kB)" "same" \
	"$(diff -r "$scratch/t" "$scratch/x/$dir" >/dev/null && echo same)"
check "Python's tarfile reads every entry, each under the root" "8 ok" "$(python3 -c '
import sys, tarfile
t = tarfile.open(sys.argv[1])
ms = t.getmembers()
bad = [m.name for m in ms if not (m.name == sys.argv[2] or m.name.startswith(sys.argv[2] + "/")) or ".." in m.name.split("/")]
print(len(ms), "ok" if not bad else bad)' "$scratch/t.tar" "$dir")"
check "the same DAG gives the same archive" "$(sha256sum <"$scratch/t.tar")" \
	"$(curl -s -H 'Accept: application/x-tar' "$GW/ipfs/$dir" | sha256sum)"
check "a file alone: one entry, named as the path ends" "a.txt hello" \
	"$(curl -s "$GW/ipfs/$dir/a.txt?format=tar" | tar -t) $(curl -s "$GW/ipfs/$dir/a.txt?format=tar" | tar -xO)"
for name in ../escaped a/b; do
	evil=$(cd "$here" && node evil-dir-car.mjs "$name" "$scratch/evil.car")
	"$CAIRN" dag import "$scratch/evil.car" >/dev/null 2>&1
	curl -s "$GW/ipfs/$evil?format=tar" -o "$scratch/evil.tar"
	out=$(tar -tf "$scratch/evil.tar" 2>&1); rc=$?
	check "a directory entry named '$name': the archive is cut off, never holds it" "no-escape rc!=0" \
		"$(echo "$out" | grep -q 'escaped\|a/b' && echo escaped || echo no-escape) rc$([ $rc -ne 0 ] && echo '!=0' || echo =0)"
done
check "a record has no tar form: the stream is refused" "no" \
	"$(curl -s "$GW/ipfs/$rec?format=tar" | tar -t >/dev/null 2>&1 && echo yes || echo no)"
echo "1..$n"

#!/usr/bin/env bash
# The gateway on UnixFS directories made by the JS importer (basic and
# HAMT-sharded, imported as a CAR): paths, the trailing-slash redirect,
# index.html, listings, Content-Type by extension, raw and CAR responses
# for paths (CARs parsed by @ipld/car, every block re-hashed), dag-scope on
# directories, and errors.
. "$(dirname "$0")/../lib/tap.bash"
. "$(dirname "$0")/../lib/daemon.bash"
export CAIRN_PATH=$scratch/repo
"$CAIRN" init >/dev/null
t=$scratch/tree
mkdir -p "$t/site/css" "$t/docs/a b" "$t/empty" "$t/big"
printf '<!DOCTYPE html><title>hi</title>\n' >"$t/site/index.html"
printf 'body { color: red }\n' >"$t/site/css/style.css"
printf 'unicode name\n' >"$t/docs/a b/über ü.txt"
printf 'no extension, plain text\n' >"$t/docs/README"
head -c 700000 /dev/urandom >"$t/docs/data.bin"
for i in $(seq -w 1 300); do printf 'file %s\n' "$i" >"$t/big/file-$i.txt"; done
# 300 entries over a 50-entry threshold: big/ becomes a HAMT
node "$here/make-dir-car.mjs" "$t" "$scratch/t.car" --shard-entries 50 >"$scratch/cids"
root=$(grep ' tree$' "$scratch/cids" | cut -d' ' -f1)
cid_of() { grep " tree/$1\$" "$scratch/cids" | cut -d' ' -f1; }
shards=$(sed -n 's/^shards //p' "$scratch/cids")
[ "$shards" -gt 1 ] && ok "the JS importer made a HAMT ($shards shard blocks)" || not_ok "no HAMT: $shards"

daemon_start || { echo "not ok 1 - daemon start"; cat "$scratch/daemon.log"; exit 1; }
cu() { curl -sS --max-time 20 "$@"; }
status() { cu -o /dev/null -w '%{http_code}' "$@"; }
header() { cu -o /dev/null -D - "${@:2}" | tr -d '\r' | sed -n "s/^$1: //Ip" | head -1; }
sha() { sha256sum | cut -c1-64; }
cu -X POST -F "file=@$scratch/t.car" "$API/api/v0/dag/import" | grep -q "\"$root\"" && ok "the CAR imports" || not_ok "import"

check "a directory without the slash → 301" "301" "$(status "$GW/ipfs/$root")"
check "Location adds the slash and keeps the query" "/ipfs/$root/?x=1" "$(header Location "$GW/ipfs/$root?x=1")"
check "a listing" "200" "$(status "$GW/ipfs/$root/")"
cu "$GW/ipfs/$root/" >"$scratch/list.html"
for e in big docs empty site; do grep -q "href=\"./$e\">$e</a>" "$scratch/list.html" || miss=$e; done
[ -z "${miss:-}" ] && ok "the listing names every entry" || not_ok "listing lacks $miss"
check "listing Content-Type" "text/html; charset=utf-8" "$(header Content-Type "$GW/ipfs/$root/")"
! grep -q 'href=".."' "$scratch/list.html" && ok "no '..' at the content's root (it would lead nowhere)" || not_ok "'..' at the root"
cu "$GW/ipfs/$root/docs/" >"$scratch/docs.html"
grep -q 'href="..">..</a>' "$scratch/docs.html" && ok "…but one below it" || not_ok "no '..' in docs/"
size_of() { sed -n "s|.*href=\"./$1\">.*<td title=\"\([0-9]*\) bytes\">\([^<]*\)</td>.*|\1 \2|p" "$scratch/docs.html"; }
check "a file's size is its bytes (not its DAG's), shown human-readable, exact on hover" \
	"$(stat -c %s "$t/docs/data.bin") 684 KiB" "$(size_of data.bin)"
check "…a small one in bytes" "$(stat -c %s "$t/docs/README") 25 B" "$(size_of README)"
grep -q 'href="./a%20b">a b</a></td><td><a class="cid"[^<]*</a></td><td></td>' "$scratch/docs.html" &&
	ok "…a directory has none" || not_ok "a b: $(grep 'a%20b' "$scratch/docs.html")"
missing=bafkr4ihkr4ld3m4gqkjf4reryxsy2s5tkbxprqkow6fin2iiyvreuzzab4
cu -H 'Accept: text/html,application/xhtml+xml,*/*;q=0.8' -D "$scratch/eh" "$GW/ipfs/$missing" >"$scratch/err.html"
grep -qi '^content-type: text/html' "$scratch/eh" && grep -q '<h1>404</h1>' "$scratch/err.html" && grep -q "$missing" "$scratch/err.html" &&
	ok "an error for a browser: a small HTML page with the reason" || not_ok "error page: $(head -c 300 "$scratch/err.html")"
check "…and text for others" "text/plain; charset=utf-8" "$(header Content-Type "$GW/ipfs/$missing")"
check "index.html is served for its directory" "$(sha <"$t/site/index.html")" "$(cu "$GW/ipfs/$root/site/" | sha)"
check "index.html Content-Type" "text/html; charset=utf-8" "$(header Content-Type "$GW/ipfs/$root/site/")"
check "a file in a subdirectory" "$(sha <"$t/site/css/style.css")" "$(cu "$GW/ipfs/$root/site/css/style.css" | sha)"
check "Content-Type from the extension" "text/css; charset=utf-8" "$(header Content-Type "$GW/ipfs/$root/site/css/style.css")"
check "Content-Type sniffed without one" "text/plain; charset=utf-8" "$(header Content-Type "$GW/ipfs/$root/docs/README")"
check "percent-encoded names (space, UTF-8)" "$(sha <"$t/docs/a b/über ü.txt")" "$(cu "$GW/ipfs/$root/docs/a%20b/%C3%BCber%20%C3%BC.txt" | sha)"
check "a multi-block file by path" "$(sha <"$t/docs/data.bin")" "$(cu "$GW/ipfs/$root/docs/data.bin" | sha)"
check "Range on a file by path" "$(tail -c +1001 "$t/docs/data.bin" | head -c 300000 | sha)" \
	"$(cu -H 'Range: bytes=1000-300999' "$GW/ipfs/$root/docs/data.bin" | sha)"
check "ETag is the file's CID" "\"$(cid_of docs/data.bin)\"" "$(header Etag "$GW/ipfs/$root/docs/data.bin")"
check "X-Ipfs-Roots: the root and each segment" "$root,$(cid_of docs),$(cid_of docs/data.bin)" \
	"$(header X-Ipfs-Roots "$GW/ipfs/$root/docs/data.bin")"
check "If-None-Match → 304" "304" "$(status -H "If-None-Match: \"$(cid_of docs/data.bin)\"" "$GW/ipfs/$root/docs/data.bin")"
bad=0
for i in $(seq -w 1 300); do
	[ "$(cu "$GW/ipfs/$root/big/file-$i.txt")" = "file $i" ] || bad=$((bad + 1))
done
check "all 300 files of the HAMT resolve to their bytes" "0" "$bad"
check "the HAMT's listing has all 300" "300" "$(cu "$GW/ipfs/$root/big/" | grep -c 'href="./file-')"
check "a name not in the HAMT → 404" "404" "$(status "$GW/ipfs/$root/big/file-301.txt")"
check "a name not in a directory → 404" "404" "$(status "$GW/ipfs/$root/nope")"
check "a path through a file → 404" "404" "$(status "$GW/ipfs/$root/docs/README/x")"
check "%00 in a path → 400" "400" "$(status "$GW/ipfs/$root/docs%00/README")"
check "HEAD on a listing: no body" "0" "$(cu -I "$GW/ipfs/$root/" -o /dev/null -w '%{size_download}')"
check "?filename&download=true → attachment" 'attachment; filename="x.txt"' \
	"$(header Content-Disposition "$GW/ipfs/$root/docs/README?filename=x.txt&download=true")"

# raw and CAR by path
check "?format=raw by path: the file's block" "$(cu "$GW/ipfs/$(cid_of site/css/style.css)?format=raw" | sha)" \
	"$(cu "$GW/ipfs/$root/site/css/style.css?format=raw" | sha)"
check "raw Content-Disposition" "attachment; filename=\"$(cid_of site/css/style.css).bin\"" \
	"$(header Content-Disposition "$GW/ipfs/$root/site/css/style.css?format=raw")"
carcheck() { # NAME URL WANT-HEAD-LINE
	cu "$2" -o "$scratch/c.car"
	node "$here/car-verify.mjs" "$scratch/c.car" >"$scratch/c.txt" 2>&1
	check "$1" "$3" "$(head -1 "$scratch/c.txt" | sed 's/ bytes=[0-9]*//')"
}
# root dir, docs dir, then data.bin: its root and 3 leaves
carcheck "CAR by path: path blocks, then the file" "$GW/ipfs/$root/docs/data.bin?format=car" "roots=$root blocks=6 dups=0 bad=0"
check "the path's blocks come first, in order" "$root $(cid_of docs) $(cid_of docs/data.bin)" "$(sed -n 2,4p "$scratch/c.txt" | xargs)"
carcheck "dag-scope=block by path" "$GW/ipfs/$root/docs/data.bin?format=car&dag-scope=block" "roots=$root blocks=3 dups=0 bad=0"
carcheck "entity-bytes by path" "$GW/ipfs/$root/docs/data.bin?format=car&entity-bytes=0:9" "roots=$root blocks=4 dups=0 bad=0"
carcheck "dag-scope=entity on a directory: its block alone" "$GW/ipfs/$root/docs?format=car&dag-scope=entity" "roots=$root blocks=2 dups=0 bad=0"
carcheck "dag-scope=entity on a HAMT: its $shards shard blocks" "$GW/ipfs/$root/big?format=car&dag-scope=entity" "roots=$root blocks=$((1 + shards)) dups=0 bad=0"
carcheck "dag-scope=all on a HAMT: shards and 300 files" "$GW/ipfs/$root/big?format=car" "roots=$root blocks=$((1 + shards + 300)) dups=0 bad=0"
cu "$GW/ipfs/$root/big/file-123.txt?format=car" -o "$scratch/h.car"
node "$here/car-verify.mjs" "$scratch/h.car" >"$scratch/h.txt"
n_hamt=$(head -1 "$scratch/h.txt" | sed -n 's/.*blocks=\([0-9]*\).*/\1/p')
head -1 "$scratch/h.txt" | grep -q "roots=$root .*dups=0 bad=0" && [ "$(tail -1 "$scratch/h.txt")" = "$(cid_of big/file-123.txt)" ] \
	&& ok "a path into a HAMT: a verified CAR ending in the file" || not_ok "HAMT path CAR: $(head -1 "$scratch/h.txt")"
[ "$n_hamt" -ge 3 ] && [ "$n_hamt" -lt $((2 + shards)) ] && ok "…with only the shards on its bucket path ($n_hamt blocks)" || not_ok "HAMT path blocks: $n_hamt"
check "CAR Content-Disposition" "attachment; filename=\"$(cid_of docs).car\"" "$(header Content-Disposition "$GW/ipfs/$root/docs?format=car")"
check "only-if-cached, present → 200" "200" "$(status -H 'Cache-Control: only-if-cached' "$GW/ipfs/$root/docs/README")"
check "only-if-cached, absent → 412" "412" "$(status -H 'Cache-Control: only-if-cached' "$GW/ipfs/bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4")"

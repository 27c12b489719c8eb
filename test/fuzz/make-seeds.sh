#!/usr/bin/env bash
# Regenerate the seed corpora in test/fuzz/corpus/ from real data: blocks,
# CARs and CIDs made by cairn itself, a proof from sql/anchored_cid.sql,
# notes signed with the note target's fixed key. Run by hand (the output is
# committed); inputs that once crashed a target are added next to the
# seeds as crash-<name>, by hand, and never regenerated.
#   BUILD=build test/fuzz/make-seeds.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
CAIRN=$PWD/${BUILD:-build}/cairn
C=test/fuzz/corpus
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export CAIRN_PATH=$tmp/repo
"$CAIRN" init >/dev/null
for t in varint multibase multihash cid_binary cid_text dagpb unixfs car range multipart note proof pg_input h1parse mpart server car_import proof_input dagcbor dagjson http_host; do
	mkdir -p "$C/$t"
	rm -f "$C/$t"/seed-*
done
hex() { xxd -r -p >"$1"; }

# varint
i=0; for v in 00 01 7f 8001 ff7f 80808001 ffffffffffffffff7f 80 8000; do printf '%s' "$v" | hex "$C/varint/seed-$i"; i=$((i + 1)); done

# content: a small file in several shapes, and a directory
printf 'hello fuzz\n' >"$tmp/small"
head -c 3000 /dev/urandom >"$tmp/multi"
mkdir -p "$tmp/dir/sub"; printf a >"$tmp/dir/a.txt"; printf b >"$tmp/dir/sub/b"; ln -s a.txt "$tmp/dir/link"
cids=()
cids+=("$("$CAIRN" add -Q "$tmp/small")")
cids+=("$("$CAIRN" add -Q --cid-version 1 "$tmp/small")")
cids+=("$("$CAIRN" add -Q --cid-version 1 --hash blake3 "$tmp/small")")
multi=$("$CAIRN" add -Q --chunker size-1000 --raw-leaves=false "$tmp/multi")
cids+=("$multi")
dir=$("$CAIRN" add -Q -r --cid-version 1 "$tmp/dir")
cids+=("$dir")
cids+=("$("$CAIRN" add -Q --cid-version 1 --inline "$tmp/small" 2>/dev/null || true)")

# CIDs as text in every base, and binary; multihashes; multibase strings
i=0
for c in "${cids[@]}"; do
	[ -n "$c" ] || continue
	printf '%s' "$c" >"$C/cid_text/seed-$i"
	printf '%s' "$c" >"$C/multibase/seed-$i"
	for b in base32 base58btc base36 base16 base64url; do
		"$CAIRN" cid format -v 1 -b "$b" "$c" >"$tmp/t" 2>/dev/null || continue
		tr -d '\n' <"$tmp/t" >"$C/cid_text/seed-$i-$b"
		cp "$C/cid_text/seed-$i-$b" "$C/multibase/seed-$i-$b"
	done
	"$CAIRN" cid format -v 1 -b base16 "$c" | tr -d '\n' | cut -c2- | hex "$C/cid_binary/seed-$i"
	# the multihash follows version and codec varints (one byte each here)
	tail -c +3 "$C/cid_binary/seed-$i" >"$C/multihash/seed-$i"
	i=$((i + 1))
done
printf 'QmdfTbBqBPQ7VNxZEYEj14VmRuZBkqFbiwReogJgS1zR1n' >"$C/cid_text/seed-v0"
printf 'MaGVsbG8=' >"$C/multibase/seed-pad"; printf 'UaGVsbG8_' >"$C/multibase/seed-urlpad"

# blocks: dag-pb nodes (their Data as UnixFS), and CARs
for c in "$multi" "$dir"; do
	"$CAIRN" dag export "$c" >"$C/car/seed-$c"
	# the streaming import in slices of 1 and of 7 bytes (the first byte + 1)
	{ printf '\000'; cat "$C/car/seed-$c"; } >"$C/car_import/seed-$c-by1"
	{ printf '\006'; cat "$C/car/seed-$c"; } >"$C/car_import/seed-$c-by7"
done
# every dag-pb block of those CARs, and each one's Data (UnixFS)
(cd test/interop && node --input-type=module -e '
import fs from "fs"; import path from "path";
import {CarReader} from "@ipld/car"; import {decode} from "@ipld/dag-pb";
const [cars, pbdir, fsdir] = process.argv.slice(1);
for (const f of fs.readdirSync(cars)) {
  const r = await CarReader.fromBytes(fs.readFileSync(path.join(cars, f)));
  for await (const b of r.blocks()) {
    if (b.cid.code !== 0x70) continue;
    fs.writeFileSync(path.join(pbdir, "seed-" + b.cid), b.bytes);
    const n = decode(b.bytes);
    if (n.Data) fs.writeFileSync(path.join(fsdir, "seed-" + b.cid), n.Data);
  }
}' "$OLDPWD/$C/car" "$OLDPWD/$C/dagpb" "$OLDPWD/$C/unixfs")

# Range: two bytes of body size, then the header
i=0
for r in 'bytes=0-99' 'bytes=100-' 'bytes=-10' 'bytes=5-4' 'bytes=0-0,2-3' 'items=0-1' 'bytes=99999999999999999999-'; do
	{ printf '\x01\x00'; printf '%s' "$r"; } >"$C/range/seed-$i"; i=$((i + 1))
done

# multipart bodies (boundary cairnfuzz), as Kubo's clients send them
printf -- '--cairnfuzz\r\nContent-Disposition: form-data; name="file"; filename="a%%20b.txt"\r\nContent-Type: application/octet-stream\r\n\r\nhello\r\n--cairnfuzz\r\nContent-Disposition: form-data; name="file"; filename="dir"\r\nContent-Type: application/x-directory\r\n\r\n\r\n--cairnfuzz--\r\n' >"$C/multipart/seed-0"
printf -- '--cairnfuzz\r\nContent-Disposition: form-data; name="file"\r\n\r\n\r\n--cairnfuzz--\r\n' >"$C/multipart/seed-1"

# signed notes under the note target's key (Ed25519 seed 00 01 .. 1f)
node -e '
const c=require("crypto"),fs=require("fs");
const seed=Buffer.from([...Array(32).keys()]);
const key=c.createPrivateKey({key:Buffer.concat([Buffer.from("302e020100300506032b657004220420","hex"),seed]),format:"der",type:"pkcs8"});
const pub=c.createPublicKey(key).export({format:"der",type:"spki"}).subarray(-32);
const name="cairn/fuzz";
const id=c.createHash("sha256").update(Buffer.concat([Buffer.from(name+"\n"),Buffer.from([1]),pub])).digest().subarray(0,4);
const texts=["cairn/fuzz\n5\nwZtCwtcWbpvfq5vHYRw9MapqCsoTDwA5yMlhOiWBfLo=\n","cairn/fuzz\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n2026-11-22T06:52:55Z\n"];
texts.forEach((t,i)=>{
  const sig=c.sign(null,Buffer.from(t),key);
  fs.writeFileSync(process.argv[1]+"/seed-"+i, t+"\n\u2014 "+name+" "+Buffer.concat([id,sig]).toString("base64")+"\n");
});' "$C/note"

# SQL input functions: type byte (0 ipfs_cid, 1 multihash, 2 anchored_cid) + text
printf '\x00%s' "${cids[0]}" >"$C/pg_input/seed-cid0"
printf '\x00%s' "$dir" >"$C/pg_input/seed-cid1"
printf '\x01%s' 'zQmdfTbBqBPQ7VNxZEYEj14VmRuZBkqFbiwReogJgS1zR1n' >"$C/pg_input/seed-mh0"
printf '\x01%s' '\x0003616263' >"$C/pg_input/seed-mh1"
proof=$(sed -n "s/^\\\\set proof '\\(.*\\)'\$/\\1/p" sql/anchored_cid.sql | sed 's/\\\\n/\\n/g')
printf '\x02%s' "$proof" >"$C/pg_input/seed-proof"
printf '%s' "$proof" >"$C/proof/seed-0"
printf '%s' "$proof" | sed 's/"index":2/"index":3/' >"$C/proof/seed-1"
# proof_input: the layouts cairn audit reads, and a line that is not JSON
printf '%s\n{"cid": not json\n\n%s\n' "$proof" "$proof" >"$C/proof_input/seed-lines"
printf '[%s,\n %s]\n' "$proof" "$proof" >"$C/proof_input/seed-array"
printf '%s' "$proof" | node -e 'const p=JSON.parse(require("fs").readFileSync(0));for(let i=0;i<2;i++)console.log(JSON.stringify(p,null,2))' >"$C/proof_input/seed-pretty"
printf '%s' "$proof" | node -e 'const s=JSON.stringify(JSON.parse(require("fs").readFileSync(0)),null,1);console.log(s.replace(/"index"/,"index")+"\n"+s)' >"$C/proof_input/seed-pretty-bad"

# h1parse: requests as clients send them (one upload, pipelined requests,
# a chunked body with an extension and trailers, 100-continue, HTTP/1.0)
# and one that smuggles (Content-Length with Transfer-Encoding)
h=$C/h1parse
printf 'POST /api/v0/add?pin=true HTTP/1.1\r\nHost: 127.0.0.1:5001\r\nContent-Length: 11\r\nContent-Type: multipart/form-data; boundary=x\r\n\r\nhello world' >"$h/seed-post"
printf 'GET /ipfs/a HTTP/1.1\r\nHost: x\r\n\r\nHEAD /ipfs/b HTTP/1.1\r\nHost: x\r\n\r\nGET /c HTTP/1.1\r\nConnection: close\r\n\r\n' >"$h/seed-pipelined"
printf 'POST /api/v0/dag/import HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n1;ext=1\r\n \r\nA\r\n0123456789\r\n0\r\nX-Trailer: t\r\n\r\n' >"$h/seed-chunked"
printf 'PUT /x HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc' >"$h/seed-expect"
printf 'GET / HTTP/1.0\r\n\r\n' >"$h/seed-http10"
printf 'POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n' >"$h/seed-smuggle"

# server: a connection's worth, through the handlers' paths (collected,
# refused at the head, streamed, given up on, chunked replies), pipelined
h=$C/server
printf 'GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /c HTTP/1.1\r\nHost: x\r\n\r\nHEAD /b HTTP/1.1\r\n\r\n' >"$h/seed-pipelined"
printf 'POST /r HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\nhelloGET /a HTTP/1.1\r\n\r\n' >"$h/seed-refused"
printf 'POST /s HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\nPOST /sx HTTP/1.1\r\nContent-Length: 20\r\n\r\n01234567890123456789' >"$h/seed-stream"
printf 'PUT /x HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabcGET /c HTTP/1.0\r\n\r\n' >"$h/seed-expect"
printf 'POST /x HTTP/1.1\r\nContent-Length: 99999\r\n\r\nabc' >"$h/seed-too-large"
printf 'GET /%s HTTP/1.1\r\n\r\n' "$(head -c 600 /dev/zero | tr '\0' a)" >"$h/seed-long-url"
printf 'POST /s HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc' >"$h/seed-truncated"

# dagcbor: records @ipld/dag-cbor writes (a map of every kind, nesting,
# links of v0, v1 and an unknown hash, the widest integers, a float)
h=$C/dagcbor
printf 'a56161f5626262a1617882f6fb3ff8000000000000616c83d82a582300122000000000000000000000000000000000000000000000000000000000000000d82a45000155000043010203627a7a3bffffffffffffffff' | hex "$h/seed-kinds"
printf '1bffffffffffffffff' | hex "$h/seed-uint64"
printf '8181818181818181818180' | hex "$h/seed-nested"
printf 'a2616201616102' | hex "$h/seed-unsorted"
printf '9f01ff' | hex "$h/seed-indefinite"
printf 'a1612fd82a450001550000' | hex "$h/seed-slash-key"
# dagjson: first byte 0 for DAG-JSON, 1 for plain JSON
h=$C/dagjson
printf '\000{"b":[1,2.5,-3,"x\\n\\u00e9\\ud834\\udd1e"],"a":{"/":{"bytes":"aGVsbG8"}},"aa":null,"l":{"/":"bafkqaaa"},"v0":{"/":"QmWfVY9y3xjsixTgbd9AorQxH7VtMpzfx2HaWtsoUYecaX"}}' >"$h/seed-kinds"
printf '\000[1e21, 1e-7, 0.1, -0.0, 5e-324, 18446744073709551615, -18446744073709551616]' >"$h/seed-numbers"
printf '\001{"/":"not a link in plain JSON","a":{"/":{"bytes":5}}}' >"$h/seed-plain"
printf '\000{"a":1,"a":2}' >"$h/seed-duplicate"
printf '\000 { "z" : { "y" : [ { } , [ ] , "" ] } , "\\u0000" : true } ' >"$h/seed-loose"

# http_host: Host headers a gateway sees
h=$C/http_host
printf 'localhost:8080' >"$h/seed-localhost"
printf 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi.ipfs.localhost:8080' >"$h/seed-subdomain"
printf '[::1]:5001' >"$h/seed-ipv6"
printf 'Gateway.Example.ORG' >"$h/seed-upper"
printf 'a b:99999' >"$h/seed-bad"

# mpart: the multipart bodies (the two parsers are held to each other)
cp "$C"/multipart/seed-* "$C/mpart/"
echo "seeds: $(find "$C" -name 'seed-*' | wc -l) files"

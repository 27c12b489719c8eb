#!/usr/bin/env bash
# cairn add --only-hash against two independent importers: Debian's
# ipfs-cid (Kubo's defaults: CIDv0, sha2-256, size-262144, balanced) and
# the JS UnixFS importer Helia uses (every mode), on random files at every
# layout boundary.
. "$(dirname "$0")/../lib/tap.bash"
C=262144
sizes="0 1 $((C - 1)) $C $((C + 1)) $((174 * C)) $((174 * C + 1)) $((40 * 1024 * 1024 + 12345))"
i=0
for size in $sizes; do
	i=$((i + 1))
	f=$scratch/f$i
	head -c "$size" /dev/urandom >"$f"
	# Kubo defaults, through Debian's ipfs-cid
	want=$(ipfs_cid "$f" 2>/dev/null | sed -n 's/.*"CIDv0":"\([^"]*\)".*/\1/p')
	got=$("$CAIRN" add -nQ --cid-version 0 "$f")
	check "size $size: CIDv0 sha2-256 = ipfs-cid" "$want" "$got"
	for mode in "0 sha2-256" "1 sha2-256" "1 blake3"; do
		set -- $mode
		want=$(node "$here/unixfs-cid.mjs" "$f" --cid-version "$1" --hash "$2")
		got=$("$CAIRN" add -nQ --cid-version "$1" --hash "$2" "$f")
		check "size $size: CIDv$1 $2 = JS importer" "$want" "$got"
	done
done
# stdin gives the same CID as the file, and the default is CIDv1 blake3
want=$(node "$here/unixfs-cid.mjs" "$scratch/f5" --cid-version 1 --hash blake3)
check "stdin, cairn defaults (CIDv1 blake3)" "$want" "$("$CAIRN" add -nQ <"$scratch/f5")"
check "'-' reads stdin" "$want" "$("$CAIRN" add -nQ - <"$scratch/f5")"

# Other flags on a 2 MB file: small chunks make deep trees in both layouts.
f=$scratch/deep
head -c 2000000 /dev/urandom >"$f"
for args in "0 sha2-256 1000 false bal" "1 blake3 1000 false bal" "1 sha2-256 777 true bal" \
            "0 sha2-256 1000 false tri" "1 blake3 1000 true tri" "1 sha2-256 300 false tri" \
            "0 sha2-256 262144 false tri" "0 sha2-256 1048576 false bal"; do
	set -- $args
	t=""; jt=""
	[ "$5" = tri ] && { t="--trickle"; jt="--trickle"; }
	want=$(node "$here/unixfs-cid.mjs" "$f" --cid-version "$1" --hash "$2" --chunk "$3" --raw-leaves "$4" $jt)
	got=$("$CAIRN" add -nQ --cid-version "$1" --hash "$2" --chunker "size-$3" --raw-leaves="$4" $t "$f")
	check "2 MB: v$1 $2 size-$3 raw-leaves=$4 $5 = JS importer" "$want" "$got"
done
echo "1..$n"

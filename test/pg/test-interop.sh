#!/usr/bin/env bash
# The extension against independent implementations and clients:
# cid_of() = Debian's ipfs-cid and the JS UnixFS importer at the layout
# boundaries; cid_verify() false after flipping any one byte; binary and
# text COPY round trips through a real client.
. "$(dirname "$0")/../lib/tap.bash"
. "$(dirname "$0")/../lib/pg.bash"
pg_suite
q "CREATE EXTENSION cairn" >/dev/null

# Files live where the server (user postgres) can read them.
files=$PGTMP/files
mkdir -p "$files"
C=262144
for size in 1 $C $((174 * C)) $((174 * C + 1)); do
	f=$files/doc-$size
	head -c "$size" /dev/urandom >"$f"
	chmod 644 "$f"
	[ "$(id -u)" -eq 0 ] && chown postgres: "$f"
	chunks=$(((size + C - 1) / C))
	kubo=$(ipfs_cid "$f" 2>/dev/null | sed -n 's/.*"CIDv0":"\([^"]*\)".*/\1/p')
	check "$chunks chunk(s): cid_of v0 = ipfs-cid" "$kubo" \
		"$(q "SELECT cid_of(pg_read_binary_file('$f'), 0, 'sha2-256')")"
	for mode in "0 sha2-256" "1 sha2-256" "1 blake3"; do
		set -- $mode
		check "$chunks chunk(s): cid_of v$1 $2 = JS importer" \
			"$(node test/interop/unixfs-cid.mjs "$f" --cid-version "$1" --hash "$2")" \
			"$(q "SELECT cid_of(pg_read_binary_file('$f'), $1, '$2')")"
	done
	check "$chunks chunk(s): cid_verify of the file's own CIDs" "t|t|t" \
		"$(q "SELECT cid_verify(b, cid_of(b, 0, 'sha2-256')), cid_verify(b, cid_of(b)), cid_verify(b, cid_of(b, 1, 'sha2-256')) FROM pg_read_binary_file('$f') b")"
done

# Flipping any one byte breaks verification: every byte of a 2000-byte
# document, and in a 175-chunk file the bytes around the chunk boundaries
# of the first, middle and last leaves and of the second parent node.
q "CREATE TABLE small AS SELECT gen_random_uuid()::text::bytea || decode(repeat('ab', 1964), 'hex') AS b" >/dev/null
check "2000-byte doc: no single-byte flip verifies (raw, unixfs v0, unixfs v1)" "2000|0|0|0" \
	"$(q "SELECT count(*), count(*) FILTER (WHERE cid_verify(f, cid_of_raw(b))),
	              count(*) FILTER (WHERE cid_verify(f, cid_of(b, 0, 'sha2-256'))),
	              count(*) FILTER (WHERE cid_verify(f, cid_of(b)))
	       FROM small, LATERAL (SELECT set_byte(b, i, get_byte(b, i) # 1) AS f
	                            FROM generate_series(0, length(b) - 1) i) x")"
big=$files/doc-$((174 * C + 1))
check "175 chunks: flips around chunk and node boundaries never verify" "0" \
	"$(q "WITH d AS (SELECT pg_read_binary_file('$big') AS b), c AS (SELECT b, cid_of(b, 0, 'sha2-256') AS c FROM d)
	       SELECT count(*) FILTER (WHERE cid_verify(set_byte(b, p, get_byte(b, p) # 128), c))
	       FROM c, (SELECT DISTINCT greatest(0, least(174 * $C, k * $C + o)) AS p
	                FROM (VALUES (0), (1), (87), (173), (174)) k(k), (VALUES (-1), (0), (1)) v(o)) pos")"

# Binary and text COPY through psql round-trip both types exactly.
q "CREATE TABLE t AS SELECT cid_of(g::text::bytea) AS c, cid_of(g::text::bytea, 0, 'sha2-256') AS c0,
                            multihash(g::text::bytea, 'sha2-256') AS m FROM generate_series(1, 1000) g" >/dev/null
q "CREATE TABLE t_bin (LIKE t); CREATE TABLE t_txt (LIKE t)" >/dev/null
psql -X -q -c "\\copy t TO '$scratch/t.bin' WITH (FORMAT binary)"
psql -X -q -c "\\copy t_bin FROM '$scratch/t.bin' WITH (FORMAT binary)"
psql -X -q -c "\\copy t TO '$scratch/t.txt'"
psql -X -q -c "\\copy t_txt FROM '$scratch/t.txt'"
check "binary COPY round trip" "1000|0" "$(q "SELECT count(*), (SELECT count(*) FROM (SELECT * FROM t EXCEPT SELECT * FROM t_bin) e) FROM t_bin")"
check "text COPY round trip" "1000|0" "$(q "SELECT count(*), (SELECT count(*) FROM (SELECT * FROM t EXCEPT SELECT * FROM t_txt) e) FROM t_txt")"
# the binary COPY payload of an ipfs_cid is the binary CID itself
want=$(q "SELECT encode(c::bytea, 'hex') FROM t LIMIT 1")
check "binary wire format is the binary CID" "yes" "$(od -An -v -tx1 "$scratch/t.bin" | tr -d ' \n' | grep -q "$want" && echo yes)"
# a corrupted binary COPY is refused, not stored
# (offset 25: the first field's first byte, the CID version, after the
# 19-byte file header, 2-byte field count and 4-byte field length)
printf 'x' | dd of="$scratch/t.bin" bs=1 seek=25 conv=notrunc 2>/dev/null
out=$(psql -X -q -c "\\copy t_bin FROM '$scratch/t.bin' WITH (FORMAT binary)" 2>&1)
echo "$out" | grep -q "invalid binary value for type ipfs_cid" && ok "corrupt binary COPY rejected" || { not_ok "corrupt binary COPY rejected"; echo "# $out"; }
echo "1..$n"

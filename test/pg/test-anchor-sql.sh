#!/usr/bin/env bash
# Anchoring proofs end to end in SQL: documents anchored by a cairn daemon
# on anvil, their proofs stored as anchored_cid next to the documents;
# anchor_verify(proof, document) true for each, false for a changed
# document or a tampered proof; binary COPY round trip; the proofs read back
# out of PostgreSQL pass cairn audit against the chain.
. "$(dirname "$0")/../lib/tap.bash"
. "$(dirname "$0")/../lib/pg.bash"
. "$(dirname "$0")/../lib/anvil.bash"
. "$(dirname "$0")/../lib/daemon.bash"
pg_suite
q "CREATE EXTENSION cairn" >/dev/null
anvil_start || { not_ok "anvil start: $(tail -3 "$scratch/anvil.log")"; exit 1; }
export CAIRN_PATH=$scratch/repo
"$CAIRN" init >/dev/null
daemon_start "" --chain-rpc "$RPC" --confirmations 2 --anchor-interval 3600 ||
	{ not_ok "daemon start: $(tail -3 "$scratch/daemon.log")"; echo "1..$n"; exit 1; }
cu() { curl -sS --max-time 60 -X POST "$@"; }

# 40 documents of different sizes, added as files (CIDv1, sha2-256)
q "CREATE TABLE docs (id int PRIMARY KEY, body bytea, cid ipfs_cid, proof anchored_cid)" >/dev/null
for i in $(seq 1 40); do head -c $((i * 20000 + 7)) /dev/urandom >"$scratch/doc$i"; done
args=
for i in $(seq 1 40); do
	c=$(cu -F "file=@$scratch/doc$i" "$API/api/v0/add?cid-version=1&hash=sha2-256" | sed -n 's/.*"Hash":"\([^"]*\)".*/\1/p')
	echo "$c" >"$scratch/cid$i"
	args="$args&arg=$c"
done
cu "$API/api/v0/anchor/add?${args#&}" >/dev/null
cu "$API/api/v0/anchor/flush" | grep -q '"tx"' && ok "40 documents anchored on chain" || not_ok "flush"
chmod 755 "$scratch"
for i in $(seq 1 40); do
	cu "$API/api/v0/anchor/proof?arg=$(cat "$scratch/cid$i")" >"$scratch/proof$i.json"
	chmod 644 "$scratch/doc$i" "$scratch/proof$i.json"
	q "INSERT INTO docs VALUES ($i, pg_read_binary_file('$scratch/doc$i'), '$(cat "$scratch/cid$i")',
	   pg_read_file('$scratch/proof$i.json')::anchored_cid)" >/dev/null
done
check "every stored proof verifies with its document" "40" "$(q "SELECT count(*) FROM docs WHERE anchor_verify(proof, body)")"
check "…and names its CID" "40" "$(q "SELECT count(*) FROM docs WHERE proof::ipfs_cid = cid")"
check "a changed document does not verify" "0" \
	"$(q "SELECT count(*) FROM docs WHERE anchor_verify(proof, body || '\x00'::bytea)")"
check "another document's proof does not verify" "0" \
	"$(q "SELECT count(*) FROM docs a JOIN docs b ON a.id = b.id % 40 + 1 WHERE anchor_verify(b.proof, a.body)")"
check "a proof with another index does not verify" "0" \
	"$(q "SELECT count(*) FROM docs WHERE anchor_verify(jsonb_set(proof::jsonb, '{index}', to_jsonb((anchor_index(proof) + 1) % 40))::text::anchored_cid)")"
check "all anchored in one block of chain eip155:31337" "1|eip155:31337" "$(q "SELECT count(DISTINCT anchor_block(proof)), min(anchor_chain(proof)) FROM docs")"
check "an index on the proofs' CIDs finds them" "40" "$(q "CREATE INDEX ON docs ((proof::ipfs_cid)); SELECT count(*) FROM docs d WHERE proof::ipfs_cid IN (SELECT cid FROM docs)")"
# binary COPY round trip through a real client
psql -X -q -c "\\copy (SELECT id, proof FROM docs) TO '$scratch/proofs.bin' WITH (FORMAT binary)"
q "CREATE TABLE back (id int, proof anchored_cid)" >/dev/null
psql -X -q -c "\\copy back FROM '$scratch/proofs.bin' WITH (FORMAT binary)"
check "binary COPY round trip keeps every proof" "40" "$(q "SELECT count(*) FROM docs JOIN back USING (id) WHERE docs.proof = back.proof")"
printf 'PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0\0\2\0\0\0\4\0\0\0\1\0\0\0\3abc\377\377' >"$scratch/bad.bin"
out=$(psql -X -q -c "\\copy back FROM '$scratch/bad.bin' WITH (FORMAT binary)" 2>&1)
echo "$out" | grep -q "invalid binary input for type anchored_cid" && ok "a corrupt binary proof is refused" || not_ok "bad binary: $out"
# the auditor's path: proofs out of PostgreSQL, checked against the chain alone
q "SELECT proof::text FROM docs ORDER BY id" >"$scratch/all.ndjson"
"$CAIRN" audit --chain-rpc "$RPC" --confirmations 2 --format csv "$scratch/all.ndjson" >"$scratch/audit.csv" 2>/dev/null; rc=$?
check "cairn audit passes all 40 proofs read back from SQL" "0 40" "$rc $(grep -c ',verified,' "$scratch/audit.csv")"
# the same proofs as C2SP tlog-proof bundles: from the API, into SQL, into audit
q "CREATE TABLE bundles (id int PRIMARY KEY, b text)" >/dev/null
: >"$scratch/all.tlog-proof"
for i in $(seq 1 40); do
	cu "$API/api/v0/anchor/proof?arg=$(cat "$scratch/cid$i")&format=tlog-proof" >"$scratch/b$i.tlog-proof"
	cat "$scratch/b$i.tlog-proof" >>"$scratch/all.tlog-proof"
	chmod 644 "$scratch/b$i.tlog-proof"
	q "INSERT INTO bundles VALUES ($i, pg_read_file('$scratch/b$i.tlog-proof'))" >/dev/null
done
check "every bundle is the same anchored_cid as its JSON proof" "40" \
	"$(q "SELECT count(*) FROM docs JOIN bundles USING (id) WHERE b::anchored_cid = proof")"
check "…verifies with its document" "40" "$(q "SELECT count(*) FROM docs JOIN bundles USING (id) WHERE anchor_verify(b::anchored_cid, body)")"
check "anchor_tlog_proof() writes the node's bundle byte for byte" "40" \
	"$(q "SELECT count(*) FROM docs JOIN bundles USING (id) WHERE anchor_tlog_proof(proof) = b")"
"$CAIRN" audit --chain-rpc "$RPC" --confirmations 2 --format csv "$scratch/all.tlog-proof" >"$scratch/audit.csv" 2>/dev/null; rc=$?
check "cairn audit passes a file of 40 bundles, one after another, each at its first line" "0 40 1 $(( $(wc -l <"$scratch/b1.tlog-proof") + 1 ))" \
	"$rc $(grep -c ',verified,' "$scratch/audit.csv") $(sed -n '2p' "$scratch/audit.csv" | cut -d, -f1 | sed 's/.*://') $(sed -n '3p' "$scratch/audit.csv" | cut -d, -f1 | sed 's/.*://')"
"$CAIRN" audit --chain-rpc "$RPC" --confirmations 2 --format csv --pg "host=$PGHOST port=$PGPORT user=$PGUSER dbname=$PGDATABASE" \
	--query "SELECT id, b FROM bundles ORDER BY id" >"$scratch/audit.csv" 2>/dev/null; rc=$?
check "…and 40 bundles read as SQL rows (text), named by id" "0 40 1" \
	"$rc $(grep -c ',verified,' "$scratch/audit.csv") $(sed -n 2p "$scratch/audit.csv" | cut -d, -f1)"
sed 's/^index \(.*\)$/index 0\1/' "$scratch/b5.tlog-proof" >"$scratch/bad.tlog-proof"
{ cat "$scratch/b1.tlog-proof"; cat "$scratch/bad.tlog-proof"; sed '3s/^index [0-9]*$/index 39/' "$scratch/b2.tlog-proof"; cat "$scratch/b3.tlog-proof"; } >"$scratch/mixed.tlog-proof"
"$CAIRN" audit --chain-rpc "$RPC" --confirmations 2 --format csv "$scratch/mixed.tlog-proof" >"$scratch/audit.csv" 2>/dev/null; rc=$?
check "a file with a malformed and a tampered bundle: exit 1; verified, false (malformed), false (inclusion), verified" \
	"1 verified false false verified" "$rc $(tail -n +2 "$scratch/audit.csv" | awk -F, '{print $10}' | paste -sd' ')"

# the recipe docs/sql.md gives, run as written: its sh block, line by line
q "CREATE VIEW records AS SELECT id, body, proof FROM docs" >/dev/null
export RPC DSN="host=$PGHOST port=$PGPORT user=$PGUSER dbname=$PGDATABASE"
sed -n '/<!-- audit-recipe/,/^```$/p' "$here/../../docs/sql.md" | sed '1,2d;$d' >"$scratch/recipe.sh"
check "docs/sql.md's audit recipe has its three commands" "3" "$(grep -c . "$scratch/recipe.sh")"
mkdir -p "$scratch/recipe" "$scratch/bin" && ln -sf "$(command -v "$CAIRN")" "$scratch/bin/cairn"
while IFS= read -r cmd; do
	(cd "$scratch/recipe" && PATH=$scratch/bin:$PATH bash -c "$cmd") >"$scratch/recipe.out" 2>&1; rc=$?
	case $cmd in
	psql*) check "recipe: '$cmd' succeeds, 40 proofs one per line" "0 40" "$rc $(grep -c '^{.*}$' "$scratch/recipe/proofs.ndjson")" ;;
	*) check "recipe: '$cmd' succeeds, every proof verified" "0 40" "$rc $(grep -c '^verified ' "$scratch/recipe.out")" ;;
	esac
done <"$scratch/recipe.sh"
check "…the --pg rows are named by the records' ids" "1 40" "$(grep '^verified ' "$scratch/recipe.out" | awk '{print $2}' | sed -n '1p;$p' | paste -sd' ')"
# the old recipe: COPY's text format doubles the checkpoints' backslashes
psql -X -q -c "\\copy (SELECT proof::text FROM records) TO '$scratch/copied.ndjson'"
"$CAIRN" audit --chain-rpc "$RPC" "$scratch/copied.ndjson" >"$scratch/copied.out" 2>&1; rc=$?
check "a \\copy text export: not false but unchecked (exit 3), all 40" "3 40" "$rc $(grep -c '^unchecked .*looks COPY-escaped' "$scratch/copied.out")"
echo "1..$n"

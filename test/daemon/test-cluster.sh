#!/usr/bin/env bash
# A cluster of stateless nodes (docs/cluster.md): three daemons on one
# machine, their blocks in one Ceph pool (test/lib/ceph.bash), their index
# in one PostgreSQL database (test/lib/pg.bash), anchoring on anvil with a
# key the nodes hold (--chain-key). A file added to one is served by the
# others; pins, tokens and pin requests are one set; the log is one log
# with one key, whoever appends; one node anchors at a time, and when it
# is SIGKILLed (with another) a survivor takes over and every proof still
# verifies with code that is not cairn's (test/interop/anchor-verify.mjs,
# chain-verify.mjs).
. "$(dirname "$0")/../lib/tap.bash"
. "$(dirname "$0")/../lib/daemon.bash"
. "$(dirname "$0")/../lib/ceph.bash"
. "$(dirname "$0")/../lib/pg.bash"
. "$(dirname "$0")/../lib/anvil.bash"
ceph_start || { not_ok "ceph starts"; tail -20 "$scratch"/ceph/*.log; echo "1..$n"; exit 1; }
pg_start || { not_ok "PostgreSQL starts"; echo "1..$n"; exit 1; }
anvil_start || { not_ok "anvil starts"; echo "1..$n"; exit 1; }
cu() { curl -sS --max-time 60 "$@"; }
code() { curl -s --max-time 60 -o /dev/null -w '%{http_code}' "$@"; }
api() { local node=$1 path=$2; shift 2; local v="${node}_API"; cu -X POST ${TOKEN:+-H "Authorization: Bearer $TOKEN"} "$@" "${!v}$path"; }
gw() { local v="${1}_GW"; echo "${!v}"; }
metric() { local v="${1}_API"; cu ${TOKEN:+-H "Authorization: Bearer $TOKEN"} "${!v}/metrics" | sed -n "s/^$2 //p"; }
psql -X -q -c "CREATE DATABASE bare" -c "CREATE DATABASE idx" >/dev/null
DSN="host=$PGHOST port=$PGPORT user=postgres dbname=idx"
iq() { q "$1" idx; }
rados_init() { # NODE [more init options]
	local node=$1; shift
	CAIRN_PATH=$scratch/$node "$CAIRN" init --datastore rados --ceph-conf "$CEPH_CONF" \
		--rados-pool "$CEPH_POOL" "$@"
}

# --- init ------------------------------------------------------------------
out=$(rados_init bad --index "host=$PGHOST port=$PGPORT user=postgres dbname=bare" 2>&1); rc=$?
check "init on a database without the extension: exit 2, saying CREATE EXTENSION cairn, no repo" \
	"2 yes no" "$rc $(echo "$out" | grep -q 'CREATE EXTENSION cairn' && echo yes) $([ -e "$scratch/bad" ] && echo yes || echo no)"
out=$(rados_init bad --index "host=$PGHOST port=1 user=postgres dbname=idx" 2>&1); rc=$?
check "init on a server that does not answer: exit 2, said" "2 yes" \
	"$rc $(echo "$out" | grep -qi 'postgresql' && echo yes)"
iq "CREATE EXTENSION cairn"
rados_init n1 --index "$DSN" >"$scratch/n1.init" 2>&1
cluster=$(sed -n 's/^index in PostgreSQL, cluster \([^ ]*\) .*/\1/p' "$scratch/n1.init")
check "the first node makes the schema and the cluster's key" "0600 $cluster" \
	"0$(stat -c %a "$scratch/n1/log.key") $(iq "SELECT value FROM cairn.index_meta WHERE key = 'cluster'")"
check "…no index directory on local disk" "absent" "$([ -e "$scratch/n1/index" ] && echo present || echo absent)"
out=$(rados_init n2 --index "$DSN" 2>&1); rc=$?
check "a second node without the cluster's key is refused, told to copy log.key" "1 yes no" \
	"$rc $(echo "$out" | grep -q "holds cluster $cluster: copy log.key" && echo yes) $([ -e "$scratch/n2/version" ] && echo yes || echo no)"
rm -rf "$scratch/n2"
openssl genpkey -algorithm ed25519 -out "$scratch/other.key" 2>/dev/null
out=$(rados_init n2 --index "$DSN" --log-key "$scratch/other.key" 2>&1); rc=$?
check "…and with another key too" "1 yes" "$rc $(echo "$out" | grep -q "but the index holds cluster $cluster" && echo yes)"
rm -rf "$scratch/n2"
for node in n2 n3; do rados_init $node --index "$DSN" --log-key "$scratch/n1/log.key" >/dev/null || not_ok "init $node"; done
# a grace window longer than any upload here, shorter than the default hour
for node in n1 n2 n3; do CAIRN_PATH=$scratch/$node "$CAIRN" config --json Datastore.GCGraceSeconds 120; done
check "nodes 2 and 3 join with a copy of log.key: one cluster, three node identities" "3 1" \
	"$(for node in n1 n2 n3; do jq -r .Identity.PeerID "$scratch/$node/config"; done | sort -u | wc -l) $(iq "SELECT count(*) FROM cairn.index_meta WHERE key = 'cluster'")"
check "the tables use the extension's types" "ipfs_cid ipfs_cid ipfs_cid" \
	"$(iq "SELECT format_type(atttypid, NULL) FROM pg_attribute WHERE attname = 'cid' AND attrelid IN ('cairn.pins'::regclass, 'cairn.pin_requests'::regclass, 'cairn.log_leaves'::regclass) ORDER BY attrelid" | xargs)"

# --- three daemons ---------------------------------------------------------
printf 'cluster key pw\n' >"$scratch/pw"
anvil_key "$scratch/key.json" 'cluster key pw' || { not_ok "ethers wrote no keystore"; echo "1..$n"; exit 1; }
start() { daemon_start "$1" --chain-rpc "$RPC" --chain-key "$scratch/key.json" \
	--chain-key-password-file "$scratch/pw" --anchor-interval 3600 "${@:2}"; }
for node in n1 n2 n3; do start $node || { not_ok "$node starts: $(tail -3 "$scratch/$node.log")"; echo "1..$n"; exit 1; }; done
ok "three daemons on one pool and one database"

head -c 20000000 /dev/urandom >"$scratch/big"
c=$(api n1 "/api/v0/add?cid-version=1&quieter=true" -F "file=@$scratch/big" | jq -r .Hash)
for node in n2 n3; do
	check "a file added to node 1 is served by $node, byte for byte" "same" \
		"$(cu "$(gw $node)/ipfs/$c" | cmp -s - "$scratch/big" && echo same)"
done
check "…and pinned for the whole cluster: node 3 lists node 1's pin" "recursive" \
	"$(api n3 "/api/v0/pin/ls?arg=$c" | jq -r ".Keys[\"$c\"].Type")"
check "cairn.objects (the mirror's view) shows it, named by the cluster" "$cluster" \
	"$(iq "SELECT node FROM cairn.objects WHERE cid = '$c'")"
api n2 "/api/v0/pin/rm?arg=$c" >/dev/null
check "a pin removed through node 2 is gone on node 1" "0" \
	"$(api n1 "/api/v0/pin/ls?type=recursive" | jq ".Keys | length")"
api n3 "/api/v0/pin/add?arg=$c" >/dev/null

# --- one log, one key, one anchorer ----------------------------------------
cids() { for i in $(seq "$1" "$2"); do printf 'cluster doc %s' "$i" | "$CAIRN" add -nQ --cid-version 1; done; }
anchor_add() { api "$1" "/api/v0/anchor/add?$(cids "$2" "$3" | sed 's/^/arg=/' | paste -sd'&')" >/dev/null; }
anchor_add n1 1 5
anchor_add n2 6 10
anchor_add n3 3 7 # logged already, through other nodes: they keep their index
check "appends through three nodes make one log; a CID keeps the first index it got" "10 10" \
	"$(iq "SELECT count(*) FROM cairn.log_leaves") $(iq "SELECT max(leaf_index) + 1 FROM cairn.log_leaves")"
leaders=$(for node in n1 n2 n3; do metric $node cairn_anchor_leader; done | paste -sd+ | bc)
check "exactly one node anchors (cairn_anchor_leader)" "1" "$leaders"
api n3 "/api/v0/anchor/flush" >"$scratch/flush.json"
check "anchoring asked on node 2, flushed through node 3: answered once confirmed, 10 leaves" "10 yes" \
	"$(jq -r .size "$scratch/flush.json") $(jq -e '.anchor.block > 0' "$scratch/flush.json" >/dev/null && echo yes)"
check "…the checkpoint is the cluster's: origin cairn/<cluster>" "cairn/$cluster" \
	"$(jq -r .checkpoint "$scratch/flush.json" | head -1)"
c7=$(cids 7 7)
for node in n1 n2; do
	api $node "/api/v0/anchor/proof?arg=$c7" >"$scratch/p-$node.json"
done
check "a proof from node 1 and node 2 is the same proof" "same" \
	"$(cmp -s "$scratch/p-n1.json" "$scratch/p-n2.json" && echo same)"
check "…it verifies (RFC 9162 and the checkpoint's signature, code not cairn's)" "ok" \
	"$(node "$here/anchor-verify.mjs" proof "$cluster" <"$scratch/p-n1.json")"
check "…and its anchor against the chain" "ok" "$(node "$here/chain-verify.mjs" "$RPC" 1 <"$scratch/p-n1.json")"
sent=$(for node in n1 n2 n3; do metric $node 'cairn_anchor_transactions_total{result="sent"}'; done | paste -sd+ | bc)
check "one transaction was sent for it, by one node" "1" "$sent"

# --- the anchorer and another node die -------------------------------------
# The anchorer is killed with its transaction sent and not yet mined (the
# chain stops mining for a moment): the survivor must find it from the
# record and wait for it, never sign a second one for the checkpoint.
leader=
for node in n1 n2 n3; do [ "$(metric $node cairn_anchor_leader)" = 1 ] && leader=$node; done
other=n1; [ "$leader" = n1 ] && other=n2
survivor=$(printf '%s\n' n1 n2 n3 | grep -v -e "^$leader$" -e "^$other$")
nonce() { anvil_rpc eth_getTransactionCount "\"$KEY_ADDR\",\"latest\"" | jq -r .result; }
n0=$(($(nonce)))
anvil_rpc evm_setIntervalMining 0 >/dev/null
anchor_add "$leader" 11 15
api "$leader" "/api/v0/anchor/flush" >/dev/null 2>&1 &
flusher=$!
pending=
for _ in $(seq 200); do
	pending=$(iq "SELECT record->>'tx' FROM cairn.chain_anchors WHERE tree_size = 15 AND NOT confirmed")
	[ -n "$pending" ] && [ "$(anvil_rpc eth_getTransactionByHash "\"$pending\"" | jq -r '.result.hash')" = "$pending" ] && break
	sleep 0.1
done
check "the anchorer ($leader) sent checkpoint 15's transaction, recorded, in the chain's pool" "yes" \
	"$([ -n "$pending" ] && echo yes)"
daemon_kill "$leader"
daemon_kill "$other"
wait $flusher 2>/dev/null
anvil_rpc evm_setIntervalMining 1 >/dev/null
anchor_add "$survivor" 16 20
t0=$(date +%s)
api "$survivor" "/api/v0/anchor/flush" >"$scratch/flush2.json"
t1=$(date +%s)
check "with the anchorer and $other SIGKILLed, a flush through $survivor is confirmed: 20 leaves" "20" \
	"$(jq -r .size "$scratch/flush2.json")"
check "…checkpoint 15 is anchored by the transaction the dead node sent" "$pending" \
	"$(iq "SELECT record->>'tx' FROM cairn.chain_anchors WHERE tree_size = 15 AND confirmed")"
check "…and the account sent two transactions since, no more: 15's and 20's" "2" "$(($(nonce) - n0))"
check "…within 30 s (took $((t1 - t0)) s)" "yes" "$([ $((t1 - t0)) -le 30 ] && echo yes)"
check "…$survivor anchors now" "1" "$(metric "$survivor" cairn_anchor_leader)"
bad=0
for i in 1 9 11 16 20; do
	api "$survivor" "/api/v0/anchor/proof?arg=$(cids $i $i)" >"$scratch/p.json"
	[ "$(node "$here/anchor-verify.mjs" proof "$cluster" <"$scratch/p.json")" = ok ] &&
		[ "$(node "$here/chain-verify.mjs" "$RPC" 1 <"$scratch/p.json")" = ok ] || { bad=$((bad + 1)); sed 's/^/# /' "$scratch/p.json"; }
done
check "every proof verifies, the log's and the chain's, across the takeover" "0" "$bad"
check "each checkpoint was put on chain once" "$(iq "SELECT count(*) FROM cairn.chain_anchors WHERE confirmed")" \
	"$(iq "SELECT count(DISTINCT record->>'tx') FROM cairn.chain_anchors WHERE confirmed")"
for _ in $(seq 300); do [ "$(iq "SELECT count(*) FROM cairn.anchors")" = 20 ] && break; sleep 0.1; done
check "cairn.anchors (the mirror's view) has every anchored leaf's proof, each verifying in SQL" "20 20" \
	"$(iq "SELECT count(*) FROM cairn.anchors") $(iq "SELECT count(*) FROM cairn.anchors WHERE anchor_verify(proof) AND node = '$cluster'")"
check "…its columns read the proofs: leaves 0-19, each anchored by a confirmed checkpoint's transaction" "0 19 0" \
	"$(iq "SELECT min(leaf_index), max(leaf_index), count(*) FILTER (WHERE tx NOT IN (SELECT record->>'tx' FROM cairn.chain_anchors WHERE confirmed)) FROM cairn.anchors" | tr '|' ' ')"
out=$("$CAIRN" audit --chain-rpc "$RPC" --signer "$cluster" --format csv --pg "$DSN" 2>&1); rc=$?
check "cairn audit --pg reads the cluster's database as it reads a mirror: 20 proofs verified, the cluster's" "0 20" \
	"$rc $(echo "$out" | grep -c ',verified,')"
# cairn.anchors keeps up with a larger checkpoint: its proofs are written
# 256 at a time (proof_publish), from leaf 20 on: runs 20-275, 276-531,
# 532-787 and 788-1019, whose seams and the tree's right edge are compared
(cd "$here" && node -e '
const { CID } = require("multiformats/cid"); const { sha256 } = require("multiformats/hashes/sha2");
const raw = require("multiformats/codecs/raw");
(async () => { for (let i = 0; i < 1000; i++) console.log(CID.createV1(raw.code, await sha256.digest(Buffer.from("published " + i))).toString()) })()') >"$scratch/many"
api "$survivor" /api/v0/anchor/add --data-binary @"$scratch/many" >/dev/null
api "$survivor" /api/v0/anchor/flush >"$scratch/flush3.json"
check "1,000 more leaves through $survivor, anchored: checkpoint 1020" "1020" "$(jq -r .size "$scratch/flush3.json")"
for _ in $(seq 300); do [ "$(iq "SELECT count(*) FROM cairn.anchors")" = 1020 ] && break; sleep 0.1; done
check "…cairn.anchors holds all 1020 proofs, each verifying in SQL, each of the CID at its index" "1020 1020 yes" \
	"$(iq "SELECT count(*) FROM cairn.anchors") $(iq "SELECT count(*) FROM cairn.anchors WHERE anchor_verify(proof)") $([ "$(iq "SELECT cid FROM cairn.anchors WHERE leaf_index >= 20 ORDER BY leaf_index")" = "$(cat "$scratch/many")" ] && echo yes)"
bad=0
for i in 20 21 255 256 275 276 277 511 531 532 787 788 1000 1018 1019; do
	iq "SELECT proof FROM cairn.anchors WHERE leaf_index = $i" >"$scratch/row.json"
	api "$survivor" "/api/v0/anchor/proof?arg=$(jq -r .cid "$scratch/row.json")&size=$(jq -r .size "$scratch/row.json")" >"$scratch/api.json"
	[ "$(jq -r '.index, .size' "$scratch/row.json" | xargs)" = "$i 1020" ] && [ "$(jq -S . "$scratch/row.json")" = "$(jq -S . "$scratch/api.json")" ] &&
		[ "$(node "$here/anchor-verify.mjs" proof "$cluster" <"$scratch/row.json")" = ok ] ||
		{ bad=$((bad + 1)); echo "# leaf $i:"; sed 's/^/#   /' "$scratch/row.json" "$scratch/api.json"; }
done
check "…at the runs' seams and the tree's edge, each row is the API's proof against 1020, and verifies (JS)" "0" "$bad"
start "$leader" && start "$other" || not_ok "restart the killed nodes"
check "the killed nodes come back and serve the file" "same same" \
	"$(cu "$(gw "$leader")/ipfs/$c" | cmp -s - "$scratch/big" && echo same) $(cu "$(gw "$other")/ipfs/$c" | cmp -s - "$scratch/big" && echo same)"

# --- tokens and the Pinning Service ----------------------------------------
TOKEN=$(CAIRN_PATH=$scratch/n1 "$CAIRN" token add admin | tail -1)
check "a token made on node 1 is required by node 3" "401" "$(code -X POST "$n3_API/api/v0/id")"
check "…and accepted there" "200" "$(code -X POST -H "Authorization: Bearer $TOKEN" "$n3_API/api/v0/id")"
TMP=$(CAIRN_PATH=$scratch/n2 "$CAIRN" token add short-lived | tail -1)
code -X POST -H "Authorization: Bearer $TMP" "$n3_API/api/v0/id" >/dev/null # (node 3 keeps that check 2 s)
CAIRN_PATH=$scratch/n1 "$CAIRN" token rm short-lived
s0=$(date +%s%N)
for _ in $(seq 50); do [ "$(code -X POST -H "Authorization: Bearer $TMP" "$n3_API/api/v0/id")" = 401 ] && break; sleep 0.1; done
ms=$((($(date +%s%N) - s0) / 1000000))
check "a token removed through node 1 is refused by node 3 within the 2 s its check is kept (${ms} ms)" "401 yes" \
	"$(code -X POST -H "Authorization: Bearer $TMP" "$n3_API/api/v0/id") $([ "$ms" -le 3000 ] && echo yes)"
PINS=$(CAIRN_PATH=$scratch/n2 "$CAIRN" token add shop --scope pins | tail -1)
small=$(printf 'pinned through the service' | api n1 "/api/v0/add?cid-version=1" -F "file=@-" | jq -r .Hash)
cu -X POST -H "Authorization: Bearer $PINS" -H 'Content-Type: application/json' \
	-d "{\"cid\":\"$small\",\"name\":\"invoice-7\"}" "$n3_API/pins" >"$scratch/req.json"
rid=$(jq -r .requestid "$scratch/req.json")
check "a pins token made on node 2 pins through node 3's Pinning Service" "pinned" "$(jq -r .status "$scratch/req.json")"
check "…node 1 lists the request, by its id and name" "$rid invoice-7" \
	"$(cu -H "Authorization: Bearer $PINS" "$n1_API/pins?name=invoice-7" | jq -r '.results[0] | .requestid + " " + .pin.name')"
check "…and node 2 deletes it" "202 404" \
	"$(code -X DELETE -H "Authorization: Bearer $PINS" "$n2_API/pins/$rid") $(code -H "Authorization: Bearer $PINS" "$n1_API/pins/$rid")"

# one node at a time works on a pin request (its claim), and one left by a
# node that died is finished by another (each node looks every 10 s).
# The request's origin accepts connections and never answers, counting them.
(cd "$here" && exec node -e '
let n = 0; const fs = require("fs");
const s = require("net").createServer(c => { fs.writeFileSync(process.argv[1], String(++n)); c.on("error", () => {}) });
s.listen(0, "127.0.0.1", () => console.log(s.address().port))' "$scratch/origin.count") >"$scratch/origin.port" &
stall=$!
for _ in $(seq 50); do [ -s "$scratch/origin.port" ] && break; sleep 0.1; done
orphan=$(printf 'a request left behind' | "$CAIRN" add -nQ --cid-version 1)
# node 1 waits a minute for a silent origin (--peer-timeout)
daemon_stop n1 && start n1 --peer-timeout 60 || not_ok "restart n1"
cu -X POST -H "Authorization: Bearer $PINS" -H 'Content-Type: application/json' \
	-d "{\"cid\":\"$orphan\",\"origins\":[\"/ip4/127.0.0.1/tcp/$(cat "$scratch/origin.port")/http\"]}" "$n1_API/pins" >"$scratch/req2.json"
rid2=$(jq -r .requestid "$scratch/req2.json")
for _ in $(seq 50); do [ -s "$scratch/origin.count" ] && break; sleep 0.1; done
c0=$(cat "$scratch/origin.count" 2>/dev/null)
daemon_stop n3 && start n3 || not_ok "restart n3"
sleep 1
check "a request node 1 works on (its origin stalls): node 3, restarted, leaves it alone" "pinning 1 $c0 no" \
	"$(cu -H "Authorization: Bearer $PINS" "$n2_API/pins/$rid2" | jq -r .status) ${c0:-none} $(cat "$scratch/origin.count") $(grep -q 'taken up here' "$scratch/n3.log" && echo yes || echo no)"
daemon_kill n1
printf 'a request left behind' | api n2 "/api/v0/add?cid-version=1&pin=false" -F "file=@-" >/dev/null
s0=$(date +%s)
for _ in $(seq 120); do [ "$(cu -H "Authorization: Bearer $PINS" "$n2_API/pins/$rid2" | jq -r .status)" = pinned ] && break; sleep 0.25; done
for _ in $(seq 20); do cat "$scratch"/n[23].log | grep -q "pin request $rid2: taken up here" && break; sleep 0.1; done # (logs are flushed every 250 ms)
check "node 1 killed, its request left pinning: another node takes it up and pins it (in $(($(date +%s) - s0)) s)" "pinned yes" \
	"$(cu -H "Authorization: Bearer $PINS" "$n3_API/pins/$rid2" | jq -r .status) $(cat "$scratch"/n[23].log | grep -q "pin request $rid2: taken up here (it was pinning" && echo yes)"
kill "$stall" 2>/dev/null
wait "$stall" 2>/dev/null
start n1 || not_ok "restart n1"
check "the index's schema is version 3: the requests not settled have their index" "3 1" \
	"$(iq "SELECT value FROM cairn.index_meta WHERE key = 'schema'") $(iq "SELECT count(*) FROM pg_indexes WHERE indexname = 'pin_requests_open_idx'")"

# --- GC across nodes -------------------------------------------------------
# garbage: blocks no pin reaches
for i in 1 2 3; do printf 'garbage %s' $i | api n1 "/api/v0/block/put" -F "data=@-" | jq -r .Key; done >"$scratch/garbage"
objects() { timeout 30 rados -c "$CEPH_CONF" -p "$CEPH_POOL" ls | sort; }
has_block() { [ "$(code -X POST -H "Authorization: Bearer $TOKEN" "$1/api/v0/block/stat?arg=$2")" = 200 ]; }
# one GC at a time: while another session holds the lock, a GC is refused
psql -X -q -d idx -c "SELECT pg_advisory_lock($(printf '%d' 0x636169726e000005)); SELECT pg_sleep(4)" >/dev/null &
holder=$!
sleep 1
check "one GC at a time in the cluster: 409 while another holds the lock, saying so" "409 yes" \
	"$(code -X POST -H "Authorization: Bearer $TOKEN" "$n1_API/api/v0/repo/gc") $(api n1 /api/v0/repo/gc | grep -q 'another node of the cluster is collecting' && echo yes)"
wait $holder
# a 200 MiB upload to node 2, slowed to last several seconds, while node
# 1 collects garbage three times
head -c $((200 * 1024 * 1024)) /dev/urandom >"$scratch/huge"
want=$(sha256sum <"$scratch/huge" | cut -d' ' -f1)
cu -X POST -H "Authorization: Bearer $TOKEN" --limit-rate 25M -F "file=@$scratch/huge" \
	"$n2_API/api/v0/add?cid-version=1&quieter=true" >"$scratch/huge.add" &
uploader=$!
gcs=0
for _ in 1 2 3; do sleep 2; api n1 /api/v0/repo/gc >>"$scratch/gc.out" && gcs=$((gcs + 1)); done
wait $uploader
hc=$(jq -r .Hash "$scratch/huge.add")
check "GC ran on node 1 three times during a 200 MiB upload to node 2" "3" "$gcs"
check "…the upload lost nothing: node 3 serves it whole" "$want" "$(cu "$(gw n3)/ipfs/$hc" | sha256sum | cut -d' ' -f1)"
check "…the garbage is still there, inside the grace window" "3" \
	"$(n=0; while read -r g; do has_block "$n1_API" "$g" && n=$((n + 1)); done <"$scratch/garbage"; echo $n)"
# node 3 with a grace window of 2 s
daemon_stop n3
CAIRN_PATH=$scratch/n3 "$CAIRN" config --json Datastore.GCGraceSeconds 2
start n3 || not_ok "restart n3"
sleep 3
# a put that finds a stored block marks it as seen: the next GC keeps it
g1=$(head -1 "$scratch/garbage")
printf 'garbage 1' | api n1 "/api/v0/block/put" -F "data=@-" >/dev/null
api n3 /api/v0/repo/gc >"$scratch/gc3.out"
check "with a 2 s window, GC on node 3 removes the two old garbage blocks, keeps the one a put just met" "1 2" \
	"$(has_block "$n3_API" "$g1" && echo 1) $(grep -c '"Key"' "$scratch/gc3.out")"
sleep 3
api n3 /api/v0/repo/gc >/dev/null
check "…and removes it once that is 2 s old too" "gone" "$(has_block "$n3_API" "$g1" || echo gone)"
check "…pinned files stay whole" "$want same" \
	"$(cu "$(gw n1)/ipfs/$hc" | sha256sum | cut -d' ' -f1) $(cu "$(gw n2)/ipfs/$c" | cmp -s - "$scratch/big" && echo same)"

# --- a node killed mid-upload ------------------------------------------------
pins0=$(iq "SELECT count(*) FROM cairn.pins")
cu -X POST -H "Authorization: Bearer $TOKEN" --limit-rate 10M -F "file=@$scratch/huge" \
	"$n2_API/api/v0/add?cid-version=1&quieter=true" >/dev/null 2>&1 &
uploader=$!
sleep 3
daemon_kill n2
wait $uploader 2>/dev/null
check "node 2 SIGKILLed mid-upload: no pin, no row of it anywhere" "$pins0" "$(iq "SELECT count(*) FROM cairn.pins")"
start n2 || not_ok "restart n2"

# --- PostgreSQL stopped and started -----------------------------------------
pg_pause
check "PostgreSQL stopped: a pinned file is still served, byte for byte" "same" \
	"$(cu "$(gw n2)/ipfs/$c" | cmp -s - "$scratch/big" && echo same)"
printf 'during the outage' >"$scratch/late"
st=$(code -X POST -H "Authorization: Bearer $TOKEN" -F "file=@$scratch/late" "$n1_API/api/v0/add")
st2=$(code -X POST -H "Authorization: Bearer $TOKEN" -F "file=@$scratch/late" "$n1_API/api/v0/add")
check "…writes answer 503 (the first, and the next within the back-off)" "503 503" "$st $st2"
cu "$(gw n3)/healthz" >"$scratch/health" 
check "…/healthz says degraded, the index away, the blocks up (200: reads go on)" "degraded yes yes 200" \
	"$(head -1 "$scratch/health") $(grep -q '^index: postgresql away' "$scratch/health" && echo yes) $(grep -q '^blocks: rados up' "$scratch/health" && echo yes) $(code "$(gw n3)/healthz")"
pg_resume
sleep 2.5 # past the back-off
late=$(api n1 "/api/v0/add?cid-version=1&quieter=true" -F "file=@$scratch/late" | jq -r .Hash)
check "PostgreSQL back: writes work again, and what was acknowledged before is all there" "$((pins0 + 1)) ok" \
	"$(iq "SELECT count(*) FROM cairn.pins") $(head -1 <(cu "$(gw n3)/healthz"))"
check "…the new file served by another node" "during the outage" "$(cu "$(gw n2)/ipfs/$late")"
# a restart between requests (a failover looks the same): the pooled
# connections are stale, and the next write goes through on new ones,
# although the nodes' anchorers found the server gone meanwhile (they ask
# for the lease every second)
for node in n1 n2 n3; do api $node /api/v0/pin/ls >/dev/null; done
pg_pause && sleep 1.5 && pg_resume
printf 'after a restart' >"$scratch/late2"
check "PostgreSQL restarted between requests: the next write on each node succeeds" "200 200 200" \
	"$(for node in n1 n2 n3; do v="${node}_API"; echo "$(code -X POST -H "Authorization: Bearer $TOKEN" -F "file=@$scratch/late2" "${!v}/api/v0/add")"; done | xargs)"

for node in n1 n2 n3; do daemon_stop $node; done
grep -h -i 'error\|sanitizer' "$scratch"/n?.log | grep -v 'anchoring: \|retrying' | head -5 | sed 's/^/# /'
echo "1..$n"

#!/usr/bin/env bash
# cairn daemon --pg: pins and anchoring proofs mirrored into a real
# PostgreSQL server (cairn.objects, cairn.anchors), compared with what the
# node itself lists; PostgreSQL stopped while pins change, the daemon
# SIGKILLed with changes queued, pins changed offline: nothing lost, nothing
# left behind; the mirrored proofs verify in SQL and pass cairn audit.
. "$(dirname "$0")/../lib/tap.bash"
. "$(dirname "$0")/../lib/pg.bash"
. "$(dirname "$0")/../lib/anvil.bash"
. "$(dirname "$0")/../lib/daemon.bash"
pg_suite
mq() { q "$1" mirror; } # on the mirror's database
psql -X -q -c "CREATE DATABASE mirror" >/dev/null
DSN="host=$PGHOST port=$PGPORT user=postgres dbname=mirror connect_timeout=5"
anvil_start || { not_ok "anvil start: $(tail -3 "$scratch/anvil.log")"; exit 1; }
export CAIRN_PATH=$scratch/repo
peer=$("$CAIRN" init | sed -n 's/^peer identity: //p')
start() { daemon_start "" --chain-rpc "$RPC" --anchor-interval 3600 --pg "$DSN"; }
cu() { curl -sS --max-time 60 -X POST "$@"; }
add() { printf '%s' "$1" >"$scratch/f"; cu -F "file=@$scratch/f" "$API/api/v0/add?$2" | sed -n 's/.*"Hash":"\([^"]*\)".*/\1/p'; }
# What the node has pinned and what PostgreSQL has, in one comparable form.
node_pins() { cu "$API/api/v0/pin/ls" | node -e 'const o=JSON.parse(require("fs").readFileSync(0));for(const [c,v] of Object.entries(o.Keys))console.log(c+" "+v.Type+" "+(v.Name||""))' | sort; }
pg_pins() { mq "SELECT cid::text || ' ' || pin_type || ' ' || name FROM cairn.objects WHERE node = '$peer'" | sed 's/ $//' | sort; }
# Wait (at most 15 s) until PostgreSQL has what the node has.
converged() {
	for _ in $(seq 150); do
		[ "$(node_pins | sed 's/ $//')" = "$(pg_pins 2>/dev/null)" ] && return 0
		sleep 0.1
	done
	diff <(node_pins | sed 's/ $//') <(pg_pins) | sed 's/^/# /'
	return 1
}
metric() { curl -sS --max-time 10 "$API/metrics" | sed -n "s/^$1 //p"; }

# pins made before any mirror ran: the first connection resyncs them
"$CAIRN" add -Q "$scratch/repo/config" >/dev/null
printf 'offline two' | "$CAIRN" add -Q >/dev/null
start
converged && ok "pins made before the mirror are resynced at its first connection" || not_ok "first sync"
check "the tables use the extension's types" "ipfs_cid anchored_cid" \
	"$(mq "SELECT format_type(a.atttypid, NULL) FROM pg_attribute a WHERE (a.attrelid, a.attname) IN (('cairn.objects'::regclass, 'cid'), ('cairn.anchors'::regclass, 'proof')) ORDER BY a.attrelid::regclass::text DESC" | xargs)"

# live changes: adds, a named direct pin, a removal
for i in 1 2 3 4 5; do add "live $i" "cid-version=1" >>"$scratch/live"; done
raw=$(printf 'a raw block' | cu -F "data=@-" "$API/api/v0/block/put" | sed -n 's/.*"Key":"\([^"]*\)".*/\1/p')
cu "$API/api/v0/pin/add?arg=$raw&recursive=false&name=invoice%20%27007%27" >/dev/null
cu "$API/api/v0/pin/rm?arg=$(sed -n 2p "$scratch/live")" >/dev/null
converged && ok "adds, a named direct pin and a removal reach PostgreSQL" || not_ok "live changes"
check "the name survives quoting" "direct|invoice '007'" "$(mq "SELECT pin_type, name FROM cairn.objects WHERE cid = '$raw'")"
check "no pin waits" "0" "$(metric cairn_pg_mirror_pins_behind)"

# anchored documents: their proofs land in cairn.anchors
for i in 1 2 3 4 5 6; do add "anchored document $i" "anchor=true&cid-version=1" >>"$scratch/anchored"; done
tx=$(cu "$API/api/v0/anchor/flush" | sed -n 's/.*"tx":"\(0x[0-9a-f]*\)".*/\1/p')
for _ in $(seq 150); do [ "$(mq "SELECT count(*) FROM cairn.anchors")" = 6 ] && break; sleep 0.1; done
check "every anchored leaf has its proof in cairn.anchors" "6" "$(mq "SELECT count(*) FROM cairn.anchors WHERE node = '$peer'")"
check "…each verifies in SQL" "6" "$(mq "SELECT count(*) FROM cairn.anchors WHERE anchor_verify(proof)")"
check "…the generated columns read the proof: the flush's transaction, leaves 0-5 of 6" "1|$tx|0|5|6" \
	"$(mq "SELECT count(DISTINCT tx), min(tx), min(leaf_index), max(leaf_index), min(tree_size) FROM cairn.anchors")"
check "pins JOIN anchors by CID" "6" "$(mq "SELECT count(*) FROM cairn.objects o JOIN cairn.anchors a USING (node, cid)")"
cu "$API/api/v0/cat?arg=$(sed -n 3p "$scratch/anchored")" >"$scratch/doc3"
chmod 755 "$scratch"; chmod 644 "$scratch/doc3"
check "a document verifies against its mirrored proof" "t" \
	"$(mq "SELECT anchor_verify(proof, pg_read_binary_file('$scratch/doc3')) FROM cairn.anchors WHERE cid = '$(sed -n 3p "$scratch/anchored")'")"

# PostgreSQL down: the node goes on, changes queue, nothing is lost
pg_pause
for i in 1 2 3; do add "while down $i" "cid-version=1" >>"$scratch/down"; done
check "adds succeed while PostgreSQL is down" "3" "$(grep -c . "$scratch/down")"
cu "$API/api/v0/pin/rm?arg=$(sed -n 1p "$scratch/live")" >/dev/null
for i in 7 8; do add "anchored document $i" "anchor=true&cid-version=1" >>"$scratch/anchored"; done
cu "$API/api/v0/anchor/flush" >/dev/null
sleep 1
check "/metrics: the mirror is down" "0" "$(metric cairn_pg_mirror_up)"
check "…with 6 pin changes and 2 anchored leaves waiting" "6 2" "$(metric cairn_pg_mirror_pins_behind) $(metric cairn_pg_mirror_leaves_behind)"
grep -q "pg mirror: .*retrying in" "$scratch/daemon.log" && ok "the outage is logged, with the retry" || not_ok "no retry logged"
# SIGKILL with the changes still queued: the journal is on disk
daemon_kill
pg_resume
start
converged && ok "after PostgreSQL and a SIGKILLed daemon come back, the queued changes arrive" || not_ok "after outage"
for _ in $(seq 150); do [ "$(mq "SELECT count(*) FROM cairn.anchors")" = 8 ] && break; sleep 0.1; done
check "…and the proofs anchored meanwhile" "8" "$(mq "SELECT count(*) FROM cairn.anchors WHERE anchor_verify(proof)")"
check "the mirror is up again, nothing waits" "1 0 0" "$(metric cairn_pg_mirror_up) $(metric cairn_pg_mirror_pins_behind) $(metric cairn_pg_mirror_leaves_behind)"

# changed offline (no journal): a gap, so a resync
daemon_stop
"$CAIRN" pin rm "$(sed -n 3p "$scratch/live")" >/dev/null
printf 'offline three' | "$CAIRN" add -Q >/dev/null
mq "INSERT INTO cairn.objects (node, cid, pin_type) VALUES ('$peer', 'bafkqaaa', 'direct')"
start
converged && ok "pins changed offline: resynced, and a row the node never had is removed" || not_ok "offline resync"
# (this start's own log: the daemon flushes it every 250 ms)
logged=
for _ in $(seq 30); do grep -q "resyncing pins" "$scratch/daemon.log" && { logged=1; break; }; sleep 0.1; done
[ -n "$logged" ] && ok "…the resync is logged" || not_ok "resync not logged"

# cairn audit reads the proofs straight out of PostgreSQL
out=$("$CAIRN" audit --chain-rpc "$RPC" --signer "$peer" --pg "$DSN" --format csv 2>/dev/null); rc=$?
check "cairn audit --pg: the mirror's 8 proofs pass against the chain" "0 8" "$rc $(echo "$out" | grep -c ',verified,')"
check "…each row's record is node:leaf_index" "$peer:0" "$(echo "$out" | sed -n 2p | cut -d, -f1)"
mq "CREATE TABLE evidence AS SELECT cid, proof::jsonb AS proof FROM cairn.anchors;
   UPDATE evidence SET proof = jsonb_set(proof, '{size}', to_jsonb((proof->>'size')::int + 1)) WHERE cid = '$(sed -n 2p "$scratch/anchored")'"
out=$("$CAIRN" audit --chain-rpc "$RPC" --pg "$DSN" --query "SELECT proof FROM evidence ORDER BY proof->>'index'" --format csv 2>/dev/null); rc=$?
check "…--query over another table: the tampered row fails, exit 1" "1 1 7" \
	"$rc $(echo "$out" | grep -c ',false,') $(echo "$out" | grep -c ',verified,')"
check "…one column: records are numbered rows" "row 1" "$(echo "$out" | sed -n 2p | cut -d, -f1)"
out=$("$CAIRN" audit --chain-rpc "$RPC" --pg "$DSN" --query "SELECT 'doc-' || (proof->>'index'), proof FROM evidence ORDER BY proof->>'index'" --format csv 2>/dev/null)
check "…two columns: the first is the record's id" "doc-0,$(sed -n 1p "$scratch/anchored"),0" "$(echo "$out" | sed -n 2p | cut -d, -f1-3)"
out=$("$CAIRN" audit --chain-rpc "$RPC" --pg "$DSN" --query "SELECT nope FROM evidence" 2>&1); rc=$?
[ $rc -eq 3 ] && echo "$out" | grep -q 'column "nope" does not exist' && ok "…a bad query: could not check, exit 3, with PostgreSQL's message" || not_ok "bad query: $rc $out"
"$CAIRN" audit --chain-rpc "$RPC" --query "SELECT 1" 2>/dev/null; check "--query without --pg: usage, exit 2" "2" "$?"
out=$("$CAIRN" audit --chain-rpc "$RPC" --pg "host=$PGHOST port=1 dbname=nope connect_timeout=2" 2>&1); rc=$?
[ $rc -eq 3 ] && echo "$out" | grep -q "could not check: PostgreSQL:" && ok "…an unreachable server: could not check, exit 3, says so" || not_ok "unreachable: $rc $out"

# another node mirroring into the same database keeps to its own rows
check "rows are keyed by node" "1" "$(mq "SELECT count(DISTINCT node) FROM cairn.objects")"
echo "1..$n"

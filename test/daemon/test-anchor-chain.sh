#!/usr/bin/env bash
# Anchoring on a real local Ethereum node (anvil, from npm): flush puts the
# checkpoint's root ‖ size on chain and answers once confirmed; proofs are
# checked against the chain by an independent verifier; batches trigger
# anchoring; the chain down then up; the daemon killed between sending and
# confirming resumes the same transaction (nothing anchored twice).
. "$(dirname "$0")/../lib/tap.bash"
. "$(dirname "$0")/../lib/daemon.bash"
. "$(dirname "$0")/../lib/anvil.bash"
export CAIRN_PATH=$scratch/repo
"$CAIRN" init >/dev/null
anvil_start || { echo "not ok 1 - anvil start"; cat "$scratch/anvil.log"; exit 1; }
start() { # daemon with anchoring; extra options in "$@"
	daemon_start "" --chain-rpc "$RPC" --confirmations 2 --anchor-interval 3600 "$@"
}
cu() { curl -sS --max-time 60 -X POST "$@"; }
rpc() { curl -sS --max-time 10 "$RPC" -X POST -H 'content-type: application/json' -d "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$1\",\"params\":[${2:-}]}"; }
txcount() { rpc eth_getTransactionCount "\"$(rpc eth_accounts | sed -n 's/.*"result":\["\([^"]*\)".*/\1/p')\",\"latest\"" | sed -n 's/.*"result":"\(0x[0-9a-f]*\)".*/\1/p'; }
cids() { for i in $(seq "$1" "$2"); do printf 'doc %s' "$i" | "$CAIRN" add -nQ; done; }
add() { cu "$API/api/v0/anchor/add?$(cids "$1" "$2" | sed 's/^/arg=/' | paste -sd'&')" >/dev/null; }

start || { echo "not ok 1 - daemon start"; cat "$scratch/daemon.log"; exit 1; }
peer=$(cu "$API/api/v0/id" | sed -n 's/.*"ID":"\([^"]*\)".*/\1/p')
metric() { curl -sS --max-time 10 "$GW/metrics" | awk -v k="$1" '$1 == k {print $2}'; }
add 1 10
check "/metrics before the flush: log size 10, all 10 waiting, no chain error" "10 10 0" \
	"$(metric cairn_anchor_log_size) $(metric cairn_anchor_leaves_waiting) $(metric cairn_anchor_chain_errors_total)"
cu "$API/api/v0/anchor/flush" >"$scratch/flush.json"
grep -q '"tx":"0x[0-9a-f]\{64\}"' "$scratch/flush.json" && ok "flush answers once the checkpoint is on chain" || not_ok "flush: $(cat "$scratch/flush.json")"
check "…then none waiting" "10 0" "$(metric cairn_anchor_log_size) $(metric cairn_anchor_leaves_waiting)"
c3=$(cids 3 3)
cu "$API/api/v0/anchor/proof?arg=$c3" >"$scratch/p.json"
check "the proof verifies (log and checkpoint)" "ok" "$(node "$here/anchor-verify.mjs" proof "$peer" <"$scratch/p.json")"
check "…and its anchor against the chain, 2 confirmations" "ok" "$(node "$here/chain-verify.mjs" "$RPC" 2 <"$scratch/p.json")"
check "the chain is named by CAIP-2" "eip155:31337" "$(sed -n 's/.*"chain":"\([^"]*\)".*/\1/p' "$scratch/p.json")"
# a second checkpoint: its transaction carries another root
add 11 20
cu "$API/api/v0/anchor/flush" >/dev/null
cu "$API/api/v0/anchor/proof?arg=$(cids 15 15)" >"$scratch/p2.json"
check "a second anchor verifies" "ok" "$(node "$here/chain-verify.mjs" "$RPC" 2 <"$scratch/p2.json")"
check "cairn audit passes both proofs (exit 0)" "0" "$("$CAIRN" audit --chain-rpc "$RPC" --confirmations 2 "$scratch/p.json" "$scratch/p2.json" >"$scratch/audit.txt"; echo $?)"
check "…and reports each as verified" "2" "$(grep -c '^verified ' "$scratch/audit.txt")"
tamper() { # NAME JS: refused by the independent verifier and by cairn audit
	node -e "const p=JSON.parse(require('fs').readFileSync(process.argv[1]));$2;process.stdout.write(JSON.stringify(p))" "$scratch/p.json" >"$scratch/t.json"
	local out aout arc; out=$(node "$here/chain-verify.mjs" "$RPC" 2 <"$scratch/t.json")
	aout=$("$CAIRN" audit --chain-rpc "$RPC" --confirmations 2 --format csv "$scratch/t.json" 2>/dev/null); arc=$?
	[ "$out" != ok ] && [ $arc -eq 1 ] && echo "$aout" | grep -q ',false,' \
		&& ok "refused: $1 ($out; audit: $(echo "$aout" | tail -1 | cut -d, -f11-))" || not_ok "accepted: $1 ($out / $arc $aout)"
}
audit_refuses() { # NAME JS: refused by cairn audit (log and checkpoint tampering)
	node -e "const p=JSON.parse(require('fs').readFileSync(process.argv[1]));$2;process.stdout.write(JSON.stringify(p))" "$scratch/p.json" >"$scratch/t.json"
	local aout arc; aout=$("$CAIRN" audit --chain-rpc "$RPC" --format json "$scratch/t.json"); arc=$?
	[ $arc -eq 1 ] && echo "$aout" | grep -q '"result":"false"' && ok "audit refuses $1 ($(echo "$aout" | sed -n 's/.*"reason":"\([^"]*\)".*/\1/p'))" || not_ok "audit accepts $1: $aout"
}
audit_refuses "a flipped path byte" "p.path[0]=p.path[0].replace(/^./,c=>c==='0'?'1':'0')"
audit_refuses "another index" "p.index=p.index+1"
audit_refuses "a proof for another CID" "p.cid=JSON.parse(require('fs').readFileSync('$scratch/p2.json')).cid"
audit_refuses "a changed checkpoint" "p.checkpoint=p.checkpoint.replace(/\\n10\\n/,'\\n11\\n')"
node -e "const p=JSON.parse(require('fs').readFileSync(process.argv[1]));p.time='2001-02-03T04:05:06Z';process.stdout.write(JSON.stringify(p))" "$scratch/p.json" >"$scratch/t.json"
want_t=$(sed -n 's/.*"time":"\([^"]*\)".*/\1/p' "$scratch/p.json")
"$CAIRN" audit --chain-rpc "$RPC" "$scratch/t.json" >"$scratch/tt.txt"
check "audit refuses a changed time (exit 1), naming both times" "1 1" \
	"$? $(grep -c "time: the proof says 2001-02-03T04:05:06Z, the block's is $want_t" "$scratch/tt.txt")"
audit_refuses "another checkpoint's root" "p.root=JSON.parse(require('fs').readFileSync('$scratch/p2.json')).root"
check "audit --signer with another node → refused" "1" "$("$CAIRN" audit --chain-rpc "$RPC" --signer 12D3KooWPBeYQeLGrmxMUYkshfnE43YXoLDJGHT9Wzd3Tyg6zhF3 "$scratch/p.json" >/dev/null; echo $?)"
check "audit without --chain-rpc: usage, exit 2" "2" "$("$CAIRN" audit "$scratch/p.json" 2>/dev/null; echo $?)"
check "audit of ndjson on stdin: two proofs" "2" "$(cat "$scratch/p.json" <(echo) "$scratch/p2.json" | "$CAIRN" audit --chain-rpc "$RPC" --format csv 2>/dev/null | grep -c ',verified,')"
tamper "a transaction carrying another root" "p.tx=JSON.parse(require('fs').readFileSync('$scratch/p2.json')).tx"
tamper "another block" "p.block=p.block+1"
tamper "another block hash" "p.block_hash=p.block_hash.replace(/.\$/,c=>c==='0'?'1':'0')"
tamper "another size" "p.size=p.size+1"
check "the first checkpoint's proof still verifies (size=10)" "ok" \
	"$(cu "$API/api/v0/anchor/proof?arg=$c3&size=10" | node "$here/chain-verify.mjs" "$RPC" 2)"

# batch: 5 waiting leaves anchor by themselves
daemon_stop
start --anchor-batch 5 || { not_ok "restart with --anchor-batch"; tail -20 "$scratch/daemon.log.before" "$scratch/daemon.log" "$scratch/daemon.out" | sed 's/^/# /'; exit 1; }
add 21 25
anchored=
for _ in $(seq 60); do
	cu "$API/api/v0/anchor/proof?arg=$(cids 25 25)" >"$scratch/p3.json" 2>/dev/null
	grep -q '"tx"' "$scratch/p3.json" && { anchored=1; break; }
	sleep 0.5
done
[ -n "$anchored" ] && ok "5 waiting leaves are anchored without a flush (--anchor-batch 5)" || not_ok "batch: $(cat "$scratch/p3.json")"

# the chain down, then up again: nothing lost
anvil_stop
add 26 30
cu --max-time 90 "$API/api/v0/anchor/flush" >"$scratch/f4.json" &
FLUSH=$!
sleep 3
anvil_start || { not_ok "anvil restart"; exit 1; }
wait "$FLUSH"
grep -q '"tx"' "$scratch/f4.json" && ok "chain down then up: the flush is answered once anchored" || not_ok "chain down/up: $(cat "$scratch/f4.json")"
grep -q "anchoring: .*retrying" "$scratch/daemon.log" && ok "…after retries logged" || not_ok "no retry logged"
check "…and counted in /metrics as chain errors, as many as logged" "$(grep -c 'anchoring: .*retrying' "$scratch/daemon.log")" "$(metric cairn_anchor_chain_errors_total)"
check "…and the proof verifies against the restarted chain" "ok" \
	"$(cu "$API/api/v0/anchor/proof?arg=$(cids 28 28)" | node "$here/chain-verify.mjs" "$RPC" 2)"

# killed between sending and confirming: the same transaction is resumed
daemon_stop
start --confirmations 6 || { not_ok "restart with 6 confirmations"; exit 1; }
before=$(txcount)
add 31 35
cu --max-time 5 "$API/api/v0/anchor/flush" >/dev/null 2>&1 &
sent=
for _ in $(seq 100); do grep -q "anchoring checkpoint 35: sent" "$scratch/daemon.log" 2>/dev/null && { sent=1; break; }; sleep 0.1; done
daemon_kill
[ -n "$sent" ] && ok "killed after sending, before 6 confirmations" || not_ok "the transaction was not sent before the kill"
start --confirmations 6 || { not_ok "restart after SIGKILL"; exit 1; }
cu --max-time 90 "$API/api/v0/anchor/flush" >"$scratch/f5.json"
grep -q '"size":35' "$scratch/f5.json" && grep -q '"tx"' "$scratch/f5.json" && ok "after SIGKILL mid-anchor, the restarted daemon confirms it" || not_ok "resume: $(cat "$scratch/f5.json")"
check "…with the one transaction it had sent (none twice)" "$((before + 1))" "$(( $(txcount) ))"
sleep 0.3
check "the restarted daemon sent nothing itself" "0" "$(grep -c 'anchoring checkpoint 35: sent' "$scratch/daemon.log")"
check "…and 6 confirmations" "ok" "$(cu "$API/api/v0/anchor/proof?arg=$(cids 33 33)" | node "$here/chain-verify.mjs" "$RPC" 6)"
cu "$API/api/v0/anchor/proof?arg=$(cids 33 33)" >"$scratch/p6.json"
check "cairn audit --confirmations 6 passes it" "0" "$("$CAIRN" audit --chain-rpc "$RPC" --confirmations 6 "$scratch/p6.json" >/dev/null; echo $?)"
check "…--confirmations 1000 does not" "1" "$("$CAIRN" audit --chain-rpc "$RPC" --confirmations 1000 "$scratch/p6.json" >/dev/null; echo $?)"

# A record the anchorer cannot read (checkpoint 35's, overwritten with bytes
# that are not JSON, through LMDB's own mdb_load while no daemon runs) stops
# anchoring with a logged error: never taken for "nothing pending", which
# could send a second transaction for a checkpoint already on chain.
daemon_stop
before=$(txcount)
printf '\\00\\00\\00\\00\\00\\00\\00\\23\nnot json\n' | mdb_load -T -s anchors "$CAIRN_PATH/index"
check "mdb_load put the unreadable record" "0" "$?"
start --anchor-interval 1 || { not_ok "restart after the record was damaged"; exit 1; }
add 36 40
logged=
for _ in $(seq 50); do grep -q "anchoring: reading the anchor records: .*checkpoint 35 is not JSON" "$scratch/daemon.log" && { logged=1; break; }; sleep 0.1; done
[ -n "$logged" ] && ok "an unreadable anchor record: the anchoring step stops, logged" || not_ok "not logged: $(tail -3 "$scratch/daemon.log")"
sleep 3 # three intervals: time enough to have sent, had it guessed
check "…and no transaction is sent" "$((before))" "$(( $(txcount) ))"
check "…anchor/flush says why: 500" "500" "$(curl -sS -o "$scratch/body" -w '%{http_code}' --max-time 10 -X POST "$API/api/v0/anchor/flush")"
grep -q "not JSON" "$scratch/body" && ok "…with the reason" || not_ok "flush body: $(cat "$scratch/body")"
echo "1..$n"

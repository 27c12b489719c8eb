#!/usr/bin/env bash
# Transactions signed here, when the chain does not take them at once
# (anvil, its mining paused and its base fee raised by the test):
# - stuck: not mined after --chain-replace-after blocks, the transaction
#   is replaced (same nonce, fees up); exactly one of the two is mined,
#   and the proof names that one;
# - SIGKILL between sending and the receipt, then a restart: the daemon
#   waits for the transaction it sent, and no nonce carries two roots.
. "$(dirname "$0")/../lib/tap.bash"
. "$(dirname "$0")/../lib/daemon.bash"
. "$(dirname "$0")/../lib/anvil.bash"
export CAIRN_PATH=$scratch/repo
unset CAIRN_CHAIN_KEY_PASSWORD
"$CAIRN" init >/dev/null
anvil_start || { echo "not ok 1 - anvil start"; cat "$scratch/anvil.log"; exit 1; }
cu() { curl -sS --max-time 90 -X POST "$@"; }
rpc() { anvil_rpc "$@"; }
result() { sed -n 's/.*"result":"\{0,1\}\([^",}]*\)"\{0,1\}.*/\1/p'; }
cids() { for i in $(seq "$1" "$2"); do printf 'replaced doc %s' "$i" | "$CAIRN" add -nQ; done; }
add() { cu "$API/api/v0/anchor/add?$(cids "$1" "$2" | sed 's/^/arg=/' | paste -sd'&')" >/dev/null; }
sent_hashes() { sed -n 's/.*: sent \(0x[0-9a-f]\{64\}\)"\{0,1\}$/\1/p' "$scratch/daemon.log"; } # msg="…" in the log
wait_sent() { # N: until the log has N sends
	for _ in $(seq 100); do [ "$(sent_hashes | wc -l)" -ge "$1" ] && return 0; sleep 0.1; done
	return 1
}
txcount() { printf '%d' "$(rpc eth_getTransactionCount "\"$addr\",\"latest\"" | result)"; }

printf 'pw\n' >"$scratch/pw"
anvil_key "$scratch/key.json" pw || { echo "not ok 1 - ethers wrote no keystore"; exit 1; }
addr=$KEY_ADDR
start() { daemon_start "" --chain-rpc "$RPC" --chain-key "$scratch/key.json" --chain-key-password-file "$scratch/pw" \
	--chain-replace-after 2 --confirmations 1 --anchor-interval 3600; }
start || { echo "not ok 1 - daemon start: $(tail -3 "$scratch/daemon.log")"; exit 1; }

# --- a stuck transaction is replaced ---
add 1 4
rpc evm_setIntervalMining 0 >/dev/null # nothing is mined for now
cu "$API/api/v0/anchor/flush" >"$scratch/flush.json" &
flush=$!
wait_sent 1 || not_ok "nothing sent: $(tail -3 "$scratch/daemon.log")"
h1=$(sent_hashes | head -1)
# blocks come again, with a base fee far above what h1 offers
rpc anvil_setNextBlockBaseFeePerGas '"0x174876e800"' >/dev/null
rpc evm_setIntervalMining 1 >/dev/null
wait $flush
h2=$(sed -n 's/.*"tx":"\(0x[0-9a-f]\{64\}\)".*/\1/p' "$scratch/flush.json")
grep -q "$h1 not mined after 2 blocks; replaced" "$scratch/daemon.log" && ok "not mined after 2 blocks: replaced, and the log says so" || not_ok "log: $(tail -5 "$scratch/daemon.log")"
[ -n "$h2" ] && [ "$h2" != "$h1" ] && ok "flush answers with the replacement ($h2)" || not_ok "flush: $(cat "$scratch/flush.json")"
check "…which is mined (status 1)" "0x1" "$(rpc eth_getTransactionReceipt "\"$h2\"" | sed -n 's/.*"status":"\(0x[0-9a-f]*\)".*/\1/p')"
check "…and the first never is" "null" "$(rpc eth_getTransactionReceipt "\"$h1\"" | sed -n 's/.*"result":\(null\).*/\1/p')"
read -r _ _ _ _ nonce _ <<<"$(node "$here/signed-tx.mjs" "$RPC" "$h2")"
check "…one nonce (0) for both: one transaction from the key" "0 1" "$nonce $(txcount)"
cu "$API/api/v0/anchor/proof?arg=$(cids 2 2)" >"$scratch/p.json"
check "the proof names the one mined" "$h2" "$(sed -n 's/.*"tx":"\(0x[0-9a-f]*\)".*/\1/p' "$scratch/p.json")"
check "cairn audit passes it" "0" "$("$CAIRN" audit --chain-rpc "$RPC" "$scratch/p.json" >/dev/null; echo $?)"
replaced=$(curl -sS "$GW/metrics" | awk '$1 == "cairn_anchor_transactions_total{result=\"replaced\"}" {print $2}')
check "cairn_anchor_transactions_total{result=\"replaced\"} is 1" "1" "$replaced"

# --- SIGKILL between sending and the receipt ---
add 5 8
rpc evm_setIntervalMining 0 >/dev/null
n0=$(sent_hashes | wc -l)
cu --max-time 5 "$API/api/v0/anchor/flush" >/dev/null 2>&1 &
wait_sent $((n0 + 1)) || not_ok "nothing sent: $(tail -3 "$scratch/daemon.log")"
h3=$(sent_hashes | tail -1)
daemon_kill
add_more() { CAIRN_PATH=$scratch/repo "$CAIRN" anchor add $(cids 9 12) >/dev/null; }
add_more
start || not_ok "restart: $(tail -3 "$scratch/daemon.log")"
rpc evm_setIntervalMining 1 >/dev/null
cu "$API/api/v0/anchor/flush" >"$scratch/flush3.json"
h4=$(sed -n 's/.*"tx":"\(0x[0-9a-f]\{64\}\)".*/\1/p' "$scratch/flush3.json")
check "after SIGKILL and a restart: the transaction sent before is mined" "0x1" \
	"$(rpc eth_getTransactionReceipt "\"$h3\"" | sed -n 's/.*"status":"\(0x[0-9a-f]*\)".*/\1/p')"
read -r _ _ _ d3 n3 _ <<<"$(node "$here/signed-tx.mjs" "$RPC" "$h3")"
read -r _ _ _ d4 n4 _ <<<"$(node "$here/signed-tx.mjs" "$RPC" "$h4")"
check "…with nonce 1, and the next checkpoint's with nonce 2" "1 2" "$n3 $n4"
[ -n "$d3" ] && [ "$d3" != "$d4" ] && ok "…each nonce one root" || not_ok "roots: $d3 $d4"
check "…three transactions from the key in all" "3" "$(txcount)"
! grep -q "sending again" "$scratch/daemon.log" && ok "…none sent twice" || not_ok "log: $(grep 'sending again' "$scratch/daemon.log")"
daemon_stop
echo "1..$n"

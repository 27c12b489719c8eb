#!/usr/bin/env bash
# Anchoring with the node's own key (--chain-key): anvil, with an account
# anvil does not hold (a fresh key, written as a keystore by ethers and
# funded with anvil_setBalance). The daemon signs EIP-1559 transactions;
# ethers reads the mined one back (type 2, the keystore's address, the
# chain id, root ‖ size); cairn audit passes the proof. Refused at start:
# a wrong password, no password, a file that is not a keystore. A fee cap
# below the chain's fee sends nothing, says why, and anchoring goes on
# once the cap allows.
. "$(dirname "$0")/../lib/tap.bash"
. "$(dirname "$0")/../lib/daemon.bash"
. "$(dirname "$0")/../lib/anvil.bash"
export CAIRN_PATH=$scratch/repo
unset CAIRN_CHAIN_KEY_PASSWORD
"$CAIRN" init >/dev/null
anvil_start || { echo "not ok 1 - anvil start"; cat "$scratch/anvil.log"; exit 1; }
cu() { curl -sS --max-time 60 -X POST "$@"; }
rpc() { anvil_rpc "$@"; }
cids() { for i in $(seq "$1" "$2"); do printf 'signed doc %s' "$i" | "$CAIRN" add -nQ; done; }
add() { cu "$API/api/v0/anchor/add?$(cids "$1" "$2" | sed 's/^/arg=/' | paste -sd'&')" >/dev/null; }

printf 'anchor key pw\n' >"$scratch/pw"
anvil_key "$scratch/key.json" 'anchor key pw' || { echo "not ok 1 - ethers wrote no keystore"; exit 1; }
addr=$KEY_ADDR key=$KEY_SECRET
ok "a fresh key, written as a keystore by ethers and funded: $addr"
accounts=$(rpc eth_accounts)
case "$accounts" in *"$(echo "$addr" | tr 'A-F' 'a-f' | cut -c3-)"*) not_ok "anvil holds the key" ;; *) ok "…an account anvil does not hold" ;; esac

# refused at start: exit 2 and the reason
refused() { # NAME PATTERN ARGS...
	local name=$1 pat=$2; shift 2
	CAIRN_PATH=$scratch/repo "$CAIRN" daemon --api 127.0.0.1:0 --gateway 127.0.0.1:0 --chain-rpc "$RPC" "$@" \
		>"$scratch/r.out" 2>"$scratch/r.err" </dev/null &
	local pid=$! rc
	for _ in $(seq 100); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
	kill $pid 2>/dev/null
	wait $pid; rc=$?
	if [ "$rc" = 2 ] && grep -q -- "$pat" "$scratch/r.err" && ! grep -q listening "$scratch/r.out"; then ok "$name: exit 2, saying so"
	else not_ok "$name: rc=$rc $(cat "$scratch/r.err")"; fi
}
printf 'wrong\n' >"$scratch/badpw"
refused "a wrong password" "wrong password" --chain-key "$scratch/key.json" --chain-key-password-file "$scratch/badpw"
refused "no password" "needs its password" --chain-key "$scratch/key.json"
printf '{"not": "a keystore"}' >"$scratch/not.json"
refused "a file that is not a keystore" "not a version 3 keystore" --chain-key "$scratch/not.json" --chain-key-password-file "$scratch/pw"
refused "a keystore that is not there" "No such file" --chain-key "$scratch/none.json" --chain-key-password-file "$scratch/pw"

# a cap below the fee: nothing sent, the log says why
# 100 gwei from the next block: empty blocks take it down 12.5% a block,
# so it stays above 2 gwei for half a minute
rpc anvil_setNextBlockBaseFeePerGas '"0x174876e800"' >/dev/null
sleep 1.5
daemon_start "" --chain-rpc "$RPC" --chain-key "$scratch/key.json" --chain-key-password-file "$scratch/pw" \
	--chain-max-fee-gwei 2 --anchor-interval 3600 --confirmations 1 ||
	{ not_ok "daemon start: $(tail -3 "$scratch/daemon.log")"; echo "1..$n"; exit 1; }
grep -q "^chain key: $addr" "$scratch/daemon.out" && ok "the daemon names the key's address at start" || not_ok "out: $(cat "$scratch/daemon.out")"
grep -q "^anchoring mode: signed here" "$scratch/daemon.out" && ok "…and says it signs its own transactions" || not_ok "out: $(cat "$scratch/daemon.out")"
! grep -q "$(echo "$key" | cut -c3-)" "$scratch/daemon.out" "$scratch/daemon.log" && ok "…and never shows the key" || not_ok "the key was printed"
add 1 5
cu --max-time 4 "$API/api/v0/anchor/flush" >/dev/null 2>&1 # waits for what will not come
for _ in $(seq 50); do grep -q "above --chain-max-fee-gwei 2" "$scratch/daemon.log" && break; sleep 0.2; done
grep -q "not sent: the fee now .* is above --chain-max-fee-gwei 2" "$scratch/daemon.log" && ok "a fee above the cap: not sent, and the log says why" || not_ok "log: $(tail -3 "$scratch/daemon.log")"
check "…no transaction from the key" "0x0" "$(rpc eth_getTransactionCount "\"$addr\",\"latest\"" | sed -n 's/.*"result":"\(0x[0-9a-f]*\)".*/\1/p')"
m=$(curl -sS "$GW/metrics")
over=$(echo "$m" | awk '$1 == "cairn_anchor_fee_over_cap_total" {print $2}')
[ "${over:-0}" -ge 1 ] && ok "…counted in cairn_anchor_fee_over_cap_total ($over)" || not_ok "metric: $over"
check "…and cairn_anchor_transactions_total{result=\"sent\"} is 0" "0" \
	"$(echo "$m" | awk '$1 == "cairn_anchor_transactions_total{result=\"sent\"}" {print $2}')"
daemon_stop

# within the cap (and without one): anchored, signed here
daemon_start "" --chain-rpc "$RPC" --chain-key "$scratch/key.json" --chain-key-password-file "$scratch/pw" \
	--chain-max-fee-gwei 1000 --anchor-interval 3600 --confirmations 1 || not_ok "restart"
cu "$API/api/v0/anchor/flush" >"$scratch/flush.json"
tx=$(sed -n 's/.*"tx":"\(0x[0-9a-f]\{64\}\)".*/\1/p' "$scratch/flush.json")
[ -n "$tx" ] && ok "once the cap allows: anchored ($tx)" || not_ok "flush: $(cat "$scratch/flush.json") $(tail -3 "$scratch/daemon.log")"
root=$(sed -n 's/.*"root":"\([0-9a-f]*\)".*/\1/p' "$scratch/flush.json")
size=$(sed -n 's/.*"size":\([0-9]*\).*/\1/p' "$scratch/flush.json")
data=0x$root$(printf '%016x' "$size")
read -r type from chain txdata nonce to <<<"$(node "$here/signed-tx.mjs" "$RPC" "$tx")"
check "ethers reads it: type 2 (EIP-1559)" "2" "$type"
check "…from the keystore's address, to itself" "$addr $addr" "$from $to"
check "…on chain 31337" "31337" "$chain"
check "…its data is root ‖ size" "$data" "$txdata"
check "…nonce 0, the key's first" "0" "$nonce"
c3=$(cids 3 3)
cu "$API/api/v0/anchor/proof?arg=$c3" >"$scratch/p.json"
check "cairn audit passes the proof" "0" "$("$CAIRN" audit --chain-rpc "$RPC" "$scratch/p.json" >"$scratch/audit.txt"; echo $?)"
# a second checkpoint takes the next nonce
add 6 9
cu "$API/api/v0/anchor/flush" >"$scratch/flush2.json"
tx2=$(sed -n 's/.*"tx":"\(0x[0-9a-f]\{64\}\)".*/\1/p' "$scratch/flush2.json")
read -r type from chain txdata nonce to <<<"$(node "$here/signed-tx.mjs" "$RPC" "$tx2")"
check "a second anchor: signed, nonce 1" "2 $addr 1" "$type $from $nonce"
size2=$(sed -n 's/.*"size":\([0-9]*\).*/\1/p' "$scratch/flush2.json")
metric() { curl -sS "$GW/metrics" | awk -v k="$1" '$1 == k {print $2}'; }
check "/metrics: signing, 2 sent, nonce 1, the last size anchored" "1 2 1 $size2" \
	"$(metric cairn_anchor_signing) $(metric 'cairn_anchor_transactions_total{result="sent"}') $(metric cairn_anchor_nonce) $(metric cairn_anchor_last_size)"
# the balance, as the chain says (asked again after each anchor)
for _ in $(seq 20); do
	want=$(rpc eth_getBalance "\"$addr\",\"latest\"" | sed -n 's/.*"result":"\(0x[0-9a-f]*\)".*/\1/p')
	got=$(metric cairn_anchor_balance_wei)
	[ -n "$got" ] && node -e 'process.exit(Math.abs(Number(BigInt(process.argv[1])) - Number(process.argv[2])) <= Math.abs(Number(process.argv[2])) * 1e-12 ? 0 : 1)' "$want" "$got" && break
	sleep 0.5
done
node -e 'process.exit(Math.abs(Number(BigInt(process.argv[1])) - Number(process.argv[2])) <= Math.abs(Number(BigInt(process.argv[1]))) * 1e-12 ? 0 : 1)' "$want" "${got:-0}" &&
	ok "cairn_anchor_balance_wei is the account's balance ($got)" || not_ok "balance: metric $got, chain $want"
daemon_stop
# a balance below what ten anchors cost: a warning after the next anchor
rpc anvil_setBalance "\"$addr\",\"0xb5e620f48000\"" >/dev/null # 0.0002 ETH
daemon_start "" --chain-rpc "$RPC" --chain-key "$scratch/key.json" --chain-key-password-file "$scratch/pw" \
	--anchor-interval 3600 --confirmations 1 || not_ok "restart"
add 10 12
cu "$API/api/v0/anchor/flush" >/dev/null
for _ in $(seq 20); do grep -q "level=warn msg=\"anchoring: $addr has" "$scratch/daemon.log" && break; sleep 0.5; done
grep -q "level=warn msg=\"anchoring: $addr has 0.000[0-9]* ETH, less than 10 anchors cost" "$scratch/daemon.log" &&
	ok "a low balance is logged as a warning" || not_ok "log: $(tail -3 "$scratch/daemon.log")"
daemon_stop
echo "1..$n"

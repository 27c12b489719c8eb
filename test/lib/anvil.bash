# A local Ethereum node for the anchoring tests: anvil, from the npm
# package test/interop pins, on a free loopback port, a block a second.
#   anvil_start   (again after anvil_stop: the same port) sets RPC, ANVIL_PID
#   anvil_stop    (at exit too)
ANVIL=$here/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil
ANVIL_PID=
anvil_port=
. "$(dirname "${BASH_SOURCE[0]}")/at_exit.bash"
at_exit anvil_stop
anvil_start() {
	[ -n "$anvil_port" ] || anvil_port=$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
	RPC=http://127.0.0.1:$anvil_port
	"$ANVIL" --host 127.0.0.1 --port "$anvil_port" --block-time 1 >>"$scratch/anvil.log" 2>&1 &
	ANVIL_PID=$!
	for _ in $(seq 100); do curl -s -o /dev/null "$RPC" -X POST -H 'content-type: application/json' \
		-d '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}' && return 0; sleep 0.1; done
	return 1
}
anvil_stop() { [ -z "$ANVIL_PID" ] || { kill "$ANVIL_PID" 2>/dev/null; wait "$ANVIL_PID" 2>/dev/null; ANVIL_PID=; }; }
# anvil_rpc METHOD [PARAMS]: one JSON-RPC call to anvil, its raw answer.
anvil_rpc() { curl -sS --max-time 10 "$RPC" -X POST -H 'content-type: application/json' -d "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$1\",\"params\":[${2:-}]}"; }
# anvil_key FILE PASSWORD: a fresh key that anvil does not hold, written
# to FILE as a keystore by ethers (scrypt, N = 1024: quick to open) and
# given 100 ETH; sets KEY_ADDR to its address and KEY_SECRET to the key
# (to check it never shows).
anvil_key() {
	KEY_SECRET=0x$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
	KEY_ADDR=$(node "$here/keystore.mjs" write "$1" "$2" "$KEY_SECRET" 1024) || return 1
	anvil_rpc anvil_setBalance "\"$KEY_ADDR\",\"0x56bc75e2d63100000\"" >/dev/null
}

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

#!/usr/bin/env bash
# The daemon's event loops (Daemon.Threads, docs/architecture.md): the
# gateway is served on every loop through one address (SO_REUSEPORT), each
# loop answering its share of connections with the same bytes; /metrics
# answered from a worker loop is gathered on loop 0; a second daemon on the
# same port is still refused, though the port is shared; the connection
# cap holds across loops together; with a peer every loop fetches through
# its own client, and a liar one loop catches is skipped by all;
# SIGTERM stops every loop; Daemon.Threads 1 is one loop.
. "$(dirname "$0")/../lib/tap.bash"
. "$(dirname "$0")/../lib/daemon.bash"
export CAIRN_PATH=$scratch/repo
"$CAIRN" init >/dev/null
config_set() {
	node -e 'const f=process.argv[1],c=JSON.parse(require("fs").readFileSync(f));Object.assign(c,JSON.parse(process.argv[2]));require("fs").writeFileSync(f,JSON.stringify(c))' "$CAIRN_PATH/config" "$1"
}
metric() { curl -sS --max-time 10 "$1/metrics" | awk -v k="$2" '$1 == k {print $2; exit}'; }
port_of() { echo "${1##*:}"; }
listeners() { ss -Hltn "sport = :$1" | wc -l; }

head -c 3000000 /dev/urandom >"$scratch/big"
big=$("$CAIRN" add -Q "$scratch/big")
for i in 1 2 3 4; do
	head -c $((4096 * i)) /dev/urandom >"$scratch/s$i"
	small[i]=$("$CAIRN" add -Q "$scratch/s$i")
done
config_set '{"Daemon": {"Threads": 2}}'
daemon_start || { echo "not ok 1 - daemon start"; cat "$scratch/daemon.log"; exit 1; }
gwport=$(port_of "$GW")
grep -q '^event loops: 2' "$scratch/daemon.out" && ok "Daemon.Threads 2: two event loops" || not_ok "loops: $(cat "$scratch/daemon.out")"
check "…two gateway sockets share its port" "2" "$(listeners "$gwport")"
check "…and one API socket (the API is loop 0's)" "1" "$(listeners "$(port_of "$API")")"

# Separate connections are spread by the kernel over both loops' sockets.
bad=0
for i in $(seq 40); do
	curl -sS --max-time 10 "$GW/ipfs/${small[$(( (i % 4) + 1 ))]}" | cmp -s - "$scratch/s$(( (i % 4) + 1 ))" || bad=$((bad + 1))
done
check "40 GETs on 40 connections, all the right bytes" "0" "$bad"
l0=$(metric "$GW" 'cairn_http_loop_requests_total{server="gateway",loop="0"}')
l1=$(metric "$GW" 'cairn_http_loop_requests_total{server="gateway",loop="1"}')
[ "${l0:-0}" -ge 1 ] && [ "${l1:-0}" -ge 1 ] && ok "…answered by both loops (loop 0: $l0, loop 1: $l1)" || not_ok "loop 0: $l0, loop 1: $l1"

# /metrics from whichever loop takes the connection: always whole
okm=0
for i in $(seq 20); do
	m=$(curl -sS --max-time 10 "$GW/metrics")
	echo "$m" | grep -q '^cairn_pins ' && echo "$m" | grep -q '^cairn_http_connections{server="gateway"}' && okm=$((okm + 1))
done
check "/metrics on 20 connections (both loops): gathered whole each time" "20" "$okm"
total=$(metric "$GW" 'cairn_http_requests_total{server="gateway",code="200"}')
[ "${total:-0}" -ge 60 ] && ok "…and counts the requests of both loops ($total)" || not_ok "requests counted: $total"

# Concurrent readers on both loops while blocks are written on loop 0.
pids=()
for j in 1 2 3 4; do
	(for i in $(seq 5); do curl -sS --max-time 30 "$GW/ipfs/$big" | cmp -s - "$scratch/big" || echo bad; done) >"$scratch/r$j" &
	pids+=($!)
done
for j in 1 2 3; do
	head -c 500000 /dev/urandom >"$scratch/u$j"
	curl -sS --max-time 30 -F "file=@$scratch/u$j" "$API/api/v0/add" >"$scratch/u$j.json"
done
wait "${pids[@]}"
bad=$(cat "$scratch"/r[1-4] | wc -l)
check "4 readers of a 3 MB file, 5 times each, during 3 uploads: all the right bytes" "0" "$bad"
ucid=$(sed -n 's/.*"Hash":"\([^"]*\)".*/\1/p' "$scratch/u3.json")
curl -sS --max-time 10 "$GW/ipfs/$ucid" | cmp -s - "$scratch/u3" && ok "…and what was uploaded is served" || not_ok "upload: $(cat "$scratch/u3.json")"

# The port is shared among our loops only: another daemon is refused.
CAIRN_PATH=$scratch/other "$CAIRN" init >/dev/null
out=$(CAIRN_PATH=$scratch/other timeout 10 "$CAIRN" daemon --api 127.0.0.1:0 --gateway "127.0.0.1:$gwport" 2>&1)
rc=$?
[ "$rc" -ne 0 ] && echo "$out" | grep -q "Address already in use" && ok "a second daemon on the gateway's port: refused (exit $rc)" || not_ok "second daemon: rc $rc: $out"
check "…and the port still has our two sockets only" "2" "$(listeners "$gwport")"

# SIGTERM ends every loop.
kill -TERM "$DAEMON_PID"
st=0
for _ in $(seq 60); do kill -0 "$DAEMON_PID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$DAEMON_PID" 2>/dev/null; then st=timeout; else wait "$DAEMON_PID"; st=$?; fi
check "SIGTERM: both loops stop, exit status 0" "0" "$st"
_daemon_forget

# The connection cap is the listener's, across its loops.
config_set '{"Daemon": {"Threads": 2}, "Limits": {"MaxConnections": 4, "IdleTimeoutSeconds": 30}}'
daemon_start || { not_ok "daemon restart"; echo "1..$n"; exit 1; }
exec 5<>/dev/tcp/127.0.0.1/"$(port_of "$GW")" 6<>/dev/tcp/127.0.0.1/"$(port_of "$GW")"
exec 7<>/dev/tcp/127.0.0.1/"$(port_of "$GW")" 8<>/dev/tcp/127.0.0.1/"$(port_of "$GW")"
sleep 0.3
check "MaxConnections 4 with 2 loops: 4 open, counted together" "4" "$(metric "$API" 'cairn_http_connections{server="gateway"}')"
code=$(curl -sS --max-time 2 -o /dev/null -w '%{http_code}' "$GW/healthz" 2>/dev/null)
check "…a fifth waits (no loop accepts it)" "000" "$code"
exec 5>&- 6>&-
code=$(curl -sS --max-time 5 -o /dev/null -w '%{http_code}' "$GW/healthz")
check "…until some close: then it is served" "200" "$code"
exec 7>&- 8>&-
daemon_stop

# With a peer, every loop fetches what is missing through a client of its own.
config_set '{"Daemon": {"Threads": 2}, "Limits": {}}'
daemon_start src || { not_ok "the peer"; echo "1..$n"; exit 1; }
for i in $(seq 12); do
	head -c $((20000 + i)) /dev/urandom >"$scratch/p$i"
	pc[i]=$(curl -sS -X POST -F "file=@$scratch/p$i" "$src_API/api/v0/add" | sed -n 's/.*"Hash":"\([^"]*\)".*/\1/p')
done
daemon_start "" --peer "$src_GW" || { not_ok "daemon with a peer"; echo "1..$n"; exit 1; }
check "with a peer: still two gateway sockets" "2" "$(listeners "$(port_of "$GW")")"
bad=0
for i in $(seq 12); do curl -sS --max-time 30 "$GW/ipfs/${pc[$i]}" | cmp -s - "$scratch/p$i" || bad=$((bad + 1)); done
check "12 files only the peer has, on 12 connections: all fetched right" "0" "$bad"
l1=$(metric "$GW" 'cairn_http_loop_requests_total{server="gateway",loop="1"}')
[ "${l1:-0}" -ge 1 ] && ok "…loop 1 among those serving them ($l1)" || not_ok "loop 1 served $l1"
check "…the peer's fetches summed over the loops" "12" "$(metric "$GW" "cairn_peer_fetches_total{peer=\"$src_GW\",outcome=\"ok\"}")"
daemon_stop
# What one loop learns of a peer, every loop knows: a liar caught once is
# skipped from then on, whichever loop takes the next request.
node "$(dirname "$0")/../interop/evil-peer.mjs" flip "$src_GW" >"$scratch/evil.port" &
evil_pid=$!
at_exit "kill $evil_pid 2>/dev/null"
for _ in $(seq 100); do [ -s "$scratch/evil.port" ] && break; sleep 0.05; done
EVIL=http://127.0.0.1:$(cat "$scratch/evil.port")
CAIRN_PATH=$scratch/liar "$CAIRN" init >/dev/null
CAIRN_PATH=$scratch/liar config_set '{"Daemon": {"Threads": 2}}'
daemon_start liar --peer "$EVIL" --peer "$src_GW" || { not_ok "daemon with a liar"; echo "1..$n"; exit 1; }
bad=0
for i in $(seq 8); do curl -sS --max-time 30 "$liar_GW/ipfs/${pc[$i]}" | cmp -s - "$scratch/p$i" || bad=$((bad + 1)); done
check "a liar first, then an honest peer, 2 loops: 8 files on 8 connections, all right" "0" "$bad"
check "…the liar caught once, then skipped by every loop" "1" "$(metric "$liar_GW" "cairn_peer_fetches_total{peer=\"$EVIL\",outcome=\"bad_data\"}")"
check "…and down" "0" "$(metric "$liar_GW" "cairn_peer_up{peer=\"$EVIL\"}")"
l1=$(metric "$liar_GW" 'cairn_http_loop_requests_total{server="gateway",loop="1"}')
l0=$(metric "$liar_GW" 'cairn_http_loop_requests_total{server="gateway",loop="0"}')
[ "${l1:-0}" -ge 1 ] && [ "${l0:-0}" -ge 1 ] && ok "…while both loops served (loop 0: $l0, loop 1: $l1)" || not_ok "loops: $l0 $l1"
daemon_stop liar
daemon_stop src

config_set '{"Daemon": {"Threads": 1}}'
daemon_start || { not_ok "daemon restart"; echo "1..$n"; exit 1; }
grep -q '^event loops: 1' "$scratch/daemon.out" && ok "Daemon.Threads 1: one loop" || not_ok "$(cat "$scratch/daemon.out")"
check "…one gateway socket" "1" "$(listeners "$(port_of "$GW")")"
curl -sS --max-time 10 "$GW/ipfs/$big" | cmp -s - "$scratch/big" && ok "…serving as before" || not_ok "one loop GET"
daemon_stop
echo "1..$n"

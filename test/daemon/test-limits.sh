#!/usr/bin/env bash
# Limits against hostile clients (test/interop/hostile-client.mjs, raw
# sockets on loopback): slowloris headers and slow bodies end in 408 at the
# deadline the minimum rate allows; the connection cap makes the listener
# wait, not fail, and frees its slots when clients go; uploads that
# together overdraw the request-memory budget get 503; long URLs 414, too
# many header fields 431, oversized headers 413; idle connections close;
# out of file descriptors the daemon pauses accepting instead of spinning,
# and recovers.
. "$(dirname "$0")/../lib/tap.bash"
. "$(dirname "$0")/../lib/daemon.bash"
export CAIRN_PATH=$scratch/repo
"$CAIRN" init >/dev/null
hc() { timeout 90 node "$here/hostile-client.mjs" "$@"; }
js() { node -e 'const o=JSON.parse(process.argv[1]);console.log(eval(process.argv[2]))' "$1" "$2"; }
limits() { # JSON object merged into the config's Limits
	node -e 'const f=process.argv[1],c=JSON.parse(require("fs").readFileSync(f));c.Limits=Object.assign(c.Limits||{},JSON.parse(process.argv[2]));require("fs").writeFileSync(f,JSON.stringify(c))' "$CAIRN_PATH/config" "$1"
}
port_of() { echo "${1##*:}"; }
metric() { curl -sS --max-time 10 "$API/metrics" | sed -n "s/^$1 //p"; }

head -c 16777216 /dev/urandom >"$scratch/big"
big=$("$CAIRN" add -Q "$scratch/big")
limits '{"RequestTimeoutSeconds":2,"MinRequestRate":500,"MaxConnections":6,"IdleTimeoutSeconds":6,"MaxUploadBytes":1048576,"MaxBufferedBytes":1}'
daemon_start || { echo "not ok 1 - daemon start"; cat "$scratch/daemon.log"; exit 1; }
gw=$(port_of "$GW"); api=$(port_of "$API")

# slowloris: a header byte every 200 ms is 5 bytes/s, far under 500
r=$(hc slowloris "$gw" 200)
check "slowloris headers → 408" "408" "$(js "$r" o.status)"
ms=$(js "$r" o.ms)
[ "$ms" -ge 1500 ] && [ "$ms" -le 4500 ] && ok "…at the deadline: 2 s + bytes/500 ($ms ms)" || not_ok "closed after $ms ms"
# refusals in each listener's format (docs/security.md): text on the gateway
case "$(js "$r" o.body)" in *"request not received in time"*MinRequestRate*) ok "…with a text body saying why" ;; *) not_ok "408 body: $(js "$r" o.body)" ;; esac
# a slow body on the API: 100 bytes/s
r=$(hc slowbody "$api" /api/v0/block/put 100000 100)
check "slow request body → 408" "408" "$(js "$r" o.status)"
# a body at 5 kB/s keeps up with the minimum rate and is accepted
r=$(hc slowbody "$api" /api/v0/id 15000 5000)
check "a slow client above the minimum rate is served" "200" "$(js "$r" o.status)"
check "the closes are counted" "1" "$(metric 'cairn_http_connections_closed_total{server="gateway",reason="request_timeout"}')"

# the connection cap: 6 held open, a seventh waits, then is served
hc hold "$gw" 6 4 >"$scratch/hold" &
holder=$!
sleep 1
check "six idle connections are open" "6" "$(metric 'cairn_http_connections{server="gateway"}')"
t1=$(date +%s%N)
code=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 20 "$GW/healthz")
t2=$(date +%s%N)
check "a seventh client is served once a slot frees (not refused)" "200" "$code"
wait_ms=$(( (t2 - t1) / 1000000 ))
[ "$wait_ms" -ge 1500 ] && ok "…after waiting in the backlog ($wait_ms ms)" || not_ok "served at once ($wait_ms ms): no cap"
wait $holder
sleep 1
check "every slot is released when clients go" "0" "$(metric 'cairn_http_connections{server="gateway"}')"

# replies streamed to clients that then leave give their slots back (the
# stream's own close hook and the cap's share one evhttp callback)
for i in $(seq 10); do curl -sS -o /dev/null "$GW/ipfs/$big"; done
sleep 1
check "ten streamed 16 MiB downloads, one connection each: all slots free again" "0" "$(metric 'cairn_http_connections{server="gateway"}')"
# a client reading its reply at 100 bytes/s is cut off (reset: the kernel
# drops what it still held for it), and its buffers and slot are freed
hc slowread "$gw" "/ipfs/$big" 100 30 >"$scratch/slow" &
slowpid=$!
sleep 1
check "a slow reader holds a slot" "1" "$(metric 'cairn_http_connections{server="gateway"}')"
# (the kernel's buffers take megabytes first, and grow for a while: the
# cut comes once they are full and a whole 2 s window passes, before the
# 6 s idle timeout would)
for _ in $(seq 50); do
	[ "$(metric 'cairn_http_connections_closed_total{server="gateway",reason="slow_reader"}')" = 1 ] && break
	sleep 0.5
done
check "…then is cut off" "1" "$(metric 'cairn_http_connections_closed_total{server="gateway",reason="slow_reader"}')"
check "…and its slot freed" "0" "$(metric 'cairn_http_connections{server="gateway"}')"
kill $slowpid 2>/dev/null; wait $slowpid 2>/dev/null
ok_short=$(ss -tn state established "( sport = :$gw )" 2>/dev/null | grep -c ":$gw ")
check "…its connection is gone on the node's side" "0" "$ok_short"

# the request-memory budget (1 MiB upload limit + 64 KiB): three uploads of
# 600 kB at once cannot all be held
r=$(hc uploads "$api" /api/v0/block/put 3 600000)
case "$r" in *503*) ok "uploads over the memory budget → 503 ($r)" ;; *) not_ok "uploads: $r" ;; esac
case "$r" in *400*|*200*) ok "…while those within it are handled ($r)" ;; *) not_ok "none handled: $r" ;; esac
[ "$(metric 'cairn_http_connections_closed_total{server="api",reason="buffered_bytes"}')" -ge 1 ] && ok "…and counted" || not_ok "budget metric"
grep -q "MaxBufferedBytes" "$scratch/daemon.log" && ok "…and logged" || not_ok "not logged"

# request shape
long=$(head -c 33000 /dev/zero | tr '\0' a)
check "request target over 32 KiB → 414" "414" "$(curl -sS -o "$scratch/body" -w '%{http_code}' "$GW/ipfs/$long")"
grep -q '^request target too long' "$scratch/body" && ! grep -q '"Type"' "$scratch/body" && ok "…a text body on the gateway" || not_ok "414 body: $(head -c 200 "$scratch/body")"
check "…on the API too" "414" "$(curl -sS -o "$scratch/body" -w '%{http_code}' -X POST "$API/api/v0/cat?arg=$long")"
check "…with Kubo's JSON error there" "error" "$(js "$(cat "$scratch/body")" o.Type)"
head -c 2000000 /dev/zero >"$scratch/2mb"
check "a /pins body over the limit → 413 in the Pinning Service's Failure object" "413 CONTENT_TOO_LARGE" \
	"$(curl -sS -o "$scratch/body" -w '%{http_code}' -H 'Content-Type: application/json' --data-binary @"$scratch/2mb" "$API/pins") $(js "$(cat "$scratch/body")" o.error.reason)"
hdrs=(); for i in $(seq 101); do hdrs+=(-H "X-$i: v"); done
check "101 header fields → 431" "431" "$(curl -sS -o /dev/null -w '%{http_code}' "${hdrs[@]}" "$GW/healthz")"
big=$(head -c 70000 /dev/zero | tr '\0' b)
c=$(curl -sS -o /dev/null -w '%{http_code}' -H "X-Big: $big" "$GW/healthz")
[ "$c" -ge 400 ] && [ "$c" -lt 500 ] && ok "headers over 64 KiB → 4xx ($c)" || not_ok "big headers: $c"

# multipart parts: each one is an entry held until the add ends
node -e 'process.stdout.write(Buffer.from("--b\r\n\r\n\r\n".repeat(100001) + "--b--\r\n"))' >"$scratch/parts"
check "100001 multipart parts → 400" "400" "$(curl -sS -o "$scratch/body" -w '%{http_code}' -H 'Content-Type: multipart/form-data; boundary=b' --data-binary @"$scratch/parts" "$API/api/v0/add?pin=false")"
grep -q "more than 100000 parts" "$scratch/body" && ok "…saying so" || not_ok "body: $(head -c 200 "$scratch/body")"

# idle keep-alive connections close after IdleTimeoutSeconds
r=$(printf 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n' | hc raw "$gw")
check "a kept-alive connection is answered" "200" "$(js "$r" o.status)"
ms=$(js "$r" o.ms)
[ "$ms" -ge 5500 ] && [ "$ms" -le 11000 ] && ok "…and closed when idle for 6 s ($ms ms)" || not_ok "idle close after $ms ms"
daemon_stop

# out of descriptors: 48 for the whole process, 200 clients
limits '{"MaxConnections":1000,"RequestTimeoutSeconds":20}'
DAEMON_NOFILE=48 daemon_start || not_ok "daemon with 48 descriptors: $(tail -3 "$scratch/daemon.log")"
cpu() { awk '{print $14 + $15}' "/proc/$DAEMON_PID/stat"; }
hc hold "$(port_of "$GW")" 200 3 >/dev/null &
holder=$!
sleep 1
c0=$(cpu); sleep 1; c1=$(cpu)
kill -0 "$DAEMON_PID" && [ $((c1 - c0)) -le 30 ] && ok "out of descriptors: no busy loop ($((c1 - c0)) ticks in 1 s)" || not_ok "spinning: $((c1 - c0)) ticks"
grep -q "pausing for" "$scratch/daemon.log" && ok "…the pause is logged" || not_ok "log: $(tail -3 "$scratch/daemon.log")"
wait $holder
sleep 1.5
check "…and it serves again once clients leave" "200" "$(curl -sS -o /dev/null -w '%{http_code}' --max-time 10 "$GW/healthz")"
daemon_stop
echo "1..$n"

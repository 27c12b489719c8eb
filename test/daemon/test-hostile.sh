#!/usr/bin/env bash
# Every API route (as listed in the daemon's route tables) and the gateway
# against malformed requests (test/interop/hostile-requests.mjs): a 4xx
# with a short body each, never a 5xx or a dropped connection; the daemon
# is still up afterwards, nothing it logged is a fault, and the repo
# verifies.
. "$(dirname "$0")/../lib/tap.bash"
. "$(dirname "$0")/../lib/daemon.bash"
export CAIRN_PATH=$scratch/repo
"$CAIRN" init >/dev/null
printf 'some content\n' | "$CAIRN" add -Q >/dev/null
daemon_start || { echo "not ok 1 - daemon start"; cat "$scratch/daemon.log"; exit 1; }
top=$(cd "$(dirname "$0")/../.." && pwd)
routes=$(grep -ho '{"/api/v0/[^"]*"' $(find "$top"/storage-node -name "*.c") | cut -d'"' -f2 | sort -u)
check "routes found in the source" "30" "$(echo "$routes" | wc -l)"
timeout 600 node "$here/hostile-requests.mjs" "$API" "$GW" $routes | sed "s/^\(not \)\{0,1\}ok [0-9]* - /&/" >"$scratch/tap"
while IFS= read -r line; do
	case $line in
	"ok "*) ok "${line#ok * - }" ;;
	"not ok "*) not_ok "${line#not ok * - }" ;;
	esac
done <"$scratch/tap"
kill -0 "$DAEMON_PID" && ok "the daemon is still up" || not_ok "the daemon died: $(tail -5 "$scratch/daemon.log")"
check "it still answers" "200" "$(curl -sS -o /dev/null -w '%{http_code}' "$API/healthz")"
sleep 0.5
! grep -q "level=error" "$scratch/daemon.log" && ok "no fault logged" || not_ok "faults: $(grep 'level=error' "$scratch/daemon.log" | head -3)"
daemon_stop
"$CAIRN" repo verify >/dev/null 2>&1; check "the repo verifies" "0" "$?"
echo "1..$n"

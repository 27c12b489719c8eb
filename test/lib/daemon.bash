# Start a cairn daemon on free loopback ports for a test; stopped on exit.
#   daemon_start   sets API and GW (http://127.0.0.1:PORT), DAEMON_PID
daemon_stop() {
	[ -n "${DAEMON_PID:-}" ] || return 0
	kill -TERM "$DAEMON_PID" 2>/dev/null || true
	for _ in $(seq 50); do kill -0 "$DAEMON_PID" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$DAEMON_PID" 2>/dev/null || true # (usually gone already)
	wait "$DAEMON_PID" 2>/dev/null || true
	DAEMON_PID=
}

daemon_start() {
	"$CAIRN" daemon --api 127.0.0.1:0 --gateway 127.0.0.1:0 >"$scratch/daemon.out" 2>"$scratch/daemon.log" &
	DAEMON_PID=$!
	trap 'daemon_stop; rm -rf "$scratch"' EXIT
	for _ in $(seq 100); do
		grep -q '^Daemon is ready' "$scratch/daemon.out" 2>/dev/null && break
		kill -0 "$DAEMON_PID" 2>/dev/null || break
		sleep 0.05
	done
	API=$(sed -n 's/^API server listening on //p' "$scratch/daemon.out")
	GW=$(sed -n 's/^Gateway server listening on //p' "$scratch/daemon.out")
	[ -n "$API" ] && [ -n "$GW" ]
}

# Point the repo's config (default $CAIRN_PATH/config) at the running
# daemon's API, so that CLI commands reach it: the daemon listens on a port
# picked at start.
config_api() { # [API-URL] [CONFIG]
	node -e 'const f=process.argv[1],c=JSON.parse(require("fs").readFileSync(f));c.Addresses.API=process.argv[2].replace("http://","");require("fs").writeFileSync(f,JSON.stringify(c))' \
		"${2:-$CAIRN_PATH/config}" "${1:-$API}"
}

# curl, failing loudly and bounded in time; code: only the status, the
# body kept in $scratch/body
cu() { curl -sS --max-time 20 "$@"; }
code() { cu -o "$scratch/body" -w '%{http_code}' "$@"; }

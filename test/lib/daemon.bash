# cairn daemons for the suites, on free loopback ports, stopped when the
# suite exits (at_exit.bash). Needs $CAIRN and $scratch.
#   daemon_start [NAME [DAEMON-OPTIONS...]]
#       no NAME (or ""): the repo at $CAIRN_PATH; sets API, GW (http://
#       127.0.0.1:PORT) and DAEMON_PID; its output in $scratch/daemon.out
#       and $scratch/daemon.log
#       NAME: the repo $scratch/NAME (made if new); sets NAME_API, NAME_GW,
#       NAME_PID; its output in $scratch/NAME.out and $scratch/NAME.log
#       --api and --gateway default to 127.0.0.1:0 (a free port) unless
#       given. With DAEMON_NOFILE set, under ulimit -n $DAEMON_NOFILE.
#       0 once the daemon is ready, 1 if it did not get there.
#   daemon_stop [NAME]   SIGTERM, SIGKILL if still there after 5 s
#   daemon_kill [NAME]   SIGKILL: a crash
. "$(dirname "${BASH_SOURCE[0]}")/at_exit.bash"
_daemons=()

daemon_start() {
	local name=${1:-} repo=${CAIRN_PATH:-} out log pid api gw
	local -a dflt=()
	[ $# -gt 0 ] && shift
	if [ -n "$name" ]; then
		repo=$scratch/$name
		[ -f "$repo/version" ] || CAIRN_PATH=$repo "$CAIRN" init >/dev/null 2>&1
		out=$scratch/$name.out log=$scratch/$name.log
	else
		out=$scratch/daemon.out log=$scratch/daemon.log
	fi
	# a restart's log starts afresh; the one before is kept for a post-mortem
	[ ! -s "$log" ] || cat "$log" >>"$log.before"
	case " $* " in *" --api "* | *" --api="*) ;; *) dflt+=(--api 127.0.0.1:0) ;; esac
	case " $* " in *" --gateway "* | *" --gateway="*) ;; *) dflt+=(--gateway 127.0.0.1:0) ;; esac
	(
		[ -z "${DAEMON_NOFILE:-}" ] || ulimit -n "$DAEMON_NOFILE"
		[ -z "$repo" ] || export CAIRN_PATH=$repo
		exec "$CAIRN" daemon "${dflt[@]}" "$@"
	) >"$out" 2>"$log" &
	pid=$!
	_daemons+=("$pid")
	# up to 30 s: a sanitizer build on a loaded machine starts slowly
	for _ in $(seq 600); do
		grep -q '^Daemon is ready' "$out" 2>/dev/null && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	api=$(sed -n 's/^API server listening on //p' "$out")
	gw=$(sed -n 's/^Gateway server listening on //p' "$out")
	if [ -n "$name" ]; then
		printf -v "${name}_API" %s "$api"
		printf -v "${name}_GW" %s "$gw"
		printf -v "${name}_PID" %s "$pid"
	else
		API=$api GW=$gw DAEMON_PID=$pid
	fi
	grep -q '^Daemon is ready' "$out" && [ -n "$api" ] && [ -n "$gw" ]
}

# The pid of daemon NAME (or of the unnamed one).
_daemon_pid() {
	if [ -n "${1:-}" ]; then local v="${1}_PID"; echo "${!v:-}"; else echo "${DAEMON_PID:-}"; fi
}
_daemon_forget() {
	if [ -n "${1:-}" ]; then printf -v "${1}_PID" %s ""; else DAEMON_PID=; fi
}

daemon_stop() {
	local pid
	pid=$(_daemon_pid "${1:-}")
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || true
	for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$pid" 2>/dev/null || true # (usually gone already)
	wait "$pid" 2>/dev/null || true
	_daemon_forget "${1:-}"
}

daemon_kill() {
	local pid
	pid=$(_daemon_pid "${1:-}")
	[ -n "$pid" ] || return 0
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	_daemon_forget "${1:-}"
}

# Every daemon a suite started, at its exit.
_daemons_stop_all() {
	local p
	for p in "${_daemons[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${_daemons[@]}"; do
		for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
}
at_exit _daemons_stop_all

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

#!/usr/bin/env bash
# SIGKILL in the middle of a garbage collection, from the CLI and in the
# daemon: pins are marked before anything is removed, so whatever point
# the kill lands on, every pinned DAG is whole, the repo verifies, the lock
# is free at once (flock dies with the process), and the next GC finishes
# the job.
. "$(dirname "$0")/../lib/tap.bash"
. "$(dirname "$0")/../lib/daemon.bash"
export CAIRN_PATH=$scratch/repo
"$CAIRN" init >/dev/null
blocks() { find "$CAIRN_PATH/blocks" -name '*.data' | wc -l; }

head -c 3000000 /dev/urandom >"$scratch/keep1"
mkdir -p "$scratch/keepdir/sub"
head -c 500000 /dev/urandom >"$scratch/keepdir/a"
printf 'small\n' >"$scratch/keepdir/sub/b"
k1=$("$CAIRN" add -Q "$scratch/keep1")
kd=$("$CAIRN" add -Q -r "$scratch/keepdir")
pinned=$(blocks)
# many small unpinned blocks, so that removing them takes a while
garbage() {
	head -c 12000000 /dev/urandom >"$scratch/junk"
	"$CAIRN" add -Q --pin=false --chunker size-1024 "$scratch/junk" >/dev/null
}
whole() { # the pinned content reads back byte-exact
	"$CAIRN" cat "$k1" | cmp -s - "$scratch/keep1" &&
		"$CAIRN" cat "$kd/a" | cmp -s - "$scratch/keepdir/a" &&
		[ "$("$CAIRN" cat "$kd/sub/b")" = small ]
}
# kill -9 PID once some, not all, garbage is gone; 0 if it was mid-way
kill_midway() {
	local pid=$1 before=$2
	for _ in $(seq 2000); do
		local now
		now=$(blocks)
		if [ "$now" -lt "$before" ]; then
			kill -KILL "$pid" 2>/dev/null
			wait "$pid" 2>/dev/null
			now=$(blocks)
			[ "$now" -gt "$pinned" ] && [ "$now" -lt "$before" ]
			return
		fi
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.005
	done
	return 1
}

garbage
before=$(blocks)
"$CAIRN" repo gc -q >/dev/null &
kill_midway $! "$before" && ok "CLI: gc killed mid-way ($(blocks) of $before blocks left)" || not_ok "CLI gc not caught mid-way ($(blocks) of $before)"
"$CAIRN" repo verify >"$scratch/verify" 2>&1; check "…repo verify passes" "0" "$?"
whole && ok "…every pinned DAG is whole" || not_ok "pinned content damaged"
"$CAIRN" repo gc -q >/dev/null; check "…the next gc runs (no stale lock)" "0" "$?"
check "…and leaves exactly the pinned blocks" "$pinned" "$(blocks)"

garbage
before=$(blocks)
daemon_start || { echo "not ok - daemon start"; cat "$scratch/daemon.log"; exit 1; }
curl -sS --max-time 60 -X POST "$API/api/v0/repo/gc" >/dev/null 2>&1 &
curlpid=$!
kill_midway "$DAEMON_PID" "$before" && ok "daemon: killed mid-gc ($(blocks) of $before blocks left)" || not_ok "daemon gc not caught mid-way ($(blocks) of $before)"
wait $curlpid 2>/dev/null
daemon_kill # (killed already: reaped)
"$CAIRN" repo verify >/dev/null 2>&1; check "…repo verify passes" "0" "$?"
daemon_start && ok "…the daemon starts again at once" || not_ok "restart: $(cat "$scratch/daemon.log")"
check "…and serves the pinned file" "$(sha256sum <"$scratch/keep1" | cut -c1-64)" "$(curl -sS "$GW/ipfs/$k1" | sha256sum | cut -c1-64)"
check "…and the pinned tree" "small" "$(curl -sS "$GW/ipfs/$kd/sub/b")"
curl -sS -X POST "$API/api/v0/repo/gc" >/dev/null
check "…its gc finishes the job" "$pinned" "$(blocks)"
daemon_stop
whole && ok "everything pinned is still whole" || not_ok "pinned content damaged at the end"
echo "1..$n"

#!/usr/bin/env bash
# Ctrl-C (SIGINT or SIGTERM) of cairn add: no temporary block is left,
# whether the add is interrupted (cleaned up then), killed (cleaned up at
# the next repo open), or swept by repo gc (which says what it freed).
# Through a daemon, the CLI says what stays there and how to free it.
. "$(dirname "$0")/../lib/tap.bash"
. "$(dirname "$0")/../lib/daemon.bash"
export CAIRN_PATH=$scratch/repo
"$CAIRN" init >/dev/null
tmp_files() { find "$CAIRN_PATH/blocks" -name '.tmp-*' | wc -l; }
# an add reading standard input that stops coming after 40 MiB: it has
# blocks in flight and waits for more when the signal comes
slow_add() { # SIGNAL
	(head -c $((40 << 20)) /dev/urandom; sleep 30) | "$CAIRN" add -Q - >"$scratch/add.out" 2>"$scratch/add.err" &
	local pid=$!
	for _ in $(seq 100); do [ "$(tmp_files)" -gt 0 ] && break; sleep 0.1; done
	sleep 0.3
	pkill -"$1" -f "$CAIRN add -Q -" ; wait $pid; rc=$?
}
slow_add INT
check "SIGINT: exit 130" "130" "$rc"
grep -q "interrupted: nothing more was added, and no temporary file is left" "$scratch/add.err" && ok "…saying so" || not_ok "stderr: $(cat "$scratch/add.err")"
check "…no temporary file left, no write mark" "0 no" "$(tmp_files) $([ -e "$CAIRN_PATH/blocks/.writing" ] && echo yes || echo no)"
slow_add TERM
check "SIGTERM: exit 143, nothing left" "143 0" "$rc $(tmp_files)"
[ -z "$("$CAIRN" pin ls)" ] && ok "…and nothing pinned" || not_ok "pins: $("$CAIRN" pin ls)"

# killed outright: the next open of the repo cleans up after it
slow_add KILL
left=$(tmp_files)
[ "$left" -gt 0 ] && [ -e "$CAIRN_PATH/blocks/.writing" ] && ok "SIGKILL leaves temporary files ($left) and the write mark" || not_ok "none left to clean"
"$CAIRN" repo stat >/dev/null 2>"$scratch/stat.err"
check "…the next command removes them all" "0" "$(tmp_files)"
grep -q "removed $left temporary files" "$scratch/stat.err" && ok "…and says so" || not_ok "stderr: $(cat "$scratch/stat.err")"

# repo gc says what it freed, temporary files included
echo debris >"$CAIRN_PATH/blocks/aa/.tmp-99999-1"
"$CAIRN" repo gc >/dev/null 2>"$scratch/gc.err"
grep -q "and 1 temporary files of interrupted writes (7 bytes)" "$scratch/gc.err" && ok "repo gc reports the temporary files it removed" || not_ok "gc: $(cat "$scratch/gc.err")"

# through a daemon
daemon_start || { not_ok "daemon"; echo "1..$n"; exit 1; }
slow_add INT
check "through the daemon, SIGINT: exit 130" "130" "$rc"
[ "$rc" = 130 ] || { echo "# the daemon on $API; its api file: $(cat "$CAIRN_PATH/api")"; tail -5 "$scratch/daemon.log" | sed 's/^/# /'; }
grep -q "blocks already sent stay on the daemon unpinned; 'cairn repo gc' frees them" "$scratch/add.err" && ok "…saying what stays and how to free it" || not_ok "stderr: $(cat "$scratch/add.err")"
daemon_stop
echo "1..$n"

# at_exit CMD: run the shell command CMD when the script exits, the last
# registered first, so what was started last stops first (and a scratch
# directory registered first goes last). The libraries (tap, daemon, pg,
# anvil) and the suites and benchmarks all register here: nobody else sets
# the EXIT trap, so nothing overwrites another's cleanup.
if ! declare -F at_exit >/dev/null; then
	_at_exit=()
	at_exit() { _at_exit=("$1" "${_at_exit[@]}"); }
	_run_at_exit() {
		local c
		for c in "${_at_exit[@]}"; do eval "$c"; done
	}
	trap _run_at_exit EXIT
fi

#!/usr/bin/env bash
# make check's side of fuzzing: every committed input of every fuzz target
# (seeds, and inputs that once crashed one) through the target's property
# checks, in this build (plain, or ASan + UBSan with SANITIZE=1). The
# pg_input target needs a server: test/pg/test-fuzz-corpus.sh runs it.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
rc=0
for bin in "$BUILD"/fuzz/replay_*; do
	t=${bin##*/replay_}
	case $t in pg_input | *.*) continue ;; esac
	"$bin" "$t" "test/fuzz/corpus/$t" 2>"$BUILD/fuzz/$t.replay-log" || {
		echo "not ok - $t: $(tail -3 "$BUILD/fuzz/$t.replay-log" | tr '\n' ' ')"
		rc=1
	}
done
exit $rc

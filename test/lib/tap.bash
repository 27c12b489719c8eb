# Shared helpers for the suites: TAP output, a scratch directory (removed
# at exit), and at_exit (at_exit.bash) for whatever a suite starts.
set -u
n=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $*"; }
# check NAME WANT GOT
check() {
	if [ "$2" = "$3" ] && [ -n "$2" ]; then ok "$1"; else not_ok "$1"; echo "#   want: $2"; echo "#   got:  $3"; fi
}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../interop" && pwd)
CAIRN=${CAIRN:-$here/../../build/cairn}
scratch=$(mktemp -d)

. "$(dirname "${BASH_SOURCE[0]}")/at_exit.bash"
at_exit 'rm -rf "$scratch"'

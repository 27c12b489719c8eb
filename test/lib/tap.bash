# Shared helpers for the interop suites: TAP output and a scratch directory.
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
trap 'rm -rf "$scratch"' EXIT

#!/usr/bin/env bash
# make install: the cairn binary lands in $(DESTDIR)$(PREFIX)/bin and runs
# from there; PREFIX defaults to /usr/local.
. "$(dirname "$0")/../lib/tap.bash"
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
root=$scratch/root
make -s --no-print-directory install BUILD="$BUILD" DESTDIR="$root" PREFIX=/opt/cairn >"$scratch/make.log" 2>&1
check "make install DESTDIR=… PREFIX=/opt/cairn: exit 0" "0" "$?"
[ -x "$root/opt/cairn/bin/cairn" ] && ok "…cairn is in PREFIX/bin, executable" || not_ok "installed: $(find "$root" -name cairn | head -3) $(tail -3 "$scratch/make.log")"
"$root/opt/cairn/bin/cairn" version >"$scratch/v" 2>&1 && grep -q "^cairn" "$scratch/v" && ok "…and runs (cairn version)" || not_ok "version: $(cat "$scratch/v")"
cmp -s "$root/opt/cairn/bin/cairn" "$BUILD/cairn" && ok "…the binary just built" || not_ok "another binary"
check "PREFIX defaults to /usr/local" "/usr/local" "$(make -s --no-print-directory print-PREFIX)"
echo "1..$n"

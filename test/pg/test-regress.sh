#!/usr/bin/env bash
# pg_regress over sql/ + expected/ against a server this script starts;
# each regression test becomes one TAP line.
. "$(dirname "$0")/../lib/tap.bash"
. "$(dirname "$0")/../lib/pg.bash"
pg_suite
out=${BUILD:-build}/pg_regress
rm -rf "$out"
mkdir -p "$out"
tests=$(cd sql && ls *.sql | sed 's/\.sql$//')
"$(dirname "$(pg_config --pgxs)")/../../src/test/regress/pg_regress" \
	--inputdir=. --outputdir="$out" --bindir="$PGBIN" --host="$PGHOST" --port="$PGPORT" \
	--user=postgres --dbname=cairn_regress $tests >"$out/summary" 2>&1
for t in $tests; do
	line=$(grep -E "^(test| ) *$t +\.\.\. " "$out/summary" || grep -E " $t +\.\.\. " "$out/summary")
	if echo "$line" | grep -q '\.\.\. ok'; then ok "pg_regress $t"
	else not_ok "pg_regress $t"; echo "# $line"; fi
done
[ -f "$out/regression.diffs" ] && sed 's/^/# /' "$out/regression.diffs" | head -60
echo "1..$n"

#!/usr/bin/env bash
# pgTAP suites in test/pgtap/, run with psql against a server started here.
# psql passes pgTAP's own TAP lines through; the runner counts them.
. "$(dirname "$0")/../lib/tap.bash"
. "$(dirname "$0")/../lib/pg.bash"
cd "$(dirname "$0")/../.."
pg_start || { echo "not ok 1 - start PostgreSQL"; exit 1; }
rc=0
for f in test/pgtap/*.sql; do
	echo "# $f"
	psql -X -q -t -A -v ON_ERROR_STOP=1 -f "$f" 2>&1 | grep -v '^$' || rc=1
done
exit $rc

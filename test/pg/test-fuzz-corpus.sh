#!/usr/bin/env bash
# The pg_input fuzz target's committed inputs against a real server: each
# is a value of ipfs_cid, multihash or anchored_cid, or a data exception,
# and values survive text and binary round trips.
. "$(dirname "$0")/../lib/tap.bash"
. "$(dirname "$0")/../lib/pg.bash"
top=$(cd "$(dirname "$0")/../.." && pwd)
pg_start || { echo "not ok 1 - PostgreSQL did not start"; exit 1; }
"$top/${BUILD:-build}/fuzz/replay_pg_input" pg_input "$top/test/fuzz/corpus/pg_input" 2>"$scratch/log" ||
	{ echo "not ok - pg_input: $(tail -3 "$scratch/log" | tr '\n' ' ')"; exit 1; }

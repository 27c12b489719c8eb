# A private PostgreSQL server for the tests: initdb as the postgres user
# (initdb refuses root), Unix socket in a private directory, no TCP at all,
# stopped and removed when the calling script exits.
#   pg_start   sets PGHOST PGPORT PGUSER PGDATABASE PGBIN PGTMP, exported
#   as_pg CMD  run CMD as the server's owner
PGBIN=$(pg_config --bindir)
. "$(dirname "${BASH_SOURCE[0]}")/at_exit.bash"

as_pg() {
	if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_stop() {
	[ -n "${PGTMP:-}" ] || return 0
	as_pg "$PGBIN/pg_ctl" -D "$PGTMP/data" -m immediate stop >/dev/null 2>&1 || true
	rm -rf "$PGTMP"
	PGTMP=
}

pg_start() {
	PGTMP=$(mktemp -d /tmp/cairn-pg.XXXXXX)
	[ "$(id -u)" -eq 0 ] && chown postgres: "$PGTMP"
	chmod 700 "$PGTMP"
	at_exit pg_stop
	as_pg "$PGBIN/initdb" -D "$PGTMP/data" -A trust -U postgres -E UTF8 --locale=C --no-sync \
		>"$PGTMP/initdb.log" 2>&1 || { cat "$PGTMP/initdb.log"; return 1; }
	# The port only names the socket file; pick one unlikely to be in use.
	PGPORT=$((50000 + $$ % 10000))
	as_pg "$PGBIN/pg_ctl" -D "$PGTMP/data" -l "$PGTMP/server.log" -w -t 60 \
		-o "-p $PGPORT -k $PGTMP -c listen_addresses='' -c fsync=off -c max_parallel_workers_per_gather=2" \
		start >/dev/null || { cat "$PGTMP/server.log"; return 1; }
	export PGHOST=$PGTMP PGPORT PGUSER=postgres PGDATABASE=postgres PGTMP PGBIN
}

# For a TAP suite: the server started (or the suite ended as failed),
# with the working directory at the top of the tree.
pg_suite() {
	cd "$(dirname "$0")/../.." || exit 1
	pg_start || { not_ok "start PostgreSQL"; echo "1..$n"; exit 1; }
}

# q SQL [DB]: one statement on DB (default: $PGDATABASE), tuples only,
# unaligned, stopping at the first error.
q() { psql -X -q -t -A -v ON_ERROR_STOP=1 ${2:+-d "$2"} -c "$1"; }

# pg_index_pair DB: a database DB with the extension, and two node repos
# $scratch/p1 and p2 on it as one cluster's index (p2 takes p1's log.key);
# DSN is set. Non-zero, with what init said, if that fails.
pg_index_pair() {
	psql -X -q -c "CREATE DATABASE $1" >/dev/null && q "CREATE EXTENSION cairn" "$1" || return 1
	DSN="host=$PGHOST port=$PGPORT user=postgres dbname=$1"
	CAIRN_PATH=$scratch/p1 "$CAIRN" init --index "$DSN" >/dev/null 2>"$scratch/p1.init" &&
		CAIRN_PATH=$scratch/p2 "$CAIRN" init --index "$DSN" --log-key "$scratch/p1/log.key" >/dev/null 2>"$scratch/p2.init" ||
		{ cat "$scratch"/p?.init; return 1; }
}

# Stop the server without removing it, and start it again (same socket):
# for tests of clients that must survive PostgreSQL going away.
pg_pause() {
	as_pg "$PGBIN/pg_ctl" -D "$PGTMP/data" -m fast -w stop >/dev/null
}
pg_resume() {
	as_pg "$PGBIN/pg_ctl" -D "$PGTMP/data" -l "$PGTMP/server.log" -w -t 60 \
		-o "-p $PGPORT -k $PGTMP -c listen_addresses='' -c fsync=off -c max_parallel_workers_per_gather=2" \
		start >/dev/null
}

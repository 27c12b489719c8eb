#!/usr/bin/env bash
# The examples of README.md and docs/ run as written. Each block marked
# <!-- doctest --> (or <!-- doctest: daemon -->, for one that needs a
# running node) runs in document order in one shell per page, in a fresh
# home directory (so ~/.cairn and the default ports 5001 and 8080, as the
# docs say), with the files the examples name, PostgreSQL's database
# "app", and anvil at 127.0.0.1:8545. Past the README, the reader has a
# repo (cairn init) and $cid names report.pdf in it. A block ends when its commands
# succeed (set -e; SQL with ON_ERROR_STOP); the nodes it started are then
# stopped. Some of what the examples print is checked against what the
# docs say they print.
. "$(dirname "$0")/../lib/tap.bash"
. "$(dirname "$0")/../lib/pg.bash"
. "$(dirname "$0")/../lib/anvil.bash"
pg_suite
top=$PWD
for port in 5001 8080 8545; do
	if (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null; then
		not_ok "port $port is in use: the docs' examples need it"; echo "1..$n"; exit 1
	fi
done
anvil_port=8545
anvil_start || { not_ok "anvil on 8545: $(tail -3 "$scratch/anvil.log")"; echo "1..$n"; exit 1; }
q "CREATE DATABASE app" >/dev/null
q "CREATE DATABASE sqldoc" >/dev/null
mkdir -p "$scratch/bin" && ln -sf "$(cd "$(dirname "$CAIRN")" && pwd)/$(basename "$CAIRN")" "$scratch/bin/cairn"

# extract PAGE DIR: each marked block to DIR/NNN.sh or DIR/NNN.sql, its
# options to DIR/NNN.opts
extract() {
	awk -v dir="$2" '
		/^<!-- doctest(: [a-z ]+)? -->$/ { opts = $0; sub(/^<!-- doctest:? ?/, "", opts); sub(/ ?-->$/, "", opts); want = 1; next }
		want && /^```(sh|sql)$/ { k++; lang = substr($0, 4); f = sprintf("%s/%03d.%s", dir, k, lang);
		                        printf "%s", opts > sprintf("%s/%03d.opts", dir, k); inblock = 1; want = 0; next }
		inblock && /^```$/ { inblock = 0; close(f); next }
		inblock { print > f; next }
		{ want = 0 }' "$1"
}

# run PAGE DB: the page's blocks in one shell; 0 if every block ran
run_page() {
	local page=$1 db=$2 d=$scratch/doc-$(basename "$1" .md)
	mkdir -p "$d/blocks" "$d/home" "$d/work"
	extract "$top/$page" "$d/blocks"
	# the files the examples name
	head -c 300000 /dev/urandom >"$d/work/report.pdf"
	printf 'notes of a meeting\n' >"$d/work/notes.txt"
	head -c 5000 /dev/urandom >"$d/work/contract.pdf"
	printf 'a raw block\n' >"$d/work/block.bin"
	{
		echo 'set -e'
		echo 'stop() { for p in $(jobs -p); do kill "$p"; done; wait || true; }'
		echo 'node() { cairn daemon >>daemon.out 2>>daemon.log & until curl -sf http://127.0.0.1:8080/healthz >/dev/null; do kill -0 $! || return 1; sleep 0.2; done; }'
		# pages past the README: a reader has a repo, and $cid names a file in it
		[ "$page" = README.md ] || echo 'cairn init >/dev/null; cid=$(cairn add -Q report.pdf)'
		for b in "$d"/blocks/*.sh "$d"/blocks/*.sql; do
			[ -e "$b" ] && basename "$b"
		done | sort | while read -r b; do
			echo "echo '### $b'"
			grep -qw daemon "$d/blocks/${b%.*}.opts" && echo 'node'
			case $b in
			*.sh) cat "$d/blocks/$b" ;;
			*.sql) echo "psql -X -q -v ON_ERROR_STOP=1 -f '$d/blocks/$b'" ;;
			esac
			echo "stop; echo '### $b ok'"
		done
	} >"$d/run.sh"
	(cd "$d/work" && env -u CAIRN_PATH -u CAIRN_API -u CAIRN_API_TOKEN HOME="$d/home" \
		PATH="$scratch/bin:$PATH" PGDATABASE="$db" timeout 300 bash "$d/run.sh") >"$d/out" 2>&1
	local rc=$? blocks ran
	blocks=$(ls "$d/blocks" | grep -c '\.s[hq]l\?$')
	ran=$(grep -c '^### .* ok$' "$d/out")
	check "$page: its $blocks marked examples run as written" "0 $blocks" "$rc $ran"
	[ "$rc" = 0 ] || { echo "# $(grep '^###' "$d/out" | tail -1): "; tail -8 "$d/out" | sed 's/^/#   /'; }
	DOC=$d
}

run_page README.md app
check "README: the copy out of the gateway is the file" "$(sha256sum <"$DOC/work/report.pdf" | cut -c1-64)" "$(sha256sum <"$DOC/work/copy.pdf" | cut -c1-64)"
grep -q 'QmWfVY9y3xjsixTgbd9AorQxH7VtMpzfx2HaWtsoUYecaX' "$DOC/out" && ok "README: cid_of('hello', 0, 'sha2-256') is the CID it says" || not_ok "cid_of: $(grep -A2 '002.sql' "$DOC/out")"
grep -q '^verified  *proof.json:1 ' "$DOC/out" && ok "README: cairn audit verifies the anchored contract's proof" || not_ok "audit: $(grep -A3 'audit' "$DOC/out" | head -5)"
check "README: the mirror holds the anchored proof in database app" "1" "$(for _ in $(seq 50); do c=$(q "SELECT count(*) FROM cairn.anchors" app 2>/dev/null); [ "${c:-0}" -ge 1 ] && break; sleep 0.1; done; echo "${c:-0}")"

run_page docs/http-api.md postgres
grep -q '"Name":"report.pdf"' "$DOC/out" && ok "http-api.md: add answers Kubo's {Name, Hash, Size}" || not_ok "add: $(head -5 "$DOC/out")"

run_page docs/sql.md sqldoc
check "sql.md: the documents example stores two rows with their CIDs" "2" "$(q "SELECT count(*) FROM documents WHERE cid_verify(body, body_cid)" sqldoc)"
grep -q 'bafkr4' "$DOC/out" && ok "sql.md: body_cid is a CIDv1 BLAKE3 raw CID, as it says" || not_ok "sql: $(head -20 "$DOC/out")"
echo "1..$n"

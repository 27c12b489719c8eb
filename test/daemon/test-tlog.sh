#!/usr/bin/env bash
# The anchoring log as C2SP tlog-tiles under the gateway's /log/, read by
# an auditor's tool that is not cairn: test/interop/tlog-check.go, Go's own
# golang.org/x/mod/sumdb/note and sumdb/tlog (Debian's
# golang-golang-x-mod-dev), built here offline in GOPATH mode. For logs of
# 1, 255, 256, 257, a random size and 65,537 leaves (CIDs made by the Go
# program, not by cairn): the checkpoint opens with the key inside its
# origin's PeerID; tlog.TileHashReader checks every tile against it;
# TreeHash gives its root; every entry bundle holds the CIDs in order, each
# hashing to its level-0 hash; ProveRecord/CheckRecord for a spread of
# leaves; ProveTree/CheckTree from the checkpoint before. Then the same on
# two nodes sharing a PostgreSQL index (identical tiles from both), and
# the HTTP edges: caching, 404 beyond the checkpoint, 400 for malformed
# paths, 405 for writes.
. "$(dirname "$0")/../lib/tap.bash"
. "$(dirname "$0")/../lib/daemon.bash"
. "$(dirname "$0")/../lib/pg.bash"
cd "$here/../.." || exit 1
export CAIRN_PATH=$scratch/repo
"$CAIRN" init >/dev/null
daemon_start || { not_ok "daemon start"; cat "$scratch/daemon.log"; echo "1..$n"; exit 1; }
post() { curl -sS --max-time 60 -X POST "$@"; }
status() { curl -s --max-time 20 -o "$scratch/body" -D "$scratch/head" -w '%{http_code}' "$@"; }
header() { sed -n "s/^$1: //Ip" "$scratch/head" | tr -d '\r'; }

export GO111MODULE=off GOPATH=/usr/share/gocode GOFLAGS= GOCACHE=$scratch/gocache
if go build -o "$scratch/tlog-check" test/interop/tlog-check.go 2>"$scratch/go.log"; then
	ok "the Go checker builds offline against Debian's golang.org/x/mod"
else
	not_ok "the Go checker builds"; cat "$scratch/go.log"; echo "1..$n"; exit 1
fi
tc() { "$scratch/tlog-check" "$@"; }
tc gen 65537 cairn-tlog >"$scratch/all"

check "no checkpoint yet: /log/checkpoint is 404" "404" "$(status "$GW/log/checkpoint")"

# grow the log to SIZE (appending CIDs from the list), make its checkpoint
grow() { # NODE-API FROM TO
	local api=$1 from=$2 to=$3
	sed -n "$((from + 1)),${to}p" "$scratch/all" | split -l 10000 - "$scratch/chunk."
	for c in "$scratch"/chunk.*; do post --data-binary @"$c" "$api/api/v0/anchor/add" >/dev/null; rm -f "$c"; done
	post "$api/api/v0/anchor/flush" >"$scratch/flush.json"
	sed -n 's/.*"size":\([0-9]*\).*/\1/p' "$scratch/flush.json"
}
# the checkpoint's root, base64, from its note
root_b64() { curl -sS --max-time 20 "$1/log/checkpoint" | sed -n 3p; }

declare -A roots
rnd=$((258 + (RANDOM * 32768 + RANDOM) % 65000))
prev=0 old=()
for size in 1 255 256 257 $rnd 65537; do
	got=$(grow "$API" "$prev" "$size")
	head -n "$size" "$scratch/all" >"$scratch/cids"
	out=$(tc tiles "$GW/log" "$scratch/cids" "${old[@]}")
	case $out in
	"ok size=$size "*) ok "log of $size leaves (checkpoint $got): read by Go's sumdb/tlog from the tiles${old:+, consistent with $prev} ($out)" ;;
	*) not_ok "log of $size leaves read by Go's sumdb/tlog"; echo "#   $out" ;;
	esac
	old=("$size" "$(root_b64 "$GW")")
	roots[$size]=${old[1]}
	prev=$size
done

# the verifier key: as cairn prints it, and as Go's note package makes it
# from the PeerID
check "cairn anchor key is the verifier key Go's note.NewEd25519VerifierKey makes from the origin" \
	"$(tc vkey "$GW/log")" "$("$CAIRN" anchor key)"

# tlog-proof bundles (c2sp.org/tlog-proof), read by the same Go code: the
# spec's layout parsed, note.Open, tlog.CheckRecord
good=0
for i in 0 255 256 40000 65536; do
	c=$(sed -n "$((i + 1))p" "$scratch/all")
	"$CAIRN" anchor proof "$c" --format tlog-proof >"$scratch/b$i.tlog-proof"
	out=$(tc bundle "$scratch/b$i.tlog-proof" "$c")
	case $out in "ok index=$i size=65537 cid=$c "*) good=$((good + 1)) ;; *) echo "# leaf $i: $out" ;; esac
done
check "5 bundles from 'cairn anchor proof --format tlog-proof' pass Go's note.Open and tlog.CheckRecord" "5" "$good"
sed 's/^index 40000$/index 40001/' "$scratch/b40000.tlog-proof" >"$scratch/bad.tlog-proof"
out=$(tc bundle "$scratch/bad.tlog-proof")
check "…one with another index fails CheckRecord" "FAIL: CheckRecord: invalid transparency proof" "$out"
check "api/v0/anchor/proof?format=tlog-proof: the same bundle, text/plain" "200|text/plain; charset=utf-8|same" \
	"$(curl -s --max-time 20 -X POST -o "$scratch/body" -D "$scratch/head" -w '%{http_code}' "$API/api/v0/anchor/proof?arg=$(sed -n 40001p "$scratch/all")&format=tlog-proof")|$(header Content-Type)|$(cmp -s "$scratch/body" "$scratch/b40000.tlog-proof" && echo same)"
check "…format=xml: 400, saying which formats there are" "400 yes" \
	"$(curl -s --max-time 20 -X POST -o "$scratch/body" -w '%{http_code}' "$API/api/v0/anchor/proof?arg=$(sed -n 1p "$scratch/all")&format=xml") $(grep -q 'json or tlog-proof' "$scratch/body" && echo yes)"

# the program docs/anchoring.md gives auditors, as written there
mkdir -p "$scratch/audit"
sed -n '/^```go$/,/^```$/p' docs/anchoring.md | sed '1d;$d' >"$scratch/audit/audit.go"
if (cd "$scratch/audit" && go build audit.go 2>"$scratch/go.log"); then
	vk=$("$CAIRN" anchor key)
	out=$("$scratch/audit/audit" "$GW/log" "$vk" "$(sed -n 40000p "$scratch/all")" 39999)
	check "docs/anchoring.md's audit program proves leaf 39,999 from the tiles" \
		"$(sed -n 40000p "$scratch/all") is leaf 39999 of the log of 65537 leaves signed by ${vk%%+*}" "$out"
	"$scratch/audit/audit" "$GW/log" "$vk" "$(sed -n 40000p "$scratch/all")" 40000 >/dev/null &&
		not_ok "…and refuses it at another index" || ok "…and refuses it at another index"
else
	not_ok "docs/anchoring.md's audit program builds"; cat "$scratch/go.log"
fi

# HTTP: headers, existence, malformed paths
check "checkpoint: text/plain, cached a few seconds" "200|text/plain; charset=utf-8|public, max-age=2" \
	"$(status "$GW/log/checkpoint")|$(header Content-Type)|$(header Cache-Control)"
check "a full tile: 8,192 bytes, immutable for a year" "200|8192|public, max-age=31536000, immutable" \
	"$(status "$GW/log/tile/0/000")|$(stat -c %s "$scratch/body")|$(header Cache-Control)"
check "a partial tile (65,537 = 256·256 + 1: level 0 tile 256 of width 1): short-lived" \
	"200|32|public, max-age=60" "$(status "$GW/log/tile/0/256.p/1")|$(stat -c %s "$scratch/body")|$(header Cache-Control)"
check "level 2 partial tile of width 1 (the root of the first 65,536)" "200|32" \
	"$(status "$GW/log/tile/2/000.p/1")|$(stat -c %s "$scratch/body")"
check "HEAD: the headers, no body" "200|0|8192" \
	"$(curl -s --max-time 20 -I -D "$scratch/head" -o /dev/null -w '%{http_code}|%{size_download}' "$GW/log/tile/1/000")|$(header Content-Length)"
post --data-binary @<(tc gen 3 beyond) "$API/api/v0/anchor/add" >/dev/null
check "leaves appended but not checkpointed yet: their partial tile is 404" "404" \
	"$(status "$GW/log/tile/0/256.p/2")"
check "…a wider entry bundle too" "404" "$(status "$GW/log/tile/entries/256.p/4")"
check "a tile beyond the log: 404, saying why" "404 yes" \
	"$(status "$GW/log/tile/0/x001/000") $(grep -q "newest checkpoint (65537 leaves)" "$scratch/body" && echo yes)"
check "level 63 (in no tree of 2^64 leaves): 404" "404" "$(status "$GW/log/tile/63/000.p/1")"
for p in "tile/0/0000" "tile/0/x000/001" "tile/0/001.p/256" "tile/0/001.p/045" "tile/64/000" "tile/entries/x1/000" "tile/0/000.p/" "tile/00/000"; do
	c=$(status "$GW/log/$p")
	[ "$c" = 400 ] && [ -s "$scratch/body" ] && ok "malformed /log/$p: 400 ($(head -c 80 "$scratch/body"))" ||
		not_ok "malformed /log/$p: $c"
done
check "an unknown /log/ path: 404" "404" "$(status "$GW/log/tiles/0/000")"
check "writes: 405, Allow GET, HEAD" "405|GET, HEAD" \
	"$(status -X POST "$GW/log/checkpoint")|$(header Allow)"

# --- two nodes over one PostgreSQL index: the same tiles from each ----------
if pg_start; then
	pg_index_pair idx || not_ok "init two nodes on a PostgreSQL index"
	daemon_start p1 && daemon_start p2 || not_ok "start the PostgreSQL-indexed nodes"
	prev=0 old=() pg257=
	for size in 257 1300; do
		# the log grows through both nodes
		half=$(((prev + size) / 2))
		grow "$p1_API" "$prev" "$half" >/dev/null
		got=$(grow "$p2_API" "$half" "$size")
		head -n "$size" "$scratch/all" >"$scratch/cids"
		for node in p1 p2; do
			v="${node}_GW"
			out=$(tc tiles "${!v}/log" "$scratch/cids" "${old[@]}")
			case $out in
			"ok size=$size "*) ok "PostgreSQL index, $node: a log of $size leaves read by Go's sumdb/tlog ($out)" ;;
			*) not_ok "PostgreSQL index, $node: a log of $size leaves read by Go's sumdb/tlog"; echo "#   $out" ;;
			esac
		done
		old=("$size" "$(root_b64 "$p1_GW")")
		[ "$size" != 257 ] || pg257=${old[1]}
		prev=$size
	done
	check "the same 257 leaves make the same root with either index" "${roots[257]}" "$pg257"
	# one batch: CIDs in the log already, and new ones each twice
	{ sed -n '1p;5p;1300p' "$scratch/all"; sed -n '1301,1303p' "$scratch/all"; sed -n '1301,1303p' "$scratch/all"; sed -n 2p "$scratch/all"; } >"$scratch/dup"
	curl -sS -X POST --data-binary @"$scratch/dup" "$p2_API/api/v0/anchor/add" >"$scratch/dup.out"
	check "a batch with CIDs logged before and new ones twice: their first indexes, the new ones in order" \
		"0 4 1299 1300 1301 1302 1300 1301 1302 1" "$(jq -r .Index "$scratch/dup.out" | xargs)"
	curl -sS -X POST "$p1_API/api/v0/anchor/flush" >/dev/null
	head -n 1303 "$scratch/all" >"$scratch/cids"
	out=$(tc tiles "$p1_GW/log" "$scratch/cids" "${old[@]}")
	case $out in
	"ok size=1303 "*) ok "…the log of 1303 leaves read by Go's sumdb/tlog, consistent with 1300 ($out)" ;;
	*) not_ok "…the log of 1303 leaves read by Go's sumdb/tlog"; echo "#   $out" ;;
	esac
	same=0
	for p in checkpoint tile/0/000 tile/0/005.p/20 tile/1/000.p/5 tile/entries/002 tile/entries/005.p/20; do
		cmp -s <(curl -sS --max-time 20 "$p1_GW/log/$p") <(curl -sS --max-time 20 "$p2_GW/log/$p") && same=$((same + 1))
	done
	check "both nodes serve the same checkpoint, tiles and bundles, byte for byte" "6" "$same"
	check "the cluster's key, from either node" "$(CAIRN_PATH=$scratch/p1 "$CAIRN" anchor key)" \
		"$(tc vkey "$p2_GW/log")"
else
	not_ok "PostgreSQL starts"
fi
echo "1..$n"

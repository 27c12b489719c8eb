#!/usr/bin/env bash
# cairn pin verify (and api/v0/pin/verify): every block of every pin read
# and checked. A pin with a corrupted block and one with a deleted block
# are reported broken, naming those blocks (as cairn refs lists them) and
# why; the healthy pin is not; exit 1. The same through the daemon.
. "$(dirname "$0")/../lib/tap.bash"
. "$(dirname "$0")/../lib/daemon.bash"
export CAIRN_PATH=$scratch/repo
"$CAIRN" init >/dev/null
head -c 300000 /dev/urandom >"$scratch/a"   # leaves of 262144 and 37856 bytes
head -c 280000 /dev/urandom >"$scratch/b"   # 262144 and 17856
head -c 5000 /dev/urandom >"$scratch/c"
a=$("$CAIRN" add -Q "$scratch/a") b=$("$CAIRN" add -Q "$scratch/b") c=$("$CAIRN" add -Q "$scratch/c")
check "all pins whole: exit 0, nothing said" "0 " "$("$CAIRN" pin verify; echo "$? ")"
check "…--verbose: each pin ok" "3" "$("$CAIRN" pin verify --verbose | grep -c ' ok$')"
# a block file is a format byte, then the block (docs/repo.md): the
# 37856-byte leaf of a is the file of 37857 bytes; the 17856-byte leaf of b
file_of_size() { find "$CAIRN_PATH/blocks" -name '*.data' -size "$1"c; }
fa=$(file_of_size 37857) fb=$(file_of_size 17857)
printf 'X' | dd of="$fa" bs=1 seek=1000 conv=notrunc status=none
rm -f "$fb"
leaf_a=$("$CAIRN" refs "$a" | tail -1) leaf_b=$("$CAIRN" refs "$b" | tail -1)
out=$("$CAIRN" pin verify 2>/dev/null); rc=$?
check "a corrupted and a deleted block: exit 1" "1" "$rc"
check "…the corrupted pin broken, naming its bad block and why" "$a broken|  $leaf_a: corrupt: its bytes do not hash to its CID" \
	"$(echo "$out" | grep -A1 "^$a broken" | paste -sd'|')"
check "…the pin with a deleted block too" "$b broken|  $leaf_b: missing" "$(echo "$out" | grep -A1 "^$b broken" | paste -sd'|')"
check "…the whole pin not" "0" "$(echo "$out" | grep -c "$c")"
check "…-q: the broken pins' CIDs alone" "$(printf '%s\n' "$a" "$b" | sort | xargs)" "$("$CAIRN" pin verify -q 2>/dev/null | sort | xargs)"
daemon_start || { not_ok "daemon start"; exit 1; }
out2=$("$CAIRN" pin verify); rc=$?
check "through the daemon: exit 1, the same report" "1 $out" "$rc $out2"
check "…--verbose: the whole pin ok too" "$c ok" "$("$CAIRN" pin verify --verbose | grep "^$c ")"
check "…api/v0/pin/verify: {Cid, Ok, BadNodes} lines" "$a false $leaf_a" \
	"$(curl -sS -X POST "$API/api/v0/pin/verify" | node -e 'for(const l of require("fs").readFileSync(0,"utf8").split("\n").filter(Boolean)){const j=JSON.parse(l);if(j.Cid===process.argv[1])console.log(j.Cid,j.Ok,j.BadNodes.map(b=>b.Cid).join(","))}' "$a")"
echo "1..$n"

#!/usr/bin/env bash
# cairn cid format against the npm multiformats package, for every base,
# on CIDs of every supported codec and hash; and parsing back from each.
. "$(dirname "$0")/../lib/tap.bash"
bases="base16 base16upper base32 base32upper base36 base36upper base58btc base64 base64url"
printf 'hello' >"$scratch/h"
cids="QmWfVY9y3xjsixTgbd9AorQxH7VtMpzfx2HaWtsoUYecaX
bafybeihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku
$("$CAIRN" add -nQ --hash sha2-256 "$scratch/h")
$("$CAIRN" add -nQ "$scratch/h")
bafyreigbtj4x7ip5legnfznufuopl4sg4knzc2cof6duas4b3q2fy6swua
bafkqaaa
bafkqac3imvwgy3zao5xxe3de"
for cid in $cids; do
	want=$(node "$here/cid-format.mjs" "$cid" $bases)
	i=0
	for b in $bases; do
		i=$((i + 1))
		w=$(echo "$want" | sed -n "${i}p")
		v=""
		case $cid in Qm*) v="-v 1" ;; esac # a v0 stays v0 in base58btc
		got=$("$CAIRN" cid format $v -b "$b" "$cid")
		check "format -b $b $cid = multiformats" "$w" "$got"
		back=$("$CAIRN" cid format -v 1 -b base32 "$got")
		check "parse back from $b" "$(echo "$want" | sed -n 3p)" "$back"
	done
done
# CIDv0 stays CIDv0 where it can, and becomes v1 where it must
v0=QmWfVY9y3xjsixTgbd9AorQxH7VtMpzfx2HaWtsoUYecaX
check "v0 in base58btc stays v0" "$v0" "$("$CAIRN" cid format -b base58btc "$v0")"
check "v0 in base32 becomes v1" "$(node "$here/cid-format.mjs" "$v0" base32)" "$("$CAIRN" cid format -b base32 "$v0")"
check "v1 dag-pb back to v0" "$v0" "$("$CAIRN" cid format -v 0 "$("$CAIRN" cid format -b base36 "$v0")")"
echo "1..$n"

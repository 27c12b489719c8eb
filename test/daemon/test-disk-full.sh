#!/usr/bin/env bash
# A full disk (a 24 MiB tmpfs holding the repo): every write path fails
# cleanly with 507 (API) or exit 1 (CLI), leaves no temporary files, frees
# its space, and the repo still verifies and serves what it had.
. "$(dirname "$0")/../lib/tap.bash"
. "$(dirname "$0")/../lib/daemon.bash"
fs=$scratch/fs
mkdir -p "$fs"
if [ "$(id -u)" != 0 ] || ! mount -t tmpfs -o size=24m tmpfs "$fs" 2>/dev/null; then
	echo "ok 1 # SKIP a tmpfs mount needs root"
	echo "1..1"
	exit 0
fi
at_exit 'daemon_stop; umount "$fs" 2>/dev/null' # the daemon holds files there
export CAIRN_PATH=$fs/repo
"$CAIRN" init >/dev/null
cu() { curl -sS --max-time 30 "$@"; }
code() { cu -o "$scratch/body" -w '%{http_code}' "$@"; }
used_kb() { df -k "$fs" | awk 'NR==2 {print $3}'; }
tmp_files() { find "$CAIRN_PATH/blocks" -name '.tmp-*' | wc -l; }
head -c 4000000 /dev/urandom >"$scratch/small"
head -c 40000000 /dev/urandom >"$scratch/big"
# a CAR bigger than the disk, made in a repo elsewhere
CAIRN_PATH=$scratch/other "$CAIRN" init >/dev/null
bigcid=$(CAIRN_PATH=$scratch/other "$CAIRN" add -Q "$scratch/big")
CAIRN_PATH=$scratch/other "$CAIRN" dag export "$bigcid" >"$scratch/big.car"

daemon_start || { echo "not ok 1 - daemon start"; cat "$scratch/daemon.log"; exit 1; }
small=$(cu -X POST -F "file=@$scratch/small" "$API/api/v0/add" | sed -n 's/.*"Hash":"\([^"]*\)".*/\1/p')
[ -n "$small" ] && ok "a file that fits is added" || not_ok "small add"
before=$(used_kb)

check "add larger than the disk → 507" "507" "$(code -X POST -F "file=@$scratch/big" "$API/api/v0/add")"
grep -q '"Message":".*No space left on device' "$scratch/body" && ok "the error says the disk is full" || not_ok "507 body: $(cat "$scratch/body")"
check "no temporary files are left" "0" "$(tmp_files)"
[ "$(used_kb)" -le $((before + 512)) ] && ok "the failed add's space is freed ($(used_kb) KiB used)" || not_ok "space: $before → $(used_kb) KiB"
check "dag/import larger than the disk → 507" "507" "$(code -X POST -F "file=@$scratch/big.car" "$API/api/v0/dag/import")"
check "no temporary files after the import" "0" "$(tmp_files)"
# fill the disk to the last few KiB, then a block/put
dd if=/dev/zero of="$fs/filler" bs=64k 2>/dev/null
head -c 1000000 /dev/urandom >"$scratch/block"
check "block/put on a full disk → 507" "507" "$(code -X POST -F "data=@$scratch/block" "$API/api/v0/block/put")"
rm -f "$fs/filler"
check "the earlier file is served byte-exact" "$(sha256sum <"$scratch/small" | cut -c1-64)" "$(cu "$GW/ipfs/$small" | sha256sum | cut -c1-64)"
check "repo/verify finds no damage" "0" "$(cu -X POST "$API/api/v0/repo/verify" | tail -1 | sed -n 's/.*"Damaged":\([0-9]*\).*/\1/p')"
head -c 2000000 /dev/urandom >"$scratch/after"
after=$(cu -X POST -F "file=@$scratch/after" "$API/api/v0/add" | sed -n 's/.*"Hash":"\([^"]*\)".*/\1/p')
[ -n "$after" ] && ok "adds work again once there is room" || not_ok "add after full"
daemon_stop

out=$("$CAIRN" add -Q "$scratch/big" 2>&1); rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q "No space left on device" && ok "cairn add on a full disk: exit 1, says why" || not_ok "CLI add: $rc $out"
check "no temporary files after the CLI's failure" "0" "$(tmp_files)"
"$CAIRN" repo verify >/dev/null && ok "cairn repo verify passes" || not_ok "verify after full"
"$CAIRN" cat "$after" | cmp -s - "$scratch/after" && ok "every acknowledged add reads back" || not_ok "cat after"
echo "1..$n"

#!/usr/bin/env bash
# The daemon's verified block cache (storage-node/repo/bcache.c): a block
# read twice is verified and kept, and served from memory after (counted
# in /metrics), while one read once costs no copy; what is cached was verified on its way in, so damage on
# disk afterwards does not reach clients, while repo verify, which reads
# the disk, still finds it; a block removed from the store leaves the
# cache; Datastore.BlockCacheBytes 0 turns it off, and then damage is
# refused as before.
. "$(dirname "$0")/../lib/tap.bash"
. "$(dirname "$0")/../lib/daemon.bash"
export CAIRN_PATH=$scratch/repo
"$CAIRN" init >/dev/null
metric() { curl -sS --max-time 10 "$API/metrics" | sed -n "s/^$1 //p"; }
# the file holding the first 256 KiB of f as a plain block (docs/repo.md:
# a format byte 0x00, then the block)
block_file() {
	local x
	for x in $(find "$CAIRN_PATH/blocks" -name '*.data' -size 262145c); do
		tail -c +2 "$x" | cmp -s - <(head -c 262144 "$scratch/f") && echo "$x"
	done
}
config_set() {
	node -e 'const f=process.argv[1],c=JSON.parse(require("fs").readFileSync(f));c.Datastore=Object.assign(c.Datastore||{},JSON.parse(process.argv[2]));require("fs").writeFileSync(f,JSON.stringify(c))' "$CAIRN_PATH/config" "$1"
}

head -c 1000000 /dev/urandom >"$scratch/f"
root=$("$CAIRN" add -Q --chunker size-262144 "$scratch/f")
leaf=$("$CAIRN" add -Q --chunker size-262144 --only-hash <(head -c 262144 "$scratch/f"))
printf 'loose block\n' >"$scratch/loose"
loose=$("$CAIRN" block put "$scratch/loose")
daemon_start || { echo "not ok 1 - daemon start"; cat "$scratch/daemon.log"; exit 1; }
config_api

cu "$GW/ipfs/$root" | cmp -s - "$scratch/f" && ok "a file read once" || not_ok "first read"
m1=$(metric cairn_block_cache_misses_total)
h1=$(metric cairn_block_cache_hits_total)
[ "${m1:-0}" -ge 5 ] && ok "…its 5 blocks read from disk ($m1 misses)" || not_ok "misses: $m1"
b=$(metric cairn_block_cache_bytes)
[ "$b" -lt 1000000 ] && ok "…and not kept (read once: names only; $b bytes held)" || not_ok "kept after one read: $b"
cu "$GW/ipfs/$root" | cmp -s - "$scratch/f" && ok "read again" || not_ok "second read"
[ "$(metric cairn_block_cache_bytes)" -ge 1000000 ] && ok "…which keeps its blocks ($(metric cairn_block_cache_bytes) bytes)" || not_ok "bytes: $(metric cairn_block_cache_bytes)"
m1=$(metric cairn_block_cache_misses_total)
h1=$(metric cairn_block_cache_hits_total)
cu "$GW/ipfs/$root" | cmp -s - "$scratch/f" && ok "read a third time" || not_ok "third read"
h2=$(metric cairn_block_cache_hits_total)
m2=$(metric cairn_block_cache_misses_total)
[ $((h2 - h1)) -ge 5 ] && [ "$m2" = "$m1" ] && ok "…all 5 from the cache ($((h2 - h1)) hits, no new miss)" || not_ok "hits $h1 -> $h2, misses $m1 -> $m2"

# damage on disk after a block was verified into the cache
f=$(block_file)
[ -n "$f" ] && [ -f "$f" ] && ok "the first leaf's file ($(basename "$f"))" || not_ok "no file for $leaf"
printf '\x00garbage' | dd of="$f" bs=1 seek=100 conv=notrunc status=none
cu "$GW/ipfs/$root" | cmp -s - "$scratch/f" && ok "a block damaged on disk after it was cached: clients still get the verified bytes" || not_ok "damaged read"
out=$("$CAIRN" repo verify 2>&1)
echo "$out" | grep -q "corrupt" && ok "…and repo verify, reading the disk, finds the damage" || not_ok "verify: $out"

# removal leaves the cache too
check "a loose block is served" "loose block" "$(cu "$GW/ipfs/$loose")"
check "block rm through the daemon" "removed $loose" "$("$CAIRN" block rm "$loose")"
check "…then it is gone, not served from the cache" "404" "$(code "$GW/ipfs/$loose")"
daemon_stop

# no cache: the damaged block is refused
config_set '{"BlockCacheBytes": 0}'
daemon_start || { not_ok "daemon restart"; echo "1..$n"; exit 1; }
[ -z "$(metric cairn_block_cache_hits_total)" ] && [ -n "$(metric cairn_pins)" ] && ok "BlockCacheBytes 0: no cache metrics" || not_ok "cache metrics with the cache off"
r=$(curl -sS --max-time 20 "$GW/ipfs/$leaf?format=raw" -o /dev/null -w '%{http_code}')
[ "$r" != 200 ] && ok "…and the damaged leaf is refused ($r)" || not_ok "damaged leaf served: $r"
c=$(metric cairn_blocks_corrupt_total)
[ -n "$c" ] && [ "$c" -ge 1 ] && ok "…and counted in cairn_blocks_corrupt_total ($c)" || not_ok "corrupt count: '$c'"
daemon_stop
echo "1..$n"

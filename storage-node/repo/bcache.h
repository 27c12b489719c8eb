/*
 * A bounded memory cache of verified blocks, keyed by multihash, that the
 * blockstore reads through (blockstore.cache). A block enters it only
 * after it was read from disk and re-hashed against its name, so a hit is
 * served without re-hashing: the rule ZFS keeps for its ARC (verify on the
 * way in). Removing a block from the store removes it here.
 *
 * Eviction follows S3-FIFO (Yang et al., "FIFO queues are all you need
 * for cache eviction", SOSP 2023) with its small FIFO reduced to names: a
 * block read for the first time is not copied, only its name is kept in
 * a FIFO of names (the paper's ghost queue, twice as many names as the
 * cache holds blocks); a block read again while its name is there is kept
 * in the main FIFO, which evicts like CLOCK with a 2-bit count. So a scan
 * (a large file streamed once, a crawler, a DAG walk) costs a name per
 * block and never displaces the blocks read again and again, and memory
 * grows only with blocks read twice. Keeping the paper's small FIFO of
 * data would copy every block streamed once (a tenth of a large GET's
 * time) to serve the few read again within moments. A hit costs a counter
 * increment, no list moves. Why not CLOCK-Pro or W-TinyLFU: comparable
 * miss ratios on the published traces, with a fraction of the state.
 *
 * Thread-safe: every event loop reads through the one cache. One mutex
 * guards it; it is held for a table probe and a copy of at most a block
 * (LARGE_SHARE keeps blocks small beside the cache), never for disk I/O.
 */
#ifndef CAIRN_BCACHE_H
#define CAIRN_BCACHE_H

#include <stddef.h>
#include <stdint.h>

#include "cairn/multihash.h"

/* Datastore.BlockCacheBytes, the cache's default size in the daemon. */
#define BCACHE_DEFAULT_BYTES (256ull * 1024 * 1024)

typedef struct bcache bcache;

typedef struct bcache_stats {
	uint64_t hits, misses, inserts, evictions;
	uint64_t bytes, entries; /* held now (block bytes; entries with data) */
	uint64_t cap;
} bcache_stats;

/* A cache of at most cap bytes of blocks (plus a small overhead per
 * entry). NULL when out of memory. */
bcache *bcache_new(uint64_t cap);

void bcache_free(bcache *c);

/* 1 with a copy of the block in *data (malloc'd, the caller frees) and its
 * length in *len; 0 if it is not cached (or no memory for the copy). */
int bcache_get(bcache *c, const cairn_multihash *mh, uint8_t **data, size_t *len);

/* 1 if the block's bytes are held (no copy is made, and no count
 * changes): the store has it, since removing a block drops it here. */
int bcache_has(bcache *c, const cairn_multihash *mh);

/* Offer a block that was just verified against mh: the first time, its
 * name is remembered; offered again while it is, it is kept (copied; data
 * stays the caller's). A block larger than a tenth of the cache is not
 * kept. */
void bcache_put(bcache *c, const cairn_multihash *mh, const uint8_t *data, size_t len);

/* Forget mh (the block was removed from the store). */
void bcache_drop(bcache *c, const cairn_multihash *mh);

void bcache_get_stats(bcache *c, bcache_stats *out);

#endif

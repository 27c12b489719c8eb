/*
 * The blockstore: one file per block, named by the block's multihash, under
 * sharded directories (Kubo's flatfs "next-to-last/2" scheme):
 *
 *   blocks/<2 chars>/<base32 of the multihash>.data
 *
 * The shard is the two characters before the last of the name. Blocks are
 * keyed by multihash, not CID, so a raw and a dag-pb CID of the same bytes
 * share storage, as in Kubo.
 *
 * File layout: one format byte, then the payload.
 *   0x00  the block as is
 *   0x01  a zstd frame holding the block (only when that is smaller)
 *
 * Writes are crash-safe and batched: a block goes to a temporary file in
 * its shard directory; blockstore_commit() makes all of a batch's data
 * durable with one syncfs(), only then renames the files to their names,
 * and makes the renames durable with a second syncfs(). So a name never points at
 * data that is not on disk, a batch costs one flush instead of one per
 * block, and a caller acknowledges a write only after the commit. Until
 * then the blocks are invisible (a crash leaves only temporary files,
 * which repo gc removes). Reads re-hash every block against its CID; a block that does
 * not match is reported and treated as missing, never served.
 */
#ifndef CAIRN_BLOCKSTORE_H
#define CAIRN_BLOCKSTORE_H

#include <dirent.h>
#include <stddef.h>
#include <stdint.h>

#include "cairn/cid.h"
#include "cairn/importer.h"

/* Largest block accepted: the trustless gateway and bitswap limit. */
#define BLOCK_MAX (2u * 1024 * 1024)
#define BS_FORMAT_PLAIN 0x00
#define BS_FORMAT_ZSTD 0x01

/* In the blockstore's root while a process may have temporary files in
 * flight: created before its first one, removed when it closes with none
 * left. Found at open, it means a writer was interrupted: its temporary
 * files are removed then. */
#define BS_DIRTY_MARK ".writing"

/* A batch commits by itself at this many blocks, bounding its memory. */
#define BS_BATCH_MAX 4096

/* Results of blockstore_get besides 0 (found): */
#define BS_NOT_FOUND 1
#define BS_CORRUPT 2

struct bs_pending;

/* A write batch: blocks put, not yet committed. Writers that interleave
 * (uploads streaming side by side, fetches from peers) each keep their
 * own, so that one's commit or abort never takes another's blocks. */
typedef struct bs_batch {
	struct bs_pending *pending;  /* written, not yet committed */
	size_t npending, cap_pending;
	struct mhset *set;           /* their multihashes, to skip repeats */
} bs_batch;

typedef struct blockstore {
	char root[4096];      /* .../blocks */
	int compress;         /* try zstd at rest */
	uint64_t tmp_seq;
	bs_batch batch;       /* the batch of blockstore_put and _commit */
	uint64_t npending;    /* blocks put, not yet committed, in every batch */
	struct bcache *cache; /* verified blocks read through (bcache.h), or NULL */
	/* files written and removed through this handle, and their sizes on
	 * disk, so a long-running daemon keeps its totals without rescanning.
	 * These counters (and tmp_seq, npending, unsynced) are changed with
	 * relaxed atomics: every event loop may write blocks (fetches from
	 * peers) through its own batch; read them with __atomic_load_n. */
	uint64_t added_blocks, added_bytes, removed_blocks, removed_bytes;
	int unsynced; /* blocks were committed as cache, not yet flushed */
	int dirty;    /* BS_DIRTY_MARK was made by this process (atomic) */
} blockstore;

/* The file name of a block (no directory), for messages and tests. */
void blockstore_key(const cairn_multihash *mh, char *out, size_t cap);

/* Create the 1024 shard directories under root (at repo init): creating
 * them on demand cost a mkdir per block written. */
int blockstore_create_shards(const char *root, char *err);

/* Prepare a blockstore rooted at root (created by repo_init). */
int blockstore_open(blockstore *bs, const char *root, int compress, char *err);

/* Store a block given as pieces (the importer's iovecs). Idempotent: a
 * block already present (or already in this batch) is not rewritten. The
 * block becomes durable and visible at blockstore_commit(). Returns 0 or
 * -1 with err set (errno kept). */
int blockstore_put(blockstore *bs, const cairn_cid *cid, const cairn_iov *iov, size_t n, char *err);

/* Make every put since the last commit durable and visible. */
int blockstore_commit(blockstore *bs, char *err);

/* A batch of one's own (empty). 0, or -1 when out of memory. */
int bs_batch_init(bs_batch *b);
/* Drop what it holds uncommitted and release it. */
void bs_batch_free(blockstore *bs, bs_batch *b);
/* blockstore_put, _commit, _commit_cache and _abort on batch b. */
int blockstore_put_in(blockstore *bs, bs_batch *b, const cairn_cid *cid, const cairn_iov *iov,
                      size_t n, char *err);
int blockstore_commit_batch(blockstore *bs, bs_batch *b, char *err);
int blockstore_commit_cache_batch(blockstore *bs, bs_batch *b, char *err);
void blockstore_abort_batch(blockstore *bs, bs_batch *b);

/* Make every put since the last commit visible without flushing it: for
 * a cache (blocks fetched from peers), where a crash may only cost blocks
 * that re-hashing on read then rejects as corrupt. blockstore_sync() (or
 * any blockstore_commit) flushes them; the repo does so before it pins
 * anything (pinstore.c, pinreq.c). */
int blockstore_commit_cache(blockstore *bs, char *err);

/* Flush blocks committed as cache, if any. 0 or -1 with err set. */
int blockstore_sync(blockstore *bs, char *err);

/* Drop uncommitted puts (their temporary files are removed). */
void blockstore_abort(blockstore *bs);

void blockstore_close(blockstore *bs);

/* Read and verify a block. On 0, *data (malloc'd, caller frees) and *len
 * hold it. BS_NOT_FOUND, BS_CORRUPT (also logged to stderr), or -1 with err
 * set for I/O errors. With a cache, a block held there is served from it
 * (it was verified on its way in), and one read from disk is offered to
 * it. */
int blockstore_get(blockstore *bs, const cairn_cid *cid, uint8_t **data, size_t *len, char *err);

/* The same for a walk over a whole DAG (pins, GC, completeness): served
 * from the cache on a hit, but a read that does not count as one a client
 * made, so it never makes a block be kept. */
int blockstore_get_scan(blockstore *bs, const cairn_cid *cid, uint8_t **data, size_t *len,
                        char *err);

/* The same from disk, never from the cache (repo verify). */
int blockstore_get_disk(blockstore *bs, const cairn_cid *cid, uint8_t **data, size_t *len,
                        char *err);

/* 1 if a file for the block exists (not verified), 0 if not. */
int blockstore_has(blockstore *bs, const cairn_cid *cid);

/* Remove a block. 0, or BS_NOT_FOUND, or -1 with err set. */
int blockstore_delete(blockstore *bs, const cairn_multihash *mh, char *err);

/* Count stored blocks and their bytes on disk (a walk of every shard).
 * 0 or -1 with err set. */
int blockstore_totals(blockstore *bs, uint64_t *blocks, uint64_t *bytes, char *err);

/* Remove temporary files left by interrupted writes of other processes
 * (this one's are writes in flight). Only safe while no other process
 * writes to this blockstore (the repo lock ensures that). How many, and
 * their bytes, into *files and *bytes (either may be NULL). */
void blockstore_clean_temp(blockstore *bs, uint64_t *files, uint64_t *bytes);

/* Call fn for every stored block's multihash (in no particular order),
 * with its on-disk size. Stops early if fn returns non-zero, and returns
 * that value; 0 after the last block; -1 with err set on I/O errors. */
typedef int (*blockstore_fn)(void *ctx, const cairn_multihash *mh, uint64_t disk_size);
int blockstore_foreach(blockstore *bs, blockstore_fn fn, void *ctx, char *err);

/* The same walk, resumable: for work spread over many event-loop turns.
 * Blocks written or removed meanwhile may or may not be seen. */
typedef struct blockstore_iter {
	blockstore *bs;
	int shard;
	DIR *dir;
} blockstore_iter;

void blockstore_iter_init(blockstore_iter *it, blockstore *bs);
/* The next block: 1 (*mh, *disk_size set), 0 at the end, -1 with err set. */
int blockstore_iter_next(blockstore_iter *it, cairn_multihash *mh, uint64_t *disk_size, char *err);
/* Release the iterator (at the end or before it). */
void blockstore_iter_close(blockstore_iter *it);

#endif

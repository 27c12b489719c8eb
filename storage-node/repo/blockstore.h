/*
 * The blockstore: blocks keyed by multihash, not CID, so a raw and a
 * dag-pb CID of the same bytes share storage, as in Kubo. It keeps them
 * as objects in a backend (bs_backend.h: flatfs files, or RADOS objects),
 * and owns what a block means on its way there and back:
 *
 * Object layout: one format byte, then the payload.
 *   0x00  the block as is
 *   0x01  a zstd frame holding the block (only when that is smaller)
 *
 * Writes are batched: blocks put are staged in the backend, and
 * blockstore_commit() makes the batch durable and visible at once, so a
 * caller acknowledges a write only after the commit, and a batch costs one
 * flush instead of one per block. Until then the blocks are invisible.
 * Reads re-hash every block against its CID; a block that does not match
 * is reported, counted, and treated as missing, never served.
 */
#ifndef CAIRN_BLOCKSTORE_H
#define CAIRN_BLOCKSTORE_H

#include <stddef.h>
#include <stdint.h>

#include "bs_backend.h"
#include "prefetch.h" /* prefetch_waker */
#include "cairn/cid.h"
#include "cairn/importer.h"

/* Largest block accepted: the trustless gateway and bitswap limit. */
#define BLOCK_MAX (2u * 1024 * 1024)
#define BS_FORMAT_PLAIN 0x00
#define BS_FORMAT_ZSTD 0x01

/* A batch commits by itself at this many blocks, bounding its memory. */
#define BS_BATCH_MAX 4096

/* Results of blockstore_get besides 0 (found): */
#define BS_NOT_FOUND 1
#define BS_CORRUPT 2
/* blockstore_delete's: the block was stored, or seen by a writer, too
 * recently to be removed (the GC's grace window) */
#define BS_YOUNG 3

/* A write batch: blocks put, not yet committed. Writers that interleave
 * (uploads streaming side by side, fetches from peers) each keep their
 * own, so that one's commit or abort never takes another's blocks. */
typedef struct bs_batch {
	struct bs_pending *pending;  /* written, not yet committed */
	size_t npending, cap_pending;
	struct mhset *set;           /* their multihashes, to skip repeats */
} bs_batch;

typedef struct blockstore {
	bs_backend *be;       /* NULL until opened */
	int compress;         /* try zstd at rest */
	bs_batch batch;       /* the batch of blockstore_put and _commit */
	uint64_t npending;    /* blocks put, not yet committed, in every batch */
	struct bcache *cache; /* verified blocks read through (bcache.h), or NULL */
	/* objects written and removed through this handle, and their sizes,
	 * so a long-running daemon keeps its totals without rescanning.
	 * These counters (and npending) are changed with relaxed atomics:
	 * every event loop may write blocks (fetches from peers) through its
	 * own batch; read them with __atomic_load_n. */
	uint64_t added_blocks, added_bytes, removed_blocks, removed_bytes;
	uint64_t corrupt; /* reads that found a block not matching its name */
	struct prefetch *prefetch; /* reads started ahead, when the backend wants them */
} blockstore;

/* Open a blockstore on backend be, which it owns from now on (closed by
 * blockstore_close, or at once if this fails). 0, or -1 with err set. */
int blockstore_open(blockstore *bs, bs_backend *be, int compress, char *err);

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
 * (it was verified on its way in), and one read from the backend is offered to
 * it. */
int blockstore_get(blockstore *bs, const cairn_cid *cid, uint8_t **data, size_t *len, char *err);

/* The same for a walk over a whole DAG (pins, GC, completeness): served
 * from the cache on a hit, but a read that does not count as one a client
 * made, so it never makes a block be kept. */
int blockstore_get_scan(blockstore *bs, const cairn_cid *cid, uint8_t **data, size_t *len,
                        char *err);

/* The same from the backend, never from the cache (repo verify). */
int blockstore_get_disk(blockstore *bs, const cairn_cid *cid, uint8_t **data, size_t *len,
                        char *err);

/* Turn a backend's read (rc, format, raw: bs_read_fn's arguments, raw
 * now owned here) into the block, checked against cid: 0 (*data, *len as
 * blockstore_get), BS_NOT_FOUND, BS_CORRUPT (logged and counted), or -1
 * (rc as the backend gave it). For reads completed asynchronously. */
int blockstore_decode(blockstore *bs, const cairn_cid *cid, int rc, uint8_t format, uint8_t *raw,
                      size_t rlen, uint8_t **data, size_t *len);

/* Start reading cid now, as it will be asked for soon (a file's next
 * blocks): only where the backend has latency to hide, and not for a
 * block in the cache. blockstore_get then takes the result. */
void blockstore_prefetch(blockstore *bs, const cairn_cid *cid);

/* 1 if blockstore_prefetch does anything here. */
int blockstore_reads_ahead(const blockstore *bs);

/* 1 if cid's read, started ahead, is still in flight: w is called (on the
 * backend's thread, prefetch.h) once it is done, and blockstore_get then
 * does not wait. 0 if blockstore_get can be called now. */
int blockstore_watch(blockstore *bs, const cairn_cid *cid, const prefetch_waker *w);

/* w goes away: no read calls it from now on. */
void blockstore_forget(blockstore *bs, const prefetch_waker *w);

/* 1 if the block is stored (not verified), 0 if not, -1 if the backend
 * cannot tell now (a cluster unreachable): a caller that goes on to read
 * the block then gets the error, rather than a false "not found". */
int blockstore_has(blockstore *bs, const cairn_cid *cid);

/* 0 while the backend is known to be unreachable (its operations fail at
 * once: answer 503), else 1. */
int blockstore_available(const blockstore *bs);

/* Remove a block; with older_than > 0 (Unix seconds), only if it was
 * last stored or seen by a writer before then, in one step (a writer
 * that meets it meanwhile keeps it). 0, BS_NOT_FOUND, BS_YOUNG, or -1
 * with err set. */
int blockstore_delete(blockstore *bs, const cairn_multihash *mh, int64_t older_than, char *err);

/* Mark a stored block as just met by a writer (a pin that reaches it), so
 * that a GC with a grace window keeps it (gc.h). 0, BS_NOT_FOUND, or -1
 * with err set. */
int blockstore_touch(blockstore *bs, const cairn_multihash *mh, char *err);

/* Count stored blocks and their bytes stored (a walk of every object).
 * 0 or -1 with err set. */
int blockstore_totals(blockstore *bs, uint64_t *blocks, uint64_t *bytes, char *err);

/* Remove what interrupted writes of other processes left (flatfs's
 * temporary files; this process's own are writes in flight). Only safe
 * while no other process writes to this blockstore (the repo lock ensures
 * that). How many, and their bytes, into *files and *bytes. */
void blockstore_clean_temp(blockstore *bs, uint64_t *files, uint64_t *bytes);

/* Call fn for every stored block's multihash (in no particular order),
 * with its stored size. Stops early if fn returns non-zero, and returns
 * that value; 0 after the last block; -1 with err set on I/O errors. */
typedef int (*blockstore_fn)(void *ctx, const cairn_multihash *mh, uint64_t disk_size);
int blockstore_foreach(blockstore *bs, blockstore_fn fn, void *ctx, char *err);

/* The same walk, resumable: for work spread over many event-loop turns.
 * Blocks written or removed meanwhile may or may not be seen. */
typedef struct blockstore_iter {
	blockstore *bs;
	void *it; /* the backend's, opened at the first next() */
	int done;
} blockstore_iter;

void blockstore_iter_init(blockstore_iter *it, blockstore *bs);
/* The next block: 1 (*mh, *disk_size set), 0 at the end, -1 with err set. */
int blockstore_iter_next(blockstore_iter *it, cairn_multihash *mh, uint64_t *disk_size, char *err);
/* Release the iterator (at the end or before it). */
void blockstore_iter_close(blockstore_iter *it);

#endif

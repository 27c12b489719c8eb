/*
 * The blockstore's writer thread: blocks put from an event loop are
 * written (temporary file, zstd or not, close) and committed (renamed to
 * their names) on a thread of their own, so that a loop streaming a
 * peer's blocks to a client never waits on the filesystem.
 *
 * A block travels in a block_buf: one buffer, reference-counted, which
 * the network's bytes are copied into once and which the writer and a
 * client's reply then share (a reply sends it by reference).
 *
 * Order: a stream's jobs run in the order given, so a commit makes every
 * put before it visible (or reports why not). Errors stick: after a
 * failed put, a stream's later puts are dropped and its next commit
 * reports the first error. Completions run on the thread that calls
 * bs_writer_reap(), which the loop does when bs_writer_fd() is readable.
 */
#ifndef CAIRN_BS_WRITER_H
#define CAIRN_BS_WRITER_H

#include "blockstore.h"

#include <stddef.h>
#include <stdint.h>

/* A block's bytes, shared: refs changed with atomics, from any thread. */
typedef struct block_buf {
	unsigned refs;
	size_t len;
	uint8_t data[];
} block_buf;

/* len bytes, one reference (the caller's); NULL when out of memory. */
block_buf *block_buf_new(size_t len);
block_buf *block_buf_ref(block_buf *b);
/* Drop a reference; the last frees the buffer. NULL is ignored. */
void block_buf_unref(block_buf *b);

typedef struct bs_writer bs_writer;
typedef struct bs_wstream bs_wstream;

/* A commit's outcome: rc 0, or -1 with err (the first failure's reason,
 * valid during the call). */
typedef void (*bs_written_fn)(void *arg, int rc, const char *err);

/* Start a writer thread for bs (which must outlive it). NULL, with err
 * set (CAIRN_ERR_MAX bytes), if the thread or its descriptor could not
 * be made. low_water: see bs_writer_wait_low(). */
bs_writer *bs_writer_new(blockstore *bs, size_t low_water, char *err);

/* A descriptor that becomes readable when completions wait to be run,
 * or when the queue has fallen to low_water after bs_writer_wait_low(). */
int bs_writer_fd(const bs_writer *w);

/* Run the completions that are ready, on the calling thread. */
void bs_writer_reap(bs_writer *w);

/* Block bytes queued and not yet written, over every stream: what a
 * reader compares with its bound before it reads more from the network. */
size_t bs_writer_queued(const bs_writer *w);

/* A reader that stopped because the queue was too long asks to be woken:
 * 1 if bs_writer_fd() will become readable once the queue is at
 * low_water, 0 if it is there already (no wake-up comes: go on now). */
int bs_writer_wait_low(bs_writer *w);

/* Write what is queued, stop the thread, free w. Completions not yet
 * reaped are dropped without being called: free a writer only when
 * nothing waits on it (at shutdown). */
void bs_writer_free(bs_writer *w);

/* A sequence of writes with a batch of its own (blockstore.h): what one
 * fetch writes. NULL when out of memory. */
bs_wstream *bs_wstream_open(bs_writer *w);

/* Queue block cid, whose bytes are data[0..len) inside b (a reference is
 * taken until it is written; the caller keeps its own). Idempotent as
 * blockstore_put(). 0, or -1 when out of memory (nothing queued). */
int bs_wstream_put(bs_wstream *s, const cairn_cid *cid, block_buf *b, const uint8_t *data,
                   size_t len);

/* Queue a commit of every put before it: durable as blockstore_commit(),
 * or as a cache (blockstore_commit_cache()). fn (may be NULL) is called
 * from bs_writer_reap() with the outcome. 0, or -1 when out of memory
 * (nothing queued, fn never called). */
int bs_wstream_commit(bs_wstream *s, int durable, bs_written_fn fn, void *arg);

/* NULL, or once a put or commit of s failed, why (valid until s is
 * closed; its next commit reports the same). */
const char *bs_wstream_error(const bs_wstream *s);

/* No more writes: what s put and did not commit is dropped, and s is
 * freed by the writer after its queued jobs. Completions already queued
 * are still delivered. NULL is ignored. */
void bs_wstream_close(bs_wstream *s);

#endif

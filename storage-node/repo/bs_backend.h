/*
 * A blockstore backend: where the blockstore's objects live.
 *
 * The blockstore (blockstore.h) owns what a block means: the format byte
 * and zstd, the check against its CID on every read, the cache, the
 * counters, batches. A backend only keeps objects named by multihash:
 *
 *   flatfs (bs_flatfs.c)  one file per object under sharded directories
 *   rados  (bs_rados.c)   one RADOS object per block in a Ceph pool
 *
 * An object is the format byte followed by the payload (docs/repo.md), the
 * same bytes in every backend.
 *
 * Writes are staged, then committed. put() stages one object in a pending
 * entry of the caller's batch (a temporary file; a write in flight) and
 * may return before it is stored; commit() makes a batch's entries
 * durable (when asked) and visible, and reports each one's outcome in its
 * state; abort() drops them. Every function may be called from any
 * thread, for different batches at once.
 *
 * Reads: read() returns an object, or BS_NOT_FOUND. read_async() starts
 * one and calls back when it is done, on whatever thread the backend
 * completes on (a backend with network latency must never block an event
 * loop: the caller posts the result to its loop). A backend with nothing
 * to wait on (flatfs) calls back before read_async() returns.
 *
 * Errors: -1 with err set (CAIRN_ERR_MAX bytes) and errno kept: ENOSPC and
 * EDQUOT mean full, EIO or ETIMEDOUT that the store is unreachable for now.
 */
#ifndef CAIRN_BS_BACKEND_H
#define CAIRN_BS_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "cairn/cid.h"
#include "cairn/importer.h"

/* Outcomes of a pending entry's commit. */
#define BS_PENDING_STAGED 0 /* put, not yet committed */
#define BS_PENDING_ADDED 1  /* stored by this commit */
#define BS_PENDING_KNOWN 2  /* was stored already (another writer's) */
#define BS_PENDING_FAILED 3

/* One staged object of a batch. */
typedef struct bs_pending {
	cairn_multihash mh;
	uint64_t size; /* the object's bytes */
	uint64_t seq;  /* the backend's: flatfs's temporary file number */
	void *op;      /* the backend's: a write in flight */
	int state;     /* BS_PENDING_* */
} bs_pending;

/* A read's outcome: rc 0 (format, payload (malloc'd, the callee's to
 * free), len set), BS_NOT_FOUND, or -1 with err (valid during the call). */
typedef void (*bs_read_fn)(void *arg, int rc, uint8_t format, uint8_t *payload, size_t len,
                           const char *err);

typedef struct bs_backend bs_backend;

typedef struct bs_backend_ops {
	const char *name;
	/* Reads are worth starting ahead of need (network latency): the
	 * blockstore then keeps a table of them (prefetch.h). */
	int read_ahead;
	/* 1 if the object is surely stored, found without waiting on a
	 * network (so a put of it can be skipped before it is compressed),
	 * else 0. NULL in a backend that cannot tell cheaply. */
	int (*known)(bs_backend *be, const cairn_multihash *mh);
	/* Stage obj (the format byte, then the payload, in n pieces, which
	 * the backend does not keep) in p (mh set by the caller). 0, or -1. */
	int (*put)(bs_backend *be, bs_pending *p, const cairn_iov *obj, size_t n, char *err);
	/* Store the n entries of p, each ending ADDED, KNOWN or FAILED;
	 * durable: on stable storage before this returns. 0 if none failed,
	 * else -1 with err the first failure's reason. */
	int (*commit)(bs_backend *be, bs_pending *p, size_t n, int durable, char *err);
	void (*abort)(bs_backend *be, bs_pending *p, size_t n);
	/* Make objects committed without durable so. 0 or -1. */
	int (*sync)(bs_backend *be, char *err);
	/* An object: 0 (*format, *payload (malloc'd, caller frees), *len),
	 * BS_NOT_FOUND, BS_CORRUPT (no object is that shape), or -1. */
	int (*read)(bs_backend *be, const cairn_multihash *mh, uint8_t *format, uint8_t **payload,
	            size_t *len, char *err);
	/* The same, completing through fn. 0 when started (fn is called
	 * exactly once), -1 with err set when not (fn is never called). */
	int (*read_async)(bs_backend *be, const cairn_multihash *mh, bs_read_fn fn, void *arg,
	                  char *err);
	/* 1 (*size set, may be NULL) if stored, 0 if not, -1 on errors. */
	int (*stat)(bs_backend *be, const cairn_multihash *mh, uint64_t *size, char *err);
	/* Remove an object; with older_than > 0, only one last written or
	 * met by a put (KNOWN) before that Unix time, atomically with
	 * respect to puts. 0 (*size: its bytes), BS_NOT_FOUND, BS_YOUNG, or
	 * -1. */
	int (*remove)(bs_backend *be, const cairn_multihash *mh, int64_t older_than, uint64_t *size,
	              char *err);
	/* Mark a stored object as just seen by a writer, as a put that found
	 * it (KNOWN) does: 0, BS_NOT_FOUND, or -1. */
	int (*touch)(bs_backend *be, const cairn_multihash *mh, char *err);
	/* Every stored object, in no order: open an iterator (NULL on
	 * errors, err set), then next() gives 1 (*mh, *size set), 0 at the
	 * end or -1; close() at the end or before. */
	void *(*list_open)(bs_backend *be, char *err);
	int (*list_next)(void *it, cairn_multihash *mh, uint64_t *size, char *err);
	void (*list_close)(void *it);
	/* Remove what interrupted writers of other processes left; how many
	 * and their bytes. */
	void (*clean)(bs_backend *be, uint64_t *files, uint64_t *bytes);
	/* 0 while the store is known to be unreachable (operations fail at
	 * once), else 1. NULL: always 1. */
	int (*available)(bs_backend *be);
	/* Release it (no batch may be pending). */
	void (*close)(bs_backend *be);
} bs_backend_ops;

/* Every backend begins with this. */
struct bs_backend {
	const bs_backend_ops *ops;
};

/* The key of an object: base32 (lower case, no prefix) of the binary
 * multihash, as every backend names it. */
void bs_backend_key(const cairn_multihash *mh, char *out, size_t cap);
/* The multihash of a key (n characters): 0, or -1 if it is none. */
int bs_backend_key_parse(const char *key, size_t n, cairn_multihash *mh);

#endif

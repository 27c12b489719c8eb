/*
 * Reads started ahead: for a backend with network latency (RADOS), a
 * reader that knows which blocks it needs next (a file's next leaves)
 * starts their reads now, so that several are in flight while the client
 * takes the one before, instead of one round trip per block.
 *
 * A bounded table of reads, keyed by multihash, shared by every thread:
 * prefetch_start() begins one (unless it is there already or the table is
 * full of reads still in flight), prefetch_take() removes one and hands
 * over its result, waiting if it is still in flight. Results nobody takes
 * (a client gone) are dropped, oldest first, to make room. Completions
 * arrive on the backend's threads; the table has one mutex, never held
 * across I/O.
 *
 * An event loop that must not wait watches a read instead of taking it:
 * its waker is called, on the backend's thread, when the read is done, and
 * the loop takes the result then (docs/architecture.md).
 */
#ifndef CAIRN_PREFETCH_H
#define CAIRN_PREFETCH_H

#include <stddef.h>
#include <stdint.h>

#include "bs_backend.h"

/* Reads the table holds, in flight or done: with blocks of 256 KiB, at
 * most 16 MiB waiting to be taken. */
#define PREFETCH_MAX 64

/* Loops that may watch one read at once (more fall back to waiting). */
#define PREFETCH_WAKERS 4

typedef struct prefetch prefetch;

/* Who to tell that a read is done: fn(arg), called on the backend's
 * thread with the table's mutex held (so it must only post, as libevent's
 * event_active does, and never call back into the table). */
typedef struct prefetch_waker {
	void (*fn)(void *arg);
	void *arg;
} prefetch_waker;

/* A table reading from be (which must outlive it). NULL when out of memory. */
prefetch *prefetch_new(bs_backend *be);

/* Start reading mh unless it is read already or there is no room. */
void prefetch_start(prefetch *pf, const cairn_multihash *mh);

/* If mh was started and read: wait for it, remove it, and return 1 with
 * the object (*raw malloc'd, now the caller's: not yet checked against
 * mh). 0 if it was not started, or its read failed or found nothing
 * (which says nothing of now: the caller reads again). */
int prefetch_take(prefetch *pf, const cairn_multihash *mh, uint8_t *format, uint8_t **raw,
                  size_t *len);

/* 1 if mh's read was started and is still in flight: w will be called
 * once it is done (w must live until then, or be forgotten). 0 if it is
 * done, or was never started, or too many watch it: take it now. */
int prefetch_watch(prefetch *pf, const cairn_multihash *mh, const prefetch_waker *w);

/* w goes away: no read calls it from now on. */
void prefetch_forget(prefetch *pf, const prefetch_waker *w);

/* Reads started, and taken before they were done (the wait was felt):
 * for /metrics. */
void prefetch_stats(prefetch *pf, uint64_t *started, uint64_t *waited);

/* Wait for the reads in flight, then free everything. NULL is ignored. */
void prefetch_free(prefetch *pf);

#endif

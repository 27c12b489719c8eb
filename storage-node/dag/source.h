/*
 * A body produced piece by piece (a file, a CAR, a report) for whoever
 * sends it: the daemon's streamed replies (daemon/handlers/stream.h) or the
 * CLI writing to a file. The consumer asks for the next piece only when it
 * has room, so a slow reader holds one piece of memory.
 */
#ifndef CAIRN_SOURCE_H
#define CAIRN_SOURCE_H

#include <event2/buffer.h>
#include <stdint.h>

#include "dag.h"

typedef struct stream_source stream_source;
struct stream_source {
	/* Append the next piece to out: 0, DAG_END when done, DAG_MISSING /
	 * DAG_INVALID / DAG_NOT_FILE with *where set, DAG_AGAIN (only after
	 * wake_with: call again once woken), or -1 with err set. */
	int (*next)(stream_source *s, struct evbuffer *out, cairn_cid *where, char *err);
	/* Optional: never wait for a block read ahead; w is called (on another
	 * thread) when the one next() returned DAG_AGAIN for is done. */
	void (*wake_with)(stream_source *s, const prefetch_waker *w);
	void (*close)(stream_source *s); /* frees s */
	int64_t length;                  /* body length, or -1 if unknown (chunked) */
	/* Bytes to queue per round before yielding to the event loop; 0 means
	 * STREAM_BATCH. A source doing much work for little output (verify)
	 * sets 1: one next() per round. */
	size_t batch;
};

/* A source over a UnixFS file reader (heap-allocated, taken over: closing
 * the source closes and frees r). NULL when out of memory. */
stream_source *stream_file(dag_reader *r);

#endif

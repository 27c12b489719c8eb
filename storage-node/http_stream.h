/*
 * Sending a body produced piece by piece (a file, a CAR) as an HTTP reply.
 *
 * A body of known length up to STREAM_BUFFER_MAX bytes is produced whole
 * before the status line goes out, so a missing block still becomes a
 * proper error status. Other bodies stream: the next piece is produced only
 * when the previous one has been written to the socket, so a slow client
 * holds one block of memory and never blocks the event loop. A failure
 * mid-stream can no longer change the status: the connection is shut down,
 * and the client sees a short body (or an unterminated chunked one).
 */
#ifndef CAIRN_HTTP_STREAM_H
#define CAIRN_HTTP_STREAM_H

#include <event2/buffer.h>
#include <event2/http.h>

#include "dag.h"

#define STREAM_BUFFER_MAX (1024 * 1024)
/* Fetches from peers one body may make for blocks missing mid-way. */
#define STREAM_REFETCH_MAX 8

typedef struct stream_source stream_source;
struct stream_source {
	/* Append the next piece to out: 0, DAG_END when done, DAG_MISSING /
	 * DAG_INVALID / DAG_NOT_FILE with *where set, or -1 with err set. */
	int (*next)(stream_source *s, struct evbuffer *out, cairn_cid *where, char *err);
	void (*close)(stream_source *s); /* frees s */
	int64_t length;                  /* body length, or -1 if unknown (chunked) */
	/* Bytes to queue per round before yielding to the event loop; 0 means
	 * STREAM_BATCH. A source doing much work for little output (verify)
	 * sets 1: one next() per round. */
	size_t batch;
	/* Not NULL: a block found missing mid-body is fetched from these peers
	 * and the body goes on (the source must then resume at the block that
	 * was missing, as a file reader does). */
	struct peers *peers;
};

/* Reply with code and the source's body, taking ownership of src. Headers
 * other than Content-Length must already be set; for HEAD, send_body is 0.
 * Exactly one reply is sent; errors are text bodies (gateway) or, with
 * rpc_errors, Kubo RPC JSON. A block missing before the status went out
 * is 404 (or, fetched from src->peers in vain, 502/504); after it, the
 * connection is cut short. */
void http_stream(struct evhttp_request *req, int code, stream_source *src, int send_body,
                 int rpc_errors);

/* Open a reader on the file cid names, or send the error reply (text, or
 * with rpc_errors Kubo RPC JSON) and return NULL. The reader is malloc'd;
 * pass it to stream_file(). */
dag_reader *http_open_file(struct evhttp_request *req, blockstore *bs, const cairn_cid *cid,
                           int rpc_errors);

/* A source over a UnixFS file reader (heap-allocated; taken over). */
stream_source *stream_file(dag_reader *r);

#endif

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
#ifndef CAIRN_STREAM_H
#define CAIRN_STREAM_H

#include <event2/buffer.h>
#include <event2/http.h>
#include "server.h"

#include "peers.h"
#include "source.h"

#define STREAM_BUFFER_MAX (1024 * 1024)
/* Fetches from peers one body may make for blocks missing mid-way. */
#define STREAM_REFETCH_MAX 8

/* Flags of http_stream. */
#define STREAM_BODY 1        /* send the body (not for HEAD) */
#define STREAM_RPC_ERRORS 2  /* errors as Kubo RPC JSON, not text (gateway) */

/* An event loop's streams that wait for blocks read ahead (a blockstore
 * on RADOS): instead of waiting on the loop, a stream whose next block is
 * still in flight parks here, and the read's completion (on librados's
 * thread) wakes the loop, which resumes every stream parked. One per loop,
 * made with it; freed once its connections are gone, before its base. */
typedef struct stream_loop stream_loop;
/* NULL when out of memory. */
stream_loop *stream_loop_new(struct event_base *base, blockstore *bs);
void stream_loop_free(stream_loop *sl);

/* Reply with code and the source's body, taking ownership of src. Headers
 * other than Content-Length must already be set. Exactly one reply is
 * sent. A block missing before the status went out is 404; with peers
 * (may be NULL) it is first fetched from them (502/504 if in vain, and a
 * block missing mid-body is fetched too, up to STREAM_REFETCH_MAX times);
 * after the status, the connection is cut short. With sl (the request's
 * loop's, or NULL), a body that streams never waits for a block read
 * ahead (a source that can, wake_with). */
void http_stream(struct http_req *req, int code, stream_source *src, unsigned flags,
                 peers *peers, stream_loop *sl);

/* Open a reader on the file cid names, or send the error reply (text, or
 * with rpc_errors Kubo RPC JSON) and return NULL. The reader is malloc'd;
 * pass it to stream_file(). */
dag_reader *http_open_file(struct http_req *req, blockstore *bs, const cairn_cid *cid,
                           int rpc_errors);

#endif

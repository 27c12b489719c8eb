/*
 * Sending a UnixFS file (or a range of it) as an HTTP body.
 *
 * Up to STREAM_BUFFER_MAX bytes are read whole before the status line goes
 * out, so a missing block still becomes a proper error status. Longer
 * bodies stream one block at a time: the next block is read only when the
 * previous one has been written to the socket, so a slow client holds one
 * block of memory and never blocks the event loop. A block found missing
 * mid-stream can no longer change the status: the connection is shut down,
 * and the client sees a body shorter than its Content-Length.
 */
#ifndef CAIRN_HTTP_STREAM_H
#define CAIRN_HTTP_STREAM_H

#include <event2/http.h>

#include "dag.h"

#define STREAM_BUFFER_MAX (1024 * 1024)

/* Reply with code (200 or 206) and the reader's remaining bytes, taking
 * ownership of r (heap-allocated; freed here). Headers other than
 * Content-Length must already be set. For HEAD, send_body is 0. Exactly one
 * reply is sent; errors are text bodies (gateway) or, with rpc_errors, Kubo
 * RPC JSON. */
void http_stream_reader(struct evhttp_request *req, int code, dag_reader *r, int send_body,
                        int rpc_errors);

#endif

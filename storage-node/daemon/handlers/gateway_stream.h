/*
 * A whole file fetched from the peers and streamed to the client as its
 * blocks arrive, each block hashed once, instead of stored first and then
 * served (the gateway, for a file this node lacks entirely).
 */
#ifndef CAIRN_GATEWAY_STREAM_H
#define CAIRN_GATEWAY_STREAM_H

#include <event2/http.h>
#include "server.h"

#include "node.h"

/* Stream /ipfs/{root} (raw_path: the request's path as sent; q its query)
 * from n's peers. 1 if started (the request is answered from here on), 0
 * if not possible (the caller answers). */
struct evkeyvalq;
int gateway_stream_from_peers(struct http_req *req, node *n, const cairn_cid *root,
                              const char *raw_path, struct evkeyvalq *q);

#endif

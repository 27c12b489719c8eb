/* The read-only IPFS gateway (GET/HEAD /ipfs/...). See gateway.c. */
#ifndef CAIRN_GATEWAY_H
#define CAIRN_GATEWAY_H

#include "node.h"

/* Answer req (exactly one reply); node is the node. */
void gateway_handle(struct http_req *req, void *node);

/* Serve req again once the peers were asked round times for what it
 * lacked (a fetch for it ended). */
void gateway_serve(struct http_req *req, node *n, int round);

#endif

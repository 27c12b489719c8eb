/* The read-only IPFS gateway (GET/HEAD /ipfs/...). See gateway.c. */
#ifndef CAIRN_GATEWAY_H
#define CAIRN_GATEWAY_H

#include "node.h"

/* The CORS header lines every gateway reply carries (routing v1's too,
 * on the same listener): the listener's fixed_headers (server.h). */
extern const char gateway_fixed_headers[];

/* Answer req (exactly one reply); node is the node. */
void gateway_handle(struct http_req *req, void *node);

/* Serve req again once the peers were asked round times for what it
 * lacked (a fetch for it ended). */
void gateway_serve(struct http_req *req, node *n, int round);

#endif

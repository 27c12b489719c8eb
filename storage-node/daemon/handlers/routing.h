/*
 * Delegated routing, the IPFS HTTP routing v1 API, on the gateway
 * listener: GET /routing/v1/providers/{cid} names this node as a provider
 * of content it holds, reachable as a trustless gateway:
 *
 *   {"Providers": [{"Schema": "peer", "ID": "<PeerID>",
 *                   "Addrs": ["/ip4/…/tcp/…/http"],
 *                   "Protocols": ["transport-ipfs-gateway-http"]}]}
 *
 * (or one such object per line, with Accept: application/x-ndjson).
 * filter-protocols and filter-addrs (IPIP-484) keep or drop it; none is
 * 200 with {"Providers": []} (or no line), as IPIP-513 says. 400 for a
 * malformed CID or filter; cached for ROUTING_TTL_FOUND seconds, or
 * ROUTING_TTL_NONE when there is none.
 */
#ifndef CAIRN_ROUTING_H
#define CAIRN_ROUTING_H

#include "node.h"

#define ROUTING_PREFIX "/routing/v1/providers/"
#define ROUTING_TTL_FOUND 300
#define ROUTING_TTL_NONE 15


/* Answer req if its path is under /routing/v1/: 1 if it was (answered), 0. */
int routing_handle(struct http_req *req, node *n, const char *path);

#endif

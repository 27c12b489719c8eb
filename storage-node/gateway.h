/* The read-only IPFS gateway (GET/HEAD /ipfs/...). See gateway.c. */
#ifndef CAIRN_GATEWAY_H
#define CAIRN_GATEWAY_H

#include "node.h"

void gateway_handle(struct evhttp_request *req, void *node);

#endif

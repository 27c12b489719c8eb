/* The Kubo RPC subset on the API listener (/api/v0/...). See api.c. */
#ifndef CAIRN_API_H
#define CAIRN_API_H

#include "node.h"

void api_handle(struct evhttp_request *req, void *node);

#endif

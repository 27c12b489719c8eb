/* The anchoring API (/api/v0/anchor/...). See anchor_api.c. */
#ifndef CAIRN_ANCHOR_API_H
#define CAIRN_ANCHOR_API_H

#include "node.h"

struct evkeyvalq;
void anchor_api_add(struct http_req *req, node *n, struct evkeyvalq *q);
void anchor_api_flush(struct http_req *req, node *n, struct evkeyvalq *q);
void anchor_api_proof(struct http_req *req, node *n, struct evkeyvalq *q);
void anchor_api_checkpoints(struct http_req *req, node *n, struct evkeyvalq *q);
void anchor_api_consistency(struct http_req *req, node *n, struct evkeyvalq *q);
void anchor_api_key(struct http_req *req, node *n, struct evkeyvalq *q);

#endif

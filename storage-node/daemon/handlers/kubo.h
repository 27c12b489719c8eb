/*
 * The Kubo RPC API on the API listener (/api/v0/...): POST only, as Kubo;
 * arguments in the query string (arg=...); JSON results; errors as
 * {"Message": ..., "Code": 0, "Type": "error"}. kubo.c routes each path to
 * its endpoint family's file (kubo_add.c, kubo_block.c, kubo_dag.c,
 * kubo_files.c, kubo_pin.c, kubo_repo.c, anchor_api.c); the Pinning
 * Service API (/pins) is pinsvc.c's.
 */
#ifndef CAIRN_KUBO_H
#define CAIRN_KUBO_H

#include <event2/http.h>
#include "server.h"

/* At req's head (its token checked): an endpoint that reads its body as
 * it arrives starts here (it answers, or registers a body reader); others
 * are left for kubo_handle. arg is the node. */
void kubo_head(struct http_req *req, void *arg);

/* Answer req, its body whole (exactly one reply); arg is the node. */
void kubo_handle(struct http_req *req, void *arg);

#endif

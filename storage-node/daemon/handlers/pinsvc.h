/* The IPFS Pinning Service API (/pins...) on the API listener. See pinsvc.c. */
#ifndef CAIRN_PINSVC_H
#define CAIRN_PINSVC_H

#include "node.h"

/* 1 if req was for /pins or /pins/... (and has been answered), else 0. */
int pinsvc_handle(struct http_req *req, node *n);

/* Answer req with the spec's Failure object, {"error": {"reason",
 * "details"}}: reason the status's phrase in upper snake case
 * (CONTENT_TOO_LARGE), details as given. */
void pinsvc_fail(struct http_req *req, int code, const char *details);

/* At start: fetch the DAGs of requests left queued or pinning; in a
 * cluster, go on looking for ones no node works on (pinsvc_job.h). */
void pinsvc_resume(node *n);

/* Stop looking for requests to take up, and let this node's claims go
 * (the daemon, as it ends). */
void pinsvc_jobs_free(node *n);

#endif

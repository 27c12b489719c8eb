/*
 * Completing a pin request's DAG: first from the request's origins
 * (Pin.origins, asked as trustless gateways), then from the node's peers;
 * the request goes "queued" -> "pinning" -> "pinned" or "failed", and its
 * record is kept current in the index all along, so a restart resumes it.
 */
#ifndef CAIRN_PINSVC_JOB_H
#define CAIRN_PINSVC_JOB_H

#include <jansson.h>

#include "node.h"
#include "pinreq.h"

/* Pin cid's DAG if this node has all of it: the request's status and info.
 * With fetch set, a DAG with blocks missing is left "queued" (and 1 is
 * returned) for a job to complete; otherwise it is "failed" with
 * why_not (or a default) in info.status_details. 0, 1, or -1 with err
 * (CAIRN_ERR_MAX bytes) set. */
int pinsvc_settle(node *n, const cairn_cid *cid, int fetch, const char *why_not,
                  pinreq_status *status, json_t *info, char *err);

/* How many of a Pin's origins are addresses this node can fetch from. */
size_t pinsvc_origin_count(json_t *pin);

/* Start completing request r's DAG (it is queued). */
void pinsvc_job_start(node *n, const pinreq *r);

#endif

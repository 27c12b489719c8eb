/*
 * Completing a pin request's DAG: first from the request's origins
 * (Pin.origins, asked as trustless gateways), then from the node's peers;
 * the request goes "queued" -> "pinning" -> "pinned" or "failed", and its
 * record is kept current in the index all along, so a restart resumes it.
 *
 * In a cluster (a PostgreSQL index) one node at a time works on a request:
 * the one holding its claim (pgindex.h: an advisory lock keyed by the
 * random half of the request's id, on a connection of the node's own).
 * Every PINSVC_SWEEP_SECS each node looks through the requests not
 * settled and takes up those no node holds: a request whose node ended,
 * however it ended, is finished by another, and one that a node works on
 * is never started twice.
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

#define PINSVC_SWEEP_SECS 10

/* Start completing request r's DAG (it is queued, or was left pinning):
 * 1, or 0 if it is not started here (this node works on it already,
 * another node holds it, it was settled meanwhile, or no memory). */
int pinsvc_job_start(node *n, const pinreq *r);

#endif

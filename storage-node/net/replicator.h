/*
 * Replication (cairn daemon --replicate-to URL[,TOKEN], repeatable): every
 * new recursive pin is asked of each target's IPFS Pinning Service API
 * (POST {URL}/pins, "Authorization: Bearer TOKEN"), with this node's
 * gateway as the Pin's origin, and followed (GET {URL}/pins/{requestid})
 * until the target says "pinned". Failures are retried with backoff.
 *
 * The work is durable: the pin's own LMDB transaction queues it (pinstore.c)
 * in database "replicas":
 *   key   target id (8 bytes: FNV-1a 64 of its URL, BE) ‖ binary CID
 *   value JSON {"state": "queued"|"requested", "requestid", "tries",
 *               "next": Unix ms of the next attempt, "detail": last error}
 * An entry is deleted once its target has pinned the CID; entries of a
 * target no longer configured wait untouched. docs/peers.md.
 */
#ifndef CAIRN_REPLICATOR_H
#define CAIRN_REPLICATOR_H

#include <event2/event.h>

#include "repo.h"

#include <event2/buffer.h>

#define REPLICATE_TARGETS_MAX 8
/* Requests in flight per target. */
#define REPLICATE_INFLIGHT 4
/* Looking for due work, and polling a target's pending requests. */
#define REPLICATE_TICK_MS 500
#define REPLICATE_POLL_MS 1000
#define REPLICATE_BACKOFF_MAX_S 60
#define REPLICATE_TIMEOUT_SECS 10

typedef struct replicator replicator;

/* The target id of a URL (as keyed in "replicas"). */
void replicator_target_id(const char *url, uint8_t id[8]);

/* Start replicating to these targets ("URL" or "URL,TOKEN"; http:// or
 * https://, ca_file trusted beside the system's CAs if not NULL) from
 * base's loop, naming delegate (this node's gateway multiaddr) as the
 * origin; turns on queueing in r (r->replicate). NULL with err
 * (CAIRN_ERR_MAX bytes) set on a bad spec. The caller keeps base and r. */
replicator *replicator_new(struct event_base *base, repo *r, const char *delegate,
                           const char *const *specs, size_t count, const char *ca_file, char *err);
void replicator_free(replicator *rep);

/* Prometheus lines: per target, CIDs waiting and pinned, failures. */
void replicator_metrics(replicator *rep, struct evbuffer *out);

#endif

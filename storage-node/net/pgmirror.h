/*
 * The PostgreSQL mirror (cairn daemon --pg DSN): every pin and every
 * anchoring proof, written into tables that use the extension's types, so
 * applications JOIN their rows to content and anchors (docs/sql.md):
 *
 *   cairn.objects       one row per pin of this node: (node, cid) key,
 *                       pin_type, name, pinned_at
 *   cairn.anchors       one row per anchored leaf: (node, leaf_index) key,
 *                       proof anchored_cid, and columns generated from it
 *   cairn.mirror_state  per node: the pin generation and the number of
 *                       anchored leaves PostgreSQL has
 *
 * It runs on the daemon's event loop through libpq's asynchronous API, so
 * a slow or unreachable server never stalls a request. What PostgreSQL has
 * is recorded in PostgreSQL itself (mirror_state), in the same transaction
 * as the rows, so a crash on either side replays at most what was not
 * committed. Pin changes wait in the repo's pin journal (pinstore.h) while
 * the server is down; anchored leaves are read again from the log. A gap
 * in the journal (pins changed while no mirror ran) or a server that knows
 * nothing of this node makes the mirror resync all pins, in one
 * transaction. Nothing is lost; retries back off from 1 s to 30 s.
 */
#ifndef CAIRN_PGMIRROR_H
#define CAIRN_PGMIRROR_H

#include <event2/event.h>

#include "repo.h"

#include <stdint.h>

/* Rows per statement, and per transaction outside a resync. */
#define PGMIRROR_BATCH 500
/* Proofs per transaction (each is about 2 KiB of SQL). */
#define PGMIRROR_PROOF_BATCH 200
/* How often an idle mirror looks for work. */
#define PGMIRROR_POLL_MS 200
#define PGMIRROR_BACKOFF_MAX_S 30

typedef struct pgmirror pgmirror;

/* Start mirroring repo r, from base's loop, into the database dsn names
 * (a libpq connection string or URI; the caller keeps it). Registers for
 * the pin journal (pinstore_outbox_journal) and starts connecting;
 * failures later are logged and retried. NULL with err set only when out
 * of memory. */
pgmirror *pgmirror_new(struct event_base *base, repo *r, const char *dsn, char *err);
void pgmirror_free(pgmirror *m);

/* For /metrics: connected (1/0), pin changes and anchored leaves not yet
 * in PostgreSQL. */
void pgmirror_status(pgmirror *m, int *up, uint64_t *pins_behind, uint64_t *leaves_behind);

#endif

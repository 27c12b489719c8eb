/*
 * Pins, in the repo's LMDB index (database "pins"):
 *   key   the pinned CID, binary
 *   value 1 byte type (PIN_RECURSIVE, PIN_DIRECT) ‖ the pin's name (UTF-8,
 *         possibly empty, at most PIN_NAME_MAX bytes)
 * A lookup is one B-tree search and listing is a cursor walk, so the cost
 * of a pin operation does not grow with what else is pinned.
 *
 * Every change also counts: database "meta", key "pin_gen", 8 bytes BE,
 * goes up by one in the change's own transaction, so a mirror that has
 * seen generation g knows whether it is current. Once a service has asked
 * for it (pinstore_outbox_journal: a daemon mirroring into PostgreSQL,
 * pgmirror.h) each change is also journaled, in the same transaction
 * (database "pinjournal"):
 *   key   the generation the change made, 8 bytes BE
 *   value op ('+' put, '-' removed) ‖ type ‖ CID length (1 byte) ‖ CID
 *         (binary) ‖ name (the rest)
 * The mirror replays entries in order and deletes them once PostgreSQL has
 * them; a gap (changes made while nobody journaled) makes it resync.
 *
 * With the index in PostgreSQL (r->pg, pgindex.h) pins are rows of
 * cairn.pins, shared by a cluster's nodes; there is no generation or
 * journal (the tables are read directly: pinstore_gen and the journal
 * calls fail), and listing goes by pages in CID order.
 */
#ifndef CAIRN_PINSTORE_H
#define CAIRN_PINSTORE_H

#include "repo.h"

#define PIN_RECURSIVE 'r'
#define PIN_DIRECT 'd'
#define PIN_NAME_MAX 255

typedef struct pin {
	cairn_cid cid;
	char type;
	char name[PIN_NAME_MAX + 1];
} pin;

/* Add or update a pin. Returns 0 or -1 with err set. */
int pinstore_put(repo *r, const pin *p, char *err);

/* Look a pin up. 0 (found, *p filled), 1 (not pinned), -1 (err set). */
int pinstore_get(repo *r, const cairn_cid *cid, pin *p, char *err);

/* Remove a pin. 0, 1 (was not pinned), -1. */
int pinstore_del(repo *r, const cairn_cid *cid, char *err);

/* Up to max pins in key order, starting after `after` (NULL: from the
 * first). *n is how many; fewer than max means the end. 0 or -1. */
int pinstore_page(repo *r, const cairn_cid *after, pin *out, size_t max, size_t *n, char *err);

/* The pin generation (0 before the first change). 0 or -1 with err set. */
int pinstore_gen(repo *r, uint64_t *gen, char *err);

/* One journal entry, decoded. */
typedef struct pin_change {
	uint64_t gen;
	char op; /* '+' or '-' */
	pin p;   /* for '-', only p.cid */
} pin_change;

/* Up to max journal entries from generation `from` on, consecutive (it
 * stops at a gap). *n is how many. 0 or -1 with err set. */
int pinstore_journal_read(repo *r, uint64_t from, pin_change *out, size_t max, size_t *n,
                          char *err);

/* Drop journal entries up to and including generation `upto`. 0 or -1. */
int pinstore_journal_trim(repo *r, uint64_t upto, char *err);

/* How many pins there are (LMDB keeps the count: O(1)). 0 or -1. */
int pinstore_count(repo *r, uint64_t *n, char *err);

/* Call fn for each pin in key order; stops when fn returns non-zero and
 * returns that; 0 at the end; -1 with err set. */
typedef int (*pinstore_fn)(void *ctx, const pin *p);
int pinstore_foreach(repo *r, pinstore_fn fn, void *ctx, char *err);

/*
 * The pin-change outbox: what else a pin change writes, in its own
 * transaction, for the services that registered (and only them). Call
 * before the loop runs; the repo keeps the registrations until closed.
 */
/* Journal every pin change from now on (the PostgreSQL mirror). */
void pinstore_outbox_journal(repo *r);

/* Queue each new recursive pin for the replication target id (database
 * "replicas", replicator.h). 0, or -1 with err set past
 * REPO_REPLICATE_MAX targets. */
int pinstore_outbox_add_target(repo *r, const uint8_t id[8], char *err);

/* Queue for no target any more (the replicator stopping). */
void pinstore_outbox_clear_targets(repo *r);

#endif

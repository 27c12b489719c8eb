/*
 * Pin requests of the IPFS Pinning Service API, in the repo's LMDB index
 * (database "pinreqs"):
 *
 *   key   the request id, PINREQ_ID_LEN bytes:
 *           created, Unix time in ms (8 bytes, big-endian)
 *           ‖ 8 random bytes
 *         so keys sort by creation time and listing newest-first is a
 *         backwards cursor walk. Creation times are unique (a request made
 *         in the same millisecond as the last one is dated 1 ms later), as
 *         the spec's pagination by `created` requires. On the wire the id
 *         is base32, lower case, unpadded: PINREQ_ID_TEXT characters.
 *   value status (1 byte, pinreq_status)
 *         ‖ JSON {"owner": token name, "pin": Pin object, "info": {...}}
 *
 * With the index in PostgreSQL (pgindex.h): rows of cairn.pin_requests,
 * ids made under an advisory lock so that creation times stay unique
 * across nodes, and counts read from the table.
 *
 * A request whose status is PINREQ_PINNED keeps its DAG from garbage
 * collection (gc.c) like a recursive pin; requests are separate from the
 * Kubo RPC pins, so removing one never unpins what the other holds.
 */
#ifndef CAIRN_PINREQ_H
#define CAIRN_PINREQ_H

#include "repo.h"

#include <jansson.h>
#include <stdint.h>

#define PINREQ_ID_LEN 16
#define PINREQ_ID_TEXT 26

typedef enum pinreq_status {
	PINREQ_QUEUED = 1,
	PINREQ_PINNING = 2,
	PINREQ_PINNED = 3,
	PINREQ_FAILED = 4,
} pinreq_status;

typedef struct pinreq {
	uint8_t id[PINREQ_ID_LEN];
	uint64_t created_ms;
	pinreq_status status;
	cairn_cid cid;   /* parsed from doc's pin.cid */
	json_t *doc;     /* {"owner", "pin", "info"}; see each function for ownership */
} pinreq;

/* "queued", "pinning", "pinned", "failed"; NULL for anything else. */
const char *pinreq_status_name(pinreq_status s);
/* The status named s, or 0. */
pinreq_status pinreq_status_parse(const char *s, size_t len);

/* id as text (PINREQ_ID_TEXT + 1 bytes), and back: 0, or -1 if text is not
 * an id. */
void pinreq_id_text(const uint8_t id[PINREQ_ID_LEN], char *out);
int pinreq_id_parse(const char *text, uint8_t id[PINREQ_ID_LEN]);

/* Store a new request: r->id and r->created_ms are assigned here, status,
 * cid and doc (borrowed) are the caller's. If replace is not NULL, that
 * request is deleted in the same transaction, so no GC ever sees neither.
 * 0, 1 (replace names no request), or -1 with err set. */
int pinreq_create(repo *rp, pinreq *r, const uint8_t *replace, char *err);

/* Look a request up. 0 (r filled; the caller owns r->doc and must
 * json_decref it), 1 (no such request), -1 (err set). */
int pinreq_get(repo *rp, const uint8_t id[PINREQ_ID_LEN], pinreq *r, char *err);

/* Change a request's status and doc (borrowed) in place, keeping its id.
 * 0, 1 (no such request any more: it was deleted), -1 with err set. */
int pinreq_update(repo *rp, const uint8_t id[PINREQ_ID_LEN], pinreq_status status, json_t *doc,
                  char *err);

/* Delete a request. 0, 1 (no such request), -1. */
int pinreq_del(repo *rp, const uint8_t id[PINREQ_ID_LEN], char *err);

/* Call fn for each request created before before_ms (UINT64_MAX: all),
 * newest first. r->doc is borrowed for the call. fn returns non-zero to
 * stop (that value is returned); 0 at the end; -1 with err set. */
typedef int (*pinreq_fn)(void *ctx, const pinreq *r);
int pinreq_foreach(repo *rp, uint64_t before_ms, pinreq_fn fn, void *ctx, char *err);

/* The same for the requests not settled yet (queued, pinning) only, of
 * every creation time; with PostgreSQL through their own index. */
int pinreq_foreach_open(repo *rp, pinreq_fn fn, void *ctx, char *err);

/* How many requests have each status: n[s] for s in PINREQ_QUEUED ..
 * PINREQ_FAILED (n[0] unused). The first call counts the index; later
 * ones read counts that this process's create, update and delete keep
 * (one process writes pin requests: the daemon). 0, or -1 with err. */
int pinreq_counts(repo *rp, uint64_t n[5], char *err);

#endif

/*
 * Pins, in the repo's LMDB index (database "pins"):
 *   key   the pinned CID, binary
 *   value 1 byte type (PIN_RECURSIVE, PIN_DIRECT) ‖ the pin's name (UTF-8,
 *         possibly empty, at most PIN_NAME_MAX bytes)
 * A lookup is one B-tree search and listing is a cursor walk, so the cost
 * of a pin operation does not grow with what else is pinned.
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

/* How many pins there are (LMDB keeps the count: O(1)). 0 or -1. */
int pinstore_count(repo *r, uint64_t *n, char *err);

/* Call fn for each pin in key order; stops when fn returns non-zero and
 * returns that; 0 at the end; -1 with err set. */
typedef int (*pinstore_fn)(void *ctx, const pin *p);
int pinstore_foreach(repo *r, pinstore_fn fn, void *ctx, char *err);

#endif

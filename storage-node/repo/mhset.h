/*
 * A set of multihashes (open addressing, linear probing), for "seen"
 * blocks when streaming a CAR without duplicates and for GC's mark phase.
 * About 48 bytes an entry at the 50% load it keeps.
 */
#ifndef CAIRN_MHSET_H
#define CAIRN_MHSET_H

#include <stddef.h>
#include <stdint.h>

#include "cairn/multihash.h"

typedef struct mhset_entry {
	uint8_t len; /* 0: empty slot */
	uint8_t mh[CAIRN_MH_DIGEST_MAX < 40 ? CAIRN_MH_DIGEST_MAX : 40];
} mhset_entry;

typedef struct mhset {
	mhset_entry *slots;
	size_t cap, n;
} mhset;

void mhset_init(mhset *s);
void mhset_free(mhset *s);

/* 1 if added, 0 if it was there, -1 out of memory. Multihashes whose
 * encoding exceeds 40 bytes (large identity hashes) are never stored
 * blocks; they are reported as new and not kept. */
int mhset_add(mhset *s, const cairn_multihash *mh);

int mhset_has(const mhset *s, const cairn_multihash *mh);

#endif

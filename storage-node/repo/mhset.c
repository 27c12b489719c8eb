#include "mhset.h"

#include <stdlib.h>
#include <string.h>

static int encode(const cairn_multihash *mh, mhset_entry *e)
{
	size_t n;
	if (cairn_mh_encode(mh, e->mh, sizeof e->mh, &n) != 0)
		return -1;
	e->len = (uint8_t)n;
	return 0;
}

/* The digest is already uniformly random: its last 8 bytes are the hash. */
static size_t slot_of(const mhset_entry *e, size_t cap)
{
	uint64_t h = 0;
	size_t take = e->len < 8 ? e->len : 8;
	memcpy(&h, e->mh + e->len - take, take);
	return (size_t)(h * 0x9e3779b97f4a7c15ull) & (cap - 1);
}

void mhset_init(mhset *s)
{
	s->slots = NULL;
	s->cap = s->n = 0;
}

void mhset_free(mhset *s)
{
	free(s->slots);
	mhset_init(s);
}

static mhset_entry *find(const mhset *s, const mhset_entry *e)
{
	for (size_t i = slot_of(e, s->cap);; i = (i + 1) & (s->cap - 1)) {
		mhset_entry *x = &s->slots[i];
		if (x->len == 0 || (x->len == e->len && memcmp(x->mh, e->mh, e->len) == 0))
			return x;
	}
}

static int grow(mhset *s)
{
	size_t cap = s->cap ? s->cap * 2 : 1024;
	mhset_entry *old = s->slots;
	size_t oldcap = s->cap;
	s->slots = calloc(cap, sizeof *s->slots);
	if (!s->slots) {
		s->slots = old;
		return -1;
	}
	s->cap = cap;
	for (size_t i = 0; i < oldcap; i++)
		if (old[i].len)
			*find(s, &old[i]) = old[i];
	free(old);
	return 0;
}

int mhset_add(mhset *s, const cairn_multihash *mh)
{
	mhset_entry e;
	if (encode(mh, &e) != 0)
		return 1;
	if ((s->n + 1) * 2 > s->cap && grow(s) != 0)
		return -1;
	mhset_entry *x = find(s, &e);
	if (x->len)
		return 0;
	*x = e;
	s->n++;
	return 1;
}

int mhset_has(const mhset *s, const cairn_multihash *mh)
{
	mhset_entry e;
	if (s->cap == 0 || encode(mh, &e) != 0)
		return 0;
	return find(s, &e)->len != 0;
}

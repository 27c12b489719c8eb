#include "bcache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* A block larger than this share of the cache is not kept: 1/10. */
#define LARGE_SHARE 10
/* A count read again at most this often is remembered (2 bits). */
#define FREQ_MAX 3
/* Names of blocks read once, remembered: twice as many as the cache holds
 * blocks, and at least this many (about 100 bytes each). */
#define NAMES_MIN 4096
#define BUCKETS_MIN 256

/* The main FIFO (blocks kept) and the ghost FIFO (names of blocks read
 * once); the paper's small FIFO of data is not kept (bcache.h). */
enum { Q_MAIN, Q_GHOST, Q_COUNT };

struct ent {
	cairn_multihash mh;
	uint8_t *data;             /* NULL for a ghost */
	size_t len;
	uint8_t freq, q;
	struct ent *hnext;         /* hash chain */
	struct ent *prev, *next;   /* its FIFO: in at head, out at tail */
};

struct fifo {
	struct ent *head, *tail;
	uint64_t bytes;
	size_t n;
};

struct bcache {
	pthread_mutex_t lock; /* every loop reads through the one cache */
	uint64_t cap;
	struct ent **tab;
	size_t nbuckets, count;    /* entries in the table, ghosts too */
	struct fifo q[Q_COUNT];
	uint64_t hits, misses, inserts, evictions;
};

static size_t bucket(const bcache *c, const cairn_multihash *mh)
{
	uint64_t h = mh->code * 0x9E3779B97F4A7C15ull;
	for (size_t i = 0; i < mh->len && i < 16; i++)
		h = (h ^ mh->digest[i]) * 0x100000001B3ull;
	return (size_t)(h ^ (h >> 29)) & (c->nbuckets - 1);
}

static int same(const cairn_multihash *a, const cairn_multihash *b)
{
	return a->code == b->code && a->len == b->len && memcmp(a->digest, b->digest, a->len) == 0;
}

static struct ent **slot(bcache *c, const cairn_multihash *mh)
{
	struct ent **pp = &c->tab[bucket(c, mh)];
	while (*pp && !same(&(*pp)->mh, mh))
		pp = &(*pp)->hnext;
	return pp;
}

static void push(bcache *c, int q, struct ent *e)
{
	struct fifo *f = &c->q[q];
	e->q = (uint8_t)q;
	e->prev = NULL;
	e->next = f->head;
	if (f->head)
		f->head->prev = e;
	f->head = e;
	if (!f->tail)
		f->tail = e;
	f->bytes += e->data ? e->len : 0;
	f->n++;
}

static void unlink_ent(bcache *c, struct ent *e)
{
	struct fifo *f = &c->q[e->q];
	if (e->prev)
		e->prev->next = e->next;
	else
		f->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		f->tail = e->prev;
	f->bytes -= e->data ? e->len : 0;
	f->n--;
}

/* Out of its FIFO and the table, and freed. */
static void destroy(bcache *c, struct ent *e)
{
	struct ent **pp = slot(c, &e->mh);
	unlink_ent(c, e);
	*pp = e->hnext;
	c->count--;
	free(e->data);
	free(e);
}

static void grow(bcache *c)
{
	size_t n = c->nbuckets * 2;
	struct ent **t = calloc(n, sizeof *t);
	if (!t)
		return; /* longer chains, still correct */
	struct ent **old = c->tab;
	size_t oldn = c->nbuckets;
	c->tab = t;
	c->nbuckets = n;
	for (size_t b = 0; b < oldn; b++)
		for (struct ent *e = old[b], *next; e; e = next) {
			next = e->hnext;
			size_t k = bucket(c, &e->mh);
			e->hnext = t[k];
			t[k] = e;
		}
	free(old);
}

/* The ghost FIFO holds names only. */
static void trim_ghosts(bcache *c)
{
	size_t keep = 2 * c->q[Q_MAIN].n;
	if (keep < NAMES_MIN)
		keep = NAMES_MIN;
	while (c->q[Q_GHOST].n > keep)
		destroy(c, c->q[Q_GHOST].tail);
}

/* Main's oldest goes if it was not read since it came round last; a read
 * one goes round again with one count less. */
static void evict_main(bcache *c)
{
	for (;;) {
		struct ent *t = c->q[Q_MAIN].tail;
		if (t->freq == 0) {
			c->evictions++;
			destroy(c, t);
			return;
		}
		t->freq--;
		unlink_ent(c, t);
		push(c, Q_MAIN, t);
	}
}

static void make_room(bcache *c)
{
	while (c->q[Q_MAIN].bytes > c->cap)
		evict_main(c);
}

bcache *bcache_new(uint64_t cap)
{
	bcache *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->cap = cap;
	c->nbuckets = BUCKETS_MIN;
	if (!(c->tab = calloc(c->nbuckets, sizeof *c->tab))) {
		free(c);
		return NULL;
	}
	pthread_mutex_init(&c->lock, NULL);
	return c;
}

void bcache_free(bcache *c)
{
	if (!c)
		return;
	for (int q = 0; q < Q_COUNT; q++)
		while (c->q[q].tail)
			destroy(c, c->q[q].tail);
	free(c->tab);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

int bcache_get(bcache *c, const cairn_multihash *mh, uint8_t **data, size_t *len)
{
	int found = 0;
	pthread_mutex_lock(&c->lock);
	struct ent *e = *slot(c, mh);
	if (!e || !e->data) {
		c->misses++;
		goto done;
	}
	/* copied under the lock: another loop may evict it once it is let go */
	uint8_t *copy = malloc(e->len + 1);
	if (!copy)
		goto done;
	memcpy(copy, e->data, e->len);
	if (e->freq < FREQ_MAX)
		e->freq++;
	c->hits++;
	*data = copy;
	*len = e->len;
	found = 1;
done:
	pthread_mutex_unlock(&c->lock);
	return found;
}

int bcache_has(bcache *c, const cairn_multihash *mh)
{
	pthread_mutex_lock(&c->lock);
	struct ent *e = *slot(c, mh);
	int held = e && e->data;
	pthread_mutex_unlock(&c->lock);
	return held;
}

static void put_locked(bcache *c, const cairn_multihash *mh, const uint8_t *data, size_t len)
{
	struct ent **pp = slot(c, mh), *e = *pp;
	if (e && e->data)
		return; /* held already */
	if (!e) {
		/* read once: only its name is kept, no copy is made */
		if (!(e = calloc(1, sizeof *e)))
			return;
		e->mh = *mh;
		*pp = e;
		c->count++;
		push(c, Q_GHOST, e);
		if (c->count > c->nbuckets)
			grow(c);
		trim_ghosts(c);
		return;
	}
	/* read again while its name is remembered: its bytes are kept */
	uint8_t *copy = malloc(len + 1);
	if (!copy)
		return;
	memcpy(copy, data, len);
	unlink_ent(c, e);
	e->data = copy;
	e->len = len;
	e->freq = 0;
	push(c, Q_MAIN, e);
	c->inserts++;
	make_room(c);
	trim_ghosts(c);
}

void bcache_put(bcache *c, const cairn_multihash *mh, const uint8_t *data, size_t len)
{
	if ((uint64_t)len * LARGE_SHARE > c->cap)
		return;
	pthread_mutex_lock(&c->lock);
	put_locked(c, mh, data, len);
	pthread_mutex_unlock(&c->lock);
}

void bcache_drop(bcache *c, const cairn_multihash *mh)
{
	pthread_mutex_lock(&c->lock);
	struct ent *e = *slot(c, mh);
	if (e)
		destroy(c, e);
	pthread_mutex_unlock(&c->lock);
}

void bcache_get_stats(bcache *c, bcache_stats *out)
{
	pthread_mutex_lock(&c->lock);
	out->hits = c->hits;
	out->misses = c->misses;
	out->inserts = c->inserts;
	out->evictions = c->evictions;
	out->bytes = c->q[Q_MAIN].bytes;
	out->entries = c->q[Q_MAIN].n;
	out->cap = c->cap;
	pthread_mutex_unlock(&c->lock);
}

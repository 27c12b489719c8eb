#include "testutil.h"
#include "bcache.h"

#include <pthread.h>
#include <stdlib.h>

/* Blocks named by a number: the multihash's digest holds it. */
static cairn_multihash name(unsigned k)
{
	cairn_multihash mh = {.code = 0x1e, .len = 32};
	memset(mh.digest, 0, sizeof mh.digest);
	memcpy(mh.digest, &k, sizeof k);
	mh.digest[31] = (uint8_t)(k * 7);
	return mh;
}

static uint8_t block[1024];

static void put(bcache *c, unsigned k)
{
	cairn_multihash mh = name(k);
	memset(block, (int)(k & 0xff), sizeof block);
	bcache_put(c, &mh, block, sizeof block);
}

/* A read: 1 on a hit (and the bytes are the block's), 0 on a miss. */
static int hit(bcache *c, unsigned k)
{
	cairn_multihash mh = name(k);
	uint8_t *d;
	size_t len;
	if (!bcache_get(c, &mh, &d, &len))
		return 0;
	assert_int_equal(len, sizeof block);
	for (size_t i = 0; i < len; i++)
		assert_int_equal(d[i], k & 0xff);
	free(d);
	return 1;
}

/* As a reader through the cache does: read, on a miss load and offer. */
static void read_through(bcache *c, unsigned k)
{
	if (!hit(c, k))
		put(c, k);
}

static void basics(void **state)
{
	(void)state;
	bcache *c = bcache_new(100 * sizeof block);
	assert_non_null(c);
	assert_int_equal(hit(c, 1), 0);
	put(c, 1);
	bcache_stats s;
	bcache_get_stats(c, &s);
	assert_int_equal(s.bytes, 0); /* read once: only its name, no copy */
	cairn_multihash one = name(1);
	assert_int_equal(bcache_has(c, &one), 0); /* a name is no block */
	assert_int_equal(hit(c, 1), 0);
	put(c, 1); /* read again: kept */
	assert_int_equal(bcache_has(c, &one), 1);
	assert_int_equal(hit(c, 1), 1); /* the same bytes, checked in hit() */
	assert_int_equal(hit(c, 2), 0);
	bcache_get_stats(c, &s);
	uint64_t hits = s.hits, misses = s.misses;
	bcache_has(c, &one);
	bcache_get_stats(c, &s);
	assert_true(s.hits == hits && s.misses == misses); /* has() counts nothing */
	bcache_drop(c, &one);
	assert_int_equal(bcache_has(c, &one), 0);
	assert_int_equal(hit(c, 1), 0);
	/* never over its size, however much is offered */
	for (unsigned k = 0; k < 5000; k++) {
		read_through(c, k % 700);
		bcache_get_stats(c, &s);
		assert_true(s.bytes <= s.cap);
	}
	assert_true(s.evictions > 0);
	/* a block over a tenth of the cache is not kept */
	static uint8_t big[20 * 1024];
	cairn_multihash b = name(99999);
	bcache_put(c, &b, big, sizeof big);
	uint8_t *d;
	size_t len;
	assert_int_equal(bcache_get(c, &b, &d, &len), 0);
	bcache_free(c);
}

/* Blocks read again and again survive a scan of many read once; an LRU
 * or a FIFO of this size would have lost every one of them. */
static void scan_resistance(void **state)
{
	(void)state;
	bcache *c = bcache_new(100 * sizeof block);
	for (int round = 0; round < 3; round++)
		for (unsigned k = 0; k < 40; k++)
			read_through(c, k);
	for (unsigned k = 1000; k < 11000; k++)
		read_through(c, k);
	int kept = 0;
	for (unsigned k = 0; k < 40; k++)
		kept += hit(c, k);
	assert_int_equal(kept, 40);
	bcache_free(c);
}

/* A scan of blocks read once copies nothing and displaces nothing; a
 * block read twice within the names remembered is kept, one read twice
 * too far apart is not. */
static void names(void **state)
{
	(void)state;
	bcache *c = bcache_new(100 * sizeof block);
	bcache_stats s;
	put(c, 7);
	for (unsigned k = 100; k < 130; k++)
		put(c, k);
	put(c, 7); /* its name still remembered: kept */
	for (unsigned k = 1000; k < 30000; k++)
		put(c, k);
	bcache_get_stats(c, &s);
	assert_int_equal(s.entries, 1);
	assert_int_equal(s.bytes, sizeof block);
	assert_int_equal(hit(c, 7), 1);
	put(c, 100); /* its name long forgotten: a first read again */
	assert_int_equal(hit(c, 100), 0);
	bcache_free(c);
}

/* Every event loop reads through one cache: threads reading, offering
 * and dropping the same names at once never see a block's bytes torn or
 * under another name (each thread has its own block buffer), and the
 * counts add up. */
#define THREADS 4
#define ROUNDS 20000
#define KEYS 200

struct hammer {
	bcache *c;
	unsigned seed;
	uint64_t hits, misses;
};

static void *hammer(void *arg)
{
	struct hammer *h = arg;
	uint8_t buf[1024];
	for (unsigned i = 0; i < ROUNDS; i++) {
		unsigned k = rand_r(&h->seed) % KEYS;
		cairn_multihash mh = name(k);
		uint8_t *d;
		size_t len;
		if (bcache_get(h->c, &mh, &d, &len)) {
			h->hits++;
			for (size_t j = 0; j < len; j++)
				if (d[j] != (k & 0xff))
					h->hits = UINT64_MAX / 2; /* flagged: a torn or misnamed block */
			free(d);
		} else {
			h->misses++;
			memset(buf, (int)(k & 0xff), sizeof buf);
			bcache_put(h->c, &mh, buf, sizeof buf);
		}
		if (i % 97 == 0)
			bcache_drop(h->c, &mh);
	}
	return NULL;
}

static void threads(void **state)
{
	(void)state;
	/* room for a quarter of the names: evictions go on all the time */
	bcache *c = bcache_new(KEYS / 4 * 1024);
	struct hammer h[THREADS];
	pthread_t t[THREADS];
	assert_non_null(c);
	for (unsigned i = 0; i < THREADS; i++) {
		h[i] = (struct hammer){c, i + 1, 0, 0};
		assert_int_equal(pthread_create(&t[i], NULL, hammer, &h[i]), 0);
	}
	uint64_t hits = 0, misses = 0;
	for (unsigned i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		assert_true(h[i].hits < UINT64_MAX / 4);
		hits += h[i].hits;
		misses += h[i].misses;
	}
	bcache_stats st;
	bcache_get_stats(c, &st);
	assert_int_equal(hits + misses, (uint64_t)THREADS * ROUNDS);
	assert_int_equal(st.hits, hits);
	assert_int_equal(st.misses, misses);
	assert_true(st.hits > 0);
	assert_true(st.evictions > 0);
	assert_true(st.bytes <= st.cap);
	bcache_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(basics),
		cmocka_unit_test(scan_resistance),
		cmocka_unit_test(names),
		cmocka_unit_test(threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

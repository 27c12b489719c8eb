/* repo/mhset.c: the multihash set GC and CAR streaming rely on, checked
 * against a plain sorted list of the same multihashes. */
#include "testutil.h"
#include "mhset.h"

#include <stdlib.h>

static cairn_multihash mh_of(uint64_t i, uint64_t code)
{
	cairn_multihash m = {.code = code, .len = 32};
	fill_random(m.digest, 32, i);
	return m;
}

static int cmp_digest(const void *a, const void *b)
{
	return memcmp(a, b, 32);
}

static void against_a_sorted_list(void **state)
{
	(void)state;
	enum { N = 20000 };
	mhset s;
	uint8_t(*ref)[32] = malloc((size_t)N * 32);
	size_t nref = 0;
	assert_non_null(ref);
	mhset_init(&s);
	/* a third of the inserts repeat an earlier multihash */
	for (uint64_t i = 0; i < N; i++) {
		uint64_t seed = i % 3 == 2 ? i / 3 : i;
		cairn_multihash m = mh_of(seed, CAIRN_MH_SHA2_256);
		int known = bsearch(m.digest, ref, nref, 32, cmp_digest) != NULL;
		int rc = mhset_add(&s, &m);
		assert_int_equal(rc, known ? 0 : 1);
		if (!known) {
			memcpy(ref[nref++], m.digest, 32);
			qsort(ref, nref, 32, cmp_digest);
		}
		assert_int_equal(mhset_has(&s, &m), 1);
	}
	assert_int_equal(s.n, nref);
	for (uint64_t i = N; i < N + 1000; i++) {
		cairn_multihash m = mh_of(i, CAIRN_MH_SHA2_256);
		assert_int_equal(mhset_has(&s, &m), bsearch(m.digest, ref, nref, 32, cmp_digest) != NULL);
	}
	/* the same digest under another hash function is another multihash */
	cairn_multihash b3 = mh_of(0, CAIRN_MH_BLAKE3);
	assert_int_equal(mhset_has(&s, &b3), 0);
	assert_int_equal(mhset_add(&s, &b3), 1);
	/* load stays at most half, so probes stay short */
	assert_true(s.n * 2 <= s.cap);
	mhset_free(&s);
	free(ref);
}

static void identity_hashes(void **state)
{
	(void)state;
	mhset s;
	mhset_init(&s);
	cairn_multihash small = {.code = CAIRN_MH_IDENTITY, .len = 5};
	memcpy(small.digest, "hello", 5);
	assert_int_equal(mhset_add(&s, &small), 1);
	assert_int_equal(mhset_add(&s, &small), 0);
	/* too long to be a stored block: always new, never kept */
	cairn_multihash big = {.code = CAIRN_MH_IDENTITY, .len = 100};
	memset(big.digest, 'x', 100);
	assert_int_equal(mhset_add(&s, &big), 1);
	assert_int_equal(mhset_add(&s, &big), 1);
	assert_int_equal(mhset_has(&s, &big), 0);
	assert_int_equal(s.n, 1);
	mhset_free(&s);
	/* an empty set answers, and frees, without having allocated */
	mhset_init(&s);
	assert_int_equal(mhset_has(&s, &small), 0);
	mhset_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(against_a_sorted_list),
		cmocka_unit_test(identity_hashes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

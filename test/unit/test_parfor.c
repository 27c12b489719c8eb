#include "testutil.h"
#include "parfor.h"

#include <stdatomic.h>

/* Every index of every job runs exactly once, whatever the pool size, and
 * parfor_run returns only when all of them have. */
#define N_MAX 200
static atomic_int hits[N_MAX];

static void hit(void *arg, size_t i)
{
	(void)arg;
	atomic_fetch_add(&hits[i], 1);
}

static void each_once(void **state)
{
	(void)state;
	unsigned sizes[] = {0, 1, 3};
	for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
		parfor *p = parfor_new(sizes[s]);
		assert_non_null(p);
		for (size_t round = 0; round < 500; round++) {
			size_t n = (round * 37) % N_MAX;
			for (size_t i = 0; i < N_MAX; i++)
				atomic_store(&hits[i], 0);
			parfor_run(p, n, hit, NULL);
			for (size_t i = 0; i < N_MAX; i++)
				assert_int_equal(atomic_load(&hits[i]), i < n ? 1 : 0);
		}
		parfor_free(p);
	}
	/* no pool: all on the caller's thread */
	for (size_t i = 0; i < N_MAX; i++)
		atomic_store(&hits[i], 0);
	parfor_run(NULL, 10, hit, NULL);
	for (size_t i = 0; i < 10; i++)
		assert_int_equal(atomic_load(&hits[i]), 1);
	assert_true(parfor_cpus() >= 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(each_once),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

#include "testutil.h"
#include "tile.h"

/* Paths from c2sp.org/tlog-tiles (1234067 → x001/x234/067) and as Go's
 * sumdb/tlog Tile.Path writes them (minus its "tile/8/" prefix, with
 * "data" as "entries"): parse gives the tile, tile_path gives the path. */
static void paths(void **state)
{
	(void)state;
	static const struct {
		const char *path;
		int level;
		uint64_t n;
		unsigned width;
	} v[] = {
		{"0/x001/x234/067", 0, 1234067, 256},
		{"0/000", 0, 0, 256},
		{"0/001.p/44", 0, 1, 44},
		{"1/000.p/1", 1, 0, 1},
		{"63/999", 63, 999, 256},
		{"2/x001/000.p/255", 2, 1000, 255},
		{"entries/x012/x345/678.p/9", TILE_ENTRIES, 12345678, 9},
		{"entries/256", TILE_ENTRIES, 256, 256},
		{"0/x018/x446/x744/x073/x709/x551/615", 0, UINT64_MAX, 256},
	};
	char err[CAIRN_ERR_MAX], out[TILE_PATH_MAX];
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		tile t;
		assert_int_equal(tile_parse(v[i].path, strlen(v[i].path), &t, err), 0);
		assert_int_equal(t.level, v[i].level);
		assert_true(t.n == v[i].n);
		assert_int_equal(t.width, v[i].width);
		assert_int_equal(tile_path(&t, out), strlen(v[i].path));
		assert_string_equal(out, v[i].path);
	}
}

/* Each is refused, with a reason. */
static void malformed(void **state)
{
	(void)state;
	static const char *bad[] = {
		"", "0", "0/", "00/000", "64/000", "-1/000", "entry/000", "0/00", "0/0000", "0/1234",
		"0/x001", "0/x001/", "0/x000/001", "0/001/x002", "0/x01/002", "0/abc", "0/000.p/",
		"0/000.p/0", "0/000.p/256", "0/000.p/045", "0/000.p/1x", "0/000.q/1", "0/000/",
		"0/x018/x446/x744/x073/x709/x551/616",          /* 2^64 */
		"0/x001/x001/x001/x001/x001/x001/x001/001",     /* 8 groups */
		"0/000.p/7/", "0/000 ", " 0/000",
	};
	char err[CAIRN_ERR_MAX];
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		tile t;
		err[0] = '\0';
		if (tile_parse(bad[i], strlen(bad[i]), &t, err) != -1)
			fail_msg("accepted '%s'", bad[i]);
		assert_true(err[0] != '\0');
	}
}

/* The tree of 70,000 leaves of c2sp.org/tlog-tiles: 273 full level-0
 * tiles and a partial one of 112, one full level-1 tile and a partial one
 * of 17, a partial level-2 tile of 1. A tile exists iff tile_needs <= the
 * size. */
static void geometry(void **state)
{
	(void)state;
	const uint64_t s = 70000;
	tile t0 = {0, 272, 256}, t0n = {0, 273, 256}, p0 = {0, 273, 112}, p0x = {0, 273, 113};
	tile t1 = {1, 0, 256}, p1 = {1, 1, 17}, p1x = {1, 1, 18}, p2 = {2, 0, 1}, p2x = {2, 0, 2};
	tile e = {TILE_ENTRIES, 273, 112}, t3 = {3, 0, 1};
	assert_true(tile_needs(&t0) <= s && tile_needs(&t0n) > s);
	assert_true(tile_needs(&p0) == s && tile_needs(&p0x) > s);
	assert_true(tile_needs(&t1) <= s && tile_needs(&p1) <= s && tile_needs(&p1x) > s);
	assert_true(tile_needs(&p2) <= s && tile_needs(&p2x) > s);
	assert_true(tile_needs(&e) == s && tile_needs(&t3) == 1ull << 24);
	assert_int_equal(tile_tree_level(&p1), 8);
	assert_true(tile_first(&p1) == 256);
	assert_int_equal(tile_tree_level(&e), 0);
	assert_true(tile_first(&e) == 273 * 256);
	/* beyond 64 bits: in no tree */
	tile big = {7, 1, 256}, huge = {0, UINT64_MAX, 256}, top = {63, 0, 1};
	assert_true(tile_needs(&big) == 0 && tile_needs(&huge) == 0 && tile_needs(&top) == 0);
	tile last = {7, 0, 1};
	assert_true(tile_needs(&last) == 1ull << 56);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(paths),
		cmocka_unit_test(malformed),
		cmocka_unit_test(geometry),
	};
	return RUN(tests);
}

/* tlog-tiles paths (tile.h): a path the parser accepts is canonical, so
 * printing the tile gives back exactly the input (one path per tile, one
 * cache entry), and the printed path parses to the same tile; a refusal
 * always says why. */
#include "fuzz.h"
#include "tile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[CAIRN_ERR_MAX], out[TILE_PATH_MAX];
	tile t, again;
	err[0] = '\0';
	if (tile_parse((const char *)data, size, &t, err) != 0) {
		FUZZ_CHECK(err[0] != '\0');
		return 0;
	}
	FUZZ_CHECK(t.level == TILE_ENTRIES || (t.level >= 0 && t.level <= TILE_LEVEL_MAX));
	FUZZ_CHECK(t.width >= 1 && t.width <= TILE_WIDTH);
	size_t n = tile_path(&t, out);
	FUZZ_CHECK(n < TILE_PATH_MAX && n == strlen(out));
	FUZZ_CHECK(n == size && memcmp(out, data, size) == 0);
	FUZZ_CHECK(tile_parse(out, n, &again, err) == 0);
	FUZZ_CHECK(again.level == t.level && again.n == t.n && again.width == t.width);
	uint64_t need = tile_needs(&t);
	FUZZ_CHECK(need == 0 || need >= (uint64_t)t.width);
	return 0;
}

#include "tile.h"

#include <stdio.h>
#include <string.h>

#define ERR(...) (snprintf(err, CAIRN_ERR_MAX, __VA_ARGS__), -1)

/* A decimal without leading zeros in [lo, hi] from s[0..len): 0 or -1. */
static int small_decimal(const char *s, size_t len, unsigned lo, unsigned hi, unsigned *out)
{
	unsigned v = 0;
	if (len == 0 || len > 3 || (len > 1 && s[0] == '0'))
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

int tile_parse(const char *path, size_t len, tile *t, char *err)
{
	const char *p = path, *end = path + len;
	const char *slash = memchr(p, '/', len);
	unsigned v;
	if (!slash)
		return ERR("a tile path is <L>/<N>[.p/<W>] or entries/<N>[.p/<W>]");
	if ((size_t)(slash - p) == 7 && memcmp(p, "entries", 7) == 0) {
		t->level = TILE_ENTRIES;
	} else if (small_decimal(p, (size_t)(slash - p), 0, TILE_LEVEL_MAX, &v) == 0) {
		t->level = (int)v;
	} else {
		return ERR("tile level '%.*s': a decimal from 0 to %d without leading zeros, or 'entries'",
		           (int)(slash - p > 20 ? 20 : slash - p), p, TILE_LEVEL_MAX);
	}
	p = slash + 1;
	/* <N>: xDDD/ groups, then a last DDD */
	uint64_t n = 0;
	for (int g = 0;; g++) {
		if (g == TILE_GROUPS_MAX)
			return ERR("tile index: more than %d groups of digits", TILE_GROUPS_MAX);
		int x = p < end && *p == 'x';
		const char *d = p + x;
		if (end - d < 3 || d[0] < '0' || d[0] > '9' || d[1] < '0' || d[1] > '9' || d[2] < '0' ||
		    d[2] > '9')
			return ERR("tile index: groups of three digits, all but the last starting with 'x' "
			           "(1234067 is x001/x234/067)");
		unsigned group = (unsigned)((d[0] - '0') * 100 + (d[1] - '0') * 10 + (d[2] - '0'));
		if (g == 0 && x && group == 0)
			return ERR("tile index: a leading x000 group (the index has one path)");
		if (n > (UINT64_MAX - group) / 1000)
			return ERR("tile index: larger than 2^64 - 1");
		n = n * 1000 + group;
		p = d + 3;
		if (x) {
			if (p == end || *p != '/')
				return ERR("tile index: an 'x' group is followed by '/'");
			p++;
			continue;
		}
		break;
	}
	t->n = n;
	t->width = TILE_WIDTH;
	if (p == end)
		return 0;
	if (end - p < 4 || memcmp(p, ".p/", 3) != 0)
		return ERR("after the tile index: nothing, or .p/<W> for a partial tile");
	p += 3;
	if (small_decimal(p, (size_t)(end - p), 1, TILE_WIDTH - 1, &v) != 0)
		return ERR("partial tile width '%.*s': a decimal from 1 to %u without leading zeros",
		           (int)(end - p > 20 ? 20 : end - p), p, TILE_WIDTH - 1);
	t->width = v;
	return 0;
}

size_t tile_path(const tile *t, char *out)
{
	char groups[TILE_GROUPS_MAX][4];
	int ng = 0;
	uint64_t n = t->n;
	do {
		snprintf(groups[ng++], sizeof groups[0], "%03u", (unsigned)(n % 1000));
		n /= 1000;
	} while (n && ng < TILE_GROUPS_MAX);
	int len = t->level == TILE_ENTRIES ? snprintf(out, TILE_PATH_MAX, "entries/")
	                                   : snprintf(out, TILE_PATH_MAX, "%d/", t->level);
	while (ng-- > 0)
		len += snprintf(out + len, TILE_PATH_MAX - (size_t)len, ng ? "x%s/" : "%s", groups[ng]);
	if (t->width < TILE_WIDTH)
		len += snprintf(out + len, TILE_PATH_MAX - (size_t)len, ".p/%u", t->width);
	return (size_t)len;
}

unsigned tile_tree_level(const tile *t)
{
	return t->level == TILE_ENTRIES ? 0 : (unsigned)t->level * TILE_HEIGHT;
}

uint64_t tile_first(const tile *t)
{
	return t->n > UINT64_MAX / TILE_WIDTH ? UINT64_MAX : t->n * TILE_WIDTH;
}

uint64_t tile_needs(const tile *t)
{
	uint64_t count; /* subtrees at the tile's level up to its end */
	if (t->n > (UINT64_MAX - t->width) / TILE_WIDTH)
		return 0;
	count = t->n * TILE_WIDTH + t->width;
	for (unsigned l = tile_tree_level(t); l > 0; l--) {
		if (count > UINT64_MAX / 2)
			return 0;
		count *= 2;
	}
	return count;
}

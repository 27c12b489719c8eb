/*
 * The anchoring log (anchorlog.h) as C2SP tlog-tiles
 * (https://c2sp.org/tlog-tiles): its Merkle tree cut into tiles of height
 * 8, each a run of stored subtree hashes, which auditors' tools (Go's
 * sumdb/tlog, Trillian Tessera, Sunlight clients) read as static files.
 * This file is the geometry and the path syntax only; the bytes come from
 * anchorlog_nodes and anchorlog_entries, the paths' prefix is /log/.
 *
 *   tile/<L>/<N>[.p/<W>]      hash tile: the W hashes (32 bytes each, no
 *                             framing) of the perfect subtrees of 256^L
 *                             leaves at indexes N·256 … N·256 + W − 1, i.e.
 *                             tree level 8·L. Level 0 holds leaf hashes.
 *   tile/entries/<N>[.p/<W>]  entry bundle: leaves N·256 … N·256 + W − 1,
 *                             each a uint16 length (big-endian) ‖ the
 *                             leaf's data, the CID's binary bytes
 *
 * W is 1..255 for a partial tile, written as ".p/<W>"; a full tile (256)
 * has no suffix. <L> is decimal 0..63, <W> decimal 1..255, both without
 * leading zeros. <N> is groups of three digits, all but the last prefixed
 * 'x' (1234067 → x001/x234/067, 0 → 000); a leading x000 group is refused,
 * so each tile has exactly one path (and one cache entry).
 *
 * A tile exists in a tree of s leaves when (N·256 + W)·256^L ≤ s: all its
 * subtrees are complete, so its bytes never change once they exist.
 */
#ifndef CAIRN_TILE_H
#define CAIRN_TILE_H

#include "cairn/cid.h"
#include "cairn/error.h"

#include <stddef.h>
#include <stdint.h>

#define TILE_HEIGHT 8                    /* tree levels per tile */
#define TILE_WIDTH (1u << TILE_HEIGHT)    /* hashes (or entries) in a full tile */
#define TILE_LEVEL_MAX 63                /* highest <L> */
#define TILE_ENTRIES (-1)                /* tile.level of an entry bundle */
#define TILE_GROUPS_MAX 7                /* 3-digit groups of <N> (21 digits > 2^64) */
#define TILE_PATH_MAX 64                 /* "entries/" + 7 groups of 4 + ".p/255", NUL */
#define TILE_HASH_BYTES (TILE_WIDTH * 32) /* a full hash tile: 8,192 bytes */
/* a full entry bundle of the longest CIDs */
#define TILE_BUNDLE_MAX (TILE_WIDTH * (2 + CAIRN_CID_MAX_BYTES))

typedef struct tile {
	int level;      /* 0..TILE_LEVEL_MAX, or TILE_ENTRIES */
	uint64_t n;     /* index of the tile within its level */
	unsigned width; /* 1..TILE_WIDTH; TILE_WIDTH is a full tile */
} tile;

/* Parse a tile path, without its "tile/" prefix ("0/x001/234.p/7",
 * "entries/000"): len bytes at path, which need no NUL. 0 with *t set, or
 * -1 with err (CAIRN_ERR_MAX bytes) saying what is wrong. */
int tile_parse(const char *path, size_t len, tile *t, char *err);

/* The canonical path of t, without "tile/", into out (TILE_PATH_MAX
 * bytes, NUL-terminated). Returns its length. */
size_t tile_path(const tile *t, char *out);

/* The tree size from which t exists: (N·256 + W)·256^L (entry bundles as
 * level 0), or 0 when that exceeds 2^64 − 1 (t exists in no tree). */
uint64_t tile_needs(const tile *t);

/* The first tree level t's hashes are at (8·L) and the first index there
 * (N·256). Entry bundles: level 0, their first leaf. */
unsigned tile_tree_level(const tile *t);
uint64_t tile_first(const tile *t);

#endif

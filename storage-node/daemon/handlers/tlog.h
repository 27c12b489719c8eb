/*
 * The anchoring log, read-only, as C2SP tlog-tiles (tile.h) on the
 * gateway listener, so that auditors' tools read it as they read the Go
 * checksum database or a Tessera log:
 *
 *   GET /log/checkpoint          the newest signed checkpoint (checkpoint.h),
 *                                text/plain; cached TLOG_TTL_CHECKPOINT s
 *   GET /log/tile/<L>/<N>[.p/<W>]        hash tile
 *   GET /log/tile/entries/<N>[.p/<W>]    entry bundle
 *
 * Tiles are application/octet-stream, read from the stored subtree hashes
 * and leaves (anchorlog_nodes, anchorlog_entries): nothing is written to
 * serve them, and every node of a cluster serves the same bytes. Only
 * tiles the newest checkpoint covers exist here (404 otherwise), so every
 * byte served is under a signed tree head; the largest size seen is kept
 * (node.log_covered), so a tile under it costs its one read alone. A full tile never changes:
 * cached for a year, immutable; a partial one TLOG_TTL_PARTIAL s (the spec
 * lets a log drop it once the full tile exists). A malformed path is 400.
 *
 *   POST /log/witness/add-checkpoint   this node as a witness (witness.h),
 *                                      when its config lists logs
 */
#ifndef CAIRN_TLOG_H
#define CAIRN_TLOG_H

#include "node.h"

#define TLOG_PREFIX "/log/"
#define TLOG_TTL_CHECKPOINT 2
#define TLOG_TTL_PARTIAL 60
#define TLOG_TTL_FULL 31536000
#define TLOG_WITNESS_PATH "witness/add-checkpoint"

/* Full tiles and bundles kept in memory, two ways per set of a hash of
 * (level, index), the least recently used replaced: they never change, so
 * a cached one is served without a read (with a PostgreSQL index, a read
 * is a query). At most this many, each 8 KiB (a hash tile) or about
 * 10 KiB (a bundle of sha2-256 CIDs): some 20 MiB at most. */
#define TLOG_CACHE_SLOTS 2048
struct tlog_cache;
struct tlog_cache *tlog_cache_new(void);
void tlog_cache_free(struct tlog_cache *c);

/* Answer req if its path is under /log/: 1 if it was (answered), 0. */
int tlog_handle(struct http_req *req, node *n, const char *path);

#endif

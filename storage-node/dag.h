/*
 * Walking DAGs stored in the blockstore: the links of a block, a depth-first
 * walk of everything under a root, and reading a UnixFS file's bytes.
 * Only dag-pb blocks have links here; raw and identity blocks are leaves,
 * and other codecs (dag-cbor, dag-json) are treated as leaves too.
 */
#ifndef CAIRN_DAG_H
#define CAIRN_DAG_H

#include "blockstore.h"

/* Deeper DAGs are refused: cairn's own importer never builds more than a
 * dozen levels, and recursion must stay bounded on hostile input. */
#define DAG_MAX_DEPTH 64

/* Outcomes besides 0 and -1 (I/O error, err set): */
#define DAG_MISSING 1   /* a block is not in the blockstore (or is corrupt) */
#define DAG_INVALID 2   /* a block does not decode, or the DAG is too deep */
#define DAG_NOT_FILE 3  /* UnixFS node that is not a file (e.g. a directory) */

/* Called for each block reached, parents before children, with the block's
 * bytes. Return non-zero to stop the walk (the value is returned). */
typedef int (*dag_block_fn)(void *ctx, const cairn_cid *cid, const uint8_t *data, size_t len);

#define DAG_RECURSIVE 1     /* every block below root, not just root */
#define DAG_SKIP_MISSING 2  /* step over missing blocks instead of stopping */

/* Visit root (and, with DAG_RECURSIVE, every block below it). On
 * DAG_MISSING or DAG_INVALID, *where (if not NULL) is the CID concerned;
 * with DAG_SKIP_MISSING, *missing (if not NULL) counts skipped blocks. */
int dag_walk(blockstore *bs, const cairn_cid *root, unsigned flags, dag_block_fn fn, void *ctx,
             cairn_cid *where, uint64_t *missing, char *err);

/* Called with consecutive pieces of a file's bytes; non-zero stops. */
typedef int (*dag_bytes_fn)(void *ctx, const uint8_t *p, size_t n);

/* Write the bytes of the UnixFS file (or raw block) root names. */
int dag_cat(blockstore *bs, const cairn_cid *root, dag_bytes_fn fn, void *ctx,
            cairn_cid *where, char *err);

#endif

/*
 * Walking DAGs stored in the blockstore: the links of a block, a depth-first
 * walk of everything under a root, and reading a UnixFS file's bytes.
 * dag-pb, dag-cbor and dag-json blocks have links (dag_links); raw, json
 * and identity blocks are leaves.
 */
#ifndef CAIRN_DAG_H
#define CAIRN_DAG_H

#include "blockstore.h"
#include "cairn/dagpb.h"
#include "cairn/unixfs.h"

/* Deeper DAGs are refused: cairn's own importer never builds more than a
 * dozen levels, and recursion must stay bounded on hostile input. */
#define DAG_MAX_DEPTH 64
/* Blocks of a file a reader has in flight ahead of the client, where the
 * blockstore hides latency that way (blockstore_prefetch). */
#define DAG_READ_AHEAD 16

/* What reading a DAG (here) or resolving a path (dir.h) comes to: every
 * function of dag/ that reads blocks returns 0, -1 (an I/O error, err
 * set) or one of these, and each caller maps them once (an HTTP status in
 * the handlers, an exit status in the CLI). */
enum dag_outcome {
	DAG_MISSING = 1,   /* a block is not in the blockstore (or is corrupt) */
	DAG_INVALID = 2,   /* a block does not decode, or the DAG is too deep */
	DAG_NOT_FILE = 3,  /* UnixFS node that is not a file (e.g. a directory) */
	DAG_END = 4,       /* a reader or source has nothing more */
	DIR_NOT_FOUND = 5, /* a path segment names nothing in its directory */
	DIR_NOT_DIR = 6,   /* a path goes through something that is not a directory */
	DAG_BAD_INPUT = 7, /* a record given to store does not decode (err says why) */
	DAG_AGAIN = 8,     /* a block's read is in flight: call again once woken
	                    * (dag_reader_wake_with) */
};

/* Called for each block reached, parents before children, with the block's
 * bytes. Return non-zero to stop the walk (the value is returned). */
typedef int (*dag_block_fn)(void *ctx, const cairn_cid *cid, const uint8_t *data, size_t len);

/* Called with each link of a block, in the block's order; non-zero stops. */
typedef int (*dag_link_fn)(void *ctx, const cairn_cid *cid);

/* The links of one block by its codec: dag-pb's Links, and every link in
 * a dag-cbor or dag-json record, in document order. Links to content this
 * node cannot hold (a codec or hash function it does not know) are passed
 * over: no block of theirs can be in the blockstore. 0, DAG_INVALID (the
 * block does not decode as its codec), -1 (out of memory), or what fn
 * returned. */
int dag_links(const cairn_cid *cid, const uint8_t *data, size_t len, dag_link_fn fn, void *ctx);

#define DAG_RECURSIVE 1     /* every block below root, not just root */
#define DAG_SKIP_MISSING 2  /* step over missing blocks instead of stopping */

/* Visit root (and, with DAG_RECURSIVE, every block below it). On
 * DAG_MISSING or DAG_INVALID, *where (if not NULL) is the CID concerned;
 * with DAG_SKIP_MISSING, *missing (if not NULL) counts skipped blocks. */
int dag_walk(blockstore *bs, const cairn_cid *root, unsigned flags, dag_block_fn fn, void *ctx,
             cairn_cid *where, uint64_t *missing, char *err);

/* Read (and so verify) every block of root's DAG (recursive; else root
 * alone), going on past the bad ones: bad(ctx, cid, why) is told each
 * block missing or corrupt, whose subtree cannot be walked. *blocks counts
 * the good blocks, *damaged the bad; a block that does not decode is bad
 * too, and ends the walk. 0 (see *damaged), or -1 with err. */
typedef void (*dag_bad_fn)(void *ctx, const cairn_cid *cid, const char *why);
int dag_check(blockstore *bs, const cairn_cid *root, int recursive, dag_bad_fn bad, void *ctx, uint64_t *blocks,
              uint64_t *damaged, char *err);

/* The links of root, as Kubo's refs gives them: its own (recursive 0), or
 * every link below it, depth first, each where the walk meets it (a
 * repeated subtree repeats; unique: each CID once). fn gets each; its
 * non-zero stops the walk and is returned. 0, DAG_MISSING / DAG_INVALID
 * (*where set), or -1 with err. */
typedef int (*dag_ref_fn)(void *ctx, const cairn_cid *cid);
int dag_refs(blockstore *bs, const cairn_cid *root, int recursive, int unique, dag_ref_fn fn, void *ctx,
             cairn_cid *where, char *err);

/* Is every block below root here (with DAG_RECURSIVE; else root alone)?
 * 0 if so; DAG_MISSING with *where the first block missing, in depth-first
 * order (fetching from there down is what completes it); DAG_INVALID
 * (*where set); or -1 with err set. Reads (and verifies) every block. */
/* The same walk, marking every block as just met by a writer
 * (blockstore_touch), so that a GC with a grace window keeps the DAG
 * while its pin is being written (gc.h). As dag_find_missing; -1 also
 * when a block went away between its read and its mark. */
int dag_touch(blockstore *bs, const cairn_cid *root, unsigned flags, cairn_cid *where, char *err);
/* Mark one block of a DAG being pinned that way, inside a walk of one's
 * own: 0, or -1 with err set (also when the block went away). */
int dag_mark(blockstore *bs, const cairn_cid *cid, char *err);

int dag_find_missing(blockstore *bs, const cairn_cid *root, unsigned flags, cairn_cid *where,
                     char *err);

/* Called with consecutive pieces of a file's bytes; non-zero stops. */
typedef int (*dag_bytes_fn)(void *ctx, const uint8_t *p, size_t n);

/* Write the bytes of the UnixFS file (or raw block) root names. */
int dag_cat(blockstore *bs, const cairn_cid *root, dag_bytes_fn fn, void *ctx,
            cairn_cid *where, char *err);

/*
 * A resumable reader of a UnixFS file (or raw block): hands out the file's
 * bytes a block's worth at a time, holding only the blocks on the current
 * path from the root (at most DAG_MAX_DEPTH + 1). A byte range is served by
 * skipping whole subtrees by their blocksizes, without reading them.
 */
struct dag_frame {
	uint8_t *data;         /* the block (owned) */
	size_t len;
	const uint8_t *own;    /* this node's own file bytes */
	size_t own_len;
	int own_done;
	int is_pb;
	cairn_pbnode node;
	cairn_unixfs u;
	size_t link_cursor, size_cursor;
	size_t link_index;                /* links taken so far */
	size_t ahead_cursor, ahead_index; /* links whose reads were started ahead */
};

typedef struct dag_reader {
	blockstore *bs;
	int depth;             /* top frame index, -1 when done */
	uint64_t skip;         /* bytes still to skip before emitting */
	uint64_t remaining;    /* bytes still to emit */
	uint64_t size;         /* the file's size, from the root */
	int last;              /* the frame the last piece came from */
	/* not NULL: a block whose read is in flight is not waited for; next()
	 * returns DAG_AGAIN and w is called once it is done */
	const prefetch_waker *waker;
	struct dag_frame st[DAG_MAX_DEPTH + 1];
} dag_reader;

/* Open root; *size (from the root block alone) is the file's length.
 * 0, or DAG_MISSING / DAG_INVALID / DAG_NOT_FILE (*where set), or -1. */
int dag_reader_open(dag_reader *r, blockstore *bs, const cairn_cid *root, cairn_cid *where, char *err);

/* From now on, never wait for a block read ahead (see DAG_AGAIN): w is
 * called, on another thread, when the one asked for is done. NULL: wait. */
void dag_reader_wake_with(dag_reader *r, const prefetch_waker *w);

/* Restrict output to [offset, offset + length) (clipped to the file). */
void dag_reader_range(dag_reader *r, uint64_t offset, uint64_t length);

/* The next piece: 0 with *p, *n set (valid until the next call), DAG_END
 * when done, or an error as dag_reader_open. After DAG_MISSING the reader
 * is where it was: the next call asks for the same block again (so a
 * caller may fetch it and go on). */
int dag_reader_next(dag_reader *r, const uint8_t **p, size_t *n, cairn_cid *where, char *err);

/* Take the block the last piece points into, when the reader is done with
 * it (a leaf): its malloc'd buffer, which the caller frees when it no
 * longer needs the piece, so a reply can send the piece without copying
 * it. NULL if the reader still needs that block; the piece is then valid
 * only until the next call, as usual. */
uint8_t *dag_reader_take(dag_reader *r);

void dag_reader_close(dag_reader *r);

/*
 * A resumable depth-first, pre-order walk over blocks, without duplicates
 * and without identity blocks (their bytes are in their CIDs), for
 * streaming CARs (trustless gateway order=dfs, dups=n). Scopes:
 *   DAG_SCOPE_BLOCK   the root block only
 *   DAG_SCOPE_ALL     every block below the root
 * and, for UnixFS files, a byte range [from, to): only the blocks needed to
 * read it (the root, the nodes on the way, and the leaves in range).
 */
#define DAG_SCOPE_BLOCK 0
#define DAG_SCOPE_ALL 1
/* What it takes to read the root as a UnixFS entity: a whole file (or the
 * byte range), a directory's own block, a HAMT's shard blocks without the
 * entries; for anything else, the root block. */
#define DAG_SCOPE_ENTITY 2

struct dag_iter_frame {
	uint8_t *data;
	size_t len;
	int is_file;           /* dag-pb UnixFS file node: range pruning applies */
	int is_hamt;           /* UnixFS HAMT shard: entity scope follows sub-shards only */
	unsigned hamt_width;   /* its links' bucket prefix length */
	cairn_pbnode node;
	cairn_unixfs u;
	size_t link_cursor, size_cursor;
	uint64_t next_offset;  /* file offset of the next child's bytes */
	cairn_cid *ipld;       /* dag-cbor / dag-json: the block's links (owned) */
	size_t n_ipld;
	size_t link_index;                /* dag-pb links taken so far */
	size_t ahead_cursor, ahead_index; /* links whose reads were started ahead */
};

typedef struct dag_iter {
	blockstore *bs;
	int scope;
	uint64_t from, to;     /* byte range; to = UINT64_MAX for everything */
	int depth;             /* -1: nothing loaded yet or done */
	int started;
	cairn_cid root;
	struct mhset *seen;
	struct dag_iter_frame st[DAG_MAX_DEPTH + 1];
} dag_iter;

/* seen: an mhset the caller owns (may be shared across roots). */
void dag_iter_open(dag_iter *it, blockstore *bs, const cairn_cid *root, int scope,
                   uint64_t from, uint64_t to, struct mhset *seen);

/* The next block: 0 with *cid, *data, *len (valid until the next call),
 * DAG_END, DAG_MISSING / DAG_INVALID (*cid is the block concerned), -1. */
int dag_iter_next(dag_iter *it, cairn_cid *cid, const uint8_t **data, size_t *len, char *err);

void dag_iter_close(dag_iter *it);

#endif

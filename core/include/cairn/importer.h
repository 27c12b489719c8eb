/**
 * @file importer.h
 * @brief Streaming UnixFS file importer, byte-compatible with Kubo.
 *
 * Feed a file's bytes in any slicing; get the root CID of the same DAG that
 * `ipfs add` builds with the same options, and (optionally) every block via a
 * callback as soon as it exists. Memory is fixed: the state holds one pending
 * link list per tree level and one node-encoding buffer; file bytes are only
 * buffered for a chunk that straddles two update() calls.
 *
 * Layouts (as in boxo's importer):
 *   balanced: leaves grouped maxlinks at a time into parents, parents grouped
 *     the same way, all leaves at one depth; a one-chunk file's root is the
 *     leaf itself. Non-raw leaves are UnixFS File nodes.
 *   trickle: a node takes maxlinks leaves, then CAIRN_TRICKLE_REPEAT subtrees
 *     of each depth 1, 2, ...; the root always wraps its leaves. Non-raw
 *     leaves are UnixFS Raw nodes.
 * Parents are UnixFS File nodes: Type, filesize, blocksizes; links named ""
 * with Tsize = encoded child size + its own links' Tsize.
 *
 * Raw leaves are CIDv1 raw even when the DAG is CIDv0 (as Kubo does).
 */
#ifndef CAIRN_IMPORTER_H
#define CAIRN_IMPORTER_H

#include <stddef.h>
#include <stdint.h>

#include "cairn/chunker.h"
#include "cairn/cid.h"
#include "cairn/hash.h"

/** Kubo's links per node (v0 profile); IPIP-499 unixfs-v1-2025 uses 1024. */
#define CAIRN_IMPORTER_LINKS_DEFAULT 174
#define CAIRN_IMPORTER_LINKS_MAX 1024
/** Levels of pending nodes kept; bounds file size at maxlinks^depth chunks. */
#define CAIRN_IMPORTER_MAX_DEPTH 12
/** Subtrees per depth in the trickle layout. */
#define CAIRN_TRICKLE_REPEAT 4
/** Largest CID the importer produces: v1, 1-byte codec, 32-byte digest. */
#define CAIRN_IMPORTER_CID_MAX 36
/* Largest parent node: per link at most 1 tag + 2 len + (1+1+36 hash) +
 * (1+1 name) + (1+10 tsize) = 54 bytes; UnixFS at most 2 + 11 + 11 a link;
 * PBNode Data header 1 + 3. Rounded up. */
#define CAIRN_IMPORTER_NODE_MAX (CAIRN_IMPORTER_LINKS_MAX * 72 + 64)

enum cairn_layout {
	CAIRN_LAYOUT_BALANCED = 0,
	CAIRN_LAYOUT_TRICKLE = 1,
};

/** Importer options. Start from cairn_importer_defaults(). */
typedef struct cairn_importer_opts {
	unsigned cid_version;    /**< 0 or 1 */
	uint64_t hash;           /**< CAIRN_MH_SHA2_256 or CAIRN_MH_BLAKE3 */
	size_t chunk_size;       /**< 1..CAIRN_CHUNK_SIZE_MAX */
	size_t max_links;        /**< 2..CAIRN_IMPORTER_LINKS_MAX */
	int raw_leaves;          /**< leaves as raw blocks instead of UnixFS nodes */
	enum cairn_layout layout;
} cairn_importer_opts;

/** A piece of a block; blocks are handed out as up to three pieces so leaves
 *  need not be copied to put a UnixFS frame around them. */
typedef struct cairn_iov {
	const void *base;
	size_t len;
} cairn_iov;

/**
 * Called once per block, children before parents, root last. The pieces are
 * only valid during the call. Return 0 to continue, non-zero to abort (the
 * importer then returns CAIRN_E_CALLBACK).
 */
typedef int (*cairn_block_fn)(void *ctx, const cairn_cid *cid,
                              const cairn_iov *iov, size_t iovcnt);

/** One pending link (private). */
struct cairn_importer_link {
	uint8_t cid[CAIRN_IMPORTER_CID_MAX];
	uint8_t cid_len;
	uint64_t tsize; /* DAG bytes under the link */
	uint64_t fsize; /* file bytes under the link */
};

/** One node under construction (private). */
struct cairn_importer_level {
	size_t n;
	int depth;       /* trickle: depth of subtrees being added, 0 = leaves */
	int max_depth;   /* trickle: -1 for the root */
	int repeat;      /* trickle: subtrees added at this depth */
	struct cairn_importer_link links[CAIRN_IMPORTER_LINKS_MAX];
};

/**
 * A way to run jobs in parallel, given by the caller (the core starts no
 * threads): run fn(arg, i) for every i in [0, n), on any threads in any
 * order, and return once every call has returned.
 */
typedef void (*cairn_parallel_fn)(void *ctx, size_t n, void (*fn)(void *arg, size_t i), void *arg);

/** Leaves hashed together in one parallel batch, at most. */
#define CAIRN_IMPORTER_BATCH 64

/** A leaf of a parallel batch (private). */
struct cairn_importer_leaf {
	const uint8_t *chunk;
	size_t len;
	cairn_cid cid;
};

/**
 * Importer state (caller-owned, about 660 KiB: allocate it statically or on
 * the heap, not on a small stack). Members are private.
 */
typedef struct cairn_importer {
	cairn_importer_opts o;
	cairn_chunker chunker;
	cairn_block_fn block;
	void *ctx;
	uint64_t bytes;          /* file bytes consumed */
	uint64_t leaves;         /* leaves emitted */
	uint64_t max_leaves;     /* balanced: max_links^MAX_DEPTH, saturated */
	int nlevels;             /* levels in use */
	int failed;              /* a previous call failed: state is unusable */
	uint64_t dag_size;       /* after final(): the root's cumulative DAG size */
	struct cairn_importer_level level[CAIRN_IMPORTER_MAX_DEPTH];
	uint8_t node[CAIRN_IMPORTER_NODE_MAX];
	cairn_parallel_fn par;   /* NULL: leaves hashed one at a time */
	void *par_ctx;
	struct cairn_importer_leaf batch[CAIRN_IMPORTER_BATCH];
} cairn_importer;

/** @brief cairn's defaults: CIDv1, blake3, size-262144, 174 links, raw
 *         leaves, balanced. */
cairn_importer_opts cairn_importer_defaults(void);

/**
 * @brief Start an import.
 * @param im        caller-owned state.
 * @param opts      options (copied).
 * @param chunk_buf caller-owned buffer of at least opts->chunk_size bytes,
 *                  used for chunks that straddle update() calls; must
 *                  outlive the import.
 * @param chunk_cap size of @p chunk_buf.
 * @param block     block callback, or NULL to only compute the CID.
 * @param ctx       passed to @p block.
 * @return CAIRN_OK, CAIRN_E_CID_V0 (CIDv0 with a hash other than sha2-256),
 *         CAIRN_E_MH_UNKNOWN, CAIRN_E_CID_VERSION, CAIRN_E_LIMIT (chunk size
 *         or max_links out of range), CAIRN_E_BUFFER.
 */
int cairn_importer_init(cairn_importer *im, const cairn_importer_opts *opts,
                        uint8_t *chunk_buf, size_t chunk_cap,
                        cairn_block_fn block, void *ctx);

/**
 * @brief Hash leaves in parallel, from now until the next init: whole
 *        chunks that an update() call holds in place (two or more) are
 *        hashed CAIRN_IMPORTER_BATCH at a time through @p run. Blocks still
 *        reach the block callback on the calling thread, in file order, and
 *        the CIDs are the same as without.
 * @param run the caller's way to run jobs in parallel; NULL turns it off.
 * @param ctx passed to @p run.
 */
void cairn_importer_parallel(cairn_importer *im, cairn_parallel_fn run, void *ctx);

/**
 * @brief Add file bytes.
 * @param data bytes (not retained).
 * @return CAIRN_OK, CAIRN_E_CALLBACK, CAIRN_E_LIMIT (the file outgrew
 *         CAIRN_IMPORTER_MAX_DEPTH levels), CAIRN_E_STATE after a failure.
 */
int cairn_importer_update(cairn_importer *im, const void *data, size_t len);

/**
 * @brief Finish: build the remaining parents and the root.
 * @param root     receives the root CID.
 * @param filesize receives the file size in bytes; may be NULL.
 * @return as cairn_importer_update().
 */
int cairn_importer_final(cairn_importer *im, cairn_cid *root, uint64_t *filesize);

/**
 * @brief After a successful cairn_importer_final(): the DAG's total size in
 *        bytes, every block counted once per link (the root link's Tsize,
 *        what Kubo reports as an added file's "Size").
 */
uint64_t cairn_importer_dag_size(const cairn_importer *im);

/** @brief File bytes consumed so far (for progress display). */
uint64_t cairn_importer_bytes(const cairn_importer *im);

#endif

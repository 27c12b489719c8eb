/*
 * UnixFS directories in the blockstore: what a node is, listing a
 * directory's entries, and resolving a path below a root CID, for basic
 * directories and HAMT-sharded ones (UnixFS HAMTShard, murmur3-x64-64).
 *
 * A HAMT shard's links are named by the bucket index in upper-case hex
 * (width = hex digits of fanout - 1: "00".."FF" for the usual 256),
 * followed by the entry's name; a link named by the index alone is a
 * sub-shard. A lookup hashes the name and follows one bucket per level,
 * taking log2(fanout) bits of the hash's big-endian bytes per level, so it
 * reads one block per level, not the whole directory.
 */
#ifndef CAIRN_DIR_H
#define CAIRN_DIR_H

#include "dag.h"

/* Outcomes: 0, -1, and enum dag_outcome (dag.h). */

/* Longest path accepted, in segments; deeper paths are DAG_INVALID. */
#define DIR_PATH_MAX_SEGMENTS 64
/* Blocks a resolution may pass through (directories and HAMT shards). */
#define DIR_TRAIL_MAX 256

typedef enum dir_kind {
	KIND_FILE,     /* raw block, identity, or UnixFS File/Raw: bytes to serve */
	KIND_DIR,      /* UnixFS Directory */
	KIND_HAMT,     /* UnixFS HAMTShard (a sharded directory) */
	KIND_SYMLINK,  /* UnixFS Symlink */
	KIND_OTHER,    /* other codecs, UnixFS Metadata, dag-pb without UnixFS */
} dir_kind;

/* The kind of the node cid names (reads its block). 0, DAG_MISSING,
 * DAG_INVALID (*where set), or -1 with err set. */
int dir_kind_of(blockstore *bs, const cairn_cid *cid, dir_kind *kind, cairn_cid *where, char *err);

/* The kind of a node from its block's bytes (cid says the codec). For
 * KIND_SYMLINK, *target and *target_len (if not NULL) get the link's
 * target, pointing into data. */
dir_kind dir_kind_of_block(const cairn_cid *cid, const uint8_t *data, size_t len,
                           const char **target, size_t *target_len);

/* What a listing shows of an entry, from its own block alone: its kind
 * and, for a file, its size (a raw block's length, a UnixFS file's
 * filesize; 0 otherwise). 0, DAG_MISSING / DAG_INVALID (*where set), -1. */
int dir_entry_info(blockstore *bs, const cairn_cid *cid, dir_kind *kind, uint64_t *size, cairn_cid *where,
                   char *err);

/* Called for each entry of a directory: its name (not NUL-terminated), CID
 * and cumulative size (Tsize). Non-zero stops the listing and is returned. */
typedef int (*dir_entry_fn)(void *ctx, const char *name, size_t name_len, const cairn_cid *cid,
                            uint64_t tsize);

/* List a directory's entries (a HAMT's in bucket order). 0, fn's value,
 * DIR_NOT_DIR, DAG_MISSING / DAG_INVALID (*where set), or -1. */
int dir_list(blockstore *bs, const cairn_cid *dir, dir_entry_fn fn, void *ctx, cairn_cid *where,
             char *err);

/* dir_list, each entry with what dir_entry_info says of it (KIND_OTHER
 * and size 0 when its block is missing or does not decode). */
typedef int (*dir_info_fn)(void *ctx, const char *name, size_t len, const cairn_cid *cid, dir_kind kind,
                           uint64_t size);
int dir_list_info(blockstore *bs, const cairn_cid *dir, dir_info_fn fn, void *ctx, cairn_cid *where,
                  char *err);

/* What resolving a path passed through. */
typedef struct dir_trail {
	cairn_cid blocks[DIR_TRAIL_MAX]; /* every block read to get there, in order */
	size_t nblocks;
	cairn_cid roots[DIR_PATH_MAX_SEGMENTS + 1]; /* the root, then each segment's CID */
	size_t nroots;
} dir_trail;

/* Resolve path ("a/b/c"; empty segments are skipped, so "" and "/" name
 * root itself) below root. On 0, *out is the terminal CID and trail (if not
 * NULL) what was passed through; the terminal's own block is not read.
 * DIR_NOT_FOUND / DIR_NOT_DIR / DAG_MISSING / DAG_INVALID with *where the
 * directory (or block) concerned, or -1. */
int dir_resolve(blockstore *bs, const cairn_cid *root, const char *path, cairn_cid *out,
                dir_trail *trail, cairn_cid *where, char *err);

#endif

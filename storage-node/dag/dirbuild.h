/*
 * Building UnixFS directories, as `ipfs add -r` (and `-w`) does: a tree of
 * entries collected in memory (files already imported, by CID and DAG
 * size), then written bottom-up. Each directory is one dag-pb node:
 *
 *   PBNode { Links: one per entry, sorted by name bytes:
 *                   {Hash: entry CID, Name: entry name, Tsize: entry DAG size}
 *            Data:  UnixFS { Type: Directory } = 08 01 }
 *
 * Its CID uses the import's CID version and hash (v0: dag-pb sha2-256);
 * its DAG size (the parent's Tsize) is its block size plus its entries'.
 * Symlinks are UnixFS Symlink nodes: PBNode { Data: 08 04 12 <len> target }.
 *
 * Like Kubo (boxo), a directory whose entries' name and binary CID lengths
 * add up to DIRBUILD_HAMT_THRESHOLD or more is written as a HAMT-sharded
 * directory instead (layout in dirbuild.c), so big directories get Kubo's
 * CIDs and no single block grows past the gateway's 2 MiB limit.
 */
#ifndef CAIRN_DIRBUILD_H
#define CAIRN_DIRBUILD_H

#include "cairn/error.h"
#include "cairn/importer.h"

#include <stdint.h>

/* Kubo's (boxo's) HAMTShardingSize: the switch point of its estimate. */
#define DIRBUILD_HAMT_THRESHOLD (256 * 1024)
/* Longest entry path accepted (bytes) and deepest nesting. */
#define DIRBUILD_PATH_MAX 4096
#define DIRBUILD_DEPTH_MAX 64
/* Size of the err buffers the functions write. */

typedef struct dirbuild dirbuild;

/* An empty tree whose root directory is called root_name (may be "", as
 * for a -w wrapper). NULL when out of memory. */
dirbuild *dirbuild_new(const char *root_name);
void dirbuild_free(dirbuild *d);

/* Add an entry at path below the root ("a/b/c.txt"; missing directories
 * are made): a file (cid, its DAG size), or with cid NULL a directory.
 * 0, or -1 with err set (a name given twice, a file used as a directory,
 * a bad path: empty segments, ".", ".."). */
int dirbuild_add(dirbuild *d, const char *path, const cairn_cid *cid, uint64_t tsize, char *err);

/* Add a symlink at path pointing at target: its node is made and stored
 * here. 0 or -1 with err set. */
int dirbuild_add_symlink(dirbuild *d, const char *path, const char *target,
                         const cairn_importer_opts *o, cairn_block_fn store, void *ctx, char *err);

/* Write every directory, deepest first, through store (NULL: only hash),
 * and tell emit each one's path ("root/a/b", or "root") and CID, children
 * before parents and siblings by name, as Kubo prints them. *root and
 * *root_size (may be NULL) get the root's. 0 or -1 with err set. */
typedef void (*dirbuild_emit_fn)(void *ctx, const char *path, const cairn_cid *cid, uint64_t tsize);
int dirbuild_finish(dirbuild *d, const cairn_importer_opts *o, cairn_block_fn store, void *ctx,
                    dirbuild_emit_fn emit, void *ectx, cairn_cid *root, uint64_t *root_size,
                    char *err);

#endif

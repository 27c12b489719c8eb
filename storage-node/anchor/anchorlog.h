/*
 * The anchoring log: one append-only RFC 9162 Merkle tree (SHA-256) whose
 * leaves are CIDs (leaf data = the CID's binary bytes), kept in the repo's
 * LMDB index so that appends, roots and proofs cost O(log n):
 *
 *   "log_nodes"  key   level (1 byte) ‖ index (8 bytes, BE)
 *                value the 32-byte hash of the perfect subtree of 2^level
 *                      leaves starting at leaf index << level
 *                      (level 0: the leaf hash SHA-256(0x00 ‖ CID bytes))
 *   "log_leaves" key   leaf index (8 bytes, BE)    value the CID, binary
 *   "log_cids"   key   the CID, binary              value its leaf index (8 bytes, BE)
 *
 * Appending leaf i writes its leaf hash and every perfect subtree it
 * completes (one per trailing 1 bit of i + 1), so each node is computed
 * once and never changes. A CID already in the log keeps its first index:
 * nothing is logged (or later anchored) twice.
 *
 * With the index in PostgreSQL (pgindex.h) the same in cairn.log_leaves
 * (leaf_index, cid UNIQUE) and cairn.log_nodes (level, idx, hash); an
 * append is one transaction under an advisory lock, so a cluster's nodes
 * append to one log one after another.
 */
#ifndef CAIRN_ANCHORLOG_H
#define CAIRN_ANCHORLOG_H

#include "cairn/merkle.h"
#include "repo.h"

#include <stdint.h>

/* Append cids[0..n) in one transaction; index[i] (may be NULL) gets each
 * one's leaf index (its old one if it was there already), *added how many
 * were new. 0 or -1 with err set. */
int anchorlog_append(repo *r, const cairn_cid *cids, size_t n, uint64_t *index, size_t *added,
                     char *err);

/* The number of leaves. 0 or -1. */
int anchorlog_size(repo *r, uint64_t *size, char *err);

/* The leaf index of cid: 0, 1 (not in the log), -1. */
int anchorlog_find(repo *r, const cairn_cid *cid, uint64_t *index, char *err);

/* The CID at a leaf index: 0, 1 (no such leaf), -1. */
int anchorlog_leaf(repo *r, uint64_t index, cairn_cid *cid, char *err);

/* The root of the tree of the first size leaves (size <= the log's size).
 * 0 or -1. */
int anchorlog_root(repo *r, uint64_t size, uint8_t root[32], char *err);

/* The stored hashes of the perfect subtrees of 2^level leaves at indexes
 * [first, first + n), in order, into out[0..n) (caller-owned): one range
 * read, which is what a tlog tile (tile.h) is. 0, 1 (not all of them
 * exist: the log is too small), or -1 with err set. */
int anchorlog_nodes(repo *r, unsigned level, uint64_t first, size_t n, uint8_t (*out)[32], char *err);

/* The leaves [first, first + n) in order, each passed to fn as the CID's
 * binary bytes (valid during the call only); fn returns non-zero to stop
 * (then that value is returned). 0, 1 (not all of them exist), fn's
 * value, or -1 with err set. */
int anchorlog_entries(repo *r, uint64_t first, size_t n,
                      int (*fn)(void *ctx, const uint8_t *cid, size_t len), void *ctx, char *err);

/* RFC 9162 inclusion path of leaf index in the tree of size leaves, leaf
 * level first (CAIRN_MERKLE_MAX_PATH entries suffice). 0 or -1. */
int anchorlog_inclusion(repo *r, uint64_t index, uint64_t size, uint8_t (*path)[32], size_t *n,
                        char *err);

/* The inclusion paths of the leaves [first, first + n) in the tree of
 * size leaves: paths[i] and np[i] (caller-owned, n of each) for leaf
 * first + i. The same paths as anchorlog_inclusion's, read at once: with
 * PostgreSQL one query brings the nodes the run shares, instead of a
 * query a node a path. 0 or -1 with err set. */
int anchorlog_inclusions(repo *r, uint64_t first, size_t n, uint64_t size,
                         uint8_t (*paths)[CAIRN_MERKLE_MAX_PATH][32], size_t *np, char *err);

/* RFC 9162 consistency proof between trees of m <= size leaves. 0 or -1. */
int anchorlog_consistency(repo *r, uint64_t m, uint64_t size, uint8_t (*path)[32], size_t *n,
                          char *err);

#endif

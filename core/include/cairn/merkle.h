/**
 * @file merkle.h
 * @brief RFC 9162 (Certificate Transparency v2) Merkle tree over SHA-256.
 *
 *   MTH({})        = SHA-256()
 *   leaf hash      = SHA-256(0x00 ‖ leaf data)
 *   node hash      = SHA-256(0x01 ‖ left ‖ right)
 *   MTH(D[0:n])    = node(MTH(D[0:k]), MTH(D[k:n])), k the largest power
 *                    of two smaller than n.
 * Audit (inclusion) paths and consistency proofs are lists of 32-byte
 * hashes, leaf level first, exactly as RFC 9162 sections 2.1.3 and 2.1.4
 * define them; verification follows sections 2.1.3.2 and 2.1.4.2.
 *
 * Proof generation reads the tree through a callback that returns the hash
 * of a perfect subtree (2^level leaves starting at index * 2^level), which a
 * log store can answer from stored nodes in O(1); a proof then costs
 * O(log n) callback calls.
 */
#ifndef CAIRN_MERKLE_H
#define CAIRN_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#define CAIRN_MERKLE_HASH_LEN 32
/** Longest proof for any tree of at most 2^63 leaves. */
#define CAIRN_MERKLE_MAX_PATH 64

/** @brief leaf hash = SHA-256(0x00 ‖ data). */
void cairn_merkle_leaf_hash(const void *data, size_t len, uint8_t out[32]);

/** @brief node hash = SHA-256(0x01 ‖ left ‖ right). @p out may alias an input. */
void cairn_merkle_node_hash(const uint8_t left[32], const uint8_t right[32], uint8_t out[32]);

/**
 * Streaming root computation: append leaf hashes in order, read the root at
 * any point. Holds one hash per set bit of the leaf count (at most 64).
 */
typedef struct cairn_merkle_builder {
	uint64_t size;
	uint8_t stack[64][32]; /* perfect subtree roots, largest first */
	unsigned depth;
} cairn_merkle_builder;

/** @brief Start an empty tree. */
void cairn_merkle_builder_init(cairn_merkle_builder *b);

/**
 * @brief Append one leaf by its leaf hash.
 * @return CAIRN_OK, or CAIRN_E_LIMIT at 2^63 leaves.
 */
int cairn_merkle_builder_add(cairn_merkle_builder *b, const uint8_t leaf_hash[32]);

/** @brief Root of the leaves appended so far (SHA-256("") when empty). */
void cairn_merkle_builder_root(const cairn_merkle_builder *b, uint8_t root[32]);

/**
 * Returns the hash of the perfect subtree covering leaves
 * [index << level, (index + 1) << level) into @p out; level 0 is a leaf hash.
 * Return 0 on success, non-zero on failure (reported as CAIRN_E_CALLBACK).
 */
typedef int (*cairn_merkle_node_fn)(void *ctx, unsigned level, uint64_t index, uint8_t out[32]);

/**
 * @brief Hash of the (possibly imperfect) subtree over leaves [begin, end),
 *        where begin is a multiple of the largest power of two <= end-begin
 *        (true of every subtree RFC 9162's recursion visits).
 * @return CAIRN_OK, CAIRN_E_INVAL, CAIRN_E_CALLBACK.
 */
int cairn_merkle_range_hash(uint64_t begin, uint64_t end, cairn_merkle_node_fn fn,
                            void *ctx, uint8_t out[32]);

/**
 * @brief RFC 9162 PATH(index, D[0:size]).
 * @param path  caller-owned array receiving the hashes, leaf level first.
 * @param cap   entries available in @p path (CAIRN_MERKLE_MAX_PATH suffices).
 * @param n     receives the number of entries.
 * @return CAIRN_OK, CAIRN_E_INVAL (index >= size), CAIRN_E_BUFFER, CAIRN_E_CALLBACK.
 */
int cairn_merkle_inclusion_proof(uint64_t index, uint64_t size, cairn_merkle_node_fn fn,
                                 void *ctx, uint8_t (*path)[32], size_t cap, size_t *n);

/**
 * @brief RFC 9162 PROOF(m, D[0:n]) for 0 < m <= n (empty when m == n).
 * @return CAIRN_OK, CAIRN_E_INVAL, CAIRN_E_BUFFER, CAIRN_E_CALLBACK.
 */
int cairn_merkle_consistency_proof(uint64_t m, uint64_t size, cairn_merkle_node_fn fn,
                                   void *ctx, uint8_t (*path)[32], size_t cap, size_t *n);

/**
 * @brief Verify an inclusion proof (RFC 9162 section 2.1.3.2).
 * @return CAIRN_OK if @p leaf_hash at @p index is in the tree of @p size
 *         leaves with @p root; CAIRN_E_PROOF if the proof is malformed or
 *         does not lead to @p root.
 */
int cairn_merkle_verify_inclusion(const uint8_t leaf_hash[32], uint64_t index, uint64_t size,
                                  const uint8_t (*path)[32], size_t n, const uint8_t root[32]);

/**
 * @brief Verify a consistency proof between trees of size1 <= size2 leaves
 *        (RFC 9162 section 2.1.4.2).
 * @return CAIRN_OK or CAIRN_E_PROOF.
 */
int cairn_merkle_verify_consistency(uint64_t size1, uint64_t size2,
                                    const uint8_t root1[32], const uint8_t root2[32],
                                    const uint8_t (*path)[32], size_t n);

#endif

/**
 * @file hash.h
 * @brief One streaming interface over the hash functions multihash supports.
 *
 * A cairn_hasher lives wherever the caller puts it (stack, struct member);
 * nothing here allocates. BLAKE3 comes from the official C implementation
 * with its SIMD back ends chosen at run time; SHA-256 from OpenSSL's
 * libcrypto, which uses the SHA extensions where the CPU has them.
 */
#ifndef CAIRN_HASH_H
#define CAIRN_HASH_H

#include <stddef.h>
#include <stdint.h>

#include <blake3.h>
#include <openssl/sha.h>

/** Digest length every streaming function here produces. */
#define CAIRN_HASH_LEN 32

/** Streaming hasher state. Treat the members as private. */
typedef struct cairn_hasher {
	uint64_t code; /**< multihash code: CAIRN_MH_SHA2_256 or CAIRN_MH_BLAKE3 */
	union {
		blake3_hasher blake3;
		SHA256_CTX sha256;
	} u;
} cairn_hasher;

/**
 * @brief Start a hash.
 * @param h    caller-owned state to initialise.
 * @param code CAIRN_MH_SHA2_256 or CAIRN_MH_BLAKE3.
 * @return CAIRN_OK or CAIRN_E_MH_UNKNOWN (identity cannot be streamed).
 */
int cairn_hasher_init(cairn_hasher *h, uint64_t code);

/**
 * @brief Feed @p len bytes (not retained).
 */
void cairn_hasher_update(cairn_hasher *h, const void *data, size_t len);

/**
 * @brief Finish and write the CAIRN_HASH_LEN-byte digest to @p out.
 *        The state must be re-initialised before further use.
 */
void cairn_hasher_final(cairn_hasher *h, uint8_t out[CAIRN_HASH_LEN]);

/**
 * @brief One-shot SHA-256 (used by the Merkle tree and tests).
 */
void cairn_sha256(const void *data, size_t len, uint8_t out[CAIRN_HASH_LEN]);

#endif

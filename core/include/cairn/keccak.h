/**
 * @file keccak.h
 * @brief Keccak-256 as Ethereum uses it: the Keccak[c=512] sponge over
 *        Keccak-f[1600] with the original padding (0x01 ... 0x80), not
 *        FIPS 202 SHA3-256 (0x06 ... 0x80). It names accounts, signs
 *        transactions and checks keystore MACs. No allocation; the
 *        context is the caller's.
 *
 * Layout: rate 136 bytes (17 lanes of 64 bits, little-endian), capacity
 * 64 bytes, digest the first 32 bytes of the state after the last block.
 */
#ifndef CAIRN_KECCAK_H
#define CAIRN_KECCAK_H

#include <stddef.h>
#include <stdint.h>

#define CAIRN_KECCAK256_LEN 32
#define CAIRN_KECCAK256_RATE 136

/** @brief A hash in progress; copy it to fork the computation. */
typedef struct cairn_keccak256 {
	uint64_t s[25];                      /**< the sponge state */
	uint8_t buf[CAIRN_KECCAK256_RATE];   /**< a partial block */
	size_t n;                            /**< bytes in buf */
} cairn_keccak256;

/** @brief Start a hash in @p k (caller-owned). */
void cairn_keccak256_init(cairn_keccak256 *k);

/**
 * @brief Absorb @p len bytes.
 * @param data not retained; may be NULL when @p len is 0.
 */
void cairn_keccak256_update(cairn_keccak256 *k, const void *data, size_t len);

/**
 * @brief Finish: write the 32-byte digest to @p out (caller-owned). @p k
 *        must be initialised again before reuse.
 */
void cairn_keccak256_final(cairn_keccak256 *k, uint8_t out[CAIRN_KECCAK256_LEN]);

/** @brief The digest of @p len bytes at @p data, in one call. */
void cairn_keccak256_hash(const void *data, size_t len, uint8_t out[CAIRN_KECCAK256_LEN]);

#endif

/**
 * @file multihash.h
 * @brief Self-describing hashes: varint(code) ‖ varint(digest length) ‖ digest.
 *
 * Supported functions and the digest lengths cairn accepts:
 *   0x00 identity   0..CAIRN_MH_IDENTITY_MAX bytes (the "digest" is the data)
 *   0x12 sha2-256   exactly 32 bytes
 *   0x1e blake3     exactly 32 bytes (BLAKE3's default output)
 * Anything else is CAIRN_E_MH_UNKNOWN; a length other than the above is
 * CAIRN_E_MH_LENGTH. The struct below is a self-contained value (it copies
 * the digest), so it can be returned, stored and compared without pointers
 * into someone else's buffer.
 */
#ifndef CAIRN_MULTIHASH_H
#define CAIRN_MULTIHASH_H

#include <stddef.h>
#include <stdint.h>

#define CAIRN_MH_IDENTITY 0x00
#define CAIRN_MH_SHA2_256 0x12
#define CAIRN_MH_BLAKE3 0x1e

/** Largest identity "digest" accepted (Kubo/boxo's limit for inline CIDs). */
#define CAIRN_MH_IDENTITY_MAX 128
/** Largest digest any supported function produces or carries. */
#define CAIRN_MH_DIGEST_MAX CAIRN_MH_IDENTITY_MAX
/** Largest encoded multihash: two 1-2 byte varints plus the digest. */
#define CAIRN_MH_MAX_BYTES (2 + 2 + CAIRN_MH_DIGEST_MAX)

/** A decoded multihash (value type: owns its digest bytes). */
typedef struct cairn_multihash {
	uint64_t code;                          /**< function code */
	size_t len;                             /**< digest length */
	uint8_t digest[CAIRN_MH_DIGEST_MAX];    /**< digest bytes [0, len) */
} cairn_multihash;

/**
 * @brief Name of a function code ("sha2-256", "blake3", "identity"), or NULL.
 */
const char *cairn_mh_name(uint64_t code);

/**
 * @brief Function code for a name as written by Kubo and multiformats.
 * @return CAIRN_OK or CAIRN_E_MH_UNKNOWN.
 */
int cairn_mh_from_name(const char *name, uint64_t *code);

/**
 * @brief Check that @p code is supported and @p len is a valid digest length.
 * @return CAIRN_OK, CAIRN_E_MH_UNKNOWN or CAIRN_E_MH_LENGTH.
 */
int cairn_mh_validate(uint64_t code, size_t len);

/**
 * @brief Build a multihash value from a code and a digest.
 * @param mh     receives the value (caller-owned).
 * @param code   function code.
 * @param digest digest bytes (copied).
 * @param len    digest length.
 * @return as cairn_mh_validate().
 */
int cairn_mh_set(cairn_multihash *mh, uint64_t code, const uint8_t *digest, size_t len);

/**
 * @brief Encoded size of @p mh in bytes.
 */
size_t cairn_mh_encoded_size(const cairn_multihash *mh);

/**
 * @brief Write the binary form of @p mh.
 * @param mh      value to encode (not modified).
 * @param out     caller-owned buffer.
 * @param cap     size of @p out.
 * @param written receives bytes written; may be NULL.
 * @return CAIRN_OK or CAIRN_E_BUFFER.
 */
int cairn_mh_encode(const cairn_multihash *mh, uint8_t *out, size_t cap, size_t *written);

/**
 * @brief Decode one multihash from the start of @p in.
 * @param in       bytes (not owned).
 * @param len      bytes available.
 * @param mh       receives the value.
 * @param consumed receives the bytes used; if NULL, trailing bytes are an
 *                 error (CAIRN_E_TRAILING).
 * @return CAIRN_OK, CAIRN_E_TRUNCATED, varint errors, CAIRN_E_MH_UNKNOWN,
 *         CAIRN_E_MH_LENGTH, CAIRN_E_TRAILING.
 */
int cairn_mh_decode(const uint8_t *in, size_t len, cairn_multihash *mh, size_t *consumed);

/**
 * @brief Hash @p len bytes with function @p code into @p mh.
 * @return CAIRN_OK, CAIRN_E_MH_UNKNOWN, or CAIRN_E_MH_LENGTH (identity over
 *         more than CAIRN_MH_IDENTITY_MAX bytes).
 */
int cairn_mh_compute(cairn_multihash *mh, uint64_t code, const void *data, size_t len);

#endif

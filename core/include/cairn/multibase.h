/**
 * @file multibase.h
 * @brief Multibase text encodings: one prefix character, then the payload.
 *
 * Supported (prefix, name):
 *   'f' base16       'F' base16upper      RFC 4648 section 8, no padding
 *   'b' base32       'B' base32upper      RFC 4648 section 6, no padding
 *   'k' base36       'K' base36upper      big-number, leading 0x00 -> '0'
 *   'z' base58btc                         big-number, leading 0x00 -> '1'
 *   'm' base64       'u' base64url        RFC 4648 sections 4/5, no padding
 *   'M' base64pad    'U' base64urlpad     the same with '=' padding (signed
 *                                         notes and checkpoints use base64pad)
 *
 * Decoding is strict, as in the reference implementations: each variant only
 * accepts its own alphabet and case, '=' padding is rejected, and an RFC 4648
 * payload whose length is impossible or whose final character carries
 * non-zero spare bits is rejected (otherwise two strings would decode to the
 * same bytes and CID text would not be canonical).
 */
#ifndef CAIRN_MULTIBASE_H
#define CAIRN_MULTIBASE_H

#include <stddef.h>
#include <stdint.h>

/** A multibase, identified by its prefix character. */
typedef enum cairn_base {
	CAIRN_BASE16 = 'f',
	CAIRN_BASE16UPPER = 'F',
	CAIRN_BASE32 = 'b',
	CAIRN_BASE32UPPER = 'B',
	CAIRN_BASE36 = 'k',
	CAIRN_BASE36UPPER = 'K',
	CAIRN_BASE58BTC = 'z',
	CAIRN_BASE64 = 'm',
	CAIRN_BASE64URL = 'u',
	CAIRN_BASE64PAD = 'M',
	CAIRN_BASE64URLPAD = 'U',
} cairn_base;

/**
 * @brief Look a base up by its multibase name ("base32", "base58btc", ...).
 * @param name NUL-terminated name (not owned).
 * @param base receives the base.
 * @return CAIRN_OK or CAIRN_E_BASE_UNKNOWN.
 */
int cairn_base_from_name(const char *name, cairn_base *base);

/**
 * @brief Look a base up by its prefix character.
 * @return CAIRN_OK or CAIRN_E_BASE_UNKNOWN.
 */
int cairn_base_from_prefix(char prefix, cairn_base *base);

/** @brief Multibase name of @p base (static string), or NULL if unknown. */
const char *cairn_base_name(cairn_base base);

/**
 * @brief Upper bound on the text length of @p len bytes in @p base,
 *        counting the prefix character and the terminating NUL.
 */
size_t cairn_multibase_encoded_max(cairn_base base, size_t len);

/**
 * @brief Encode bytes as multibase text.
 * @param base   target base.
 * @param in     bytes to encode (not owned).
 * @param len    number of bytes at @p in.
 * @param out    caller-owned buffer; receives prefix + payload + NUL.
 * @param cap    size of @p out; cairn_multibase_encoded_max() always suffices.
 * @param outlen receives the text length without the NUL; may be NULL.
 * @return CAIRN_OK, CAIRN_E_BASE_UNKNOWN, CAIRN_E_BUFFER.
 */
int cairn_multibase_encode(cairn_base base, const uint8_t *in, size_t len,
                           char *out, size_t cap, size_t *outlen);

/**
 * @brief Encode bytes in @p base without the multibase prefix (the payload
 *        alone; base58btc without prefix is how CIDv0 is written).
 *        Same contract as cairn_multibase_encode().
 */
int cairn_base_encode(cairn_base base, const uint8_t *in, size_t len,
                      char *out, size_t cap, size_t *outlen);

/**
 * @brief Decode multibase text (prefix included).
 * @param in     text (not NUL-terminated necessarily; not owned).
 * @param len    length of @p in.
 * @param out    caller-owned buffer for the bytes.
 * @param cap    size of @p out; @p len bytes always suffice.
 * @param outlen receives the number of bytes decoded.
 * @param base   receives the base used; may be NULL.
 * @return CAIRN_OK, CAIRN_E_EMPTY, CAIRN_E_BASE_UNKNOWN, CAIRN_E_BASE_CHAR,
 *         CAIRN_E_BASE_PADDING, CAIRN_E_BUFFER.
 */
int cairn_multibase_decode(const char *in, size_t len, uint8_t *out, size_t cap,
                           size_t *outlen, cairn_base *base);

/**
 * @brief Decode a payload in a known base (no prefix). Same contract as
 *        cairn_multibase_decode(); an empty payload decodes to zero bytes.
 */
int cairn_base_decode(cairn_base base, const char *in, size_t len,
                      uint8_t *out, size_t cap, size_t *outlen);

#endif

/**
 * @file cid.h
 * @brief Content identifiers, versions 0 and 1.
 *
 * Binary layout:
 *   CIDv0: the bare multihash 0x12 0x20 ‖ 32-byte SHA-256 digest (34 bytes);
 *          codec is implicitly dag-pb.
 *   CIDv1: varint(1) ‖ varint(codec) ‖ multihash.
 * Text: CIDv0 is the 46-character base58btc of those 34 bytes with no
 * multibase prefix ("Qm..."); CIDv1 is multibase text, base32 by default.
 * A multibase string whose bytes start with 0x12 is rejected (the spec
 * reserves it so v0 and v1 can never be confused).
 *
 * Supported codecs: raw 0x55, dag-pb 0x70, dag-cbor 0x71, libp2p-key 0x72,
 * dag-json 0x0129. Others are CAIRN_E_CID_CODEC.
 */
#ifndef CAIRN_CID_H
#define CAIRN_CID_H

#include <stddef.h>
#include <stdint.h>

#include "cairn/multibase.h"
#include "cairn/multihash.h"

#define CAIRN_CODEC_RAW 0x55
#define CAIRN_CODEC_DAG_PB 0x70
#define CAIRN_CODEC_DAG_CBOR 0x71
#define CAIRN_CODEC_LIBP2P_KEY 0x72
#define CAIRN_CODEC_DAG_JSON 0x0129
#define CAIRN_CODEC_JSON 0x0200

/** Largest binary CID: version (1) + codec (at most 3) + multihash. */
#define CAIRN_CID_MAX_BYTES (1 + 3 + CAIRN_MH_MAX_BYTES)
/** Text buffer that holds any CID in any supported base, with NUL
 *  (base16 is the longest: 2 characters a byte, plus the prefix). */
#define CAIRN_CID_TEXT_MAX (2 * CAIRN_CID_MAX_BYTES + 2)
/** Length of a CIDv0 in text. */
#define CAIRN_CIDV0_TEXT_LEN 46

/** A CID (value type). */
typedef struct cairn_cid {
	unsigned version;       /**< 0 or 1 */
	uint64_t codec;         /**< multicodec; always dag-pb for v0 */
	cairn_multihash mh;     /**< the content's multihash */
} cairn_cid;

/** @brief Codec name ("raw", "dag-pb", ...) or NULL if unsupported. */
const char *cairn_codec_name(uint64_t codec);

/** @brief Codec code for a name. @return CAIRN_OK or CAIRN_E_CID_CODEC. */
int cairn_codec_from_name(const char *name, uint64_t *codec);

/**
 * @brief Build a CID, checking the version, codec and the v0 constraints.
 * @param cid     receives the value.
 * @param version 0 or 1.
 * @param codec   supported codec (must be dag-pb for v0).
 * @param mh      multihash (copied; must be sha2-256 for v0).
 * @return CAIRN_OK, CAIRN_E_CID_VERSION, CAIRN_E_CID_CODEC, CAIRN_E_CID_V0.
 */
int cairn_cid_set(cairn_cid *cid, unsigned version, uint64_t codec, const cairn_multihash *mh);

/** @brief Binary size of @p cid. */
size_t cairn_cid_encoded_size(const cairn_cid *cid);

/**
 * @brief Write the binary form.
 * @param cid     value (not modified).
 * @param out     caller-owned buffer; CAIRN_CID_MAX_BYTES always suffices.
 * @param cap     size of @p out.
 * @param written receives bytes written; may be NULL.
 * @return CAIRN_OK or CAIRN_E_BUFFER.
 */
int cairn_cid_encode(const cairn_cid *cid, uint8_t *out, size_t cap, size_t *written);

/**
 * @brief Decode a binary CID from the start of @p in.
 * @param consumed receives the bytes used; if NULL the CID must fill @p len
 *                 exactly (else CAIRN_E_TRAILING).
 * @return CAIRN_OK, CAIRN_E_TRUNCATED, CAIRN_E_CID_VERSION,
 *         CAIRN_E_CID_CODEC, CAIRN_E_CID_V0, multihash and varint errors.
 */
int cairn_cid_decode(const uint8_t *in, size_t len, cairn_cid *cid, size_t *consumed);

/**
 * @brief Parse CID text: CIDv0 ("Qm...") or multibase CIDv1.
 * @param text not necessarily NUL-terminated; not owned.
 * @param len  length of @p text.
 * @return CAIRN_OK, CAIRN_E_EMPTY, multibase errors, binary decode errors.
 */
int cairn_cid_parse(const char *text, size_t len, cairn_cid *cid);

/**
 * @brief Write CID text in @p base. A CIDv0 is only representable in
 *        base58btc (written without prefix); for any other base, convert to
 *        v1 first (cairn_cid_to_v1) or get CAIRN_E_CID_V0.
 * @param out caller-owned, CAIRN_CID_TEXT_MAX always suffices; NUL-terminated.
 * @return CAIRN_OK, CAIRN_E_CID_V0, CAIRN_E_BASE_UNKNOWN, CAIRN_E_BUFFER.
 */
int cairn_cid_format(const cairn_cid *cid, cairn_base base, char *out, size_t cap, size_t *outlen);

/**
 * @brief Write CID text in its default base: base58btc for v0, base32 for v1.
 */
int cairn_cid_to_string(const cairn_cid *cid, char *out, size_t cap, size_t *outlen);

/**
 * @brief Check that @p data is the block @p cid names (hashes to its
 *        multihash; identity CIDs compare the bytes).
 * @return CAIRN_OK, CAIRN_E_MISMATCH, CAIRN_E_MH_UNKNOWN.
 */
int cairn_cid_check_block(const cairn_cid *cid, const void *data, size_t len);

/** @brief Same CID as version 1 (same codec and multihash). */
void cairn_cid_to_v1(const cairn_cid *in, cairn_cid *out);

/**
 * @brief Same CID as version 0.
 * @return CAIRN_OK or CAIRN_E_CID_V0 if not dag-pb with sha2-256.
 */
int cairn_cid_to_v0(const cairn_cid *in, cairn_cid *out);

/**
 * @brief Total order on CIDs: their binary encodings compared bytewise,
 *        shorter first on a common prefix (memcmp order).
 * @return <0, 0, >0.
 */
int cairn_cid_compare(const cairn_cid *a, const cairn_cid *b);

/**
 * @brief Check that bytes are exactly one binary CID by structure alone: a
 *        CIDv0 (a 32-byte sha2-256 multihash) or a CIDv1 of any codec and
 *        any multihash function, with as many digest bytes as it states.
 *
 * Links inside DAG-CBOR and DAG-JSON may name content of codecs and hash
 * functions this library does not implement; they are still valid links and
 * must survive a round trip. Use cairn_cid_decode() to know whether a link is
 * one the node can fetch.
 * @param in  the bytes (not owned).
 * @param len their length; at most CAIRN_CID_MAX_BYTES.
 * @return CAIRN_OK, CAIRN_E_EMPTY, CAIRN_E_TRUNCATED, CAIRN_E_TRAILING,
 *         CAIRN_E_CID_VERSION, CAIRN_E_CID_V0, CAIRN_E_LIMIT or a varint error.
 */
int cairn_cid_check_shape(const uint8_t *in, size_t len);

#endif

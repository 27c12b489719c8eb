/**
 * @file tlog.h
 * @brief C2SP transparency-log texts: checkpoints (c2sp.org/tlog-checkpoint)
 *        and proof bundles (c2sp.org/tlog-proof).
 *
 * A checkpoint is the body of a signed note:
 *
 *   <origin>\n  <tree size, decimal>\n  <root hash, base64>\n  [extension lines]
 *
 * A tlog-proof bundle:
 *
 *   c2sp.org/tlog-proof@v1\n
 *   [extra <base64 of opaque bytes>\n]
 *   index <leaf index, decimal>\n
 *   <base64 hash>\n ...           the RFC 9162 inclusion path, leaf level
 *                                 first, 0 to CAIRN_MERKLE_MAX_PATH lines
 *   \n
 *   <the checkpoint's signed note, verbatim: text, blank line, signatures>
 *
 * Decimals have no leading zeros ("0" alone is zero); base64 is RFC 4648
 * with padding, canonical (no stray bits), so a parsed bundle written
 * again is the same bytes. Nothing is allocated: parses point into the
 * caller's text.
 */
#ifndef CAIRN_TLOG_H
#define CAIRN_TLOG_H

#include "cairn/error.h"
#include "cairn/merkle.h"

#include <stddef.h>
#include <stdint.h>

#define CAIRN_TLOG_PROOF_HEADER "c2sp.org/tlog-proof@v1"

/** A parsed bundle: its spans point into the parsed text. */
typedef struct cairn_tlog_proof {
	const char *extra;      /**< the extra line's base64, undecoded (NULL: none):
	                             the caller decodes it (cairn_base_decode,
	                             CAIRN_BASE64PAD), which checks it */
	size_t extra_len;
	uint64_t index;
	size_t npath;
	uint8_t path[CAIRN_MERKLE_MAX_PATH][32];
	const char *note;       /**< the checkpoint's signed note, to the end */
	size_t note_len;
} cairn_tlog_proof;

/**
 * @brief Parse a tlog-proof bundle.
 * @param text the bundle (not owned; need not be NUL-terminated).
 * @param len  its length.
 * @param p    caller-owned; receives the parts (spans into @p text).
 * @return CAIRN_OK, or CAIRN_E_TLOG (not a well-formed bundle; the note
 *         itself is only required to be non-empty: check it with
 *         cairn_tlog_checkpoint_parse and a signature check).
 */
int cairn_tlog_proof_parse(const char *text, size_t len, cairn_tlog_proof *p);

/**
 * @brief Write a tlog-proof bundle.
 * @param extra     opaque bytes for the extra line (not owned), or NULL.
 * @param extra_len their length (0: no extra line).
 * @param index     the leaf's index.
 * @param path      the inclusion path, leaf level first (not owned).
 * @param npath     its length, at most CAIRN_MERKLE_MAX_PATH.
 * @param note      the checkpoint's signed note (not owned).
 * @param note_len  its length.
 * @param out       caller-owned buffer, receives the bundle and a NUL.
 * @param cap       its size; cairn_tlog_proof_size() bytes suffice.
 * @param written   receives the bundle's length (without the NUL).
 * @return CAIRN_OK, CAIRN_E_INVAL (npath too long), CAIRN_E_BUFFER.
 */
int cairn_tlog_proof_write(const uint8_t *extra, size_t extra_len, uint64_t index,
                           const uint8_t (*path)[32], size_t npath, const char *note,
                           size_t note_len, char *out, size_t cap, size_t *written);

/** @brief Bytes cairn_tlog_proof_write needs, NUL included. */
size_t cairn_tlog_proof_size(size_t extra_len, size_t npath, size_t note_len);

/** Consistency proof lines an add-checkpoint request may carry. */
#define CAIRN_TLOG_WITNESS_PROOF_MAX 63

/**
 * A c2sp.org/tlog-witness add-checkpoint request body:
 *
 *   old <size>\n                  decimal, no leading zeros
 *   <base64 hash>\n ...           the consistency proof, at most
 *                                 CAIRN_TLOG_WITNESS_PROOF_MAX lines
 *   \n
 *   <the checkpoint's signed note>
 */
typedef struct cairn_tlog_witness_req {
	uint64_t old;
	size_t nproof;
	uint8_t proof[CAIRN_TLOG_WITNESS_PROOF_MAX][32];
	const char *note;    /**< the rest of the body, to its end */
	size_t note_len;
	const char *why;     /**< on failure: what is wrong (a static string) */
} cairn_tlog_witness_req;

/**
 * @brief Parse an add-checkpoint request body.
 * @param text the body (not owned; need not be NUL-terminated).
 * @param len  its length.
 * @param r    caller-owned; receives the parts (note: a span of @p text).
 * @return CAIRN_OK, or CAIRN_E_TLOG with r->why set. The note is only
 *         split off: check it with cairn_tlog_checkpoint_parse.
 */
int cairn_tlog_witness_parse(const char *text, size_t len, cairn_tlog_witness_req *r);

/**
 * @brief Read a checkpoint's first three lines.
 * @param note   the checkpoint text or the whole signed note (not owned).
 * @param len    its length.
 * @param origin receives where the origin line starts (in @p note): a
 *               non-empty line without control characters.
 * @param origin_len its length, without the newline.
 * @param size   receives the tree size.
 * @param root   receives the root hash.
 * @return CAIRN_OK, or CAIRN_E_TLOG.
 */
int cairn_tlog_checkpoint_parse(const char *note, size_t len, const char **origin,
                                size_t *origin_len, uint64_t *size, uint8_t root[32]);

#endif

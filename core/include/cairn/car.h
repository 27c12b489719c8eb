/**
 * @file car.h
 * @brief CARv1 (Content Addressable aRchive) framing.
 *
 * Layout:
 *   varint(H) ‖ header (H bytes of dag-cbor) ‖ section*
 *   header  = {"roots": [CID, ...], "version": 1}
 *             map(2) keys in dag-cbor order ("roots" sorts first: shorter);
 *             each CID is tag 42 over a byte string 0x00 ‖ binary CID.
 *   section = varint(C + D) ‖ binary CID (C bytes) ‖ block data (D bytes)
 * The reader accepts exactly this shape (both keys, either order, nothing
 * else), minimal CBOR lengths, and version 1; anything else is
 * CAIRN_E_CAR. Readers work on whatever prefix of the stream the caller has
 * and say CAIRN_E_TRUNCATED when they need more, so a network stream can be
 * parsed as it arrives.
 */
#ifndef CAIRN_CAR_H
#define CAIRN_CAR_H

#include <stddef.h>
#include <stdint.h>

#include "cairn/cid.h"

/** Default bound on the header (roots list) a reader accepts. */
#define CAIRN_CAR_HEADER_MAX 65536
/** Default bound on one section: a 2 MiB block (the gateway spec's limit)
 *  plus its CID and length. */
#define CAIRN_CAR_SECTION_MAX (2 * 1024 * 1024 + CAIRN_CID_MAX_BYTES + 16)

/** @brief Bytes cairn_car_header_encode() writes for these roots. */
size_t cairn_car_header_size(const cairn_cid *roots, size_t nroots);

/**
 * @brief Write the CAR header, including its leading varint.
 * @param roots  root CIDs (not retained).
 * @param out    caller-owned buffer of cairn_car_header_size() bytes.
 * @return CAIRN_OK, CAIRN_E_BUFFER, CAIRN_E_LIMIT (over 65535 roots).
 */
int cairn_car_header_encode(const cairn_cid *roots, size_t nroots,
                            uint8_t *out, size_t cap, size_t *written);

/**
 * @brief Read the CAR header from the start of a stream.
 * @param in       stream prefix (not owned).
 * @param len      bytes available.
 * @param roots    caller-owned array for the roots.
 * @param cap      entries in @p roots.
 * @param nroots   receives the number of roots.
 * @param consumed receives the header's length including its varint.
 * @return CAIRN_OK, CAIRN_E_TRUNCATED (need more bytes), CAIRN_E_CAR,
 *         CAIRN_E_LIMIT (header over CAIRN_CAR_HEADER_MAX or more roots
 *         than @p cap), CID errors for a malformed root.
 */
int cairn_car_header_decode(const uint8_t *in, size_t len, cairn_cid *roots, size_t cap,
                            size_t *nroots, size_t *consumed);

/**
 * @brief Write a section's prefix, varint(C + D) ‖ CID; the caller then
 *        writes the @p data_len bytes of the block itself.
 * @param out caller-owned, 10 + CAIRN_CID_MAX_BYTES always suffice.
 * @return CAIRN_OK, CAIRN_E_BUFFER.
 */
int cairn_car_section_head(const cairn_cid *cid, size_t data_len,
                           uint8_t *out, size_t cap, size_t *written);

/**
 * @brief Read one section from the start of @p in.
 * @param max      largest section accepted (0 = CAIRN_CAR_SECTION_MAX).
 * @param cid      receives the block's CID.
 * @param data     receives a view of the block bytes inside @p in.
 * @param data_len receives their length.
 * @param consumed receives the section's total length.
 * @return CAIRN_OK, CAIRN_E_TRUNCATED, CAIRN_E_CAR (zero length, CID longer
 *         than the section), CAIRN_E_LIMIT, CID errors. The block is not
 *         hashed here; see cairn_cid_check_block().
 */
int cairn_car_section_decode(const uint8_t *in, size_t len, size_t max, cairn_cid *cid,
                             const uint8_t **data, size_t *data_len, size_t *consumed);

#endif

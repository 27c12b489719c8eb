/**
 * @file rlp.h
 * @brief RLP, Ethereum's Recursive Length Prefix, the encoder: what a
 *        signed transaction is made of (EIP-2718 envelopes, EIP-1559
 *        fields). Items are written into the caller's buffer; nothing is
 *        allocated.
 *
 * Byte layout (Ethereum Yellow Paper, appendix B):
 *   a single byte 0x00..0x7f            itself
 *   a string of 0..55 bytes             0x80+len ‖ bytes
 *   a string of 56+ bytes               0xb7+len(L) ‖ L (big-endian) ‖ bytes
 *   a list whose items take 0..55 bytes 0xc0+len ‖ items
 *   a list of 56+ bytes of items        0xf7+len(L) ‖ L ‖ items
 * An integer is the string of its big-endian bytes without leading
 * zeros: 0 is the empty string (0x80).
 */
#ifndef CAIRN_RLP_H
#define CAIRN_RLP_H

#include <stddef.h>
#include <stdint.h>

/** @brief A writer over a caller-owned buffer. The first error sticks:
 *         later items are not written, and cairn_rlp_finish() reports it. */
typedef struct cairn_rlp {
	uint8_t *out;
	size_t cap, len;
	int err;
} cairn_rlp;

/** @brief Start writing into @p out (@p cap bytes, caller-owned). */
void cairn_rlp_init(cairn_rlp *w, uint8_t *out, size_t cap);

/** @brief A byte string (@p p not retained; may be NULL when @p n is 0). */
void cairn_rlp_bytes(cairn_rlp *w, const void *p, size_t n);

/** @brief An unsigned integer. */
void cairn_rlp_uint(cairn_rlp *w, uint64_t v);

/** @brief An unsigned integer given as @p n big-endian bytes (a uint256,
 *         a signature's r or s): leading zeros are not written. */
void cairn_rlp_uint_be(cairn_rlp *w, const uint8_t *be, size_t n);

/** @brief Open a list: its items follow; returns the mark that
 *         cairn_rlp_list_end() takes. Lists nest. */
size_t cairn_rlp_list_begin(cairn_rlp *w);

/** @brief Close the list opened at @p mark: its header is put before
 *         its items (which move up by the header's size). */
void cairn_rlp_list_end(cairn_rlp *w, size_t mark);

/**
 * @brief The outcome: CAIRN_OK with *@p len the bytes written, or
 *        CAIRN_E_BUFFER (the buffer was too small), CAIRN_E_INVAL (a
 *        list closed with a mark it did not open).
 */
int cairn_rlp_finish(const cairn_rlp *w, size_t *len);

#endif

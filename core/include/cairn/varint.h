/**
 * @file varint.h
 * @brief Unsigned varints as the multiformats spec defines them.
 *
 * Layout: little-endian groups of 7 bits, high bit set on every byte but the
 * last (LEB128). The multiformats spec adds two rules that plain LEB128 does
 * not have, and the decoder enforces both:
 *   - minimal encoding: the last byte is never 0x00 unless it is the only one;
 *   - at most 9 bytes, so values are < 2^63.
 */
#ifndef CAIRN_VARINT_H
#define CAIRN_VARINT_H

#include <stddef.h>
#include <stdint.h>

/** Longest varint the multiformats spec allows, in bytes. */
#define CAIRN_VARINT_MAX_BYTES 9
/** Largest encodable value: 63 bits. */
#define CAIRN_VARINT_MAX_VALUE UINT64_C(0x7fffffffffffffff)

/**
 * @brief Number of bytes the encoding of @p v takes (1..10; 10 only for
 *        values above CAIRN_VARINT_MAX_VALUE, which encode() refuses).
 */
size_t cairn_varint_size(uint64_t v);

/**
 * @brief Encode @p v into the caller's buffer.
 * @param v       value, at most CAIRN_VARINT_MAX_VALUE.
 * @param out     caller-owned output buffer.
 * @param cap     size of @p out in bytes.
 * @param written set to the number of bytes written; may be NULL.
 * @return CAIRN_OK, CAIRN_E_VARINT_OVERFLOW if @p v has more than 63 bits,
 *         CAIRN_E_BUFFER if @p cap is too small (nothing written).
 */
int cairn_varint_encode(uint64_t v, uint8_t *out, size_t cap, size_t *written);

/**
 * @brief Decode one varint from the start of @p in.
 * @param in       bytes to read (not owned, not modified).
 * @param len      bytes available at @p in.
 * @param v        receives the value.
 * @param consumed receives the number of bytes the varint used; may be NULL.
 * @return CAIRN_OK, CAIRN_E_TRUNCATED (input ends mid-varint, so a streaming
 *         caller may retry with more bytes), CAIRN_E_VARINT_NONMINIMAL,
 *         CAIRN_E_VARINT_OVERFLOW (more than 9 bytes).
 */
int cairn_varint_decode(const uint8_t *in, size_t len, uint64_t *v, size_t *consumed);

#endif

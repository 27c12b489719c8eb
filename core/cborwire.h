/*
 * cborwire.h: CBOR heads as DAG-CBOR writes them, shared by car.c,
 * dagcbor.c and dagjson.c (private to core/, not installed).
 *
 * A head is one initial byte, major type in the top 3 bits and "additional
 * information" (ai) in the low 5, then 0, 1, 2, 4 or 8 big-endian argument
 * bytes (ai 24..27). DAG-CBOR allows only the shortest head for a value and
 * no indefinite lengths (ai 31).
 */
#ifndef CAIRN_CBORWIRE_H
#define CAIRN_CBORWIRE_H

#include <stddef.h>
#include <stdint.h>

#define CBOR_UINT 0
#define CBOR_NEGINT 1
#define CBOR_BYTES 2
#define CBOR_TEXT 3
#define CBOR_ARRAY 4
#define CBOR_MAP 5
#define CBOR_TAG 6
#define CBOR_SIMPLE 7
#define CBOR_TAG_CID 42    /* IPLD link: tag 42 over bytes 0x00 ‖ binary CID */

/* Major 7 initial bytes DAG-CBOR allows (floats only as 64-bit). */
#define CBOR_FALSE 0xf4
#define CBOR_TRUE 0xf5
#define CBOR_NULL 0xf6
#define CBOR_FLOAT64 0xfb

static inline size_t cbor_head_size(uint64_t v)
{
	return v < 24 ? 1 : v < 0x100 ? 2 : v < 0x10000 ? 3 : v < 0x100000000 ? 5 : 9;
}

/* Writes the shortest head for (major, v); out needs cbor_head_size(v). */
static inline size_t cbor_put_head(uint8_t *out, unsigned major, uint64_t v)
{
	size_t n = cbor_head_size(v);
	static const uint8_t info[] = {0, 0, 24, 25, 0, 26, 0, 0, 0, 27};
	if (n == 1) {
		out[0] = (uint8_t)(major << 5 | v);
		return 1;
	}
	out[0] = (uint8_t)(major << 5 | info[n]);
	for (size_t i = 1; i < n; i++)
		out[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
	return n;
}

/*
 * Reads one head of major 0..6 in its shortest form. Returns the bytes used
 * (1..9), or -1 when the input ends inside it, -2 for ai 28..31 (reserved or
 * indefinite) and -3 for a longer head than the value needs.
 */
static inline int cbor_get_head(const uint8_t *p, size_t len, unsigned *major, uint64_t *v)
{
	if (len < 1)
		return -1;
	*major = p[0] >> 5;
	unsigned ai = p[0] & 31;
	if (ai < 24) {
		*v = ai;
		return 1;
	}
	size_t n = ai == 24 ? 1 : ai == 25 ? 2 : ai == 26 ? 4 : ai == 27 ? 8 : 0;
	if (n == 0)
		return -2;
	if (len < 1 + n)
		return -1;
	uint64_t x = 0;
	for (size_t i = 0; i < n; i++)
		x = x << 8 | p[1 + i];
	uint64_t min = n == 1 ? 24 : n == 2 ? 0x100 : n == 4 ? 0x10000 : 0x100000000;
	if (x < min)
		return -3;
	*v = x;
	return (int)(1 + n);
}

#endif

#include "cairn/varint.h"
#include "cairn/error.h"

size_t cairn_varint_size(uint64_t v)
{
	size_t n = 1;
	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

int cairn_varint_encode(uint64_t v, uint8_t *out, size_t cap, size_t *written)
{
	if (v > CAIRN_VARINT_MAX_VALUE)
		return CAIRN_E_VARINT_OVERFLOW;
	size_t n = cairn_varint_size(v);
	if (n > cap)
		return CAIRN_E_BUFFER;
	for (size_t i = 0; i + 1 < n; i++) {
		out[i] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	out[n - 1] = (uint8_t)v;
	if (written)
		*written = n;
	return CAIRN_OK;
}

int cairn_varint_decode(const uint8_t *in, size_t len, uint64_t *v, size_t *consumed)
{
	uint64_t x = 0;
	for (size_t i = 0; i < CAIRN_VARINT_MAX_BYTES; i++) {
		if (i >= len)
			return CAIRN_E_TRUNCATED;
		uint8_t b = in[i];
		x |= (uint64_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80)) {
			/* A zero final byte after others means the encoder padded. */
			if (b == 0 && i > 0)
				return CAIRN_E_VARINT_NONMINIMAL;
			*v = x;
			if (consumed)
				*consumed = i + 1;
			return CAIRN_OK;
		}
	}
	return CAIRN_E_VARINT_OVERFLOW;
}

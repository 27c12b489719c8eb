#include "pbwire.h"
#include "cairn/error.h"
#include "cairn/varint.h"

/* Protobuf varint: up to 10 bytes, 64 bits. */
static int get_varint(cairn_pbreader *r, uint64_t *v, int strict)
{
	uint64_t x = 0;
	for (unsigned i = 0; i < 10; i++) {
		if (r->off >= r->len)
			return CAIRN_E_TRUNCATED;
		uint8_t b = r->p[r->off++];
		if (i == 9 && b > 1)
			return CAIRN_E_PROTOBUF; /* more than 64 bits */
		x |= (uint64_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80)) {
			if (strict && b == 0 && i > 0)
				return CAIRN_E_PROTOBUF;
			*v = x;
			return CAIRN_OK;
		}
	}
	return CAIRN_E_PROTOBUF;
}

int cairn_pb_next(cairn_pbreader *r, cairn_pbfield *f, int strict)
{
	if (r->off == r->len)
		return 0;
	uint64_t key;
	int rc = get_varint(r, &key, strict);
	if (rc)
		return rc == CAIRN_E_TRUNCATED ? CAIRN_E_PROTOBUF : rc;
	f->number = (uint32_t)(key >> 3);
	f->wire = (unsigned)(key & 7);
	if ((key >> 3) == 0 || (key >> 3) > 0x1fffffff)
		return CAIRN_E_PROTOBUF;
	switch (f->wire) {
	case PB_VARINT:
		rc = get_varint(r, &f->value, strict);
		if (rc)
			return CAIRN_E_PROTOBUF;
		return 1;
	case PB_LEN: {
		uint64_t n;
		rc = get_varint(r, &n, strict);
		if (rc)
			return CAIRN_E_PROTOBUF;
		if (n > r->len - r->off)
			return CAIRN_E_PROTOBUF;
		f->bytes = r->p + r->off;
		f->len = (size_t)n;
		r->off += (size_t)n;
		return 1;
	}
	case PB_FIXED32:
	case PB_FIXED64: {
		unsigned w = f->wire == PB_FIXED32 ? 4 : 8;
		if (r->len - r->off < w)
			return CAIRN_E_PROTOBUF;
		uint64_t x = 0;
		for (unsigned i = 0; i < w; i++)
			x |= (uint64_t)r->p[r->off + i] << (8 * i);
		r->off += w;
		f->value = x;
		return 1;
	}
	default:
		return CAIRN_E_PROTOBUF; /* groups (3, 4) and reserved types */
	}
}

size_t cairn_pb_put_varint(uint8_t *out, size_t cap, uint64_t v)
{
	size_t n = cairn_varint_size(v);
	if (n > cap)
		return 0;
	for (size_t i = 0; i + 1 < n; i++) {
		out[i] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	out[n - 1] = (uint8_t)v;
	return n;
}

size_t cairn_pb_put_tag(uint8_t *out, size_t cap, uint32_t number, unsigned wire)
{
	return cairn_pb_put_varint(out, cap, ((uint64_t)number << 3) | wire);
}

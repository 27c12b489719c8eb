#include "cairn/rlp.h"
#include "cairn/error.h"

#include <string.h>

void cairn_rlp_init(cairn_rlp *w, uint8_t *out, size_t cap)
{
	w->out = out;
	w->cap = cap;
	w->len = 0;
	w->err = CAIRN_OK;
}

static void put(cairn_rlp *w, const void *p, size_t n)
{
	if (w->err)
		return;
	if (n > w->cap - w->len) {
		w->err = CAIRN_E_BUFFER;
		return;
	}
	if (n)
		memcpy(w->out + w->len, p, n);
	w->len += n;
}

/* The big-endian bytes of v without leading zeros, into be[8]: returns
 * how many (0 for v = 0), right-aligned at be + 8 - n. */
static size_t be_bytes(uint64_t v, uint8_t be[8])
{
	size_t n = 0;
	for (int i = 7; i >= 0; i--, v >>= 8)
		be[i] = (uint8_t)v;
	while (n < 8 && be[n] == 0)
		n++;
	return 8 - n;
}

/* The header of a string (base 0x80) or list (base 0xc0) of len bytes. */
static size_t header(uint8_t base, size_t len, uint8_t out[9])
{
	if (len < 56) {
		out[0] = (uint8_t)(base + len);
		return 1;
	}
	uint8_t be[8];
	size_t n = be_bytes(len, be);
	out[0] = (uint8_t)(base + 55 + n);
	memcpy(out + 1, be + 8 - n, n);
	return 1 + n;
}

void cairn_rlp_bytes(cairn_rlp *w, const void *p, size_t n)
{
	uint8_t h[9];
	if (n == 1 && ((const uint8_t *)p)[0] < 0x80) {
		put(w, p, 1); /* a byte below 0x80 is its own encoding */
		return;
	}
	put(w, h, header(0x80, n, h));
	put(w, p, n);
}

void cairn_rlp_uint(cairn_rlp *w, uint64_t v)
{
	uint8_t be[8];
	size_t n = be_bytes(v, be);
	cairn_rlp_bytes(w, be + 8 - n, n);
}

void cairn_rlp_uint_be(cairn_rlp *w, const uint8_t *be, size_t n)
{
	while (n && be[0] == 0) {
		be++;
		n--;
	}
	cairn_rlp_bytes(w, be, n);
}

size_t cairn_rlp_list_begin(cairn_rlp *w)
{
	return w->len;
}

void cairn_rlp_list_end(cairn_rlp *w, size_t mark)
{
	uint8_t h[9];
	if (w->err)
		return;
	if (mark > w->len) {
		w->err = CAIRN_E_INVAL;
		return;
	}
	size_t payload = w->len - mark, hl = header(0xc0, payload, h);
	if (hl > w->cap - w->len) {
		w->err = CAIRN_E_BUFFER;
		return;
	}
	memmove(w->out + mark + hl, w->out + mark, payload);
	memcpy(w->out + mark, h, hl);
	w->len += hl;
}

int cairn_rlp_finish(const cairn_rlp *w, size_t *len)
{
	if (w->err)
		return w->err;
	*len = w->len;
	return CAIRN_OK;
}

#include "cairn/murmur3.h"

static uint64_t rotl(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

/* The finalisation mix: every input bit affects every output bit. */
static uint64_t fmix(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53ULL;
	k ^= k >> 33;
	return k;
}

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

#define C1 0x87c37b91114253d5ULL
#define C2 0x4cf5ad432745937fULL

uint64_t cairn_murmur3_x64_64(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t h1 = 0, h2 = 0, k1, k2;
	size_t nblocks = len / 16;

	for (size_t i = 0; i < nblocks; i++, p += 16) {
		k1 = le64(p);
		k2 = le64(p + 8);
		k1 *= C1;
		k1 = rotl(k1, 31);
		k1 *= C2;
		h1 ^= k1;
		h1 = rotl(h1, 27);
		h1 += h2;
		h1 = h1 * 5 + 0x52dce729;
		k2 *= C2;
		k2 = rotl(k2, 33);
		k2 *= C1;
		h2 ^= k2;
		h2 = rotl(h2, 31);
		h2 += h1;
		h2 = h2 * 5 + 0x38495ab5;
	}
	/* the last 0..15 bytes: bytes 8.. into k2, bytes 0..7 into k1 */
	size_t rest = len & 15;
	k1 = k2 = 0;
	for (size_t i = rest; i > 8; i--)
		k2 ^= (uint64_t)p[i - 1] << (8 * (i - 9));
	if (rest > 8) {
		k2 *= C2;
		k2 = rotl(k2, 33);
		k2 *= C1;
		h2 ^= k2;
	}
	for (size_t i = rest < 8 ? rest : 8; i > 0; i--)
		k1 ^= (uint64_t)p[i - 1] << (8 * (i - 1));
	if (rest > 0) {
		k1 *= C1;
		k1 = rotl(k1, 31);
		k1 *= C2;
		h1 ^= k1;
	}
	h1 ^= (uint64_t)len;
	h2 ^= (uint64_t)len;
	h1 += h2;
	h2 += h1;
	h1 = fmix(h1);
	h2 = fmix(h2);
	h1 += h2;
	return h1;
}

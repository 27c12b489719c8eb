#include "cairn/keccak.h"

#include <string.h>

/* Keccak-f[1600] round constants (iota), one per round: the output of the
 * LFSR x^8 + x^6 + x^5 + x^4 + 1 placed at bit positions 2^j - 1. */
static const uint64_t RC[24] = {
	0x0000000000000001ull, 0x0000000000008082ull, 0x800000000000808aull, 0x8000000080008000ull,
	0x000000000000808bull, 0x0000000080000001ull, 0x8000000080008081ull, 0x8000000000008009ull,
	0x000000000000008aull, 0x0000000000000088ull, 0x0000000080008009ull, 0x000000008000000aull,
	0x000000008000808bull, 0x800000000000008bull, 0x8000000000008089ull, 0x8000000000008003ull,
	0x8000000000008002ull, 0x8000000000000080ull, 0x000000000000800aull, 0x800000008000000aull,
	0x8000000080008081ull, 0x8000000000008080ull, 0x0000000080000001ull, 0x8000000080008008ull,
};

/* rho offsets and pi's lane order, walked as one cycle from lane 1:
 * lane PI[i] takes the old value of lane PI[i-1] rotated by RHO[i]. */
static const unsigned RHO[24] = {1,  3,  6,  10, 15, 21, 28, 36, 45, 55, 2,  14,
                                 27, 41, 56, 8,  25, 43, 62, 18, 39, 61, 20, 44};
static const unsigned PI[24] = {10, 7,  11, 17, 18, 3, 5,  16, 8,  21, 24, 4,
                                15, 23, 19, 13, 12, 2, 20, 14, 22, 9,  6,  1};

static inline uint64_t rotl(uint64_t x, unsigned n)
{
	return (x << n) | (x >> (64 - n));
}

static void keccak_f(uint64_t s[25])
{
	uint64_t c[5], t;
	for (int round = 0; round < 24; round++) {
		/* theta */
		for (int x = 0; x < 5; x++)
			c[x] = s[x] ^ s[x + 5] ^ s[x + 10] ^ s[x + 15] ^ s[x + 20];
		for (int x = 0; x < 5; x++) {
			t = c[(x + 4) % 5] ^ rotl(c[(x + 1) % 5], 1);
			for (int y = 0; y < 25; y += 5)
				s[y + x] ^= t;
		}
		/* rho and pi */
		t = s[1];
		for (int i = 0; i < 24; i++) {
			uint64_t next = s[PI[i]];
			s[PI[i]] = rotl(t, RHO[i]);
			t = next;
		}
		/* chi */
		for (int y = 0; y < 25; y += 5) {
			for (int x = 0; x < 5; x++)
				c[x] = s[y + x];
			for (int x = 0; x < 5; x++)
				s[y + x] = c[x] ^ (~c[(x + 1) % 5] & c[(x + 2) % 5]);
		}
		/* iota */
		s[0] ^= RC[round];
	}
}

/* XOR one rate-sized block into the state (lanes little-endian). */
static void absorb(uint64_t s[25], const uint8_t *p)
{
	for (int i = 0; i < CAIRN_KECCAK256_RATE / 8; i++) {
		uint64_t lane = 0;
		for (int b = 7; b >= 0; b--)
			lane = (lane << 8) | p[8 * i + b];
		s[i] ^= lane;
	}
	keccak_f(s);
}

void cairn_keccak256_init(cairn_keccak256 *k)
{
	memset(k, 0, sizeof *k);
}

void cairn_keccak256_update(cairn_keccak256 *k, const void *data, size_t len)
{
	const uint8_t *p = data;
	if (k->n) {
		size_t take = CAIRN_KECCAK256_RATE - k->n;
		if (take > len)
			take = len;
		memcpy(k->buf + k->n, p, take);
		k->n += take;
		p += take;
		len -= take;
		if (k->n < CAIRN_KECCAK256_RATE)
			return;
		absorb(k->s, k->buf);
		k->n = 0;
	}
	for (; len >= CAIRN_KECCAK256_RATE; p += CAIRN_KECCAK256_RATE, len -= CAIRN_KECCAK256_RATE)
		absorb(k->s, p);
	if (len)
		memcpy(k->buf, p, len);
	k->n = len;
}

void cairn_keccak256_final(cairn_keccak256 *k, uint8_t out[CAIRN_KECCAK256_LEN])
{
	/* Keccak's pad10*1 with the 0x01 domain byte (SHA-3 would use 0x06);
	 * when one byte is left, both ends share it: 0x81 */
	memset(k->buf + k->n, 0, CAIRN_KECCAK256_RATE - k->n);
	k->buf[k->n] ^= 0x01;
	k->buf[CAIRN_KECCAK256_RATE - 1] ^= 0x80;
	absorb(k->s, k->buf);
	for (int i = 0; i < CAIRN_KECCAK256_LEN; i++)
		out[i] = (uint8_t)(k->s[i / 8] >> (8 * (i % 8)));
	memset(k, 0, sizeof *k); /* nothing of the input stays behind */
}

void cairn_keccak256_hash(const void *data, size_t len, uint8_t out[CAIRN_KECCAK256_LEN])
{
	cairn_keccak256 k;
	cairn_keccak256_init(&k);
	cairn_keccak256_update(&k, data, len);
	cairn_keccak256_final(&k, out);
}

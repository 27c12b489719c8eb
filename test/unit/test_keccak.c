#include "testutil.h"
#include "cairn/keccak.h"

/* Known answers. The Keccak team's ShortMsgKAT_256 (the submission's
 * padding, which Ethereum kept): Len=0 and Len=8 (Msg=CC). Ethereum's
 * own: keccak256("") is the empty-code hash, and "abc". The rest were
 * computed with the npm @noble/hashes 1.8.0 keccak_256 over n bytes of
 * (i*7+3) mod 256, at every edge of the 136-byte rate: one short, exact,
 * one over, twice, and several blocks. */
static const struct { size_t n; const char *hex; } pattern[] = {
	{0, "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"},
	{1, "69c322e3248a5dfc29d73c5b0553b0185a35cd5bb6386747517ef7e53b15e287"},
	{55, "152cc5298108a3ec3a26e0c5aead9c2770c184a6bdf87eb087716b185c8e2238"},
	{135, "00ef96af9cf4b24c7f269d922294444a197d0a33638c2e56634c57e892103a8f"},
	{136, "742061bcad767ed4c4f5883b1dcb1aad11afdcc140dc469d953759b127b9f9ed"},
	{137, "e3371f61e770abf254c34239c3b0099ad90594507415bc81dd0a10b9692bbf2a"},
	{271, "4401c4afbe16ff911bdbf2d38e556e5b861f3fdf0f9d4306b1c46f6ae4f73584"},
	{272, "ac141fd7b0a0ffcd2e967254d508da3ec616596493c36fa304425647d90e6de5"},
	{273, "16192ea86793083e47731cb3c970600f04768414d92bc0540e54ce8607a0fce0"},
	{1000, "80cdc8dd52cbb3dbaea8f383209893fa2bb52efbd5aedbb4b26dcfe307fcdc9b"},
	{4096, "76295a231bfe3ebd9c161d54151579ec47d822a168c11d53ed0471b01ce83520"},
};

static uint8_t buf[4096];

static void fill(size_t n)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = (uint8_t)(i * 7 + 3);
}

static void check(const uint8_t got[32], const char *hex)
{
	uint8_t want[32];
	unhex(hex, want);
	assert_memory_equal(got, want, 32);
}

static void known_answers(void **state)
{
	uint8_t d[32], cc = 0xcc;
	(void)state;
	cairn_keccak256_hash(NULL, 0, d);
	check(d, "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
	cairn_keccak256_hash(&cc, 1, d);
	check(d, "eead6dbfc7340a56caedc044696a168870549a6a7f6f56961e84a54bd9970b8a");
	cairn_keccak256_hash("abc", 3, d);
	check(d, "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
	/* SHA3-256("abc") differs (3a985da7…): the padding is Keccak's */
	assert_int_not_equal(d[0], 0x3a);
}

static void rate_edges(void **state)
{
	uint8_t d[32];
	(void)state;
	for (size_t i = 0; i < sizeof pattern / sizeof pattern[0]; i++) {
		fill(pattern[i].n);
		cairn_keccak256_hash(buf, pattern[i].n, d);
		check(d, pattern[i].hex);
	}
}

/* Fed in pieces of every size from 1 to 300: the same digests. */
static void any_slicing(void **state)
{
	uint8_t d[32];
	(void)state;
	for (size_t i = 0; i < sizeof pattern / sizeof pattern[0]; i++) {
		size_t n = pattern[i].n;
		fill(n);
		for (size_t step = 1; step <= 300; step += (step < 20 ? 1 : 37)) {
			cairn_keccak256 k;
			cairn_keccak256_init(&k);
			for (size_t off = 0; off < n; off += step)
				cairn_keccak256_update(&k, buf + off, n - off < step ? n - off : step);
			cairn_keccak256_final(&k, d);
			check(d, pattern[i].hex);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(known_answers),
		cmocka_unit_test(rate_edges),
		cmocka_unit_test(any_slicing),
	};
	return RUN(tests);
}

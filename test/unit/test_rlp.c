#include "testutil.h"
#include "cairn/error.h"
#include "cairn/rlp.h"

/* Vectors: the Ethereum wiki's RLP examples (dog, cat/dog, the empty
 * string and list, small integers, the set-theoretic representation of
 * three, the 56-byte Lorem), and encodings computed with the npm ethers
 * 6.17.0 encodeRlp (long strings and lists, 64-bit integers). */

static uint8_t out[1024];

static void expect(const cairn_rlp *w, const char *hex)
{
	uint8_t want[700];
	size_t n = unhex(hex, want), len;
	assert_int_equal(cairn_rlp_finish(w, &len), CAIRN_OK);
	assert_int_equal(len, n);
	assert_memory_equal(out, want, n);
}

static void wiki(void **state)
{
	cairn_rlp w;
	(void)state;
	cairn_rlp_init(&w, out, sizeof out);
	cairn_rlp_bytes(&w, "dog", 3);
	expect(&w, "83646f67");

	cairn_rlp_init(&w, out, sizeof out);
	size_t m = cairn_rlp_list_begin(&w);
	cairn_rlp_bytes(&w, "cat", 3);
	cairn_rlp_bytes(&w, "dog", 3);
	cairn_rlp_list_end(&w, m);
	expect(&w, "c88363617483646f67");

	cairn_rlp_init(&w, out, sizeof out);
	cairn_rlp_bytes(&w, "", 0);
	expect(&w, "80");

	cairn_rlp_init(&w, out, sizeof out);
	cairn_rlp_list_end(&w, cairn_rlp_list_begin(&w));
	expect(&w, "c0");

	cairn_rlp_init(&w, out, sizeof out);
	cairn_rlp_uint(&w, 0);
	cairn_rlp_uint(&w, 15);
	cairn_rlp_uint(&w, 1024);
	cairn_rlp_uint(&w, 0x7f);
	cairn_rlp_uint(&w, 0x80);
	expect(&w, "800f8204007f8180");

	/* [ [], [[]], [ [], [[]] ] ] */
	cairn_rlp_init(&w, out, sizeof out);
	size_t a = cairn_rlp_list_begin(&w);
	cairn_rlp_list_end(&w, cairn_rlp_list_begin(&w));
	size_t b = cairn_rlp_list_begin(&w);
	cairn_rlp_list_end(&w, cairn_rlp_list_begin(&w));
	cairn_rlp_list_end(&w, b);
	size_t c = cairn_rlp_list_begin(&w);
	cairn_rlp_list_end(&w, cairn_rlp_list_begin(&w));
	size_t d = cairn_rlp_list_begin(&w);
	cairn_rlp_list_end(&w, cairn_rlp_list_begin(&w));
	cairn_rlp_list_end(&w, d);
	cairn_rlp_list_end(&w, c);
	cairn_rlp_list_end(&w, a);
	expect(&w, "c7c0c1c0c3c0c1c0");

	static const char lorem[] = "Lorem ipsum dolor sit amet, consectetur adipisicing elit";
	static const char lorem_hex[] = "4c6f72656d20697073756d20646f6c6f722073697420616d65742c20636f6e7365637465747572206164697069736963696e6720656c6974";
	char want[300];
	cairn_rlp_init(&w, out, sizeof out);
	cairn_rlp_bytes(&w, lorem, 56);
	snprintf(want, sizeof want, "b838%s", lorem_hex);
	expect(&w, want);
	cairn_rlp_init(&w, out, sizeof out);
	m = cairn_rlp_list_begin(&w);
	cairn_rlp_bytes(&w, lorem, 56);
	cairn_rlp_list_end(&w, m);
	snprintf(want, sizeof want, "f83ab838%s", lorem_hex);
	expect(&w, want);
}

static void ethers_vectors(void **state)
{
	cairn_rlp w;
	uint8_t big[300], be[32] = {0}, zero = 0, b7f = 0x7f, b80 = 0x80;
	(void)state;
	memset(big, 0xab, sizeof big);
	/* [big, "", 0x7f, 0x80, [0x00, big]]: a list of 0x266 bytes */
	cairn_rlp_init(&w, out, sizeof out);
	size_t m = cairn_rlp_list_begin(&w);
	cairn_rlp_bytes(&w, big, sizeof big);
	cairn_rlp_bytes(&w, NULL, 0);
	cairn_rlp_bytes(&w, &b7f, 1);
	cairn_rlp_bytes(&w, &b80, 1);
	size_t in = cairn_rlp_list_begin(&w);
	cairn_rlp_bytes(&w, &zero, 1);
	cairn_rlp_bytes(&w, big, sizeof big);
	cairn_rlp_list_end(&w, in);
	cairn_rlp_list_end(&w, m);
	size_t len;
	assert_int_equal(cairn_rlp_finish(&w, &len), CAIRN_OK);
	assert_int_equal(len, 3 + 0x266);
	static const uint8_t head[] = {0xf9, 0x02, 0x66, 0xb9, 0x01, 0x2c};
	static const uint8_t mid[] = {0x80, 0x7f, 0x81, 0x80, 0xf9, 0x01, 0x30, 0x00, 0xb9, 0x01, 0x2c};
	assert_memory_equal(out, head, sizeof head);
	assert_memory_equal(out + 6, big, 300);
	assert_memory_equal(out + 306, mid, sizeof mid);
	assert_memory_equal(out + 317, big, 300);

	/* integers: 0x0400, 2^56, 2^64-1 as uint and as big-endian uint256 */
	cairn_rlp_init(&w, out, sizeof out);
	m = cairn_rlp_list_begin(&w);
	cairn_rlp_uint(&w, 0x400);
	be[24] = 1;
	cairn_rlp_uint_be(&w, be, 32);
	cairn_rlp_uint(&w, UINT64_MAX);
	cairn_rlp_list_end(&w, m);
	expect(&w, "d582040088010000000000000088ffffffffffffffff");
	/* a uint256 of zero is the empty string */
	memset(be, 0, sizeof be);
	cairn_rlp_init(&w, out, sizeof out);
	cairn_rlp_uint_be(&w, be, 32);
	expect(&w, "80");
}

static void small_buffers(void **state)
{
	cairn_rlp w;
	size_t len;
	uint8_t tiny[4];
	(void)state;
	cairn_rlp_init(&w, tiny, sizeof tiny);
	cairn_rlp_bytes(&w, "dog", 3);
	cairn_rlp_bytes(&w, "x", 1); /* one over */
	assert_int_equal(cairn_rlp_finish(&w, &len), CAIRN_E_BUFFER);
	/* a list whose header does not fit after its items */
	cairn_rlp_init(&w, tiny, sizeof tiny);
	size_t m = cairn_rlp_list_begin(&w);
	cairn_rlp_bytes(&w, "dog", 3);
	cairn_rlp_bytes(&w, "", 0);
	cairn_rlp_list_end(&w, m);
	assert_int_equal(cairn_rlp_finish(&w, &len), CAIRN_E_BUFFER);
	/* and exactly fitting works */
	cairn_rlp_init(&w, tiny, sizeof tiny);
	m = cairn_rlp_list_begin(&w);
	cairn_rlp_bytes(&w, "do", 2);
	cairn_rlp_list_end(&w, m);
	assert_int_equal(cairn_rlp_finish(&w, &len), CAIRN_OK);
	assert_int_equal(len, 4);
	/* a mark past the end is the caller's error */
	cairn_rlp_init(&w, out, sizeof out);
	cairn_rlp_list_end(&w, 5);
	assert_int_equal(cairn_rlp_finish(&w, &len), CAIRN_E_INVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(wiki),
		cmocka_unit_test(ethers_vectors),
		cmocka_unit_test(small_buffers),
	};
	return RUN(tests);
}

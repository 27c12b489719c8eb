#include "testutil.h"
#include "cairn/error.h"
#include "cairn/varint.h"

/* Vectors from the multiformats unsigned-varint spec. */
static const struct { uint64_t v; const char *hex; } vec[] = {
	{0, "00"}, {1, "01"}, {127, "7f"}, {128, "8001"}, {255, "ff01"},
	{300, "ac02"}, {16384, "808001"},
	{UINT64_C(0x7fffffffffffffff), "ffffffffffffffff7f"},
};

static void spec_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof vec / sizeof vec[0]; i++) {
		uint8_t want[16], got[16];
		size_t n = unhex(vec[i].hex, want), w, c;
		uint64_t v;
		assert_int_equal(cairn_varint_encode(vec[i].v, got, sizeof got, &w), CAIRN_OK);
		assert_int_equal(w, n);
		assert_memory_equal(got, want, n);
		assert_int_equal(cairn_varint_size(vec[i].v), n);
		assert_int_equal(cairn_varint_decode(want, n, &v, &c), CAIRN_OK);
		assert_int_equal(v, vec[i].v);
		assert_int_equal(c, n);
	}
}

static void non_minimal(void **state)
{
	(void)state;
	uint8_t in[16];
	uint64_t v;
	size_t n;
	n = unhex("8100", in); /* 1 with a padding byte */
	assert_int_equal(cairn_varint_decode(in, n, &v, NULL), CAIRN_E_VARINT_NONMINIMAL);
	n = unhex("808000", in);
	assert_int_equal(cairn_varint_decode(in, n, &v, NULL), CAIRN_E_VARINT_NONMINIMAL);
	n = unhex("8080808080808080808000", in);
	assert_int_not_equal(cairn_varint_decode(in, n, &v, NULL), CAIRN_OK);
}

static void too_long(void **state)
{
	(void)state;
	uint8_t in[16];
	uint64_t v;
	/* ten bytes: 2^63 needs a tenth byte, which the spec forbids */
	size_t n = unhex("80808080808080808001", in);
	assert_int_equal(cairn_varint_decode(in, n, &v, NULL), CAIRN_E_VARINT_OVERFLOW);
	n = unhex("ffffffffffffffffff", in); /* nine bytes, continuation still set */
	assert_int_equal(cairn_varint_decode(in, n, &v, NULL), CAIRN_E_VARINT_OVERFLOW);
	uint8_t out[16];
	assert_int_equal(cairn_varint_encode(UINT64_C(1) << 63, out, sizeof out, NULL),
	                 CAIRN_E_VARINT_OVERFLOW);
}

static void truncated_and_buffer(void **state)
{
	(void)state;
	uint8_t in[4] = {0x80, 0x80};
	uint64_t v;
	assert_int_equal(cairn_varint_decode(in, 2, &v, NULL), CAIRN_E_TRUNCATED);
	assert_int_equal(cairn_varint_decode(in, 0, &v, NULL), CAIRN_E_TRUNCATED);
	uint8_t out[1] = {0xaa};
	assert_int_equal(cairn_varint_encode(300, out, 1, NULL), CAIRN_E_BUFFER);
	assert_int_equal(out[0], 0xaa); /* nothing written on failure */
}

static void round_trip_all_lengths(void **state)
{
	(void)state;
	for (unsigned bits = 0; bits < 63; bits++) {
		uint64_t vals[3] = {UINT64_C(1) << bits, (UINT64_C(1) << bits) - 1,
		                    (UINT64_C(1) << bits) + 1};
		for (int k = 0; k < 3; k++) {
			uint8_t b[16];
			size_t w, c;
			uint64_t v;
			assert_int_equal(cairn_varint_encode(vals[k], b, sizeof b, &w), CAIRN_OK);
			assert_int_equal(cairn_varint_decode(b, w, &v, &c), CAIRN_OK);
			assert_int_equal(v, vals[k]);
			assert_int_equal(c, w);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(spec_vectors),
		cmocka_unit_test(non_minimal),
		cmocka_unit_test(too_long),
		cmocka_unit_test(truncated_and_buffer),
		cmocka_unit_test(round_trip_all_lengths),
	};
	return RUN(tests);
}

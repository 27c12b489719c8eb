#include "testutil.h"
#include "cairn/error.h"
#include "cairn/hash.h"
#include "cairn/multihash.h"

/* Known digests: FIPS 180-2 "abc"; BLAKE3 of "" and "abc" (b3sum). */
static const char SHA256_ABC[] = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
static const char BLAKE3_EMPTY[] = "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262";
static const char BLAKE3_ABC[] = "6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85";

static void known_digests(void **state)
{
	(void)state;
	cairn_multihash mh;
	char hex[200];
	assert_int_equal(cairn_mh_compute(&mh, CAIRN_MH_SHA2_256, "abc", 3), CAIRN_OK);
	tohex(mh.digest, mh.len, hex);
	assert_string_equal(hex, SHA256_ABC);
	assert_int_equal(cairn_mh_compute(&mh, CAIRN_MH_BLAKE3, "", 0), CAIRN_OK);
	tohex(mh.digest, mh.len, hex);
	assert_string_equal(hex, BLAKE3_EMPTY);
	assert_int_equal(cairn_mh_compute(&mh, CAIRN_MH_BLAKE3, "abc", 3), CAIRN_OK);
	tohex(mh.digest, mh.len, hex);
	assert_string_equal(hex, BLAKE3_ABC);
	assert_int_equal(cairn_mh_compute(&mh, CAIRN_MH_IDENTITY, "abc", 3), CAIRN_OK);
	assert_int_equal(mh.len, 3);
	assert_memory_equal(mh.digest, "abc", 3);
}

/* Streaming in any slicing gives the one-shot digest (crosses BLAKE3's
 * 1024-byte chunk and 64-byte block edges, SHA-256's 64-byte blocks). */
static void streaming_equals_oneshot(void **state)
{
	(void)state;
	static uint8_t data[10000];
	fill_random(data, sizeof data, 7);
	uint64_t codes[2] = {CAIRN_MH_SHA2_256, CAIRN_MH_BLAKE3};
	for (int c = 0; c < 2; c++) {
		cairn_multihash one;
		cairn_mh_compute(&one, codes[c], data, sizeof data);
		size_t steps[] = {1, 63, 64, 65, 1023, 1024, 1025, 4096};
		for (size_t s = 0; s < sizeof steps / sizeof steps[0]; s++) {
			cairn_hasher h;
			uint8_t out[32];
			assert_int_equal(cairn_hasher_init(&h, codes[c]), CAIRN_OK);
			for (size_t off = 0; off < sizeof data; off += steps[s]) {
				size_t n = sizeof data - off < steps[s] ? sizeof data - off : steps[s];
				cairn_hasher_update(&h, data + off, n);
			}
			cairn_hasher_final(&h, out);
			assert_memory_equal(out, one.digest, 32);
		}
	}
	cairn_hasher h;
	assert_int_equal(cairn_hasher_init(&h, CAIRN_MH_IDENTITY), CAIRN_E_MH_UNKNOWN);
	assert_int_equal(cairn_hasher_init(&h, 0x13), CAIRN_E_MH_UNKNOWN);
}

static void encode_decode(void **state)
{
	(void)state;
	uint8_t buf[CAIRN_MH_MAX_BYTES], want[64];
	cairn_multihash mh, back;
	size_t n, c;
	cairn_mh_compute(&mh, CAIRN_MH_SHA2_256, "abc", 3);
	assert_int_equal(cairn_mh_encode(&mh, buf, sizeof buf, &n), CAIRN_OK);
	assert_int_equal(n, 34);
	unhex("1220", want);
	unhex(SHA256_ABC, want + 2);
	assert_memory_equal(buf, want, 34);
	assert_int_equal(cairn_mh_decode(buf, n, &back, &c), CAIRN_OK);
	assert_int_equal(c, 34);
	assert_int_equal(back.code, CAIRN_MH_SHA2_256);
	assert_memory_equal(back.digest, mh.digest, 32);
	/* blake3: code 0x1e, length 0x20 */
	cairn_mh_compute(&mh, CAIRN_MH_BLAKE3, "", 0);
	cairn_mh_encode(&mh, buf, sizeof buf, &n);
	assert_int_equal(buf[0], 0x1e);
	assert_int_equal(buf[1], 0x20);
	/* identity of 0 bytes: 00 00 */
	cairn_mh_set(&mh, CAIRN_MH_IDENTITY, NULL, 0);
	cairn_mh_encode(&mh, buf, sizeof buf, &n);
	assert_int_equal(n, 2);
	assert_int_equal(cairn_mh_decode(buf, 2, &back, NULL), CAIRN_OK);
	assert_int_equal(back.len, 0);
	assert_int_equal(cairn_mh_encode(&mh, buf, 1, &n), CAIRN_E_BUFFER);
}

static void malformed(void **state)
{
	(void)state;
	uint8_t buf[300];
	cairn_multihash mh;
	size_t n;
	n = unhex("1220", buf);                          /* digest missing */
	assert_int_equal(cairn_mh_decode(buf, n, &mh, NULL), CAIRN_E_TRUNCATED);
	memset(buf, 0xab, sizeof buf);
	buf[0] = 0x12; buf[1] = 0x1f;                    /* sha2-256 with 31 bytes */
	assert_int_equal(cairn_mh_decode(buf, 33, &mh, NULL), CAIRN_E_MH_LENGTH);
	buf[0] = 0x12; buf[1] = 0x21;                    /* 33 bytes */
	assert_int_equal(cairn_mh_decode(buf, 35, &mh, NULL), CAIRN_E_MH_LENGTH);
	buf[0] = 0x1e; buf[1] = 0x40;                    /* blake3 of 64 bytes */
	assert_int_equal(cairn_mh_decode(buf, 66, &mh, NULL), CAIRN_E_MH_LENGTH);
	buf[0] = 0x13; buf[1] = 0x40;                    /* sha2-512: unsupported */
	assert_int_equal(cairn_mh_decode(buf, 66, &mh, NULL), CAIRN_E_MH_UNKNOWN);
	buf[0] = 0x00; buf[1] = 0x81; buf[2] = 0x01;     /* identity of 129 bytes */
	assert_int_equal(cairn_mh_decode(buf, 132, &mh, NULL), CAIRN_E_MH_LENGTH);
	buf[0] = 0x92; buf[1] = 0x00;                    /* non-minimal code varint */
	assert_int_equal(cairn_mh_decode(buf, 40, &mh, NULL), CAIRN_E_VARINT_NONMINIMAL);
	buf[0] = 0x12; buf[1] = 0x20;                    /* trailing byte */
	assert_int_equal(cairn_mh_decode(buf, 35, &mh, NULL), CAIRN_E_TRAILING);
	assert_int_equal(cairn_mh_decode(buf, 0, &mh, NULL), CAIRN_E_TRUNCATED);
}

static void names(void **state)
{
	(void)state;
	uint64_t c;
	assert_int_equal(cairn_mh_from_name("blake3", &c), CAIRN_OK);
	assert_int_equal(c, 0x1e);
	assert_int_equal(cairn_mh_from_name("sha2-256", &c), CAIRN_OK);
	assert_int_equal(c, 0x12);
	assert_int_equal(cairn_mh_from_name("sha256", &c), CAIRN_E_MH_UNKNOWN);
	assert_string_equal(cairn_mh_name(0x00), "identity");
	assert_null(cairn_mh_name(0x13));
	assert_string_equal(cairn_strerror(CAIRN_E_MH_LENGTH), "wrong digest length for multihash function");
	assert_string_equal(cairn_strerror(-9999), "unknown error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(known_digests),
		cmocka_unit_test(streaming_equals_oneshot),
		cmocka_unit_test(encode_decode),
		cmocka_unit_test(malformed),
		cmocka_unit_test(names),
	};
	return RUN(tests);
}

#include "testutil.h"
#include "cairn/error.h"
#include "cairn/multibase.h"

/* Vectors from the multibase spec's test suite ("yes mani !"), checked
 * against the npm multiformats package. */
static const struct { const char *name; const char *plain, *zero; } vec[] = {
	{"base16", "f796573206d616e692021", "f00796573206d616e692021"},
	{"base16upper", "F796573206D616E692021", "F00796573206D616E692021"},
	{"base32", "bpfsxgidnmfxgsibb", "bab4wk4zanvqw42jaee"},
	{"base32upper", "BPFSXGIDNMFXGSIBB", "BAB4WK4ZANVQW42JAEE"},
	{"base36", "k2lcpzo5yikidynfl", "k02lcpzo5yikidynfl"},
	{"base36upper", "K2LCPZO5YIKIDYNFL", "K02LCPZO5YIKIDYNFL"},
	{"base58btc", "z7paNL19xttacUY", "z17paNL19xttacUY"},
	{"base64", "meWVzIG1hbmkgIQ", "mAHllcyBtYW5pICE"},
	{"base64url", "ueWVzIG1hbmkgIQ", "uAHllcyBtYW5pICE"},
	{"base64pad", "MeWVzIG1hbmkgIQ==", "MAHllcyBtYW5pICE="},
	{"base64urlpad", "UeWVzIG1hbmkgIQ==", "UAHllcyBtYW5pICE="},
};

/* RFC 4648 section 10, base64 with padding. */
static void rfc4648_padded(void **state)
{
	(void)state;
	static const char *in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
	static const char *out[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
	for (size_t i = 0; i < 7; i++) {
		char txt[32];
		uint8_t dec[32];
		size_t n;
		assert_int_equal(cairn_base_encode(CAIRN_BASE64PAD, (const uint8_t *)in[i], strlen(in[i]),
		                                   txt, sizeof txt, &n), CAIRN_OK);
		assert_string_equal(txt, out[i]);
		assert_int_equal(cairn_base_decode(CAIRN_BASE64PAD, out[i], strlen(out[i]), dec,
		                                   sizeof dec, &n), CAIRN_OK);
		assert_int_equal(n, strlen(in[i]));
		assert_memory_equal(dec, in[i], n);
	}
	/* padding that is missing, short, long, misplaced, or hides set bits */
	static const char *bad[] = {"Zg", "Zg=", "Zg===", "Z===", "Zh==", "Zg==Zg==", "Zm8==", "=Zm8"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		uint8_t dec[32];
		size_t n;
		assert_int_not_equal(cairn_base_decode(CAIRN_BASE64PAD, bad[i], strlen(bad[i]), dec,
		                                       sizeof dec, &n), CAIRN_OK);
	}
}

static void spec_vectors(void **state)
{
	(void)state;
	const uint8_t plain[] = "yes mani !";
	uint8_t zero[11] = {0};
	memcpy(zero + 1, plain, 10);
	for (size_t i = 0; i < sizeof vec / sizeof vec[0]; i++) {
		cairn_base b, got_base;
		char out[64];
		uint8_t dec[64];
		size_t n;
		assert_int_equal(cairn_base_from_name(vec[i].name, &b), CAIRN_OK);
		assert_string_equal(cairn_base_name(b), vec[i].name);
		assert_int_equal(cairn_multibase_encode(b, plain, 10, out, sizeof out, &n), CAIRN_OK);
		assert_string_equal(out, vec[i].plain);
		assert_int_equal(n, strlen(vec[i].plain));
		assert_true(n + 1 <= cairn_multibase_encoded_max(b, 10));
		assert_int_equal(cairn_multibase_encode(b, zero, 11, out, sizeof out, &n), CAIRN_OK);
		assert_string_equal(out, vec[i].zero);
		assert_int_equal(cairn_multibase_decode(vec[i].plain, strlen(vec[i].plain), dec,
		                                        sizeof dec, &n, &got_base), CAIRN_OK);
		assert_int_equal(got_base, b);
		assert_int_equal(n, 10);
		assert_memory_equal(dec, plain, 10);
		assert_int_equal(cairn_multibase_decode(vec[i].zero, strlen(vec[i].zero), dec,
		                                        sizeof dec, &n, NULL), CAIRN_OK);
		assert_int_equal(n, 11);
		assert_memory_equal(dec, zero, 11);
	}
}

static void round_trip_random(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof vec / sizeof vec[0]; i++) {
		cairn_base b;
		cairn_base_from_name(vec[i].name, &b);
		for (size_t len = 0; len < 70; len++) {
			uint8_t in[80], dec[200];
			char txt[300];
			size_t n, m;
			fill_random(in, len, len * 31 + i);
			if (len > 2 && len % 5 == 0)
				in[0] = in[1] = 0; /* leading zeros matter for big-number bases */
			assert_int_equal(cairn_multibase_encode(b, in, len, txt, sizeof txt, &n), CAIRN_OK);
			assert_true(n + 1 <= cairn_multibase_encoded_max(b, len));
			assert_int_equal(cairn_multibase_decode(txt, n, dec, sizeof dec, &m, NULL), CAIRN_OK);
			assert_int_equal(m, len);
			assert_memory_equal(dec, in, len);
		}
	}
}

static void bad_input(void **state)
{
	(void)state;
	uint8_t out[64];
	size_t n;
	static const struct { const char *text; int err; } bad[] = {
		{"", CAIRN_E_EMPTY},
		{"!abc", CAIRN_E_BASE_UNKNOWN},
		{"bpfsxgidnmfxgsibb=", CAIRN_E_BASE_PADDING},   /* padding in unpadded base32 */
		{"bpfsxgidnmfxgsibb======", CAIRN_E_BASE_PADDING},
		{"bab4wk4zanvqw42jaef", CAIRN_E_BASE_PADDING},  /* non-zero spare bits */
		{"ba", CAIRN_E_BASE_PADDING},                   /* 1 char: impossible length */
		{"babc", CAIRN_E_BASE_PADDING},                 /* 3 chars: impossible length */
		{"bPFSXGIDNMFXGSIBB", CAIRN_E_BASE_CHAR},       /* wrong case for 'b' */
		{"b1", CAIRN_E_BASE_CHAR},                      /* '1' not in base32 */
		{"f7", CAIRN_E_BASE_PADDING},                   /* odd hex length */
		{"fzz", CAIRN_E_BASE_CHAR},
		{"z0OIl", CAIRN_E_BASE_CHAR},                   /* excluded base58 letters */
		{"meWVzIG1hbmkgIQ==", CAIRN_E_BASE_PADDING},
		{"ueWVz+G1hbmkgIQ", CAIRN_E_BASE_CHAR},         /* '+' is not base64url */
		{"meWVzIG1hbmkgIR", CAIRN_E_BASE_PADDING},      /* spare bits set */
		{"k!", CAIRN_E_BASE_CHAR},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int rc = cairn_multibase_decode(bad[i].text, strlen(bad[i].text), out, sizeof out, &n, NULL);
		if (rc != bad[i].err)
			fail_msg("'%s': got %d want %d", bad[i].text, rc, bad[i].err);
	}
}

static void small_buffers(void **state)
{
	(void)state;
	const uint8_t in[] = "yes mani !";
	char out[64];
	uint8_t dec[64];
	size_t n;
	for (size_t i = 0; i < sizeof vec / sizeof vec[0]; i++) {
		cairn_base b;
		cairn_base_from_name(vec[i].name, &b);
		size_t need = strlen(vec[i].plain) + 1;
		for (size_t cap = 0; cap < need; cap++)
			assert_int_equal(cairn_multibase_encode(b, in, 10, out, cap, &n), CAIRN_E_BUFFER);
		assert_int_equal(cairn_multibase_encode(b, in, 10, out, need, &n), CAIRN_OK);
		for (size_t cap = 0; cap < 10; cap++)
			assert_int_equal(cairn_multibase_decode(vec[i].plain, need - 1, dec, cap, &n, NULL),
			                 CAIRN_E_BUFFER);
	}
	cairn_base b;
	assert_int_equal(cairn_base_from_name("base2", &b), CAIRN_E_BASE_UNKNOWN);
	assert_null(cairn_base_name((cairn_base)'x'));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(spec_vectors),
		cmocka_unit_test(rfc4648_padded),
		cmocka_unit_test(round_trip_random),
		cmocka_unit_test(bad_input),
		cmocka_unit_test(small_buffers),
	};
	return RUN(tests);
}

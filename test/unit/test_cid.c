#include "testutil.h"
#include "cairn/cid.h"
#include "cairn/error.h"

/* The CID spec's example pair (both name SHA-256 of the empty string). */
static const char V0[] = "QmdfTbBqBPQ7VNxZEYEj14VmRuZBkqFbiwReogJgS1zR1n";
static const char V1[] = "bafybeihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku";
static const char RAW_EMPTY[] = "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku";
static const char SHA256_EMPTY[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

static void parse_format(void **state)
{
	(void)state;
	cairn_cid cid, v1, v0;
	char out[CAIRN_CID_TEXT_MAX], hex[80];
	assert_int_equal(cairn_cid_parse(V0, strlen(V0), &cid), CAIRN_OK);
	assert_int_equal(cid.version, 0);
	assert_int_equal(cid.codec, CAIRN_CODEC_DAG_PB);
	tohex(cid.mh.digest, cid.mh.len, hex);
	assert_string_equal(hex, SHA256_EMPTY);
	assert_int_equal(cairn_cid_to_string(&cid, out, sizeof out, NULL), CAIRN_OK);
	assert_string_equal(out, V0);
	cairn_cid_to_v1(&cid, &v1);
	cairn_cid_to_string(&v1, out, sizeof out, NULL);
	assert_string_equal(out, V1);
	assert_int_equal(cairn_cid_to_v0(&v1, &v0), CAIRN_OK);
	assert_int_equal(cairn_cid_compare(&v0, &cid), 0);
	/* raw codec, same digest */
	assert_int_equal(cairn_cid_parse(RAW_EMPTY, strlen(RAW_EMPTY), &cid), CAIRN_OK);
	assert_int_equal(cid.codec, CAIRN_CODEC_RAW);
	assert_int_equal(cairn_cid_to_v0(&cid, &v0), CAIRN_E_CID_V0);
	assert_int_equal(cairn_cid_format(&cid, CAIRN_BASE16, out, sizeof out, NULL), CAIRN_OK);
	assert_string_equal(out, "f01551220e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	/* v0 cannot be written in another base */
	cairn_cid_parse(V0, strlen(V0), &cid);
	assert_int_equal(cairn_cid_format(&cid, CAIRN_BASE32, out, sizeof out, NULL), CAIRN_E_CID_V0);
}

static void binary(void **state)
{
	(void)state;
	uint8_t buf[CAIRN_CID_MAX_BYTES], want[64];
	cairn_cid cid, back;
	size_t n, c;
	cairn_cid_parse(V1, strlen(V1), &cid);
	assert_int_equal(cairn_cid_encode(&cid, buf, sizeof buf, &n), CAIRN_OK);
	size_t wn = unhex("01701220e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", want);
	assert_int_equal(n, wn);
	assert_memory_equal(buf, want, n);
	assert_int_equal(cairn_cid_encoded_size(&cid), n);
	assert_int_equal(cairn_cid_decode(buf, n, &back, &c), CAIRN_OK);
	assert_int_equal(cairn_cid_compare(&cid, &back), 0);
	assert_int_equal(cairn_cid_encode(&cid, buf, n - 1, NULL), CAIRN_E_BUFFER);
	/* v0 binary is the bare multihash */
	cairn_cid_parse(V0, strlen(V0), &cid);
	cairn_cid_encode(&cid, buf, sizeof buf, &n);
	assert_int_equal(n, 34);
	assert_memory_equal(buf, want + 2, 34);
}

static void every_base_parses(void **state)
{
	(void)state;
	const char *names[] = {"base16", "base16upper", "base32", "base32upper", "base36",
	                       "base36upper", "base58btc", "base64", "base64url"};
	cairn_cid cid, back;
	cairn_cid_parse(V1, strlen(V1), &cid);
	for (size_t i = 0; i < 9; i++) {
		cairn_base b;
		char out[CAIRN_CID_TEXT_MAX];
		size_t n;
		cairn_base_from_name(names[i], &b);
		assert_int_equal(cairn_cid_format(&cid, b, out, sizeof out, &n), CAIRN_OK);
		assert_int_equal(out[0], (char)b);
		assert_int_equal(cairn_cid_parse(out, n, &back), CAIRN_OK);
		assert_int_equal(cairn_cid_compare(&cid, &back), 0);
	}
}

static void malformed(void **state)
{
	(void)state;
	static const struct { const char *text; int err; } bad[] = {
		{"", CAIRN_E_EMPTY},
		/* CIDv0 with one character changed to a non-base58 one */
		{"QmdfTbBqBPQ7VNxZEYEj14VmRuZBkqFbiwReogJgS1zR10", CAIRN_E_BASE_CHAR},
		/* 46 chars "Qm..." whose multihash is not sha2-256/32 */
		{"Qm1111111111111111111111111111111111111111111x", CAIRN_E_MH_LENGTH},
		/* v0 too short */
		{"QmdfTbBqBPQ7VNxZEYEj14VmRuZBkqFbiwReogJgS1zR1", CAIRN_E_BASE_UNKNOWN},
		/* multibase-wrapped v0 (base32 of 0x12 0x20 ...) is forbidden */
		{"bciqoeljnc6knuff3jrz2htlrubo52tyqbcpo2vyq7qxh6v4ajxzbgqy", CAIRN_E_CID_VERSION},
		/* version 2 */
		{"f02701220e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", CAIRN_E_CID_VERSION},
		/* unknown codec 0x99 */
		{"f0199011220e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", CAIRN_E_CID_CODEC},
		/* sha2-256 digest one byte short */
		{"f01701220e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8", CAIRN_E_TRUNCATED},
		/* wrong declared digest length */
		{"f01701221e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85500", CAIRN_E_MH_LENGTH},
		/* trailing byte */
		{"f01701220e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85500", CAIRN_E_TRAILING},
		/* unknown multihash (sha2-512 of 64 bytes) */
		{"f017013400000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000", CAIRN_E_MH_UNKNOWN},
		{"bafybeihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyk!", CAIRN_E_BASE_CHAR},
		{"xafybeihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku", CAIRN_E_BASE_UNKNOWN},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cairn_cid cid;
		int rc = cairn_cid_parse(bad[i].text, strlen(bad[i].text), &cid);
		if (rc != bad[i].err)
			fail_msg("'%s': got %d (%s) want %d", bad[i].text, rc, cairn_strerror(rc), bad[i].err);
	}
	/* over-long text is refused before any decoding work */
	char longtext[1000];
	memset(longtext, 'a', sizeof longtext);
	longtext[0] = 'b';
	cairn_cid cid;
	assert_int_equal(cairn_cid_parse(longtext, sizeof longtext, &cid), CAIRN_E_LIMIT);
}

static void set_rules(void **state)
{
	(void)state;
	cairn_multihash mh;
	cairn_cid cid;
	cairn_mh_compute(&mh, CAIRN_MH_BLAKE3, "x", 1);
	assert_int_equal(cairn_cid_set(&cid, 0, CAIRN_CODEC_DAG_PB, &mh), CAIRN_E_CID_V0);
	assert_int_equal(cairn_cid_set(&cid, 1, CAIRN_CODEC_DAG_PB, &mh), CAIRN_OK);
	assert_int_equal(cairn_cid_set(&cid, 2, CAIRN_CODEC_DAG_PB, &mh), CAIRN_E_CID_VERSION);
	assert_int_equal(cairn_cid_set(&cid, 1, 0x9999, &mh), CAIRN_E_CID_CODEC);
	cairn_mh_compute(&mh, CAIRN_MH_SHA2_256, "x", 1);
	assert_int_equal(cairn_cid_set(&cid, 0, CAIRN_CODEC_RAW, &mh), CAIRN_E_CID_V0);
	assert_int_equal(cairn_cid_check_block(&cid, "x", 1), CAIRN_OK);
	assert_int_equal(cairn_cid_check_block(&cid, "y", 1), CAIRN_E_MISMATCH);
	uint64_t code;
	assert_int_equal(cairn_codec_from_name("dag-cbor", &code), CAIRN_OK);
	assert_int_equal(code, 0x71);
	assert_int_equal(cairn_codec_from_name("git-raw", &code), CAIRN_E_CID_CODEC);
}

static void ordering(void **state)
{
	(void)state;
	cairn_cid a, b;
	cairn_cid_parse(V0, strlen(V0), &a);  /* 0x12... */
	cairn_cid_parse(V1, strlen(V1), &b);  /* 0x01... */
	assert_true(cairn_cid_compare(&b, &a) < 0);
	assert_true(cairn_cid_compare(&a, &b) > 0);
	assert_int_equal(cairn_cid_compare(&a, &a), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_format),
		cmocka_unit_test(binary),
		cmocka_unit_test(every_base_parses),
		cmocka_unit_test(malformed),
		cmocka_unit_test(set_rules),
		cmocka_unit_test(ordering),
	};
	return RUN(tests);
}

/* Strict DAG-CBOR and DAG-JSON (core/dagcbor.c, core/dagjson.c): the
 * rules of the IPLD specs one by one, and what @ipld/dag-json writes.
 * (Random values against the JS codecs are in test/interop/test-ipld.sh.) */
#include "testutil.h"
#include "cairn/cid.h"
#include "cairn/dagcbor.h"
#include "cairn/dagjson.h"
#include "cairn/dagpb.h"
#include "cairn/error.h"

#include <stdlib.h>

/* JSON text of a DAG-CBOR value (hex), into out; returns the code. */
static int to_json(const uint8_t *cbor, size_t n, char *out, size_t cap, unsigned flags)
{
	size_t len, len2;
	static size_t work[4096];
	cairn_ipld_opts o = {.flags = flags};
	int rc = cairn_dagjson_encode(cbor, n, NULL, 0, &len, &o);
	if (rc)
		return rc;
	o.work = work;
	o.work_len = sizeof work;
	rc = cairn_dagjson_encode(cbor, n, out, cap - 1, &len2, &o);
	if (rc)
		return rc;
	assert_int_equal(len, len2); /* measuring and writing agree */
	out[len2] = 0;
	return 0;
}

/* DAG-CBOR of JSON text, into out (*n); returns the code. */
static int to_cbor(const char *json, uint8_t *out, size_t cap, size_t *n, unsigned flags,
                   cairn_ipld_opts *ret)
{
	static size_t work[65536];
	cairn_ipld_opts o = {.flags = flags};
	size_t measured;
	int rc = cairn_dagjson_decode(json, strlen(json), NULL, 0, &measured, &o);
	if (rc == CAIRN_OK) {
		o.work = work;
		o.work_len = sizeof work;
		rc = cairn_dagjson_decode(json, strlen(json), out, cap, n, &o);
		if (rc == CAIRN_OK)
			assert_int_equal(measured, *n);
	}
	if (ret)
		*ret = o;
	return rc;
}

static void cbor_rules(void **state)
{
	(void)state;
	static const struct {
		const char *hex;
		int rc;
		const char *why;
	} bad[] = {
		{"a2616201616102", CAIRN_E_CBOR, "length-first"},       /* {"b":1,"a":2} */
		{"a2616101616102", CAIRN_E_CBOR, "duplicate"},          /* {"a":1,"a":2} */
		{"a26261610161620102", CAIRN_E_CBOR, "length-first"},   /* "aa" before "b" */
		{"1801", CAIRN_E_CBOR, "shortest"},                      /* 1 in two bytes */
		{"190017", CAIRN_E_CBOR, "shortest"},
		{"5800", CAIRN_E_CBOR, "shortest"},                      /* empty bytes, long head */
		{"9f01ff", CAIRN_E_CBOR, "indefinite"},
		{"5f41014102ff", CAIRN_E_CBOR, "indefinite"},
		{"fa3fc00000", CAIRN_E_CBOR, "64-bit floats"},          /* float32 */
		{"f93e00", CAIRN_E_CBOR, "64-bit floats"},              /* float16 */
		{"fb7ff8000000000000", CAIRN_E_CBOR, "NaN"},
		{"fb7ff0000000000000", CAIRN_E_CBOR, "NaN"},            /* +inf */
		{"fbfff0000000000000", CAIRN_E_CBOR, "NaN"},            /* -inf */
		{"f7", CAIRN_E_CBOR, "only false"},                      /* undefined */
		{"f0", CAIRN_E_CBOR, "only false"},                      /* simple 16 */
		{"c101", CAIRN_E_CBOR, "tag 42"},
		{"d82a4401020304", CAIRN_E_CBOR, "0x00"},
		{"d82a420001", CAIRN_E_CBOR, "not a CID"},
		{"d82a01", CAIRN_E_CBOR, "wrap bytes"},
		{"62c328", CAIRN_E_CBOR, "UTF-8"},
		{"63eda080", CAIRN_E_CBOR, "UTF-8"},                     /* a surrogate */
		{"62c0af", CAIRN_E_CBOR, "UTF-8"},                       /* overlong */
		{"a10102", CAIRN_E_CBOR, "not a string"},
		{"a1f602", CAIRN_E_CBOR, "not a string"},
		{"0101", CAIRN_E_TRAILING, "after"},
		{"6261", CAIRN_E_TRUNCATED, "ends"},
		{"82", CAIRN_E_TRUNCATED, "ends"},
		{"9b0000000100000000", CAIRN_E_TRUNCATED, "ends"},       /* 2^32 items claimed */
		{"fb3ff8", CAIRN_E_TRUNCATED, "ends"},
		{"", CAIRN_E_TRUNCATED, "ends"},
	};
	uint8_t b[64];
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		size_t n = unhex(bad[i].hex, b);
		cairn_ipld_opts o = {0};
		int rc = cairn_dagcbor_check(b, n, &o);
		if (rc != bad[i].rc || !o.why || !strstr(o.why, bad[i].why))
			fail_msg("%s: got %d (%s)", bad[i].hex, rc, o.why ? o.why : "-");
	}
	/* nesting: 128 lists deep is the limit */
	uint8_t deep[200];
	memset(deep, 0x81, sizeof deep);
	deep[128] = 0x01;
	assert_int_equal(cairn_dagcbor_check(deep, 129, NULL), CAIRN_OK);
	deep[128] = 0x81;
	deep[129] = 0x01;
	assert_int_equal(cairn_dagcbor_check(deep, 130, NULL), CAIRN_E_LIMIT);
	/* the most negative integer CBOR holds, and floats that are fine */
	static const char *good[] = {"3bffffffffffffffff", "1bffffffffffffffff", "fb8000000000000000",
	                             "fb0000000000000001", "a0", "80", "40", "60", "f4", "f5", "f6"};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		size_t n = unhex(good[i], b);
		if (cairn_dagcbor_check(b, n, NULL) != CAIRN_OK)
			fail_msg("%s refused", good[i]);
	}
}

static int count_links(void *ctx, const uint8_t *cid, size_t n)
{
	(void)cid;
	(void)n;
	(*(int *)ctx)++;
	return 0;
}

static void json_round_trip(void **state)
{
	(void)state;
	/* loose in, canonical out: @ipld/dag-json's bytes for the same value */
	static const struct {
		const char *in, *cbor, *out;
	} v[] = {
		{" { \"b\" : 1 , \"a\" : [ 1.5 , \"x\" ] } ", "a2616182fb3ff80000000000006178616201",
		 "{\"a\":[1.5,\"x\"],\"b\":1}"},
		/* DAG-CBOR sorts length first, DAG-JSON bytewise */
		{"{\"b\":2,\"aa\":1}", NULL, NULL}, /* the orders: below */
		{"[\"\\u00e9\\ud834\\udd1e\\/\\b\\f\\n\\r\\t\\u0001\\\"\\\\\"]", NULL,
		 "[\"é𝄞/\\b\\f\\n\\r\\t\\u0001\\\"\\\\\"]"},
		{"{\"/\":{\"bytes\":\"aGVsbG8=\"}}", "4568656c6c6f", "{\"/\":{\"bytes\":\"aGVsbG8\"}}"},
		{"{\"/\":\"QmWfVY9y3xjsixTgbd9AorQxH7VtMpzfx2HaWtsoUYecaX\"}", NULL,
		 "{\"/\":\"QmWfVY9y3xjsixTgbd9AorQxH7VtMpzfx2HaWtsoUYecaX\"}"},
		{"{\"/\":\"bafkqaaa\"}", "d82a450001550000", "{\"/\":\"bafkqaaa\"}"},
		{"-18446744073709551616", "3bffffffffffffffff", "-18446744073709551616"},
		{"18446744073709551615", "1bffffffffffffffff", "18446744073709551615"},
		{"-0", "00", "0"},
		{"1.0", "fb3ff0000000000000", "1.0"},
		{"-0.0", "fb8000000000000000", "-0.0"},
		{"1e21", NULL, "1e+21"},
		{"123456789012345678901.0", NULL, "123456789012345680000.0"},
		{"1e-7", NULL, "1e-7"},
		{"0.000001", NULL, "0.000001"},
		{"5e-324", NULL, "5e-324"},
		{"1.7976931348623157e308", NULL, "1.7976931348623157e+308"},
		{"0.1", NULL, "0.1"},
		{"-1.25E+2", NULL, "-125.0"},
		{"[[],{},\"\",null,true,false]", "86" "80" "a0" "60" "f6" "f5" "f4", "[[],{},\"\",null,true,false]"},
	};
	uint8_t cbor[256], want[256];
	char json[512];
	size_t n;
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		int rc = to_cbor(v[i].in, cbor, sizeof cbor, &n, 0, NULL);
		if (rc)
			fail_msg("%s: %d", v[i].in, rc);
		assert_int_equal(cairn_dagcbor_check(cbor, n, NULL), CAIRN_OK);
		if (v[i].cbor) {
			size_t w = unhex(v[i].cbor, want);
			if (w != n || memcmp(want, cbor, n) != 0)
				fail_msg("%s: wrong DAG-CBOR", v[i].in);
		}
		assert_int_equal(to_json(cbor, n, json, sizeof json, 0), CAIRN_OK);
		if (v[i].out && strcmp(json, v[i].out) != 0)
			fail_msg("%s: got %s, want %s", v[i].in, json, v[i].out);
	}
	/* the two orders */
	assert_int_equal(to_cbor("{\"b\":2,\"aa\":1}", cbor, sizeof cbor, &n, 0, NULL), CAIRN_OK);
	size_t w = unhex("a26162026261610" "1", want);
	assert_int_equal(n, w);
	assert_memory_equal(cbor, want, n);
	assert_int_equal(to_json(cbor, n, json, sizeof json, 0), CAIRN_OK);
	assert_string_equal(json, "{\"aa\":1,\"b\":2}");
	/* links are reported, in order, in both codecs */
	int links = 0;
	cairn_ipld_opts o = {.on_link = count_links, .ctx = &links};
	const char *two = "[{\"/\":\"bafkqaaa\"},{\"x\":{\"/\":\"QmWfVY9y3xjsixTgbd9AorQxH7VtMpzfx2HaWtsoUYecaX\"}}]";
	assert_int_equal(cairn_dagjson_decode(two, strlen(two), NULL, 0, &n, &o), CAIRN_OK);
	assert_int_equal(links, 2);
	assert_int_equal(to_cbor(two, cbor, sizeof cbor, &n, 0, NULL), CAIRN_OK);
	links = 0;
	assert_int_equal(cairn_dagcbor_check(cbor, n, &o), CAIRN_OK);
	assert_int_equal(links, 2);
	/* too small an output is said, never overrun */
	assert_int_equal(to_cbor(two, cbor, 5, &n, 0, NULL), CAIRN_E_BUFFER);
}

static void json_rules(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		unsigned flags;
		int rc;
		const char *why;
	} bad[] = {
		{"{\"a\":1,\"a\":2}", 0, CAIRN_E_JSON, "duplicate"},
		{"{\"a\":1,\"\\u0061\":2}", 0, CAIRN_E_JSON, "duplicate"},
		{"{\"/\":\"notacid\"}", 0, CAIRN_E_JSON, "not a CID"},
		{"{\"/\":\"bafkqaaa\",\"x\":1}", 0, CAIRN_E_JSON, "no other keys"},
		{"{\"/\":\"bafkqaaa\" ,\"/\":\"bafkqaaa\"}", 0, CAIRN_E_JSON, "no other keys"},
		{"{\"/\":{\"bytes\":\"@@@@\"}}", 0, CAIRN_E_JSON, "base64"},
		{"{\"/\":{\"bytes\":\"aGVsbG9\"}}", 0, CAIRN_E_JSON, "spare bits"},
		{"{\"/\":{\"bytes\":\"a\"}}", 0, CAIRN_E_JSON, "base64 length"},
		{"{\"/\":{\"bytes\":\"aGVsbG8\",\"x\":1}}", 0, CAIRN_E_JSON, "no other keys"},
		{"{\"/\":{\"bytes\":\"aGVsbG8\"},\"x\":1}", 0, CAIRN_E_JSON, "no other keys"},
		{"[1,]", 0, CAIRN_E_JSON, "unexpected"},
		{"[1 2]", 0, CAIRN_E_JSON, "expected ','"},
		{"\"\\ud800\"", 0, CAIRN_E_JSON, "surrogate"},
		{"\"\\udc00\"", 0, CAIRN_E_JSON, "surrogate"},
		{"\"\\x\"", 0, CAIRN_E_JSON, "escape"},
		{"\"a\nb\"", 0, CAIRN_E_JSON, "control"},
		{"\"\xc3\x28\"", 0, CAIRN_E_JSON, "UTF-8"},
		{"1e999", 0, CAIRN_E_JSON, "range"},
		{"18446744073709551616", 0, CAIRN_E_JSON, "range"},
		{"-18446744073709551617", 0, CAIRN_E_JSON, "range"},
		{"01", 0, CAIRN_E_JSON, "leading zero"},
		{"1.", 0, CAIRN_E_JSON, "bad number"},
		{"-", 0, CAIRN_E_JSON, "bad number"},
		{"NaN", 0, CAIRN_E_JSON, "unexpected"},
		{"tru", 0, CAIRN_E_JSON, "unexpected"},
		{"{1:2}", 0, CAIRN_E_JSON, "not a string"},
		{"1 2", 0, CAIRN_E_TRAILING, "after"},
		{"[", 0, CAIRN_E_TRUNCATED, "ends"},
		{"{\"a\":1", 0, CAIRN_E_TRUNCATED, "not closed"},
		{"\"abc", 0, CAIRN_E_TRUNCATED, "not closed"},
		{"", 0, CAIRN_E_TRUNCATED, "ends"},
	};
	uint8_t cbor[256];
	size_t n;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cairn_ipld_opts o;
		int rc = to_cbor(bad[i].in, cbor, sizeof cbor, &n, bad[i].flags, &o);
		if (rc != bad[i].rc || !o.why || !strstr(o.why, bad[i].why))
			fail_msg("%s: got %d (%s)", bad[i].in, rc, o.why ? o.why : "-");
	}
	/* deep nesting is refused at 129, not crashed on */
	char deep[400];
	memset(deep, '[', 200);
	memset(deep + 200, ']', 200);
	cairn_ipld_opts o = {0};
	assert_int_equal(cairn_dagjson_decode(deep, 400, NULL, 0, &n, &o), CAIRN_E_LIMIT);
	assert_int_equal(cairn_dagjson_decode(deep + 72, 256, NULL, 0, &n, &o), CAIRN_OK);
	/* bytes and links are no lists or maps: inside 128 lists they are
	 * as DAG-CBOR nests them (found by the fuzzer: CBOR 81^128 41 00) */
	char deepb[600];
	size_t dn = 0;
	memset(deepb, '[', 128);
	dn = 128;
	dn += (size_t)sprintf(deepb + dn, "{\"/\":{\"bytes\":\"AA\"}}");
	memset(deepb + dn, ']', 128);
	dn += 128;
	assert_int_equal(cairn_dagjson_decode(deepb, dn, NULL, 0, &n, &o), CAIRN_OK);
	deepb[128 + 2] = 'x'; /* {"x": ...}: a map, one too deep */
	assert_int_equal(cairn_dagjson_decode(deepb, dn, NULL, 0, &n, &o), CAIRN_E_LIMIT);
	memcpy(deepb + 128, "{}", 2);
	assert_int_equal(cairn_dagjson_decode(deepb, 130, NULL, 0, &n, &o), CAIRN_E_LIMIT);
	/* maps that merely have a "/" key are maps, as @ipld/dag-json reads
	 * them, and are written back the same */
	static const char *maps[] = {"{\"/\":5}", "{\"/\":{\"bytes\":5}}", "{\"/\":{\"x\":\"y\"}}",
	                             "{\"a\":\"bafkqaaa\",\"b\":{\"/\":\"bafkqaaa\"}}",
	                             "{\"/\":[\"bafkqaaa\"]}", "{\"/\":{\"/\":\"bafkqaaa\"}}"};
	for (size_t i = 0; i < sizeof maps / sizeof maps[0]; i++) {
		char back[128];
		if (to_cbor(maps[i], cbor, sizeof cbor, &n, 0, NULL) != CAIRN_OK)
			fail_msg("%s refused", maps[i]);
		assert_int_equal(to_json(cbor, n, back, sizeof back, 0), CAIRN_OK);
		assert_string_equal(back, maps[i]);
	}
	/* a "/" key holding a string, not first as written: written back
	 * canonically it would lead and read as a link, so it is refused */
	cairn_ipld_opts ro;
	assert_int_equal(to_cbor("{\"x\":1,\"/\":\"bafkqaaa\"}", cbor, sizeof cbor, &n, 0, &ro), CAIRN_E_JSON);
	assert_non_null(strstr(ro.why, "read back"));
	/* ...and so is a bytes-shaped one; a "/" key that sorts after
	 * another ("" sorts first) is a plain map either way */
	assert_int_equal(to_cbor("{\"x\":1,\"/\":{\"bytes\":\"AQ\"}}", cbor, sizeof cbor, &n, 0, NULL), CAIRN_E_JSON);
	char back2[64];
	assert_int_equal(to_cbor("{\"/\":\"s\",\"\":1}", cbor, sizeof cbor, &n, 0, NULL), CAIRN_E_JSON);
	assert_int_equal(to_cbor("{\"\":1,\"/\":\"s\"}", cbor, sizeof cbor, &n, 0, NULL), CAIRN_OK);
	assert_int_equal(to_json(cbor, n, back2, sizeof back2, 0), CAIRN_OK);
	assert_string_equal(back2, "{\"\":1,\"/\":\"s\"}");
	/* plain JSON: "/" is a key like any other, and links cannot be written */
	assert_int_equal(to_cbor("{\"/\":\"x\"}", cbor, sizeof cbor, &n, CAIRN_IPLD_PLAIN_JSON, NULL), CAIRN_OK);
	char json[128];
	assert_int_equal(to_json(cbor, n, json, sizeof json, CAIRN_IPLD_PLAIN_JSON), CAIRN_OK);
	assert_string_equal(json, "{\"/\":\"x\"}");
	assert_int_equal(to_json(cbor, n, json, sizeof json, 0), CAIRN_E_JSON); /* no DAG-JSON form */
	assert_int_equal(to_cbor("{\"/\":\"bafkqaaa\"}", cbor, sizeof cbor, &n, 0, NULL), CAIRN_OK);
	assert_int_equal(to_json(cbor, n, json, sizeof json, CAIRN_IPLD_PLAIN_JSON), CAIRN_E_JSON);
}

static void lookup_and_kinds(void **state)
{
	(void)state;
	uint8_t cbor[256];
	size_t n, off, vlen;
	const char *doc = "{\"list\":[10,{\"/\":\"bafkqaaa\"},\"s\"],\"m\":{\"k\":null}}";
	assert_int_equal(to_cbor(doc, cbor, sizeof cbor, &n, 0, NULL), CAIRN_OK);
	cairn_ipld_kind k;
	assert_int_equal(cairn_dagcbor_kind(cbor, n, &k), CAIRN_OK);
	assert_int_equal(k, CAIRN_IPLD_MAP);
	assert_int_equal(cairn_dagcbor_lookup(cbor, n, "list", 4, &off, &vlen), CAIRN_OK);
	size_t loff = off, llen = vlen;
	assert_int_equal(cairn_dagcbor_lookup(cbor + loff, llen, "1", 1, &off, &vlen), CAIRN_OK);
	cairn_dagcbor_kind(cbor + loff + off, vlen, &k);
	assert_int_equal(k, CAIRN_IPLD_LINK);
	const uint8_t *cid;
	size_t clen;
	assert_int_equal(cairn_dagcbor_link(cbor + loff + off, vlen, &cid, &clen), CAIRN_OK);
	assert_int_equal(clen, 4); /* bafkqaaa: 01 55 00 00 */
	assert_int_equal(cairn_dagcbor_lookup(cbor + loff, llen, "01", 2, &off, &vlen), CAIRN_E_PATH);
	assert_int_equal(cairn_dagcbor_lookup(cbor + loff, llen, "3", 1, &off, &vlen), CAIRN_E_PATH);
	assert_int_equal(cairn_dagcbor_lookup(cbor + loff, llen, "x", 1, &off, &vlen), CAIRN_E_PATH);
	assert_int_equal(cairn_dagcbor_lookup(cbor, n, "nope", 4, &off, &vlen), CAIRN_E_PATH);
	assert_int_equal(cairn_dagcbor_lookup(cbor, n, "m", 1, &off, &vlen), CAIRN_OK);
	assert_int_equal(cairn_dagcbor_lookup(cbor + off, vlen, "k", 1, &off, &vlen), CAIRN_OK);
	assert_int_equal(vlen, 1);
}

static void dagpb_model(void **state)
{
	(void)state;
	cairn_multihash mh;
	cairn_cid c;
	uint8_t cidb[64], node[256], cbor[256];
	size_t cn, nn, n;
	char json[512], text[80], want[512];
	cairn_mh_compute(&mh, CAIRN_MH_SHA2_256, "x", 1);
	cairn_cid_set(&c, 1, CAIRN_CODEC_RAW, &mh);
	cairn_cid_encode(&c, cidb, sizeof cidb, &cn);
	cairn_cid_to_string(&c, text, sizeof text, NULL);
	cairn_pblink l = {cidb, cn, "f", 1, 1, 1, 1};
	assert_int_equal(cairn_pbnode_encode(&l, 1, (const uint8_t *)"d", 1, 1, node, sizeof node, &nn), CAIRN_OK);
	assert_int_equal(cairn_dagpb_to_dagcbor(node, nn, NULL, 0, &n), CAIRN_OK);
	assert_int_equal(cairn_dagpb_to_dagcbor(node, nn, cbor, sizeof cbor, &n), CAIRN_OK);
	assert_int_equal(cairn_dagcbor_check(cbor, n, NULL), CAIRN_OK);
	assert_int_equal(to_json(cbor, n, json, sizeof json, 0), CAIRN_OK);
	snprintf(want, sizeof want, "{\"Data\":{\"/\":{\"bytes\":\"ZA\"}},\"Links\":[{\"Hash\":{\"/\":\"%s\"},\"Name\":\"f\",\"Tsize\":1}]}", text);
	assert_string_equal(json, want);
	assert_int_equal(cairn_dagpb_to_dagcbor(node, nn, cbor, n - 1, &n), CAIRN_E_BUFFER);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cbor_rules),
		cmocka_unit_test(json_round_trip),
		cmocka_unit_test(json_rules),
		cmocka_unit_test(lookup_and_kinds),
		cmocka_unit_test(dagpb_model),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

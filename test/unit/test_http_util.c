/* http/http_util.c: Range (RFC 9110 section 14.1.2, its own examples), raw
 * header fields as the early token check reads them, Kubo's booleans, and
 * the peer URL splitter. */
#include "testutil.h"
#include "http_util.h"

struct range_case {
	const char *h;
	uint64_t size;
	int rc;
	uint64_t off, len;
};

static void range_rfc9110(void **state)
{
	(void)state;
	/* RFC 9110 14.1.2: a representation of 10000 bytes */
	static const struct range_case cases[] = {
		{"bytes=0-499", 10000, 1, 0, 500},      /* the first 500 bytes */
		{"bytes=500-999", 10000, 1, 500, 500},  /* the second 500 */
		{"bytes=-500", 10000, 1, 9500, 500},    /* the final 500 */
		{"bytes=9500-", 10000, 1, 9500, 500},   /* the final 500 again */
		{"bytes=0-0", 10000, 1, 0, 1},          /* the first byte */
		{"bytes=-1", 10000, 1, 9999, 1},        /* the last byte */
		{"bytes=0-99999", 10000, 1, 0, 10000},  /* last-pos past the end: clipped */
		{"bytes=-20000", 10000, 1, 0, 10000},   /* a suffix longer than the body */
		{"bytes=10000-", 10000, -1, 0, 0},      /* first-pos at the end: 416 */
		{"bytes=20000-20001", 10000, -1, 0, 0},
		{"bytes=-0", 10000, -1, 0, 0},          /* an empty suffix cannot be satisfied */
		{"bytes=0-", 0, -1, 0, 0},              /* nothing to range over */
		/* ignored (the whole body is sent): not one plain byte range */
		{"bytes=0-0,-1", 10000, 0, 0, 0},       /* several ranges */
		{"bytes=500-499", 10000, 0, 0, 0},      /* last before first: invalid */
		{"bytes= 0-1", 10000, 0, 0, 0},
		{"bytes=+0-1", 10000, 0, 0, 0},
		{"bytes=0x10-", 10000, 0, 0, 0},
		{"bytes=1-2-3", 10000, 0, 0, 0},
		{"items=0-1", 10000, 0, 0, 0},          /* another unit */
		{"bytes=", 10000, 0, 0, 0},
		{"bytes=-", 10000, 0, 0, 0},
		{"bytes=99999999999999999999-", 10000, -1, 0, 0}, /* past 2^64: saturates, unsatisfiable */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint64_t off = 77, len = 77;
		int rc = http_parse_range(cases[i].h, cases[i].size, &off, &len);
		if (rc != cases[i].rc)
			fail_msg("%s: rc %d, want %d", cases[i].h, rc, cases[i].rc);
		if (rc == 1 && (off != cases[i].off || len != cases[i].len))
			fail_msg("%s: [%llu, +%llu), want [%llu, +%llu)", cases[i].h, (unsigned long long)off,
			         (unsigned long long)len, (unsigned long long)cases[i].off,
			         (unsigned long long)cases[i].len);
	}
	assert_int_equal(http_parse_range(NULL, 10, &(uint64_t){0}, &(uint64_t){0}), 0);
}

static void booleans(void **state)
{
	(void)state;
	static const char *yes[] = {"true", "TRUE", "1", "yes", "t", "True"};
	static const char *no[] = {"false", "FALSE", "0", "no", "f"};
	static const char *bad[] = {"", "2", "tru", "yes please", "on", "-1"};
	int v;
	for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
		v = -1;
		assert_int_equal(http_parse_bool(yes[i], &v), 0);
		assert_int_equal(v, 1);
	}
	for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
		v = -1;
		assert_int_equal(http_parse_bool(no[i], &v), 0);
		assert_int_equal(v, 0);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(http_parse_bool(bad[i], &v), -1);
}

/* The path a request's log record shows: secret query values redacted,
 * everything else as sent; cut to fit, always terminated. */
static void log_path(void **state)
{
	(void)state;
	static const char *const cases[][2] = {
		{"/ipfs/bafy", "/ipfs/bafy"},
		{"/ipfs/bafy?token=abc", "/ipfs/bafy?token=REDACTED"},
		{"/a?x=1&Token=abc&y=2", "/a?x=1&Token=REDACTED&y=2"},
		{"/a?access_token=a&api_key=b&apikey=c&KEY=d&secret=e&password=f&auth=g&sig=h",
		 "/a?access_token=REDACTED&api_key=REDACTED&apikey=REDACTED&KEY=REDACTED&secret=REDACTED"
		 "&password=REDACTED&auth=REDACTED&sig=REDACTED"},
		{"/a?X-Amz-Signature=s&X-Amz-Credential=c&X-Amz-Date=d",
		 "/a?X-Amz-Signature=REDACTED&X-Amz-Credential=REDACTED&X-Amz-Date=d"},
		{"/a?tokens=1&mykey=2&key", "/a?tokens=1&mykey=2&key"}, /* other names; no value */
		{"/a?key=&&token=x", "/a?key=REDACTED&&token=REDACTED"},
		{"/a?", "/a?"},
	};
	char out[256];
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		http_log_path(cases[i][0], out, sizeof out);
		assert_string_equal(out, cases[i][1]);
	}
	http_log_path("/ipfs/bafy?token=abcdef", out, 16);
	assert_string_equal(out, "/ipfs/bafy?toke");
	http_log_path("/ipfs/bafy?token=abcdef", out, 22);
	assert_string_equal(out, "/ipfs/bafy?token=REDA"); /* never a byte of the secret */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(range_rfc9110),
		cmocka_unit_test(booleans),
		cmocka_unit_test(log_path),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

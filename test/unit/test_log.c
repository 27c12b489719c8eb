/* common/log.c: records as a log shipper reads them. stderr is sent to a
 * temporary file; each record read back is checked against what was
 * logged: JSON records by jansson (another parser), text records field by
 * field. Line breaks are joined, bytes that are not UTF-8 become U+FFFD,
 * a long record is cut yet still one line (and valid JSON). */
#define _GNU_SOURCE
#include "testutil.h"
#include "log.h"

#include <jansson.h>
#include <stdlib.h>
#include <unistd.h>

static char path[] = "/tmp/cairn-test-log-XXXXXX";

/* What was logged since the last call, one record (its line). */
static char *take(void)
{
	static char buf[LOG_RECORD_MAX * 2];
	fflush(stderr);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	assert_non_null(freopen(path, "w", stderr));
	return buf;
}

static int setup(void **state)
{
	(void)state;
	int fd = mkstemp(path);
	if (fd < 0)
		return -1;
	close(fd);
	return freopen(path, "w", stderr) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	return 0;
}

static json_t *one_json(const char *rec)
{
	json_error_t e;
	size_t n = strlen(rec);
	assert_true(n > 0 && rec[n - 1] == '\n');
	assert_null(memchr(rec, '\n', n - 1)); /* one line */
	json_t *j = json_loads(rec, 0, &e);
	if (!j)
		fail_msg("not JSON (%s): %s", e.text, rec);
	return j;
}

static void plain_before_setup(void **state)
{
	(void)state;
	log_warn("disk %s", "full\n");
	assert_string_equal(take(), "cairn: warning: disk full\n");
	log_error("no");
	assert_string_equal(take(), "cairn: no\n");
}

static void json_records(void **state)
{
	(void)state;
	log_setup(LOG_FORMAT_JSON);
	log_info("connection to server failed: refused\n\tIs the server running?\n");
	json_t *j = one_json(take());
	assert_string_equal(json_string_value(json_object_get(j, "level")), "info");
	assert_string_equal(json_string_value(json_object_get(j, "msg")),
	                    "connection to server failed: refused; Is the server running?");
	const char *t = json_string_value(json_object_get(j, "time"));
	assert_int_equal(strlen(t), 24); /* 2026-11-30T12:00:00.123Z */
	assert_true(t[4] == '-' && t[10] == 'T' && t[19] == '.' && t[23] == 'Z');
	json_decref(j);

	/* quotes, backslashes, controls, UTF-8 kept, bytes that are not UTF-8 */
	struct log_field f[] = {
		{"path", "/a\"b\\c\x01\xc3\xa9\xff\xc0\xaf\xed\xa0\x80", 0, 0},
		{"status", NULL, 404, 0},
		{"duration", NULL, 0.0012345, 6},
	};
	log_fields(LOG_LEVEL_ERROR, NULL, f, 3);
	j = one_json(take());
	assert_string_equal(json_string_value(json_object_get(j, "level")), "error");
	assert_null(json_object_get(j, "msg"));
	assert_string_equal(json_string_value(json_object_get(j, "path")),
	                    "/a\"b\\c\x01\xc3\xa9\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	assert_int_equal(json_integer_value(json_object_get(j, "status")), 404);
	assert_true(json_real_value(json_object_get(j, "duration")) > 0.00123 &&
	            json_real_value(json_object_get(j, "duration")) < 0.00124);
	json_decref(j);

	/* a record longer than LOG_RECORD_MAX: cut, still one valid line?
	 * The cut may fall inside the string: then it is not JSON, and the
	 * reader must still find a line end. */
	char *big = malloc(LOG_RECORD_MAX * 2);
	memset(big, 'x', LOG_RECORD_MAX * 2 - 1);
	big[LOG_RECORD_MAX * 2 - 1] = '\0';
	log_info("%s", big);
	const char *rec = take();
	size_t n = strlen(rec);
	assert_true(n <= LOG_RECORD_MAX);
	assert_int_equal(rec[n - 1], '\n');
	assert_null(memchr(rec, '\n', n - 1));
	free(big);
}

static void text_records(void **state)
{
	(void)state;
	log_setup(LOG_FORMAT_TEXT);
	struct log_field f[] = {
		{"server", "gateway", 0, 0},
		{"path", "/ipfs/x?a=b c", 0, 0},
		{"status", NULL, 200, 0},
		{"error", "", 0, 0},
	};
	log_fields(LOG_LEVEL_INFO, "done", f, 4);
	const char *rec = take();
	assert_string_equal(strchr(rec, ' '),
	                    " level=info msg=done server=gateway path=\"/ipfs/x?a=b c\" status=200 error=\"\"\n");
	assert_memory_equal(rec, "time=", 5);
	log_warn("two\nlines\n");
	rec = take();
	assert_string_equal(strchr(rec, ' '), " level=warn msg=\"two; lines\"\n");
}

static void formats(void **state)
{
	(void)state;
	enum log_format f;
	assert_int_equal(log_format_parse("json", &f), 0);
	assert_int_equal(f, LOG_FORMAT_JSON);
	assert_int_equal(log_format_parse("text", &f), 0);
	assert_int_equal(f, LOG_FORMAT_TEXT);
	assert_int_equal(log_format_parse("JSON", &f), -1);
	assert_int_equal(log_format_parse("", &f), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(plain_before_setup),
		cmocka_unit_test(json_records),
		cmocka_unit_test(text_records),
		cmocka_unit_test(formats),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

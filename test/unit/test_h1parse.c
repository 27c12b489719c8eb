/* http/h1parse.c: requests as curl, browsers and Kubo clients send them,
 * in every slicing of the bytes (one at a time up to all at once): the
 * same heads, bodies and ends each time; pipelining; HTTP/1.0;
 * chunked bodies; Expect: 100-continue; each limit's status; and
 * malformed or dangerous framing refused (RFC 9112). */
#include "testutil.h"
#include "h1parse.h"

#include <stdlib.h>

/* What the callbacks saw, as text: "HEAD <method> <target> <fields>|BODY
 * <bytes>|END" events, so two slicings can be compared whole. */
struct log {
	char text[1 << 16];
	size_t len;
	int pause_head; /* on_head answers H1_PAUSE */
	h1_request last;
	int heads;
};

static void say(struct log *l, const char *s, size_t n)
{
	assert_true(l->len + n < sizeof l->text);
	memcpy(l->text + l->len, s, n);
	l->len += n;
	l->text[l->len] = '\0';
}

static int on_head(void *ctx, const h1_request *r)
{
	struct log *l = ctx;
	char line[4096];
	int n = snprintf(line, sizeof line, "HEAD %s %.*s HTTP/%u.%u ka=%d ch=%d cl=%lld ex=%d",
	                 r->method, (int)r->target_len, r->target, r->major, r->minor, r->keep_alive,
	                 r->chunked, (long long)r->content_length, r->expect_continue);
	say(l, line, (size_t)n);
	for (unsigned i = 0; i < r->nfields; i++) {
		n = snprintf(line, sizeof line, " [%s: %s]", r->fields[i].name, r->fields[i].value);
		say(l, line, (size_t)n);
	}
	say(l, "\n", 1);
	l->last = *r;
	l->heads++;
	return l->pause_head ? H1_PAUSE : H1_GO;
}

static int on_body(void *ctx, const uint8_t *p, size_t n)
{
	struct log *l = ctx;
	say(l, "BODY ", 5);
	say(l, (const char *)p, n);
	say(l, "\n", 1);
	return 0;
}

static int on_end(void *ctx)
{
	say(ctx, "END\n", 4);
	return 0;
}

static const h1_callbacks cbs = {on_head, on_body, on_end};
static const h1_limits lim = {.max_url_bytes = 1024, .max_header_fields = 20};

/* Body pieces arrive as llhttp cuts them: join consecutive BODY lines so
 * logs of different slicings compare. */
static void join_bodies(char *t)
{
	char *out = malloc(strlen(t) + 1), *o = out;
	int prev_body = 0;
	for (char *line = t; *line;) {
		char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) + 1 : strlen(line);
		int body = strncmp(line, "BODY ", 5) == 0;
		if (body && prev_body) { /* drop the "\n" before and the "BODY " here */
			o--;
			memcpy(o, line + 5, n - 5);
			o += n - 5;
		} else {
			memcpy(o, line, n);
			o += n;
		}
		prev_body = body;
		line += n;
	}
	*o = '\0';
	strcpy(t, out);
	free(out);
}

/* Parse input in slices of `step` bytes, answering each request before the
 * next (h1_next), resuming paused heads: the log, or the failure status. */
static int run(const char *input, size_t len, size_t step, struct log *l, int pause)
{
	static char head[2048];
	h1_parser h;
	memset(l, 0, sizeof *l);
	l->pause_head = pause;
	h1_init(&h, &lim, head, sizeof head, &cbs, l);
	size_t off = 0;
	while (off < len) {
		size_t n = len - off < step ? len - off : step;
		ssize_t used = h1_feed(&h, (const uint8_t *)input + off, n);
		if (used < 0)
			return h1_status(&h);
		off += (size_t)used;
		if (h1_paused(&h)) {
			say(l, "PAUSED\n", 7);
			h1_resume(&h);
		}
		if (h1_ended(&h))
			h1_next(&h);
	}
	if (h1_eof(&h) != 0)
		return h1_status(&h);
	return 0;
}

/* Every slicing gives the same log as the whole at once. */
static void same_in_every_slicing(const char *input, const char *want, int pause)
{
	struct log *whole = calloc(1, sizeof *whole), *sliced = calloc(1, sizeof *sliced);
	size_t len = strlen(input);
	assert_int_equal(run(input, len, len, whole, pause), 0);
	char *w = strdup(whole->text);
	join_bodies(w);
	if (want && strcmp(w, want) != 0)
		fail_msg("got:\n%s\nwant:\n%s", w, want);
	for (size_t step = 1; step < len; step = step < 16 ? step + 1 : step * 2) {
		assert_int_equal(run(input, len, step, sliced, pause), 0);
		join_bodies(sliced->text);
		if (strcmp(sliced->text, w) != 0)
			fail_msg("in slices of %zu:\n%s\nwhole:\n%s", step, sliced->text, w);
	}
	free(w);
	free(whole);
	free(sliced);
}

static void curl_upload(void **state)
{
	(void)state;
	same_in_every_slicing("POST /api/v0/add?pin=true HTTP/1.1\r\n"
	                      "Host: 127.0.0.1:5001\r\n"
	                      "User-Agent: curl/7.88.1\r\n"
	                      "Accept: */*\r\n"
	                      "Content-Length: 11\r\n"
	                      "Content-Type: multipart/form-data; boundary=x\r\n"
	                      "\r\n"
	                      "hello world",
	                      "HEAD POST /api/v0/add?pin=true HTTP/1.1 ka=1 ch=0 cl=11 ex=0"
	                      " [Host: 127.0.0.1:5001] [User-Agent: curl/7.88.1] [Accept: */*]"
	                      " [Content-Length: 11] [Content-Type: multipart/form-data; boundary=x]\n"
	                      "BODY hello world\nEND\n", 0);
}

static void pipelined_in_order(void **state)
{
	(void)state;
	same_in_every_slicing("GET /ipfs/a HTTP/1.1\r\nHost: x\r\n\r\n"
	                      "HEAD /ipfs/b HTTP/1.1\r\nHost: x\r\n\r\n"
	                      "POST /api/v0/id HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nok"
	                      "GET /ipfs/c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
	                      "HEAD GET /ipfs/a HTTP/1.1 ka=1 ch=0 cl=-1 ex=0 [Host: x]\nEND\n"
	                      "HEAD HEAD /ipfs/b HTTP/1.1 ka=1 ch=0 cl=-1 ex=0 [Host: x]\nEND\n"
	                      "HEAD POST /api/v0/id HTTP/1.1 ka=1 ch=0 cl=2 ex=0 [Host: x] [Content-Length: 2]\n"
	                      "BODY ok\nEND\n"
	                      "HEAD GET /ipfs/c HTTP/1.1 ka=0 ch=0 cl=-1 ex=0 [Host: x] [Connection: close]\nEND\n",
	                      0);
}

static void http10(void **state)
{
	(void)state;
	same_in_every_slicing("GET /ipfs/a HTTP/1.0\r\n\r\n",
	                      "HEAD GET /ipfs/a HTTP/1.0 ka=0 ch=0 cl=-1 ex=0\nEND\n", 0);
	same_in_every_slicing("GET /ipfs/a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
	                      "HEAD GET /ipfs/a HTTP/1.0 ka=1 ch=0 cl=-1 ex=0 [Connection: keep-alive]\nEND\n", 0);
}

static void chunked_body(void **state)
{
	(void)state;
	/* RFC 9112 7.1: sizes in hex, extensions ignored, trailer fields */
	same_in_every_slicing("POST /api/v0/dag/import HTTP/1.1\r\n"
	                      "Host: x\r\nTransfer-Encoding: chunked\r\n\r\n"
	                      "5\r\nhello\r\n"
	                      "1;ext=1\r\n \r\n"
	                      "A\r\n0123456789\r\n"
	                      "0\r\nX-Trailer: t\r\n\r\n",
	                      "HEAD POST /api/v0/dag/import HTTP/1.1 ka=1 ch=1 cl=-1 ex=0 [Host: x]"
	                      " [Transfer-Encoding: chunked]\n"
	                      "BODY hello 0123456789\nEND\n", 0);
}

static void expect_continue_pauses(void **state)
{
	(void)state;
	same_in_every_slicing("PUT /x HTTP/1.1\r\nHost: x\r\nExpect: 100-Continue\r\nContent-Length: 3\r\n\r\nabc",
	                      "HEAD PUT /x HTTP/1.1 ka=1 ch=0 cl=3 ex=1 [Host: x] [Expect: 100-Continue]"
	                      " [Content-Length: 3]\nPAUSED\nBODY abc\nEND\n", 1);
}

static void fields_trimmed_and_empty(void **state)
{
	(void)state;
	same_in_every_slicing("GET / HTTP/1.1\r\nHost: x\r\nX-Blank:\r\nX-Spaces:   a b  \r\n\r\n",
	                      "HEAD GET / HTTP/1.1 ka=1 ch=0 cl=-1 ex=0 [Host: x] [X-Blank: ] [X-Spaces: a b]\nEND\n", 0);
	struct log *l = calloc(1, sizeof *l);
	static const char r[] = "GET / HTTP/1.1\r\nauthorization: Bearer t\r\n\r\n";
	assert_int_equal(run(r, sizeof r - 1, 5, l, 0), 0);
	assert_string_equal(h1_field_get(&l->last, "Authorization") ? "seen" : "", "seen");
	assert_null(h1_field_get(&l->last, "Cookie"));
	free(l);
}

struct refusal {
	const char *name, *input;
	int status;
};

static void refused(void **state)
{
	(void)state;
	char big_target[1100], many[2400], huge[2200];
	snprintf(big_target, sizeof big_target, "GET /%01030d HTTP/1.1\r\nHost: x\r\n\r\n", 0);
	size_t n = (size_t)snprintf(many, sizeof many, "GET / HTTP/1.1\r\n");
	for (int i = 0; i < 21; i++)
		n += (size_t)snprintf(many + n, sizeof many - n, "X-%d: v\r\n", i);
	snprintf(many + n, sizeof many - n, "\r\n");
	n = (size_t)snprintf(huge, sizeof huge, "GET / HTTP/1.1\r\nX-Big: ");
	memset(huge + n, 'a', 2100);
	snprintf(huge + n + 2100, sizeof huge - n - 2100, "\r\n\r\n");
	const struct refusal cases[] = {
		{"a target past max_url_bytes", big_target, 414},
		{"more fields than max_header_fields", many, 431},
		{"a head past its buffer", huge, 431},
		{"not HTTP", "HELLO\r\n\r\n", 400},
		{"a bad version", "GET / HTTP/9.9\r\n\r\n", 400},
		{"both Content-Length and Transfer-Encoding (smuggling)",
		 "POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
		{"two different Content-Lengths",
		 "POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400},
		{"a chunk size that is not hex",
		 "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400},
		{"a space before the colon", "GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400},
		{"a bare LF in a field", "GET / HTTP/1.1\r\nHost: x\nY: z\r\n\r\n", 400},
		{"CONNECT", "CONNECT example.org:443 HTTP/1.1\r\nHost: example.org:443\r\n\r\n", 501},
		{"a body cut short by the close", "POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc", 400},
		{"a head cut short by the close", "GET / HTTP/1.1\r\nHost: x", 400},
	};
	struct log *l = calloc(1, sizeof *l);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		for (size_t step = 1; step <= strlen(cases[i].input); step = step * 3 + 1) {
			int st = run(cases[i].input, strlen(cases[i].input), step, l, 0);
			if (st != cases[i].status)
				fail_msg("%s, slices of %zu: %d, want %d", cases[i].name, step, st, cases[i].status);
		}
		int st = run(cases[i].input, strlen(cases[i].input), strlen(cases[i].input), l, 0);
		if (st != cases[i].status)
			fail_msg("%s, whole: %d, want %d", cases[i].name, st, cases[i].status);
	}
	free(l);
}

static void closed_between_requests(void **state)
{
	(void)state;
	struct log *l = calloc(1, sizeof *l);
	static const char r[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
	assert_int_equal(run(r, sizeof r - 1, 7, l, 0), 0); /* h1_eof after a whole request: clean */
	assert_int_equal(l->heads, 1);
	free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(curl_upload),
		cmocka_unit_test(pipelined_in_order),
		cmocka_unit_test(http10),
		cmocka_unit_test(chunked_body),
		cmocka_unit_test(expect_continue_pauses),
		cmocka_unit_test(fields_trimmed_and_empty),
		cmocka_unit_test(refused),
		cmocka_unit_test(closed_between_requests),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* http/mpart.c, the streaming multipart parser, held to multipart_each
 * (the whole-body parser the API uses today) as the reference: for each
 * body, in every slicing, the same outcome and, when it parses, the same
 * parts with the same names, types and bytes. Then a long body in small
 * pieces in constant memory, and a callback that stops the parse. */
#include "testutil.h"
#include "mpart.h"

#include <event2/buffer.h>
#include <stdlib.h>

#define CT "multipart/form-data; boundary=BND"

/* Parts as text: "<name>|<filename>|<type>|<content>\n" each. */
struct parts {
	char *text;
	size_t len, cap;
};

static void put(struct parts *p, const void *s, size_t n)
{
	if (p->len + n + 1 > p->cap) {
		p->cap = (p->len + n + 1) * 2;
		p->text = realloc(p->text, p->cap);
	}
	memcpy(p->text + p->len, s, n);
	p->len += n;
	p->text[p->len] = '\0';
}

static void put_head(struct parts *p, const multipart_part *m)
{
	put(p, m->name, strlen(m->name));
	put(p, "|", 1);
	put(p, m->filename, strlen(m->filename));
	put(p, "|", 1);
	put(p, m->content_type, strlen(m->content_type));
	put(p, "|", 1);
}

/* the reference */
static int ref_data(void *ctx, const void *d, size_t n)
{
	put(ctx, d, n);
	return 0;
}

static int ref_part(void *ctx, const multipart_part *m)
{
	put_head(ctx, m);
	int rc = multipart_read(m, ref_data, ctx);
	put(ctx, "\n", 1);
	return rc;
}

static int reference(const char *body, size_t len, struct parts *out)
{
	struct evbuffer *b = evbuffer_new();
	char err[CAIRN_ERR_MAX];
	evbuffer_add(b, body, len);
	int rc = multipart_each(b, CT, ref_part, out, err);
	evbuffer_free(b);
	return rc;
}

/* the stream */
static int s_part(void *ctx, const multipart_part *m)
{
	put_head(ctx, m);
	return 0;
}

static int s_data(void *ctx, const uint8_t *d, size_t n)
{
	assert_true(n > 0);
	put(ctx, d, n);
	return 0;
}

static int s_end(void *ctx)
{
	put(ctx, "\n", 1);
	return 0;
}

static const mpart_callbacks scb = {s_part, s_data, s_end};

static int streamed(const char *body, size_t len, size_t step, struct parts *out)
{
	mpart m;
	char err[CAIRN_ERR_MAX];
	assert_int_equal(mpart_init(&m, CT, &scb, out, err), 0);
	for (size_t off = 0; off < len; off += step) {
		size_t n = len - off < step ? len - off : step;
		if (mpart_feed(&m, (const uint8_t *)body + off, n, err) != 0)
			return -1;
	}
	return mpart_finish(&m, err);
}

static void agree(const char *name, const char *body, size_t len)
{
	struct parts want = {0};
	int rrc = reference(body, len, &want);
	for (size_t step = 1; step <= len + 1; step = step < 12 ? step + 1 : step * 2) {
		struct parts got = {0};
		int src = streamed(body, len, step, &got);
		if ((src == 0) != (rrc == 0))
			fail_msg("%s, slices of %zu: stream %d, reference %d", name, step, src, rrc);
		if (rrc == 0 && strcmp(got.text ? got.text : "", want.text ? want.text : "") != 0)
			fail_msg("%s, slices of %zu:\n%s\nreference:\n%s", name, step, got.text, want.text);
		free(got.text);
	}
	free(want.text);
}

#define AGREE(name, s) agree(name, s, sizeof s - 1)

static void same_as_the_reference(void **state)
{
	(void)state;
	AGREE("two files", "--BND\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a%20b\"\r\n"
	                   "Content-Type: application/octet-stream\r\n\r\nhello\r\n--BNX\r\n-\r\n--BND\r\n"
	                   "Content-Disposition: form-data; name=\"file\"; filename=\"d\"\r\n"
	                   "Content-Type: application/x-directory\r\n\r\n\r\n--BND--\r\n");
	AGREE("a preamble and an epilogue", "preamble --BN --BND\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\n"
	                                    "x\r\n--BND--epilogue\r\n--BND\r\n");
	AGREE("the first boundary mid-line", "xx--BND\r\n\r\nabc\r\n--BND--");
	AGREE("LF line ends in headers", "--BND\nContent-Disposition: form-data; name=\"f\"\n\ncontent\r\n--BND--");
	AGREE("padding after a delimiter", "--BND  \t\r\n\r\nabc\r\n--BND--");
	AGREE("content that almost closes", "--BND\r\n\r\n\r\n--BN\r\n--B\r\r\n\r\n--BND--");
	AGREE("dashes before the boundary", "---BND\r\n\r\n\r\n----BND\r\n--BND--");
	AGREE("an empty form", "--BND--");
	AGREE("no boundary", "just text");
	AGREE("no closing boundary", "--BND\r\n\r\nabc");
	AGREE("ends in a delimiter", "--BND\r\n\r\nabc\r\n--BND");
	AGREE("ends one byte after", "--BND\r\n\r\nabc\r\n--BND-");
	AGREE("headers never end", "--BND\r\nContent-Type: x\r\n");
	AGREE("no line after the delimiter", "--BND  ");
	char lines[4000];
	size_t n = (size_t)snprintf(lines, sizeof lines, "--BND\r\n");
	for (int i = 0; i < MULTIPART_HEADER_LINES_MAX; i++)
		n += (size_t)snprintf(lines + n, sizeof lines - n, "X-%d: v\r\n", i);
	size_t at_max = n;
	n += (size_t)snprintf(lines + n, sizeof lines - n, "\r\nbody\r\n--BND--");
	agree("as many header lines as allowed", lines, n);
	n = at_max + (size_t)snprintf(lines + at_max, sizeof lines - at_max, "X-one-more: v\r\n\r\nb\r\n--BND--");
	agree("one header line too many", lines, n);
	char longl[2200];
	for (size_t len = MULTIPART_HEADER_LINE_MAX - 1; len <= MULTIPART_HEADER_LINE_MAX + 2; len++) {
		n = (size_t)snprintf(longl, sizeof longl, "--BND\r\nX: ");
		memset(longl + n, 'a', len - 3);
		n += len - 3;
		n += (size_t)snprintf(longl + n, sizeof longl - n, "\r\n\r\nb\r\n--BND--");
		agree("a long header line", longl, n);
	}
}

/* 64 MiB in 1 KiB pieces: nothing held but a few bytes between pieces. */
struct count {
	uint64_t bytes, sum;
	int parts, ends;
};

static int c_part(void *ctx, const multipart_part *m)
{
	(void)m;
	((struct count *)ctx)->parts++;
	return 0;
}

static int c_data(void *ctx, const uint8_t *d, size_t n)
{
	struct count *c = ctx;
	for (size_t i = 0; i < n; i++)
		c->sum = c->sum * 31 + d[i];
	c->bytes += n;
	return 0;
}

static int c_end(void *ctx)
{
	((struct count *)ctx)->ends++;
	return 0;
}

static void long_body_small_pieces(void **state)
{
	(void)state;
	static const mpart_callbacks cb = {c_part, c_data, c_end};
	struct count c = {0};
	mpart m;
	char err[CAIRN_ERR_MAX];
	uint8_t piece[1024];
	uint64_t want_sum = 0;
	const uint64_t total = 64ull << 20;
	assert_int_equal(mpart_init(&m, CT, &cb, &c, err), 0);
	static const char head[] = "--BND\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n";
	assert_int_equal(mpart_feed(&m, (const uint8_t *)head, sizeof head - 1, err), 0);
	for (uint64_t off = 0; off < total; off += sizeof piece) {
		fill_random(piece, sizeof piece, off);
		for (size_t i = 0; i < sizeof piece; i++) {
			if (piece[i] == '\r')
				piece[i] = 'R'; /* so the boundary cannot occur */
			want_sum = want_sum * 31 + piece[i];
		}
		assert_int_equal(mpart_feed(&m, piece, sizeof piece, err), 0);
	}
	static const char tail[] = "\r\n--BND--\r\n";
	assert_int_equal(mpart_feed(&m, (const uint8_t *)tail, sizeof tail - 1, err), 0);
	assert_int_equal(mpart_finish(&m, err), 0);
	assert_int_equal(c.parts, 1);
	assert_int_equal(c.ends, 1);
	assert_int_equal(c.bytes, total);
	assert_int_equal(c.sum, want_sum);
	assert_true(sizeof m < 8192); /* the whole state: a header line and a part's names */
}

static int stop_at_first(void *ctx, const multipart_part *m)
{
	(void)ctx;
	(void)m;
	return 7;
}

static void callback_stops(void **state)
{
	(void)state;
	static const mpart_callbacks cb = {stop_at_first, s_data, s_end};
	mpart m;
	char err[CAIRN_ERR_MAX];
	static const char body[] = "--BND\r\n\r\nabc\r\n--BND--";
	assert_int_equal(mpart_init(&m, CT, &cb, NULL, err), 0);
	assert_int_equal(mpart_feed(&m, (const uint8_t *)body, sizeof body - 1, err), 7);
	assert_int_equal(mpart_init(&m, "application/json", &cb, NULL, err), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(same_as_the_reference),
		cmocka_unit_test(long_body_small_pieces),
		cmocka_unit_test(callback_stops),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* http/multipart.c: multipart/form-data bodies as RFC 7578 and curl -F
 * write them, in any evbuffer chunking, and malformed ones refused. */
#include "testutil.h"
#include "multipart.h"

#include <event2/buffer.h>
#include <stdlib.h>

#define CT "multipart/form-data; boundary=----cairnBoundary7MA4YWxk"
#define B "------cairnBoundary7MA4YWxk"

struct seen {
	int n;
	char name[4][MULTIPART_NAME_MAX], filename[4][MULTIPART_NAME_MAX], type[4][256];
	char body[4][256];
	size_t len[4];
	int stop_after; /* return 5 from the callback at this part (1-based) */
};

static int gather(void *ctx, const void *data, size_t n)
{
	struct seen *s = ctx;
	int i = s->n;
	assert_true(s->len[i] + n < sizeof s->body[i]);
	memcpy(s->body[i] + s->len[i], data, n);
	s->len[i] += n;
	return 0;
}

static int on_part(void *ctx, const multipart_part *p)
{
	struct seen *s = ctx;
	assert_true(s->n < 4);
	snprintf(s->name[s->n], sizeof s->name[0], "%s", p->name);
	snprintf(s->filename[s->n], sizeof s->filename[0], "%s", p->filename);
	snprintf(s->type[s->n], sizeof s->type[0], "%s", p->content_type);
	assert_int_equal(multipart_read(p, gather, s), 0);
	assert_int_equal(s->len[s->n], p->len);
	s->n++;
	return s->stop_after && s->n == s->stop_after ? 5 : 0;
}

/* The body in pieces of `step` bytes, each its own evbuffer chain. */
static struct evbuffer *chunked(const char *body, size_t len, size_t step)
{
	struct evbuffer *b = evbuffer_new(), *piece;
	for (size_t off = 0; off < len; off += step) {
		piece = evbuffer_new();
		evbuffer_add(piece, body + off, off + step > len ? len - off : step);
		evbuffer_add_buffer(b, piece);
		evbuffer_free(piece);
	}
	return b;
}

static const char two_files[] =
	B "\r\n"
	"Content-Disposition: form-data; name=\"file\"; filename=\"a%20b.txt\"\r\n"
	"Content-Type: application/octet-stream\r\n"
	"\r\n"
	"hello\r\nworld\r\n" /* content may hold CRLFs, even "--" */
	"--not the boundary\r\n"
	B "\r\n"
	"Content-Disposition: form-data; name=\"file\"; filename=\"dir%2Fc\"\r\n"
	"Content-Type: application/x-directory\r\n"
	"\r\n"
	"\r\n"
	B "--\r\n";

static void two_parts_any_chunking(void **state)
{
	(void)state;
	for (size_t step = 1; step <= sizeof two_files; step = step < 8 ? step + 1 : step * 3) {
		struct seen s = {0};
		char err[256] = "";
		struct evbuffer *b = chunked(two_files, sizeof two_files - 1, step);
		assert_int_equal(multipart_each(b, CT, on_part, &s, err), 0);
		assert_int_equal(s.n, 2);
		assert_string_equal(s.name[0], "file");
		assert_string_equal(s.filename[0], "a b.txt"); /* percent-decoded */
		assert_string_equal(s.type[0], "application/octet-stream");
		static const char content[] = "hello\r\nworld\r\n--not the boundary";
		assert_int_equal(s.len[0], sizeof content - 1);
		assert_memory_equal(s.body[0], content, sizeof content - 1);
		assert_string_equal(s.filename[1], "dir/c");
		assert_string_equal(s.type[1], "application/x-directory");
		assert_int_equal(s.len[1], 0);
		evbuffer_free(b);
	}
}

static void callback_stops(void **state)
{
	(void)state;
	struct seen s = {.stop_after = 1};
	char err[256];
	struct evbuffer *b = chunked(two_files, sizeof two_files - 1, 7);
	assert_int_equal(multipart_each(b, CT, on_part, &s, err), 5);
	assert_int_equal(s.n, 1);
	evbuffer_free(b);
}

static void refused(void **state)
{
	(void)state;
	static const char *bodies[] = {
		"", /* no boundary at all */
		"preamble only\r\n",
		B "\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nno closing boundary",
		B "\r\nContent-Disposition: form-data; name=\"f\"", /* headers never end */
		B,                                                    /* ends in the delimiter */
	};
	for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
		struct seen s = {0};
		char err[256] = "";
		struct evbuffer *b = chunked(bodies[i], strlen(bodies[i]) ? strlen(bodies[i]) : 1, 3);
		if (!strlen(bodies[i]))
			evbuffer_drain(b, 1);
		assert_int_equal(multipart_each(b, CT, on_part, &s, err), -1);
		assert_true(err[0] != '\0');
		evbuffer_free(b);
	}
	/* a Content-Type that is not multipart, or has no boundary */
	struct seen s = {0};
	char err[256] = "";
	struct evbuffer *b = chunked(two_files, sizeof two_files - 1, 64);
	assert_int_equal(multipart_each(b, "application/json", on_part, &s, err), -1);
	assert_int_equal(multipart_each(b, "multipart/form-data", on_part, &s, err), -1);
	assert_int_equal(multipart_each(b, NULL, on_part, &s, err), -1);
	assert_int_equal(s.n, 0);
	evbuffer_free(b);
}

static void empty_form(void **state)
{
	(void)state;
	struct seen s = {0};
	char err[256];
	static const char body[] = B "--\r\n";
	struct evbuffer *b = chunked(body, sizeof body - 1, 5);
	assert_int_equal(multipart_each(b, CT, on_part, &s, err), 0);
	assert_int_equal(s.n, 0);
	evbuffer_free(b);
}

/* A part far longer than multipart_read looks ahead at a time, in many
 * small chains (as a socket fills a buffer): every byte, in order. */
struct compare {
	const uint8_t *want;
	size_t off, len;
	int ok;
};

static int compare(void *ctx, const void *data, size_t n)
{
	struct compare *c = ctx;
	if (n == 0 || c->off + n > c->len || memcmp(c->want + c->off, data, n) != 0)
		c->ok = 0;
	c->off += n;
	return 0;
}

static int read_whole(void *ctx, const multipart_part *p)
{
	return multipart_read(p, compare, ctx);
}

static void long_part_many_chains(void **state)
{
	(void)state;
	size_t len = 5 * MULTIPART_PEEK_BYTES + 12345;
	uint8_t *data = malloc(len);
	fill_random(data, len, 42);
	/* the boundary cannot occur in it: no "\r\n--" */
	for (size_t i = 0; i < len; i++)
		if (data[i] == '\r')
			data[i] = 'r';
	static const char head[] = B "\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n";
	static const char tail[] = "\r\n" B "--\r\n";
	struct evbuffer *b = evbuffer_new();
	evbuffer_add(b, head, sizeof head - 1);
	for (size_t off = 0; off < len; off += 1000) {
		struct evbuffer *piece = evbuffer_new();
		evbuffer_add(piece, data + off, off + 1000 > len ? len - off : 1000);
		evbuffer_add_buffer(b, piece);
		evbuffer_free(piece);
	}
	evbuffer_add(b, tail, sizeof tail - 1);
	struct compare c = {data, 0, len, 1};
	char err[256];
	assert_int_equal(multipart_each(b, CT, read_whole, &c, err), 0);
	assert_true(c.ok);
	assert_int_equal(c.off, len);
	evbuffer_free(b);
	free(data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(two_parts_any_chunking),
		cmocka_unit_test(callback_stops),
		cmocka_unit_test(refused),
		cmocka_unit_test(empty_form),
		cmocka_unit_test(long_part_many_chains),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* multipart/form-data: the input is the request body (boundary
 * "cairnfuzz"). Every part's content lies inside the body, contents add up
 * to less than the body, names are NUL-terminated within their arrays, and
 * reading a part yields exactly its length. */
#include "fuzz.h"
#include "multipart.h"

#include <event2/buffer.h>

struct seen {
	size_t total, parts;
	size_t body;
};

static int count(void *ctx, const void *p, size_t n)
{
	(void)p;
	*(size_t *)ctx += n;
	return 0;
}

static int each(void *ctx, const multipart_part *p)
{
	struct seen *s = ctx;
	size_t got = 0;
	FUZZ_CHECK(memchr(p->name, '\0', sizeof p->name) != NULL);
	FUZZ_CHECK(memchr(p->filename, '\0', sizeof p->filename) != NULL);
	FUZZ_CHECK(memchr(p->content_type, '\0', sizeof p->content_type) != NULL);
	FUZZ_CHECK(p->start.pos >= 0 && (size_t)p->start.pos + p->len <= s->body);
	FUZZ_CHECK(multipart_read(p, count, &got) == 0 && got == p->len);
	s->total += p->len;
	s->parts++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct evbuffer *b = evbuffer_new();
	char err[256];
	struct seen s = {0, 0, size};
	if (!b)
		return 0;
	/* in two pieces, as a body read from a socket is */
	evbuffer_add(b, data, size / 2);
	evbuffer_add(b, data + size / 2, size - size / 2);
	if (multipart_each(b, "multipart/form-data; boundary=cairnfuzz", each, &s, err) == 0)
		FUZZ_CHECK(s.total < size || (s.total == 0 && size == 0));
	evbuffer_free(b);
	return 0;
}

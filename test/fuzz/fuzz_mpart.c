/* The streaming multipart parser (http/mpart.c) against multipart_each,
 * the whole-body parser: the input is a body (boundary "cairnfuzz"), fed
 * to the stream in slices its last byte picks. Both accept it or both
 * refuse it; when they accept, the parts' names, filenames, types and
 * contents are the same, in the same order; content pieces are never
 * empty and never more than the body. */
#include "fuzz.h"
#include "mpart.h"

#include <event2/buffer.h>

#define CT "multipart/form-data; boundary=cairnfuzz"

struct seen {
	uint64_t sum;
	size_t bytes, parts;
};

static void mix(struct seen *s, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		s->sum = (s->sum ^ b[i]) * 0x100000001b3ull;
}

static void head(struct seen *s, const multipart_part *p)
{
	mix(s, p->name, strlen(p->name) + 1);
	mix(s, p->filename, strlen(p->filename) + 1);
	mix(s, p->content_type, strlen(p->content_type) + 1);
	s->parts++;
}

static int r_data(void *ctx, const void *d, size_t n)
{
	struct seen *s = ctx;
	mix(s, d, n);
	s->bytes += n;
	return 0;
}

static int r_part(void *ctx, const multipart_part *p)
{
	head(ctx, p);
	int rc = multipart_read(p, r_data, ctx);
	mix(ctx, "|", 1);
	return rc;
}

static int s_part(void *ctx, const multipart_part *p)
{
	head(ctx, p);
	return 0;
}

static int s_data(void *ctx, const uint8_t *d, size_t n)
{
	FUZZ_CHECK(n > 0);
	return r_data(ctx, d, n);
}

static int s_end(void *ctx)
{
	mix(ctx, "|", 1);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const mpart_callbacks cb = {s_part, s_data, s_end};
	struct seen want = {0}, got = {0};
	char err[CAIRN_ERR_MAX];
	struct evbuffer *b = evbuffer_new();
	if (!b)
		return 0;
	evbuffer_add(b, data, size);
	int rrc = multipart_each(b, CT, r_part, &want, err);
	evbuffer_free(b);
	mpart m;
	FUZZ_CHECK(mpart_init(&m, CT, &cb, &got, err) == 0);
	size_t step = size ? (size_t)data[size - 1] % 29 + 1 : 1, off = 0;
	int src = 0;
	while (off < size && src == 0) {
		size_t n = size - off < step ? size - off : step;
		src = mpart_feed(&m, data + off, n, err);
		off += n;
	}
	if (src == 0)
		src = mpart_finish(&m, err);
	FUZZ_CHECK((src == 0) == (rrc == 0));
	FUZZ_CHECK(got.bytes <= size);
	if (rrc == 0)
		FUZZ_CHECK(got.sum == want.sum && got.bytes == want.bytes && got.parts == want.parts);
	return 0;
}

/* HTTP/1.1 requests off the wire (http/h1parse.c): the input is whatever a
 * client sends on a connection. Properties: parsing it whole and in slices
 * cut where its last byte says gives the same heads, the same body bytes,
 * the same ends, and a refusal in both or in neither; every head's fields lie in the head
 * buffer, NUL-terminated; a refusal comes with one of the documented
 * statuses; body bytes are bytes of the input, never more than it holds. */
#include "fuzz.h"
#include "h1parse.h"

#define HEAD_CAP 4096

struct trace {
	uint64_t sum;      /* a running hash of the events, in order */
	size_t body;       /* body bytes seen */
	unsigned heads, ends;
	const char *head;  /* the head buffer, to check the fields lie in it */
};

static void mix(struct trace *t, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		t->sum = (t->sum ^ b[i]) * 0x100000001b3ull;
}

static int on_head(void *ctx, const h1_request *r)
{
	struct trace *t = ctx;
	FUZZ_CHECK(r->target >= t->head && r->target + r->target_len < t->head + HEAD_CAP);
	FUZZ_CHECK(r->target[r->target_len] == '\0');
	for (unsigned i = 0; i < r->nfields; i++) {
		const h1_field *f = &r->fields[i];
		FUZZ_CHECK(f->name >= t->head && f->name + f->name_len < t->head + HEAD_CAP);
		FUZZ_CHECK(f->name[f->name_len] == '\0' && f->value[f->value_len] == '\0');
		mix(t, f->name, f->name_len + 1);
		mix(t, f->value, f->value_len + 1);
	}
	mix(t, r->method, strlen(r->method));
	mix(t, r->target, r->target_len);
	int flags[] = {(int)r->major, (int)r->minor, r->keep_alive, r->chunked, r->expect_continue};
	mix(t, flags, sizeof flags);
	mix(t, &r->content_length, sizeof r->content_length);
	t->heads++;
	return H1_GO;
}

static int on_body(void *ctx, const uint8_t *p, size_t n)
{
	struct trace *t = ctx;
	mix(t, p, n); /* the same bytes whatever the slicing: only their cuts differ */
	t->body += n;
	return 0;
}

static int on_end(void *ctx)
{
	struct trace *t = ctx;
	mix(t, "END", 3);
	t->ends++;
	return 0;
}

static const h1_callbacks cbs = {on_head, on_body, on_end};

/* Parse in slices of step bytes (0: whole); the status (-1 if it ended
 * cleanly) into *status. */
static void run(const uint8_t *data, size_t size, size_t step, struct trace *t, int *status)
{
	static char head[HEAD_CAP];
	h1_limits lim = {.max_url_bytes = 512, .max_header_fields = 16};
	h1_parser h;
	memset(t, 0, sizeof *t);
	t->head = head;
	h1_init(&h, &lim, head, sizeof head, &cbs, t);
	size_t off = 0;
	*status = -1;
	while (off < size) {
		size_t n = step && size - off > step ? step : size - off;
		ssize_t used = h1_feed(&h, data + off, n);
		if (used < 0) {
			*status = h1_status(&h);
			return;
		}
		FUZZ_CHECK((size_t)used <= n);
		off += (size_t)used;
		if (h1_ended(&h))
			h1_next(&h);
		else
			FUZZ_CHECK((size_t)used == n); /* only an end stops short */
	}
	if (h1_eof(&h) != 0)
		*status = h1_status(&h);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct trace whole, sliced;
	int sw, ss;
	run(data, size, 0, &whole, &sw);
	FUZZ_CHECK(sw == -1 || sw == 400 || sw == 414 || sw == 431 || sw == 501);
	FUZZ_CHECK(whole.body <= size && whole.ends <= whole.heads);
	size_t step = size ? (size_t)data[size - 1] % 17 + 1 : 1;
	run(data, size, step, &sliced, &ss);
	/* Refused in both or in neither. Which status can depend on the cuts: a
	 * head both malformed and over a limit is refused for whichever llhttp
	 * meets first, and it reports a field to us only when the field ends or
	 * the slice does. */
	FUZZ_CHECK((ss == -1) == (sw == -1));
	FUZZ_CHECK(ss == -1 || ss == 400 || ss == 414 || ss == 431 || ss == 501);
	FUZZ_CHECK(sliced.heads == whole.heads && sliced.ends == whole.ends);
	FUZZ_CHECK(sliced.body == whole.body && sliced.sum == whole.sum);
	return 0;
}

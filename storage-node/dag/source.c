#include "source.h"

#include <stdlib.h>

struct file_source {
	stream_source base;
	dag_reader *r;
};

static void release_block(const void *data, size_t len, void *block)
{
	(void)data;
	(void)len;
	free(block);
}

static int file_next(stream_source *s, struct evbuffer *out, cairn_cid *where, char *err)
{
	struct file_source *f = (struct file_source *)s;
	const uint8_t *p;
	size_t n;
	int rc = dag_reader_next(f->r, &p, &n, where, err);
	if (rc != 0)
		return rc;
	/* A leaf's buffer goes to the socket as it is: no copy. */
	uint8_t *block = dag_reader_take(f->r);
	if (!block || evbuffer_add_reference(out, p, n, release_block, block) != 0) {
		if (evbuffer_add(out, p, n) != 0)
			rc = -1;
		free(block);
	}
	return rc;
}

static void file_wake_with(stream_source *s, const prefetch_waker *w)
{
	dag_reader_wake_with(((struct file_source *)s)->r, w);
}

static void file_close(stream_source *s)
{
	struct file_source *f = (struct file_source *)s;
	dag_reader_close(f->r);
	free(f->r);
	free(f);
}

stream_source *stream_file(dag_reader *r)
{
	struct file_source *f = calloc(1, sizeof *f);
	if (!f)
		return NULL;
	f->base.next = file_next;
	f->base.close = file_close;
	f->base.wake_with = file_wake_with;
	f->base.length = (int64_t)r->remaining;
	f->r = r;
	return &f->base;
}

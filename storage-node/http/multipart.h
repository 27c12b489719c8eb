/*
 * multipart/form-data (RFC 7578) over a request body already in an
 * evbuffer: each part's headers are parsed, and its content is handed out
 * in place (as evbuffer_peek pieces), never copied or pulled up.
 */
#ifndef CAIRN_MULTIPART_H
#define CAIRN_MULTIPART_H

#include <event2/buffer.h>

#define MULTIPART_NAME_MAX 1024
/* Parts in one body (files and directories of one add): each becomes an
 * entry held in memory until the add ends. */
#define MULTIPART_PARTS_MAX 100000

typedef struct multipart_part {
	char name[MULTIPART_NAME_MAX];      /* form field name */
	char filename[MULTIPART_NAME_MAX];  /* percent-decoded; "" if none */
	char content_type[256];
	struct evbuffer *body;              /* the whole request body */
	struct evbuffer_ptr start;          /* where the content starts in it */
	size_t len;                         /* content length */
} multipart_part;

/* Call fn for each part in order; stops when fn returns non-zero (and
 * returns that). 0 at the end, -1 (err set) for a malformed body or a
 * Content-Type without a boundary. */
int multipart_each(struct evbuffer *body, const char *content_type,
                   int (*fn)(void *ctx, const multipart_part *p), void *ctx, char *err);

/* Feed a part's content to fn in pieces; fn returns 0 to go on. */
int multipart_read(const multipart_part *p, int (*fn)(void *ctx, const void *data, size_t n),
                   void *ctx);

#endif

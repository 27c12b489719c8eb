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
/* multipart_read looks at most this far ahead at a time (linear time). */
#define MULTIPART_PEEK_BYTES (1024 * 1024)

typedef struct multipart_part {
	char name[MULTIPART_NAME_MAX];      /* form field name */
	char filename[MULTIPART_NAME_MAX];  /* percent-decoded; "" if none */
	char content_type[256];
	struct evbuffer *body;              /* the whole request body */
	struct evbuffer_ptr start;          /* where the content starts in it */
	size_t len;                         /* content length */
} multipart_part;

/* The boundary parameter of a multipart/form-data Content-Type, unquoted,
 * into out (cap bytes). 0, or -1 if ct is not that or has no usable
 * boundary (1 to 70 characters, RFC 2046). */
int multipart_boundary(const char *ct, char *out, size_t cap);

/* Take what a part header line h (no CRLF) says into p: name and filename
 * (percent-decoded) from Content-Disposition, the Content-Type. */
void multipart_header(multipart_part *p, const char *h);

/* Header lines a part may have, and their longest (bytes, CRLF aside). */
#define MULTIPART_HEADER_LINES_MAX 32
#define MULTIPART_HEADER_LINE_MAX 2047

/* Call fn for each part in order; stops when fn returns non-zero (and
 * returns that). 0 at the end, -1 (err set) for a malformed body or a
 * Content-Type without a boundary. */
int multipart_each(struct evbuffer *body, const char *content_type,
                   int (*fn)(void *ctx, const multipart_part *p), void *ctx, char *err);

/* Feed a part's content to fn in pieces; fn returns 0 to go on. */
int multipart_read(const multipart_part *p, int (*fn)(void *ctx, const void *data, size_t n),
                   void *ctx);

#endif

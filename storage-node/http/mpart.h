/*
 * multipart/form-data (RFC 7578) as a stream: the body is pushed in
 * whatever pieces it arrives (mpart_feed), and each part comes out as its
 * headers (on_part), its content in pieces as they arrive (on_data), and
 * its end (on_part_end). The state between pieces is fixed: a part header
 * line being read (at most MULTIPART_HEADER_LINE_MAX bytes) and the few
 * bytes that may begin a delimiter (fewer than the delimiter's length), so
 * a body of any size is parsed in constant memory and linear time. A part
 * header may straddle pieces, and so may a delimiter.
 *
 * Accepted and refused exactly as multipart_each (multipart.h) reads a
 * whole body: the first "--boundary" anywhere starts the first part,
 * "\r\n--boundary" ends each part, "--" after it ends the body, part
 * headers end at an empty line (CRLF or LF), at most
 * MULTIPART_HEADER_LINES_MAX of at most MULTIPART_HEADER_LINE_MAX bytes,
 * at most MULTIPART_PARTS_MAX parts. Its tests hold the two to that.
 */
#ifndef CAIRN_MPART_H
#define CAIRN_MPART_H

#include <stddef.h>
#include <stdint.h>

#include "cairn/error.h" /* CAIRN_ERR_MAX */
#include "multipart.h"

typedef struct mpart_callbacks {
	/* A part begins: its name, filename, content type (p->body unused). */
	int (*on_part)(void *ctx, const multipart_part *p);
	/* A piece of its content (never empty). */
	int (*on_data)(void *ctx, const uint8_t *data, size_t n);
	/* It ended. */
	int (*on_part_end)(void *ctx);
} mpart_callbacks;

/* "\r\n--" and a boundary of at most 70 characters. */
#define MPART_DELIM_MAX (4 + 70)

typedef struct mpart {
	const mpart_callbacks *cb;
	void *ctx;
	char delim[MPART_DELIM_MAX + 1]; /* "\r\n--boundary" */
	size_t dlen;
	int state;           /* MPART_PREAMBLE, _AFTER, _LINE_END, _HEADERS, _BODY, _DONE */
	uint8_t hold[MPART_DELIM_MAX];   /* bytes that may begin a delimiter */
	size_t nhold;
	char after[2];       /* the two bytes after a delimiter */
	size_t nafter;
	char line[MULTIPART_HEADER_LINE_MAX + 2];
	size_t nline;
	unsigned nlines, parts;
	multipart_part part;
} mpart;

enum { MPART_PREAMBLE, MPART_AFTER, MPART_LINE_END, MPART_HEADERS, MPART_BODY, MPART_DONE };

/* Start parsing a body of this Content-Type. 0, or -1 with err set
 * (CAIRN_ERR_MAX bytes) if it is not multipart/form-data with a boundary. */
int mpart_init(mpart *m, const char *content_type, const mpart_callbacks *cb, void *ctx, char *err);

/* The next n bytes of the body. 0; -1 with err set for a malformed body;
 * or a callback's non-zero value (parsing stops there). */
int mpart_feed(mpart *m, const uint8_t *data, size_t n, char *err);

/* The body ended: 0 if its closing delimiter was seen, else -1 with err. */
int mpart_finish(mpart *m, char *err);

#endif

#define _GNU_SOURCE /* memmem */
#include "mpart.h"

#include "cairn/error.h"

#include <stdio.h>
#include <string.h>

#define ERR(...) snprintf(err, CAIRN_ERR_MAX, __VA_ARGS__)

int mpart_init(mpart *m, const char *content_type, const mpart_callbacks *cb, void *ctx, char *err)
{
	char boundary[80];
	memset(m, 0, sizeof *m);
	if (multipart_boundary(content_type, boundary, sizeof boundary) != 0) {
		ERR("expected multipart/form-data with a boundary");
		return -1;
	}
	m->dlen = (size_t)snprintf(m->delim, sizeof m->delim, "\r\n--%s", boundary);
	m->cb = cb;
	m->ctx = ctx;
	m->state = MPART_PREAMBLE;
	return 0;
}

/* Byte i of the stream hold ‖ data. */
static uint8_t at(const mpart *m, const uint8_t *d, size_t i)
{
	return i < m->nhold ? m->hold[i] : d[i - m->nhold];
}

/* Does the pattern match at k in hold ‖ data: fully (2), up to the end of
 * what is there (1), or not (0)? */
static int match_at(const mpart *m, const uint8_t *d, size_t n, size_t k, const char *pat, size_t pl)
{
	size_t total = m->nhold + n, i = 0;
	while (i < pl && k + i < total && at(m, d, k + i) == (uint8_t)pat[i])
		i++;
	return i == pl ? 2 : k + i == total ? 1 : 0;
}

/* Where the pattern (pl bytes) begins in hold ‖ data: the first position
 * with a full match (*full = 1) or a match that runs to the end (*full =
 * 0); nhold + n if neither. The few positions in hold are tried one by
 * one; in data, memmem finds a full match (glibc's is linear and fast for
 * a long pattern), and only the last pl - 1 positions, where a match can
 * run to the end, are tried one by one. */
static size_t find(const mpart *m, const uint8_t *d, size_t n, const char *pat, size_t pl, int *full)
{
	size_t total = m->nhold + n;
	for (size_t k = 0; k < m->nhold; k++) {
		int r = match_at(m, d, n, k, pat, pl);
		if (r) {
			*full = r == 2;
			return k;
		}
	}
	const uint8_t *q = n >= pl ? memmem(d, n, pat, pl) : NULL;
	if (q) {
		*full = 1;
		return m->nhold + (size_t)(q - d);
	}
	for (size_t j = n >= pl ? n - pl + 1 : 0; j < n; j++) {
		if (d[j] != (uint8_t)pat[0])
			continue;
		if (match_at(m, d, n, m->nhold + j, pat, pl)) { /* runs to the end: not full */
			*full = 0;
			return m->nhold + j;
		}
	}
	return total;
}

/* Hand content [from, to) of hold ‖ data to on_data (in the body). */
static int emit(mpart *m, const uint8_t *d, size_t from, size_t to)
{
	int rc = 0;
	if (m->state != MPART_BODY || from >= to)
		return 0;
	if (from < m->nhold) {
		size_t e = to < m->nhold ? to : m->nhold;
		if ((rc = m->cb->on_data(m->ctx, m->hold + from, e - from)) != 0)
			return rc;
		from = e;
	}
	if (from < to)
		rc = m->cb->on_data(m->ctx, d + (from - m->nhold), to - from);
	return rc;
}

static int feed(mpart *m, const uint8_t *d, size_t n, char *err);

/* The two bytes after a delimiter: "--" ends the body; anything else is
 * the rest of the delimiter's line, then a part's headers. */
static int after_delimiter(mpart *m, char *err)
{
	if (m->after[0] == '-' && m->after[1] == '-') {
		m->state = MPART_DONE;
		return 0;
	}
	if (m->parts == MULTIPART_PARTS_MAX) {
		ERR("more than %d parts in one request", MULTIPART_PARTS_MAX);
		return -1;
	}
	m->state = MPART_LINE_END;
	return feed(m, (const uint8_t *)m->after, 2, err);
}

/* A part header line is complete (the LF dropped). */
static int header_line(mpart *m, char *err)
{
	if (m->nline && m->line[m->nline - 1] == '\r')
		m->nline--;
	if (m->nline > MULTIPART_HEADER_LINE_MAX) {
		ERR("multipart part header longer than %d bytes", MULTIPART_HEADER_LINE_MAX);
		return -1;
	}
	m->line[m->nline] = '\0';
	if (m->nline == 0) { /* the empty line: the content begins */
		m->parts++;
		m->state = MPART_BODY;
		return m->cb->on_part(m->ctx, &m->part);
	}
	if (m->nlines == MULTIPART_HEADER_LINES_MAX) {
		ERR("malformed multipart part headers");
		return -1;
	}
	m->nlines++;
	multipart_header(&m->part, m->line);
	m->nline = 0;
	return 0;
}

static int feed(mpart *m, const uint8_t *d, size_t n, char *err)
{
	int rc, full = 0;
	while (n > 0) {
		switch (m->state) {
		case MPART_PREAMBLE:
		case MPART_BODY: {
			/* The first delimiter may begin anywhere, without its CRLF. */
			const char *pat = m->state == MPART_PREAMBLE ? m->delim + 2 : m->delim;
			size_t pl = m->state == MPART_PREAMBLE ? m->dlen - 2 : m->dlen;
			size_t total = m->nhold + n, k = find(m, d, n, pat, pl, &full);
			if ((rc = emit(m, d, 0, k)) != 0)
				return rc;
			if (k == total) {
				m->nhold = 0;
				return 0;
			}
			if (!full) { /* it may go on in the next piece: keep [k, total) */
				uint8_t tail[MPART_DELIM_MAX];
				for (size_t i = k; i < total; i++)
					tail[i - k] = at(m, d, i);
				m->nhold = total - k;
				memcpy(m->hold, tail, m->nhold);
				return 0;
			}
			size_t used = k + pl - m->nhold; /* a full match ends in data */
			d += used;
			n -= used;
			m->nhold = 0;
			if (m->state == MPART_BODY && (rc = m->cb->on_part_end(m->ctx)) != 0)
				return rc;
			m->state = MPART_AFTER;
			m->nafter = 0;
			break;
		}
		case MPART_AFTER:
			m->after[m->nafter++] = (char)*d++;
			n--;
			if (m->nafter == 2 && (rc = after_delimiter(m, err)) != 0)
				return rc;
			break;
		case MPART_LINE_END: {
			const uint8_t *lf = memchr(d, '\n', n);
			if (!lf)
				return 0;
			n -= (size_t)(lf + 1 - d);
			d = lf + 1;
			memset(&m->part, 0, sizeof m->part);
			m->nline = 0;
			m->nlines = 0;
			m->state = MPART_HEADERS;
			break;
		}
		case MPART_HEADERS: {
			uint8_t c = *d++;
			n--;
			if (c == '\n') {
				if ((rc = header_line(m, err)) != 0)
					return rc;
			} else if (m->nline == MULTIPART_HEADER_LINE_MAX + 1) {
				ERR("multipart part header longer than %d bytes", MULTIPART_HEADER_LINE_MAX);
				return -1;
			} else {
				m->line[m->nline++] = (char)c;
			}
			break;
		}
		default: /* MPART_DONE: the epilogue is ignored */
			return 0;
		}
	}
	return 0;
}

int mpart_feed(mpart *m, const uint8_t *data, size_t n, char *err)
{
	return feed(m, data, n, err);
}

int mpart_finish(mpart *m, char *err)
{
	switch (m->state) {
	case MPART_DONE:
		return 0;
	case MPART_PREAMBLE:
		ERR("multipart body without its boundary");
		return -1;
	case MPART_AFTER:
		ERR("multipart body ends inside a delimiter");
		return -1;
	case MPART_LINE_END:
		ERR("multipart part without headers");
		return -1;
	case MPART_HEADERS:
		ERR("malformed multipart part headers");
		return -1;
	default:
		ERR("multipart part without a closing boundary");
		return -1;
	}
}

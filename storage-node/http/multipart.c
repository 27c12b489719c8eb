/* strcasestr is a GNU extension. */
#define _GNU_SOURCE 1

#include "cairn/error.h"
#include "multipart.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ERR(...) snprintf(err, CAIRN_ERR_MAX, __VA_ARGS__)

int multipart_boundary(const char *ct, char *out, size_t cap)
{
	if (!ct || strncasecmp(ct, "multipart/form-data", 19) != 0)
		return -1;
	const char *b = strcasestr(ct, "boundary=");
	if (!b)
		return -1;
	b += 9;
	size_t n = 0;
	if (*b == '"') {
		b++;
		while (b[n] && b[n] != '"')
			n++;
	} else {
		while (b[n] && b[n] != ';' && b[n] != ' ')
			n++;
	}
	if (n == 0 || n > 70 || n + 1 > cap) /* RFC 2046: at most 70 characters */
		return -1;
	memcpy(out, b, n);
	out[n] = '\0';
	return 0;
}

static void percent_decode(char *s)
{
	char *o = s;
	for (; *s; s++) {
		if (s[0] == '%' && isxdigit((unsigned char)s[1]) && isxdigit((unsigned char)s[2])) {
			char hex[3] = {s[1], s[2], 0};
			*o++ = (char)strtol(hex, NULL, 16);
			s += 2;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

/* A parameter of a Content-Disposition value, e.g. name="file". */
static void disposition_param(const char *v, const char *key, char *out, size_t cap)
{
	size_t kl = strlen(key);
	out[0] = '\0';
	for (const char *p = v; (p = strcasestr(p, key)) != NULL; p += kl) {
		if (p != v && p[-1] != ' ' && p[-1] != ';')
			continue; /* "filename=" must not match "name=" */
		if (p[kl] != '=')
			continue;
		const char *s = p + kl + 1;
		size_t n = 0;
		if (*s == '"') {
			s++;
			while (s[n] && s[n] != '"' && n + 1 < cap)
				n++;
		} else {
			while (s[n] && s[n] != ';' && n + 1 < cap)
				n++;
		}
		memcpy(out, s, n);
		out[n] = '\0';
		return;
	}
}

void multipart_header(multipart_part *p, const char *h)
{
	if (strncasecmp(h, "Content-Disposition:", 20) == 0) {
		disposition_param(h + 20, "name", p->name, sizeof p->name);
		disposition_param(h + 20, "filename", p->filename, sizeof p->filename);
		percent_decode(p->filename);
	} else if (strncasecmp(h, "Content-Type:", 13) == 0) {
		const char *v = h + 13;
		while (*v == ' ')
			v++;
		snprintf(p->content_type, sizeof p->content_type, "%s", v);
	}
}

int multipart_each(struct evbuffer *body, const char *content_type,
                   int (*fn)(void *ctx, const multipart_part *p), void *ctx, char *err)
{
	char boundary[80], delim[90];
	if (multipart_boundary(content_type, boundary, sizeof boundary) != 0) {
		ERR("expected multipart/form-data with a boundary");
		return -1;
	}
	snprintf(delim, sizeof delim, "--%s", boundary);
	size_t dl = strlen(delim);
	struct evbuffer_ptr pos = evbuffer_search(body, delim, dl, NULL);
	if (pos.pos < 0) {
		ERR("multipart body without its boundary");
		return -1;
	}
	for (size_t parts = 0;; parts++) {
		/* After a delimiter: "--" ends the body, else CRLF and headers. */
		char two[2];
		if (evbuffer_ptr_set(body, &pos, dl, EVBUFFER_PTR_ADD) != 0 ||
		    evbuffer_copyout_from(body, &pos, two, 2) != 2) {
			ERR("multipart body ends inside a delimiter");
			return -1;
		}
		if (two[0] == '-' && two[1] == '-')
			return 0;
		if (parts == MULTIPART_PARTS_MAX) {
			ERR("more than %d parts in one request", MULTIPART_PARTS_MAX);
			return -1;
		}
		multipart_part p;
		memset(&p, 0, sizeof p);
		p.body = body;
		/* Header lines until an empty one. */
		size_t eol_len;
		/* (evbuffer_search_eol returns where the EOL is; it does not move
		 * its argument) */
		struct evbuffer_ptr line = evbuffer_search_eol(body, &pos, &eol_len, EVBUFFER_EOL_CRLF);
		if (line.pos < 0) {
			ERR("multipart part without headers");
			return -1;
		}
		evbuffer_ptr_set(body, &line, eol_len, EVBUFFER_PTR_ADD);
		for (int nh = 0;; nh++) {
			struct evbuffer_ptr end = evbuffer_search_eol(body, &line, &eol_len, EVBUFFER_EOL_CRLF);
			if (end.pos < 0 || nh > MULTIPART_HEADER_LINES_MAX) {
				ERR("malformed multipart part headers");
				return -1;
			}
			size_t ll = (size_t)(end.pos - line.pos);
			char h[MULTIPART_HEADER_LINE_MAX + 1];
			if (ll >= sizeof h) {
				ERR("multipart part header longer than %zu bytes", sizeof h - 1);
				return -1;
			}
			evbuffer_copyout_from(body, &line, h, ll);
			h[ll] = '\0';
			line = end;
			evbuffer_ptr_set(body, &line, eol_len, EVBUFFER_PTR_ADD);
			if (ll == 0)
				break;
			multipart_header(&p, h);
		}
		/* Content runs to CRLF + the next delimiter. */
		char crlf_delim[96];
		snprintf(crlf_delim, sizeof crlf_delim, "\r\n%s", delim);
		struct evbuffer_ptr next = evbuffer_search(body, crlf_delim, dl + 2, &line);
		if (next.pos < 0) {
			ERR("multipart part without a closing boundary");
			return -1;
		}
		p.start = line;
		p.len = (size_t)(next.pos - line.pos);
		int rc = fn(ctx, &p);
		if (rc)
			return rc;
		pos = next;
		evbuffer_ptr_set(body, &pos, 2, EVBUFFER_PTR_ADD);
	}
}

int multipart_read(const multipart_part *p, int (*fn)(void *ctx, const void *data, size_t n),
                   void *ctx)
{
	struct evbuffer_ptr at = p->start;
	size_t left = p->len;
	while (left) {
		struct evbuffer_iovec v[16];
		/* evbuffer_peek walks every chain up to the length it is given,
		 * to count the extents: asked for all that is left, each step
		 * walked the rest of the body, quadratic in its size (a 1 GB
		 * upload took minutes). At most MULTIPART_PEEK_BYTES a step. */
		size_t want = left < MULTIPART_PEEK_BYTES ? left : MULTIPART_PEEK_BYTES;
		int nv = evbuffer_peek(p->body, (ev_ssize_t)want, &at, v, 16);
		if (nv <= 0)
			return -1;
		if (nv > 16)
			nv = 16; /* peek reports how many extents it would take; 16 were filled */
		for (int i = 0; i < nv && want; i++) {
			size_t n = v[i].iov_len < want ? v[i].iov_len : want;
			int rc = fn(ctx, v[i].iov_base, n);
			if (rc)
				return rc;
			left -= n;
			want -= n;
			if (evbuffer_ptr_set(p->body, &at, n, EVBUFFER_PTR_ADD) != 0 && left)
				return -1;
		}
	}
	return 0;
}

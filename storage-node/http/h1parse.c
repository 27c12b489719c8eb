#include "h1parse.h"

#include <string.h>
#include <strings.h>

static h1_parser *of(llhttp_t *p)
{
	return p->data;
}

/* Refuse the request: llhttp stops with HPE_USER, h1_feed returns -1. */
static int refuse(h1_parser *h, int status, const char *reason)
{
	h->status = status;
	h->reason = reason;
	h->ours = 1;
	llhttp_set_error_reason(&h->p, reason);
	return HPE_USER;
}

/* A callback of the caller's gave up: no reply is owed (status 0). */
static int gave_up(h1_parser *h)
{
	h->status = 0;
	h->reason = "the server gave up on the request";
	h->ours = 1;
	return -1;
}

/* End the token being copied (NUL-terminate it). 0, or refused. */
static int close_token(h1_parser *h)
{
	if (h->in == H1_IN_NONE)
		return 0;
	if (h->len + 1 > h->cap)
		return refuse(h, 431, "request header fields too large");
	h->head[h->len++] = '\0';
	if (h->in == H1_IN_VALUE) {
		/* llhttp drops the blanks before a value, not always those after */
		h1_field *f = &h->req.fields[h->req.nfields - 1];
		while (f->value_len && (f->value[f->value_len - 1] == ' ' || f->value[f->value_len - 1] == '\t'))
			((char *)f->value)[--f->value_len] = '\0';
	}
	h->in = H1_IN_NONE;
	return 0;
}

/* A field name is a token (RFC 9110 5.6.2): llhttp built without its strict
 * mode lets "Host : x" through, which RFC 9112 5.1 says to refuse. */
static int is_tchar(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* Copy a piece of the token `in` into the head buffer. */
static int copy(h1_parser *h, int in, const char *at, size_t n)
{
	int rc;
	if (h->in != in && (rc = close_token(h)) != 0)
		return rc;
	if (h->in != in) {
		h->in = in;
		if (in == H1_IN_NAME) {
			if (h->req.nfields >= h->lim.max_header_fields || h->req.nfields >= H1_FIELDS_MAX)
				return refuse(h, 431, "too many request header fields");
			h1_field *f = &h->req.fields[h->req.nfields++];
			f->name = h->head + h->len;
			f->name_len = 0;
			f->value = "";
			f->value_len = 0;
		} else if (in == H1_IN_VALUE) {
			h->req.fields[h->req.nfields - 1].value = h->head + h->len;
		}
	}
	for (size_t i = 0; in == H1_IN_NAME && i < n; i++)
		if (!is_tchar((unsigned char)at[i]))
			return refuse(h, 400, "invalid character in a header field name");
	if (n + 1 > h->cap - h->len) /* room for the NUL too */
		return refuse(h, in == H1_IN_URL ? 414 : 431, in == H1_IN_URL ? "request target too long"
		                                                                : "request header fields too large");
	memcpy(h->head + h->len, at, n);
	h->len += n;
	if (in == H1_IN_URL) {
		h->req.target_len += n;
		if (h->req.target_len > h->lim.max_url_bytes)
			return refuse(h, 414, "request target too long");
	} else if (in == H1_IN_NAME) {
		h->req.fields[h->req.nfields - 1].name_len += n;
	} else {
		h->req.fields[h->req.nfields - 1].value_len += n;
	}
	return 0;
}

static int on_message_begin(llhttp_t *p)
{
	of(p)->started = 1;
	return 0;
}

static int on_url(llhttp_t *p, const char *at, size_t n)
{
	return copy(of(p), H1_IN_URL, at, n);
}

static int on_header_field(llhttp_t *p, const char *at, size_t n)
{
	return copy(of(p), H1_IN_NAME, at, n);
}

static int on_header_value(llhttp_t *p, const char *at, size_t n)
{
	return copy(of(p), H1_IN_VALUE, at, n);
}

/* A field with a name but no value yet gets an empty one. */
static int on_header_value_complete(llhttp_t *p)
{
	h1_parser *h = of(p);
	if (h->in == H1_IN_NAME) {
		int rc = close_token(h);
		if (rc)
			return rc;
	}
	return 0;
}

static int on_headers_complete(llhttp_t *p)
{
	h1_parser *h = of(p);
	h1_request *r = &h->req;
	int rc = close_token(h);
	if (rc)
		return rc;
	if (!r->target_len)
		return refuse(h, 400, "no request target");
	r->target = h->head; /* the request target is the first token copied */
	r->method = llhttp_method_name((llhttp_method_t)p->method);
	r->major = p->http_major;
	r->minor = p->http_minor;
	r->keep_alive = llhttp_should_keep_alive(p);
	r->chunked = (p->flags & F_CHUNKED) != 0;
	r->content_length = (p->flags & F_CONTENT_LENGTH) ? (int64_t)p->content_length : -1;
	const char *expect = h1_field_get(r, "expect");
	r->expect_continue = expect && strcasecmp(expect, "100-continue") == 0;
	if (p->method == HTTP_CONNECT)
		return refuse(h, 501, "CONNECT is not supported");
	rc = h->cb->on_head(h->ctx, r);
	if (rc < 0)
		return gave_up(h);
	if (rc == H1_PAUSE) {
		h->state = H1_HEAD_PAUSED;
		return HPE_PAUSED;
	}
	return 0;
}

static int on_body(llhttp_t *p, const char *at, size_t n)
{
	h1_parser *h = of(p);
	return h->cb->on_body(h->ctx, (const uint8_t *)at, n) != 0 ? gave_up(h) : 0;
}

static int on_message_complete(llhttp_t *p)
{
	h1_parser *h = of(p);
	h->state = H1_ENDED;
	if (h->cb->on_end(h->ctx) != 0)
		return gave_up(h);
	return HPE_PAUSED; /* the next pipelined request waits for h1_next */
}

void h1_init(h1_parser *h, const h1_limits *lim, char *head, size_t cap, const h1_callbacks *cb,
             void *ctx)
{
	memset(h, 0, sizeof *h);
	llhttp_settings_init(&h->s);
	h->s.on_message_begin = on_message_begin;
	h->s.on_url = on_url;
	h->s.on_header_field = on_header_field;
	h->s.on_header_value = on_header_value;
	h->s.on_header_value_complete = on_header_value_complete;
	h->s.on_headers_complete = on_headers_complete;
	h->s.on_body = on_body;
	h->s.on_message_complete = on_message_complete;
	llhttp_init(&h->p, HTTP_REQUEST, &h->s);
	h->p.data = h;
	h->lim = *lim;
	h->head = head;
	h->cap = cap;
	h->cb = cb;
	h->ctx = ctx;
	h->req.content_length = -1;
}

ssize_t h1_feed(h1_parser *h, const uint8_t *data, size_t len)
{
	if (h->state == H1_FAILED)
		return -1;
	if (h->state != H1_READING)
		return 0;
	llhttp_errno_t e = llhttp_execute(&h->p, (const char *)data, len);
	if (e == HPE_OK)
		return (ssize_t)len;
	if (e == HPE_PAUSED || e == HPE_PAUSED_UPGRADE) {
		/* An Upgrade is not taken up: the request is answered as it is,
		 * and the connection ends after it (the rest is not HTTP/1.1). */
		if (e == HPE_PAUSED_UPGRADE) {
			h->state = H1_ENDED;
			h->req.keep_alive = 0;
		}
		return (ssize_t)(llhttp_get_error_pos(&h->p) - (const char *)data);
	}
	if (!h->ours) { /* llhttp's own refusal: bad syntax, bad framing */
		h->status = 400;
		h->reason = llhttp_get_error_reason(&h->p);
	}
	h->state = H1_FAILED;
	return -1;
}

int h1_eof(h1_parser *h)
{
	if (h->state == H1_FAILED)
		return -1;
	if (!h->started || h->state == H1_ENDED)
		return 0;
	if (llhttp_finish(&h->p) == HPE_OK)
		return 0;
	h->state = H1_FAILED;
	h->status = 400;
	h->reason = "the request ends before its end";
	return -1;
}

void h1_resume(h1_parser *h)
{
	if (h->state != H1_HEAD_PAUSED)
		return;
	h->state = H1_READING;
	llhttp_resume(&h->p);
}

void h1_next(h1_parser *h)
{
	if (h->state != H1_ENDED)
		return;
	if (llhttp_get_errno(&h->p) == HPE_PAUSED_UPGRADE)
		llhttp_resume_after_upgrade(&h->p);
	else
		llhttp_resume(&h->p);
	h->state = H1_READING;
	h->started = 0;
	h->len = 0;
	h->in = H1_IN_NONE;
	memset(&h->req, 0, sizeof h->req);
	h->req.content_length = -1;
}

int h1_ended(const h1_parser *h)
{
	return h->state == H1_ENDED;
}

int h1_paused(const h1_parser *h)
{
	return h->state == H1_HEAD_PAUSED;
}

int h1_started(const h1_parser *h)
{
	return h->started;
}

int h1_status(const h1_parser *h)
{
	return h->status;
}

const char *h1_reason(const h1_parser *h)
{
	return h->reason ? h->reason : "";
}

const char *h1_field_get(const h1_request *r, const char *name)
{
	size_t nl = strlen(name);
	for (unsigned i = 0; i < r->nfields; i++)
		if (r->fields[i].name_len == nl && strncasecmp(r->fields[i].name, name, nl) == 0)
			return r->fields[i].value;
	return NULL;
}

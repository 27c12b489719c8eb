#include "http_util.h"

#include <event2/buffer.h>
#include <sys/queue.h> /* TAILQ_INIT, which keyvalq_struct.h does not define */
#include <event2/keyvalq_struct.h>
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <strings.h>
#include <time.h>

static void reply(struct http_req *req, int code, const char *type, const char *body, size_t len)
{
	struct evbuffer *b = evbuffer_new();
	struct evkeyvalq *h = http_req_out(req);

	evhttp_remove_header(h, "Content-Type");
	evhttp_add_header(h, "Content-Type", type);
	if (b)
		evbuffer_add(b, body, len);
	http_reply(req, code, NULL, b);
	if (b)
		evbuffer_free(b);
}

/* A 5xx is a fault of the node's or of an upstream peer (the request was
 * fine): its reason goes to the log, beside the access line that has only
 * the status. 501 (a feature this node does not have) is not a fault. */
static void log_fault(struct http_req *req, int code, const char *msg)
{
	const char *uri = http_req_uri(req);
	fprintf(stderr, "cairn daemon: %d for %.200s: %.*s\n", code, uri ? uri : "?",
	        (int)strcspn(msg, "\n"), msg);
}

void http_html_escape(struct evbuffer *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		switch (s[i]) {
		case '<': evbuffer_add(b, "&lt;", 4); break;
		case '>': evbuffer_add(b, "&gt;", 4); break;
		case '&': evbuffer_add(b, "&amp;", 5); break;
		case '"': evbuffer_add(b, "&quot;", 6); break;
		case '\'': evbuffer_add(b, "&#39;", 5); break;
		default: evbuffer_add(b, s + i, 1);
		}
	}
}

void http_reply_text(struct http_req *req, int code, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg - 1, fmt, ap);
	va_end(ap);
	strcat(msg, "\n");
	if (code >= 500 && code != 501)
		log_fault(req, code, msg);
	/* Errors are not cached: a 404 may become a 200 when content arrives. */
	evhttp_add_header(http_req_out(req), "Cache-Control", "no-store");
	const char *accept = evhttp_find_header(http_req_in(req), "Accept");
	if (http_req_html_errors(req) && accept && strstr(accept, "text/html")) {
		/* a browser: a page that reads as one, the same words */
		struct evbuffer *b = evbuffer_new();
		if (b) {
			evbuffer_add_printf(b, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>%d</title>"
			                    "<style>body{font-family:sans-serif;margin:2em}</style></head>\n"
			                    "<body><h1>%d</h1>\n<p>", code, code);
			http_html_escape(b, msg, strcspn(msg, "\n"));
			evbuffer_add_printf(b, "</p>\n</body></html>\n");
			evhttp_remove_header(http_req_out(req), "Content-Type");
			evhttp_add_header(http_req_out(req), "Content-Type", "text/html; charset=utf-8");
			http_reply(req, code, NULL, b);
			evbuffer_free(b);
			return;
		}
	}
	reply(req, code, "text/plain; charset=utf-8", msg, strlen(msg));
}

void http_reply_rpc_error(struct http_req *req, int code, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (code >= 500 && code != 501)
		log_fault(req, code, msg);
	if (http_reply_json(req, code, json_pack("{s:s, s:i, s:s}", "Message", msg, "Code", 0, "Type",
	                                         "error")) != 0)
		reply(req, code, "application/json", "{\"Type\":\"error\"}\n", 17);
}

int http_reply_json(struct http_req *req, int code, json_t *j)
{
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	size_t n = text ? strlen(text) : 0;
	char *body = text ? realloc(text, n + 2) : NULL;
	json_decref(j);
	if (!body) {
		free(text);
		return -1;
	}
	body[n] = '\n';
	body[n + 1] = '\0';
	reply(req, code, "application/json", body, n + 1);
	free(body);
	return 0;
}

int http_errno_status(int e)
{
	return e == ENOSPC || e == EDQUOT ? 507 : 500;
}

int http_parse_query(struct http_req *req, struct evkeyvalq *q)
{
	const char *s = http_req_query(req);

	TAILQ_INIT(q);
	return s ? evhttp_parse_query_str(s, q) : 0;
}

/* One line per request, written whole (stdio's lock, held across the
 * pieces, keeps the lines of several loops apart), without printf:
 * formatting it was a few percent of a small GET. */
void http_log(struct http_req *req, const char *server)
{
	static _Thread_local time_t last;
	static _Thread_local char ts[32];
	time_t t = time(NULL);
	int status = http_req_status(req);
	char d[16]; /* the status and the newline, filled from the end */
	size_t k = sizeof d;
	unsigned v = status > 0 ? (unsigned)status : 0;
	if (t != last) {
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
		last = t;
	}
	d[--k] = '\n';
	do
		d[--k] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	flockfile(stderr);
	fputs(ts, stderr);
	fputs(" level=info server=", stderr);
	fputs(server, stderr);
	fputs(" method=", stderr);
	fputs(http_req_method_name(req), stderr);
	fputs(" uri=\"", stderr);
	fputs(http_req_uri(req), stderr); /* up to Limits.MaxURLBytes */
	fputs("\" status=", stderr);
	fwrite(d + k, 1, sizeof d - k, stderr);
	funlockfile(stderr);
}

/* Decimal digits at *s, saturating at UINT64_MAX (a position past any body
 * is as good as infinite). -1 if there is no digit. */
static int range_number(const char **s, uint64_t *v)
{
	const char *p = *s;
	uint64_t x = 0;
	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++)
		x = x > (UINT64_MAX - 9) / 10 ? UINT64_MAX : x * 10 + (uint64_t)(*p - '0');
	*s = p;
	*v = x;
	return 0;
}

int http_parse_range(const char *h, uint64_t size, uint64_t *off, uint64_t *len)
{
	uint64_t a, b;
	if (!h || strncmp(h, "bytes=", 6) != 0)
		return 0;
	const char *s = h + 6;
	if (*s == '-') {
		s++;
		if (range_number(&s, &a) != 0 || *s)
			return 0;
		if (a == 0 || size == 0)
			return -1;
		*off = a >= size ? 0 : size - a;
		*len = size - *off;
		return 1;
	}
	if (range_number(&s, &a) != 0 || *s++ != '-')
		return 0;
	if (*s == '\0') {
		b = UINT64_MAX;
	} else if (range_number(&s, &b) != 0 || *s || b < a) {
		return 0;
	}
	if (a >= size)
		return -1;
	if (b >= size)
		b = size - 1;
	*off = a;
	*len = b - a + 1;
	return 1;
}

int http_parse_bool(const char *s, int *out)
{
	static const char *yes[] = {"true", "1", "yes", "t"};
	static const char *no[] = {"false", "0", "no", "f"};
	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

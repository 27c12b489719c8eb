#include "http_util.h"
#include "log.h"

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
 * fine): its reason goes on the request's log line (http_log). 501 (a
 * feature this node does not have) is not a fault. */
static void log_fault(struct http_req *req, const char *msg)
{
	char why[512];
	snprintf(why, sizeof why, "%.*s", (int)strcspn(msg, "\n"), msg);
	http_req_set_fault(req, why);
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
		log_fault(req, msg);
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
		log_fault(req, msg);
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
	if (e == ENOSPC || e == EDQUOT)
		return 507;
	/* a store across the network that does not answer (RADOS): for now */
	if (e == ETIMEDOUT || e == ECONNREFUSED || e == ENOTCONN || e == EHOSTUNREACH || e == ESHUTDOWN)
		return 503;
	return 500;
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
/* Query parameters whose values are secrets, never written to the log
 * (compared without case; docs/http-api.md, "Logs"). */
static const char *const secret_params[] = {
	"token", "access_token", "api_key", "apikey", "key", "secret", "password", "auth",
	"signature", "sig", "x-amz-signature", "x-amz-credential",
};

void http_log_path(const char *uri, char *out, size_t cap)
{
	size_t n = 0, pl = strcspn(uri, "?");
	const char *q = uri[pl] == '?' ? uri + pl + 1 : NULL;
#define OUT(p, l)                                                                  \
	do {                                                                       \
		size_t l_ = (l) < cap - 1 - n ? (l) : cap - 1 - n;                 \
		memcpy(out + n, (p), l_);                                          \
		n += l_;                                                           \
	} while (0)
	if (!cap)
		return;
	OUT(uri, pl + (q ? 1 : 0));
	while (q && *q) {
		size_t pair = strcspn(q, "&"), kl = strcspn(q, "=&");
		int secret = 0;
		for (size_t i = 0; i < sizeof secret_params / sizeof *secret_params && !secret; i++)
			secret = strlen(secret_params[i]) == kl && strncasecmp(q, secret_params[i], kl) == 0;
		if (secret && q[kl] == '=') {
			OUT(q, kl + 1);
			OUT("REDACTED", 8);
		} else {
			OUT(q, pair);
		}
		q += pair;
		if (*q == '&') {
			OUT("&", 1);
			q++;
		}
	}
#undef OUT
	out[n] = '\0';
}

void http_log(struct http_req *req, const char *server, double secs)
{
	int status = http_req_status(req);
	const char *fault = http_req_fault(req);
	char path[LOG_RECORD_MAX / 2];
	http_log_path(http_req_uri(req), path, sizeof path);
	/* 4xx: the client's doing; a 5xx or a reply cut short: ours, or the
	 * peers' when upstream failed to give the content (a warning) */
	int faulty = fault || (status >= 500 && status != 501);
	enum log_level lv = !faulty                ? LOG_LEVEL_INFO
	                    : http_req_upstream(req) ? LOG_LEVEL_WARN
	                                             : LOG_LEVEL_ERROR;
	struct log_field f[] = {
		{"server", server, 0, 0},
		{"client", http_req_client(req), 0, 0},
		{"method", http_req_method_name(req), 0, 0},
		{"path", path, 0, 0},
		{"status", NULL, status > 0 ? status : 0, 0},
		{"bytes", NULL, (double)http_req_sent(req), 0},
		{"duration", NULL, secs > 0 ? secs : 0, 6},
		{"error", fault, 0, 0},
	};
	log_fields(lv, NULL, f, fault ? 8 : 7);
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

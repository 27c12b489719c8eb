#include "api_headers.h"

#include "cairn/error.h"
#include "http_util.h"

#include <event2/buffer.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* What a preflight is told when the config does not say. */
#define API_CORS_METHODS "POST"
#define API_CORS_HEADERS "Authorization, Content-Type, X-Requested-With, Range, User-Agent"
#define API_CORS_MAX_AGE "600"

static const json_t *configured(const json_t *config)
{
	return json_object_get(json_object_get(config, "API"), "HTTPHeaders");
}

static int token_ok(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s <= ' ' || *s >= 127 || strchr("()<>@,;:\\\"/[]?={}", *s))
			return 0;
	return 1;
}

int api_headers_check(const json_t *config, char *err)
{
	const json_t *h = configured(config), *v;
	const char *name;
	if (!h)
		return 0;
	if (!json_is_object(h)) {
		snprintf(err, CAIRN_ERR_MAX, "API.HTTPHeaders must be an object of header names");
		return -1;
	}
	json_object_foreach((json_t *)h, name, v) {
		if (!token_ok(name)) {
			snprintf(err, CAIRN_ERR_MAX, "API.HTTPHeaders: '%.80s' is not a header name", name);
			return -1;
		}
		size_t n = json_is_array(v) ? json_array_size(v) : 1;
		for (size_t i = 0; i < n; i++) {
			const json_t *e = json_is_array(v) ? json_array_get(v, i) : v;
			const char *s = json_string_value(e);
			if (!s || strpbrk(s, "\r\n") || strlen(s) != json_string_length(e)) {
				snprintf(err, CAIRN_ERR_MAX,
				         "API.HTTPHeaders.%.80s: values are strings without line breaks", name);
				return -1;
			}
		}
	}
	return 0;
}

/* The values of one configured header, joined by ", ", into b. */
static void joined(struct evbuffer *b, const json_t *v)
{
	size_t n = json_is_array(v) ? json_array_size(v) : 1;
	for (size_t i = 0; i < n; i++)
		evbuffer_add_printf(b, "%s%s", i ? ", " : "",
		                    json_string_value(json_is_array(v) ? json_array_get(v, i) : v));
	evbuffer_add(b, "", 1);
}

/* Is origin among the configured ones? "*" allows every origin. 2 for
 * "*", 1 for a listed origin, 0 otherwise. */
static int origin_allowed(const json_t *v, const char *origin)
{
	size_t n = json_is_array(v) ? json_array_size(v) : 1;
	int hit = 0;
	for (size_t i = 0; i < n; i++) {
		const char *s = json_string_value(json_is_array(v) ? json_array_get(v, i) : v);
		if (s && strcmp(s, "*") == 0)
			return 2;
		if (s && origin && strcasecmp(s, origin) == 0)
			hit = 1;
	}
	return hit;
}

int api_headers(struct http_req *req, node *n)
{
	const json_t *h = configured(n->repo.config), *v;
	const char *name;
	struct evkeyvalq *out = http_req_out(req), *in = http_req_in(req);
	if (!json_is_object(h))
		return 0;
	const char *origin = evhttp_find_header(in, "Origin");
	const json_t *acao = json_object_get(h, "Access-Control-Allow-Origin");
	int allowed = acao ? origin_allowed(acao, origin) : 0;
	struct evbuffer *b = evbuffer_new();
	if (!b)
		return 0;
	json_object_foreach((json_t *)h, name, v) {
		if (strcasecmp(name, "Access-Control-Allow-Origin") == 0)
			continue;
		evbuffer_drain(b, evbuffer_get_length(b));
		joined(b, v);
		evhttp_add_header(out, name, (const char *)evbuffer_pullup(b, -1));
	}
	evbuffer_free(b);
	if (allowed) {
		evhttp_add_header(out, "Access-Control-Allow-Origin", allowed == 2 ? "*" : origin);
		if (allowed == 1)
			evhttp_add_header(out, "Vary", "Origin");
	}
	if (http_req_method(req) != HTTP_METHOD_OPTIONS || !acao ||
	    !evhttp_find_header(in, "Access-Control-Request-Method"))
		return 0;
	/* a preflight: what the config does not say, the defaults say */
	if (!json_object_get(h, "Access-Control-Allow-Methods"))
		evhttp_add_header(out, "Access-Control-Allow-Methods", API_CORS_METHODS);
	if (!json_object_get(h, "Access-Control-Allow-Headers"))
		evhttp_add_header(out, "Access-Control-Allow-Headers", API_CORS_HEADERS);
	if (!json_object_get(h, "Access-Control-Max-Age"))
		evhttp_add_header(out, "Access-Control-Max-Age", API_CORS_MAX_AGE);
	http_reply(req, 204, "No Content", NULL);
	return 1;
}

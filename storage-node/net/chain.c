#include "cairn/error.h"
#include "chain.h"
#include "client.h"

#include <event2/buffer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct chain {
	struct http_client *http;
	char *url;
	char shown[256];
	/* "Content-Type: application/json", the caller's, NULL */
	const char *headers[CHAIN_HEADERS_MAX + 2];
	char *owned[CHAIN_HEADERS_MAX];
	json_int_t next_id;
	struct call *calls;          /* in flight: freed with the chain, unanswered */
};

struct call {
	chain *c;
	chain_cb cb;
	void *ctx;
	struct call *prev, *next;
};

static void call_unlink(struct call *k)
{
	if (k->prev)
		k->prev->next = k->next;
	else
		k->c->calls = k->next;
	if (k->next)
		k->next->prev = k->prev;
}

chain *chain_new(struct event_base *base, const char *url, const char *const *headers,
                 const char *ca_file, char *err)
{
	chain *c = calloc(1, sizeof *c);
	size_t n = 0;
	if (!c) {
		snprintf(err, CAIRN_ERR_MAX, "out of memory");
		return NULL;
	}
	http_url_redact(url, c->shown, sizeof c->shown);
	if (!http_url_ok(url)) {
		snprintf(err, CAIRN_ERR_MAX, "chain RPC URL '%s' is not http:// or https://", c->shown);
		free(c);
		return NULL;
	}
	http_client_opts ho = {.ca_file = ca_file, .timeout_ms = CHAIN_TIMEOUT_SECS * 1000};
	if (!(c->http = http_client_new(base, &ho, err))) {
		free(c);
		return NULL;
	}
	c->headers[n++] = "Content-Type: application/json";
	for (size_t i = 0; headers && headers[i] && i < CHAIN_HEADERS_MAX; i++) {
		if (!(c->owned[i] = strdup(headers[i])))
			goto oom;
		c->headers[n++] = c->owned[i];
	}
	if (!(c->url = strdup(url)))
		goto oom;
	c->next_id = 1;
	return c;
oom:
	snprintf(err, CAIRN_ERR_MAX, "out of memory");
	chain_free(c);
	return NULL;
}

const char *chain_url_shown(const chain *c)
{
	return c->shown;
}

static void done(void *arg, const http_result *res)
{
	struct call *call = arg;
	char why[CAIRN_ERR_MAX];
	json_t *j = NULL;
	call_unlink(call);
	if (res->error != HTTP_CALL_OK) {
		snprintf(why, sizeof why, "the chain node does not answer: %s", res->why ? res->why : "?");
		call->cb(call->ctx, NULL, why);
		free(call);
		return;
	}
	if (res->status != 200) {
		snprintf(why, sizeof why, "the chain node %s answered HTTP %ld", call->c->shown, res->status);
		call->cb(call->ctx, NULL, why);
		free(call);
		return;
	}
	size_t len = evbuffer_get_length(res->body);
	j = json_loadb((const char *)evbuffer_pullup(res->body, -1), len, 0, NULL);
	json_t *e = json_object_get(j, "error");
	if (!j) {
		call->cb(call->ctx, NULL, "the chain node's answer is not JSON");
	} else if (e) {
		const char *m = json_string_value(json_object_get(e, "message"));
		snprintf(why, sizeof why, "chain RPC error: %.200s", m ? m : "(no message)");
		call->cb(call->ctx, NULL, why);
	} else {
		json_t *r = json_object_get(j, "result");
		call->cb(call->ctx, r ? r : json_null(), NULL);
	}
	json_decref(j);
	free(call);
}

void chain_call(chain *c, const char *method, json_t *params, chain_cb cb, void *ctx)
{
	struct call *call = malloc(sizeof *call);
	json_t *body = json_pack("{s:s, s:I, s:s, s:o}", "jsonrpc", "2.0", "id", c->next_id++,
	                         "method", method, "params", params ? params : json_array());
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	char err[CAIRN_ERR_MAX];
	json_decref(body);
	if (!call || !text) {
		free(text);
		free(call);
		cb(ctx, NULL, "out of memory");
		return;
	}
	*call = (struct call){c, cb, ctx, NULL, c->calls};
	http_call_opts o = {.method = "POST", .url = c->url, .headers = c->headers, .body = text,
	                    .body_len = strlen(text), .on_done = done, .arg = call};
	/* the body is copied: it may go now */
	if (!http_call_start(c->http, &o, err)) {
		free(text);
		free(call);
		cb(ctx, NULL, err);
		return;
	}
	if (c->calls)
		c->calls->prev = call;
	c->calls = call;
	free(text);
}

void chain_free(chain *c)
{
	if (!c)
		return;
	http_client_free(c->http); /* the calls in flight are dropped, unanswered */
	while (c->calls) {
		struct call *k = c->calls;
		c->calls = k->next;
		free(k);
	}
	for (size_t i = 0; i < CHAIN_HEADERS_MAX; i++)
		free(c->owned[i]);
	free(c->url);
	free(c);
}

uint64_t chain_quantity(const char *s)
{
	return s ? strtoull(s, NULL, 16) : 0;
}

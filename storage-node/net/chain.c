#include "cairn/error.h"
#include "chain.h"
#include "http_util.h"

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct chain {
	struct event_base *base;
	struct evhttp_connection *conn;
	char host[256], path[512];
	unsigned short port;
	json_int_t next_id;
};

struct call {
	chain_cb cb;
	void *ctx;
};

chain *chain_new(struct event_base *base, const char *url, char *err)
{
	chain *c = calloc(1, sizeof *c);
	if (!c) {
		snprintf(err, CAIRN_ERR_MAX, "out of memory");
		return NULL;
	}
	char prefix[sizeof c->path];
	if (http_url_split(url, c->host, sizeof c->host, &c->port, prefix, sizeof prefix) != 0) {
		snprintf(err, CAIRN_ERR_MAX, "chain RPC URL '%.100s' is not http://HOST:PORT[/PATH]", url);
		free(c);
		return NULL;
	}
	snprintf(c->path, sizeof c->path, "%s", prefix[0] ? prefix : "/");
	c->base = base;
	c->conn = evhttp_connection_base_new(base, NULL, c->host, c->port);
	if (!c->conn) {
		snprintf(err, CAIRN_ERR_MAX, "out of memory");
		free(c);
		return NULL;
	}
	evhttp_connection_set_timeout(c->conn, CHAIN_TIMEOUT_SECS);
	c->next_id = 1;
	return c;
}

static void done(struct evhttp_request *req, void *arg)
{
	struct call *call = arg;
	char why[256];
	json_t *j = NULL;
	if (!req || evhttp_request_get_response_code(req) == 0) {
		call->cb(call->ctx, NULL, "the chain node does not answer");
		free(call);
		return;
	}
	int code = evhttp_request_get_response_code(req);
	struct evbuffer *b = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(b);
	if (code != 200) {
		snprintf(why, sizeof why, "the chain node answered HTTP %d", code);
		call->cb(call->ctx, NULL, why);
		free(call);
		return;
	}
	j = json_loadb((const char *)evbuffer_pullup(b, -1), len, 0, NULL);
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
	json_decref(body);
	struct evhttp_request *req = call && text ? evhttp_request_new(done, call) : NULL;
	if (!req) {
		free(text);
		free(call);
		cb(ctx, NULL, "out of memory");
		return;
	}
	call->cb = cb;
	call->ctx = ctx;
	char hostport[300];
	snprintf(hostport, sizeof hostport, "%s:%u", c->host, c->port);
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	evhttp_add_header(h, "Host", hostport);
	evhttp_add_header(h, "Content-Type", "application/json");
	evbuffer_add(evhttp_request_get_output_buffer(req), text, strlen(text));
	free(text);
	/* A refused or timed-out connection comes back through done(); only a
	 * socket that cannot even be made fails here, without a callback. */
	if (evhttp_make_request(c->conn, req, EVHTTP_REQ_POST, c->path) != 0) {
		free(call);
		cb(ctx, NULL, "cannot open a connection to the chain node");
	}
}

void chain_free(chain *c)
{
	if (!c)
		return;
	evhttp_connection_free(c->conn);
	free(c);
}

uint64_t chain_quantity(const char *s)
{
	return s ? strtoull(s, NULL, 16) : 0;
}

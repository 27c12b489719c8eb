#include "http_stream.h"

#include "http_util.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

struct stream {
	struct evhttp_request *req;
	struct evhttp_connection *evcon;
	dag_reader *r;
};

static void stream_free(struct stream *s)
{
	if (s->evcon)
		evhttp_connection_set_closecb(s->evcon, NULL, NULL);
	dag_reader_close(s->r);
	free(s->r);
	free(s);
}

/* The client went away mid-stream: evhttp frees the request; we free ours. */
static void on_close(struct evhttp_connection *evcon, void *arg)
{
	struct stream *s = arg;
	(void)evcon;
	s->evcon = NULL;
	stream_free(s);
}

static void error_reply(struct evhttp_request *req, int rpc, int rc, const cairn_cid *where,
                        const char *err)
{
	char text[CAIRN_CID_TEXT_MAX] = "";
	if (rc > 0)
		cairn_cid_to_string(where, text, sizeof text, NULL);
	/* Missing content is 404 (this node has no peers to ask yet); content
	 * that is not a UnixFS file is the request's problem, 422. */
	int code = rc == DAG_MISSING ? 404 : rc > 0 ? 422 : 500;
	const char *what = rc == DAG_MISSING ? "block not found" : rc == DAG_INVALID
	                   ? "block does not decode as UnixFS" : rc == DAG_NOT_FILE ? "not a file" : err;
	if (rc < 0)
		fprintf(stderr, "cairn daemon: %s\n", err);
	if (rpc)
		http_reply_rpc_error(req, code, "%s%s%s", what, text[0] ? ": " : "", text);
	else
		http_reply_text(req, code, "%s%s%s", what, text[0] ? ": " : "", text);
}

static void send_next(struct evhttp_connection *evcon, void *arg)
{
	struct stream *s = arg;
	const uint8_t *p;
	size_t n;
	cairn_cid where;
	char err[512];
	(void)evcon;

	int rc = dag_reader_next(s->r, &p, &n, &where, err);
	if (rc == DAG_END) {
		struct evhttp_request *req = s->req;
		stream_free(s);
		evhttp_send_reply_end(req);
		return;
	}
	if (rc != 0) {
		char text[CAIRN_CID_TEXT_MAX] = "?";
		if (rc > 0)
			cairn_cid_to_string(&where, text, sizeof text, NULL);
		fprintf(stderr, "cairn daemon: block %s failed mid-stream; closing the connection\n", text);
		/* Too late for a status: cut the connection so the client sees a
		 * short body. evhttp then closes it and on_close frees us. */
		struct bufferevent *bev = s->evcon ? evhttp_connection_get_bufferevent(s->evcon) : NULL;
		if (bev)
			shutdown(bufferevent_getfd(bev), SHUT_RDWR);
		return;
	}
	struct evbuffer *b = evbuffer_new();
	evbuffer_add(b, p, n);
	evhttp_send_reply_chunk_with_cb(s->req, b, send_next, s);
	evbuffer_free(b);
}

void http_stream_reader(struct evhttp_request *req, int code, dag_reader *r, int send_body,
                        int rpc_errors)
{
	char len[32];
	snprintf(len, sizeof len, "%" PRIu64, r->remaining);
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);

	if (!send_body || r->remaining <= STREAM_BUFFER_MAX) {
		struct evbuffer *b = evbuffer_new();
		const uint8_t *p;
		size_t n;
		cairn_cid where;
		char err[512];
		int rc = 0;
		while (send_body && (rc = dag_reader_next(r, &p, &n, &where, err)) == 0)
			evbuffer_add(b, p, n);
		if (rc != 0 && rc != DAG_END) {
			/* The error replaces the body: drop the headers that described it. */
			evhttp_remove_header(h, "Content-Type");
			evhttp_remove_header(h, "Content-Range");
			evhttp_remove_header(h, "Etag");
			evhttp_remove_header(h, "Cache-Control");
			error_reply(req, rpc_errors, rc, &where, err);
		} else {
			evhttp_add_header(h, "Content-Length", len);
			evhttp_send_reply(req, code, NULL, b);
		}
		evbuffer_free(b);
		dag_reader_close(r);
		free(r);
		return;
	}
	struct stream *s = calloc(1, sizeof *s);
	if (!s) {
		dag_reader_close(r);
		free(r);
		http_reply_text(req, 500, "out of memory");
		return;
	}
	s->req = req;
	s->r = r;
	s->evcon = evhttp_request_get_connection(req);
	evhttp_connection_set_closecb(s->evcon, on_close, s);
	evhttp_add_header(h, "Content-Length", len);
	evhttp_send_reply_start(req, code, NULL);
	send_next(NULL, s);
}

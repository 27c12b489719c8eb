#include "http_stream.h"
#include "conns.h"

#include "http_util.h"

#include <event2/bufferevent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

#define STREAM_BATCH (2 * 1024 * 1024)

struct stream {
	struct evhttp_request *req;
	struct evhttp_connection *evcon;
	stream_source *src;
};

static void stream_free(struct stream *s)
{
	if (s->evcon)
		conns_set_close_hook(s->evcon, NULL, NULL);
	s->src->close(s->src);
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
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	char text[CAIRN_CID_TEXT_MAX] = "";
	if (rc > 0)
		cairn_cid_to_string(where, text, sizeof text, NULL);
	/* Missing content is 404 (this node has no peers to ask yet); a DAG
	 * that does not decode is 422; a node that is not a UnixFS file is 501
	 * on the gateway (which sends directories elsewhere first) and a bad
	 * argument (400) on the API. */
	int code = rc == DAG_MISSING ? 404 : rc == DAG_INVALID ? 422
	         : rc == DAG_NOT_FILE ? (rpc ? 400 : 501) : 500;
	const char *what = rc == DAG_MISSING ? "block not found" : rc == DAG_INVALID
	                   ? "block does not decode as UnixFS"
	                   : rc == DAG_NOT_FILE ? "not a UnixFS file" : err;
	if (rc < 0)
		fprintf(stderr, "cairn daemon: %s\n", err);
	/* The error replaces the body: drop the headers that described it. */
	evhttp_remove_header(h, "Content-Type");
	evhttp_remove_header(h, "Content-Range");
	evhttp_remove_header(h, "Etag");
	evhttp_remove_header(h, "Cache-Control");
	evhttp_remove_header(h, "X-Content-Type-Options");
	if (rpc)
		http_reply_rpc_error(req, code, "%s%s%s", what, text[0] ? ": " : "", text);
	else
		http_reply_text(req, code, "%s%s%s", what, text[0] ? ": " : "", text);
}

static void send_next(struct evhttp_connection *evcon, void *arg)
{
	struct stream *s = arg;
	cairn_cid where;
	char err[512];
	struct evbuffer *b = evbuffer_new();
	(void)evcon;

	/* Queue about STREAM_BATCH bytes a round: the callback only comes once
	 * the socket has taken everything, so one block a round would leave
	 * the socket idle while the next block is read and hashed. */
	size_t batch = s->src->batch ? s->src->batch : STREAM_BATCH;
	int rc = b ? s->src->next(s->src, b, &where, err) : -1;
	while (rc == 0 && evbuffer_get_length(b) < batch)
		rc = s->src->next(s->src, b, &where, err);
	if (rc == DAG_END && evbuffer_get_length(b) > 0) {
		/* send what was queued; the next round finds the end again */
		evhttp_send_reply_chunk_with_cb(s->req, b, send_next, s);
		evbuffer_free(b);
		return;
	}
	if (rc == 0) {
		evhttp_send_reply_chunk_with_cb(s->req, b, send_next, s);
	} else if (rc == DAG_END) {
		struct evhttp_request *req = s->req;
		stream_free(s);
		evhttp_send_reply_end(req);
	} else {
		char text[CAIRN_CID_TEXT_MAX] = "?";
		if (rc > 0)
			cairn_cid_to_string(&where, text, sizeof text, NULL);
		fprintf(stderr, "cairn daemon: block %s failed mid-stream; closing the connection\n", text);
		/* Too late for a status: cut the connection. evhttp then closes it
		 * and on_close frees the stream. */
		struct bufferevent *bev = s->evcon ? evhttp_connection_get_bufferevent(s->evcon) : NULL;
		if (bev)
			shutdown(bufferevent_getfd(bev), SHUT_RDWR);
	}
	if (b)
		evbuffer_free(b);
}

void http_stream(struct evhttp_request *req, int code, stream_source *src, int send_body,
                 int rpc_errors)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	char len[32];

	if (src->length >= 0) {
		snprintf(len, sizeof len, "%" PRId64, src->length);
		evhttp_add_header(h, "Content-Length", len);
	}
	if (!send_body || (src->length >= 0 && src->length <= STREAM_BUFFER_MAX)) {
		struct evbuffer *b = evbuffer_new();
		cairn_cid where;
		char err[512];
		int rc = send_body ? 0 : DAG_END;
		while (rc == 0)
			rc = src->next(src, b, &where, err);
		if (rc != DAG_END) {
			evhttp_remove_header(h, "Content-Length");
			error_reply(req, rpc_errors, rc, &where, err);
		} else {
			evhttp_send_reply(req, code, NULL, b);
		}
		evbuffer_free(b);
		src->close(src);
		return;
	}
	struct stream *s = calloc(1, sizeof *s);
	if (!s) {
		src->close(src);
		evhttp_remove_header(h, "Content-Length");
		http_reply_text(req, 500, "out of memory");
		return;
	}
	s->req = req;
	s->src = src;
	s->evcon = evhttp_request_get_connection(req);
	conns_set_close_hook(s->evcon, on_close, s);
	evhttp_send_reply_start(req, code, NULL);
	send_next(NULL, s);
}

struct file_source {
	stream_source base;
	dag_reader *r;
};

static void release_block(const void *data, size_t len, void *block)
{
	(void)data;
	(void)len;
	free(block);
}

static int file_next(stream_source *s, struct evbuffer *out, cairn_cid *where, char *err)
{
	struct file_source *f = (struct file_source *)s;
	const uint8_t *p;
	size_t n;
	int rc = dag_reader_next(f->r, &p, &n, where, err);
	if (rc != 0)
		return rc;
	/* A leaf's buffer goes to the socket as it is: no copy. */
	uint8_t *block = dag_reader_take(f->r);
	if (!block || evbuffer_add_reference(out, p, n, release_block, block) != 0) {
		if (evbuffer_add(out, p, n) != 0)
			rc = -1;
		free(block);
	}
	return rc;
}

static void file_close(stream_source *s)
{
	struct file_source *f = (struct file_source *)s;
	dag_reader_close(f->r);
	free(f->r);
	free(f);
}

stream_source *stream_file(dag_reader *r)
{
	struct file_source *f = calloc(1, sizeof *f);
	if (!f)
		return NULL;
	f->base.next = file_next;
	f->base.close = file_close;
	f->base.length = (int64_t)r->remaining;
	f->r = r;
	return &f->base;
}

dag_reader *http_open_file(struct evhttp_request *req, blockstore *bs, const cairn_cid *cid,
                           int rpc_errors)
{
	cairn_cid where;
	char err[512] = "";
	dag_reader *r = malloc(sizeof *r);
	if (!r) {
		error_reply(req, rpc_errors, -1, cid, "out of memory");
		return NULL;
	}
	int rc = dag_reader_open(r, bs, cid, &where, err);
	if (rc != 0) {
		free(r);
		error_reply(req, rpc_errors, rc, &where, err);
		return NULL;
	}
	return r;
}

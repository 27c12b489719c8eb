#include "stream.h"
#include "dir.h"
#include "server.h"

#include "http_util.h"

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <sys/queue.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

#define STREAM_BATCH (2 * 1024 * 1024)

struct stream {
	struct http_req *req;   /* its close hook frees the stream; a reply or a cut
	                         * (each before or right after stream_free) removes it */
	stream_source *src;
	int code, rpc;
	struct evbuffer *whole; /* a short body, built before the status goes out */
	peers *peers;           /* where missing blocks are fetched from, or NULL */
	peer_fetch *fetch;      /* a missing block being fetched */
	int refetches;
	int orphaned;           /* the client left during a fetch */
	stream_loop *loop;      /* where it parks for a block in flight, or NULL */
	int parked;
	LIST_ENTRY(stream) link;
};

LIST_HEAD(stream_list, stream);

struct stream_loop {
	struct event *ready;         /* made active by a read's completion */
	blockstore *bs;
	prefetch_waker waker;        /* activates ready */
	struct stream_list parked;
};

static void stream_free(struct stream *s)
{
	if (s->fetch) {
		/* its callback is still to come: free then */
		s->orphaned = 1;
		return;
	}
	if (s->parked)
		LIST_REMOVE(s, link);
	s->src->close(s->src);
	if (s->whole)
		evbuffer_free(s->whole);
	free(s);
}

/* The client went away mid-stream: the server frees the request; we
 * free ours. */
static void on_close(void *arg)
{
	stream_free(arg);
}

/* An error replaces the body: drop the headers that described it. */
static void strip_body_headers(struct http_req *req)
{
	struct evkeyvalq *h = http_req_out(req);
	evhttp_remove_header(h, "Content-Length");
	evhttp_remove_header(h, "Content-Type");
	evhttp_remove_header(h, "Content-Range");
	evhttp_remove_header(h, "Etag");
	evhttp_remove_header(h, "Cache-Control");
	evhttp_remove_header(h, "X-Content-Type-Options");
}

static void error_reply(struct http_req *req, int rpc, int rc, const cairn_cid *where,
                        const char *err)
{
	char text[CAIRN_CID_TEXT_MAX] = "";
	if (rc > 0)
		cairn_cid_to_string(where, text, sizeof text, NULL);
	/* Missing content is 404 (a fetch from peers that failed comes as
	 * FETCH_* below); a DAG that does not decode is 422; a node that is not
	 * a UnixFS file is 501 on the gateway (which sends directories
	 * elsewhere first) and a bad argument (400) on the API. */
	/* A read that failed: errno is the store's (a blockstore across the
	 * network that does not answer is 503, http_errno_status). */
	int code = rc == DAG_MISSING ? 404 : rc == DAG_INVALID ? 422
	         : rc == DAG_NOT_FILE ? (rpc ? 400 : 501) : http_errno_status(errno);
	const char *what = rc == DAG_MISSING ? "block not found" : rc == DAG_INVALID
	                   ? "block does not decode as UnixFS"
	                   : rc == DAG_NOT_FILE ? "not a UnixFS file" : err;
	if (rc < 0)
		http_req_set_fault(req, err);
	strip_body_headers(req);
	if (rpc)
		http_reply_rpc_error(req, code, "%s%s%s", what, text[0] ? ": " : "", text);
	else
		http_reply_text(req, code, "%s%s%s", what, text[0] ? ": " : "", text);
}

/* Too late for a status: cut the connection, which ends the request,
 * and free the stream. */
static void cut(struct stream *s, const cairn_cid *where, const char *why)
{
	char text[CAIRN_CID_TEXT_MAX] = "?";
	if (where)
		cairn_cid_to_string(where, text, sizeof text, NULL);
	char fault[CAIRN_ERR_MAX + CAIRN_CID_TEXT_MAX + 64];
	snprintf(fault, sizeof fault, "block %s failed mid-stream (%s); connection closed", text, why);
	http_req_set_fault(s->req, fault);
	http_req_cut(s->req);
	stream_free(s);
}

static void pump(struct stream *s);

/* Wait for the block in flight: the loop's ready event resumes s. */
static void park(struct stream *s)
{
	s->parked = 1;
	LIST_INSERT_HEAD(&s->loop->parked, s, link);
}

/* On librados's thread, with the read-ahead table's mutex held: only post. */
static void wake(void *arg)
{
	event_active(arg, EV_READ, 0);
}

/* On the loop: every parked stream tries again (those whose block is still
 * in flight park again). */
static void on_ready(evutil_socket_t fd, short what, void *arg)
{
	stream_loop *sl = arg;
	struct stream_list now = LIST_HEAD_INITIALIZER(now);
	(void)fd;
	(void)what;
	while (!LIST_EMPTY(&sl->parked)) { /* move them: a retry may park anew */
		struct stream *s = LIST_FIRST(&sl->parked);
		LIST_REMOVE(s, link);
		LIST_INSERT_HEAD(&now, s, link);
	}
	while (!LIST_EMPTY(&now)) {
		struct stream *s = LIST_FIRST(&now);
		LIST_REMOVE(s, link);
		s->parked = 0;
		pump(s);
	}
}

stream_loop *stream_loop_new(struct event_base *base, blockstore *bs)
{
	stream_loop *sl = calloc(1, sizeof *sl);
	if (!sl || !(sl->ready = event_new(base, -1, 0, on_ready, sl))) {
		free(sl);
		return NULL;
	}
	sl->bs = bs;
	sl->waker.fn = wake;
	sl->waker.arg = sl->ready;
	LIST_INIT(&sl->parked);
	return sl;
}

void stream_loop_free(stream_loop *sl)
{
	if (!sl)
		return;
	blockstore_forget(sl->bs, &sl->waker); /* no read posts to it after this */
	event_free(sl->ready);
	free(sl);
}

static void refetched(void *ctx, int outcome, const char *msg)
{
	struct stream *s = ctx;
	s->fetch = NULL;
	if (s->orphaned) {
		stream_free(s);
		return;
	}
	if (outcome == FETCH_OK) {
		pump(s); /* the reader asks for the same block again */
		return;
	}
	if (!s->whole) {
		cut(s, NULL, msg);
		return;
	}
	struct http_req *req = s->req;
	int rpc = s->rpc;
	int code = outcome == FETCH_NOT_FOUND ? 404 : outcome == FETCH_TIMEOUT ? 504 : 502;
	stream_free(s);
	http_req_mark_upstream(req);
	strip_body_headers(req);
	if (rpc)
		http_reply_rpc_error(req, code, "a block is missing here and the peers did not give it: %s", msg);
	else
		http_reply_text(req, code, "a block is missing here and the peers did not give it: %s", msg);
}

/* A block is missing: ask the peers for it (and what hangs below it).
 * 0 if a fetch is under way (pump runs again when it ends). */
static int refetch(struct stream *s, const cairn_cid *where)
{
	if (!s->peers || s->refetches >= STREAM_REFETCH_MAX)
		return -1;
	s->refetches++;
	s->fetch = peers_fetch(s->peers, NULL, where, "", FETCH_SCOPE_ALL, refetched, s);
	return s->fetch ? 0 : -1;
}

/* A short body: the whole of it, then the status. */
static void pump_whole(struct stream *s)
{
	cairn_cid where;
	char err[CAIRN_ERR_MAX] = "";
	int rc = 0;
	while (rc == 0)
		rc = s->src->next(s->src, s->whole, &where, err);
	if (rc == DAG_AGAIN) {
		park(s);
		return;
	}
	if (rc == DAG_MISSING && refetch(s, &where) == 0)
		return;
	struct http_req *req = s->req;
	if (rc == DAG_END)
		http_reply(req, s->code, NULL, s->whole);
	else
		error_reply(req, s->rpc, rc, &where, err);
	stream_free(s);
}

static void send_next(void *arg)
{
	struct stream *s = arg;
	cairn_cid where;
	char err[CAIRN_ERR_MAX];
	struct evbuffer *b = evbuffer_new();

	/* Queue about STREAM_BATCH bytes a round: the callback only comes once
	 * the socket has taken everything, so one block a round would leave
	 * the socket idle while the next block is read and hashed. */
	size_t batch = s->src->batch ? s->src->batch : STREAM_BATCH;
	int rc = b ? s->src->next(s->src, b, &where, err) : -1;
	while (rc == 0 && evbuffer_get_length(b) < batch)
		rc = s->src->next(s->src, b, &where, err);
	int can_refetch = s->peers && s->refetches < STREAM_REFETCH_MAX;
	if (rc == DAG_AGAIN && evbuffer_get_length(b) == 0) {
		park(s); /* nothing to send until the block comes */
	} else if ((rc == DAG_END || rc == DAG_AGAIN || (rc == DAG_MISSING && can_refetch)) &&
	           evbuffer_get_length(b) > 0) {
		/* send what was queued; the next round meets the end (or the
		 * block in flight, or the missing block: a source with peers
		 * resumes there) again */
		http_reply_chunk(s->req, b, send_next, s);
	} else if (rc == 0) {
		http_reply_chunk(s->req, b, send_next, s);
	} else if (rc == DAG_END) {
		struct http_req *req = s->req;
		stream_free(s);
		http_reply_end(req);
	} else if (rc == DAG_MISSING && refetch(s, &where) == 0) {
		/* the stream waits; refetched() goes on */
	} else {
		cut(s, rc > 0 ? &where : NULL, rc > 0 ? "missing or invalid" : err);
	}
	if (b)
		evbuffer_free(b);
}

static void pump(struct stream *s)
{
	if (s->whole)
		pump_whole(s);
	else
		send_next(s);
}

void http_stream(struct http_req *req, int code, stream_source *src, unsigned flags,
                 peers *peers, stream_loop *sl)
{
	int send_body = (flags & STREAM_BODY) != 0, rpc_errors = (flags & STREAM_RPC_ERRORS) != 0;
	struct evkeyvalq *h = http_req_out(req);
	char len[32];

	if (src->length >= 0) {
		snprintf(len, sizeof len, "%" PRId64, src->length);
		evhttp_add_header(h, "Content-Length", len);
	}
	int whole = !send_body || (src->length >= 0 && src->length <= STREAM_BUFFER_MAX);
	if (whole && (!send_body || !peers)) {
		/* the common short reply, with nothing to wait for */
		struct evbuffer *b = evbuffer_new();
		cairn_cid where;
		char err[CAIRN_ERR_MAX];
		int rc = send_body ? 0 : DAG_END;
		while (rc == 0)
			rc = src->next(src, b, &where, err);
		if (rc != DAG_END)
			error_reply(req, rpc_errors, rc, &where, err);
		else
			http_reply(req, code, NULL, b);
		evbuffer_free(b);
		src->close(src);
		return;
	}
	struct stream *s = calloc(1, sizeof *s);
	if (s && whole && !(s->whole = evbuffer_new())) {
		free(s);
		s = NULL;
	}
	if (!s) {
		src->close(src);
		error_reply(req, rpc_errors, -1, NULL, "out of memory");
		return;
	}
	s->req = req;
	s->src = src;
	s->code = code;
	s->rpc = rpc_errors;
	s->peers = peers;
	if (sl && src->wake_with) {
		s->loop = sl;
		src->wake_with(src, &sl->waker);
	}
	http_req_on_close(req, on_close, s);
	if (!whole)
		http_reply_start(req, code, NULL);
	pump(s);
}

dag_reader *http_open_file(struct http_req *req, blockstore *bs, const cairn_cid *cid,
                           int rpc_errors)
{
	cairn_cid where;
	char err[CAIRN_ERR_MAX] = "";
	dag_reader *r = malloc(sizeof *r);
	if (!r) {
		error_reply(req, rpc_errors, -1, cid, "out of memory");
		return NULL;
	}
	int rc = dag_reader_open(r, bs, cid, &where, err);
	dir_kind kind;
	cairn_cid at;
	char text[CAIRN_CID_TEXT_MAX];
	if (rc == DAG_NOT_FILE && dir_kind_of(bs, &where, &kind, &at, err) == 0 &&
	    (kind == KIND_DIR || kind == KIND_HAMT || kind == KIND_SYMLINK)) {
		/* say what it is, and what takes it */
		free(r);
		cairn_cid_to_string(&where, text, sizeof text, NULL);
		strip_body_headers(req);
		if (rpc_errors)
			http_reply_rpc_error(req, 400, "%s is a %s, not a file%s", text,
			                     kind == KIND_SYMLINK ? "symlink" : "directory",
			                     kind == KIND_SYMLINK ? "" : ": get saves it whole");
		else
			http_reply_text(req, 501, "%s is a %s, not a file", text,
			                kind == KIND_SYMLINK ? "symlink" : "directory");
		return NULL;
	}
	if (rc != 0) {
		free(r);
		error_reply(req, rpc_errors, rc, &where, err);
		return NULL;
	}
	return r;
}

/* pin/add|ls|rm. */
#include "kubo_util.h"

#include "cairn/error.h"
#include "gc.h"
#include "http_util.h"

#include <event2/buffer.h>
#include <sys/queue.h> /* TAILQ_*, which keyvalq_struct.h needs */
#include <event2/keyvalq_struct.h>
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <sys/socket.h>
#include "peers.h"
#include "dag.h"
#include "pinstore.h"

struct pin_ls {
	json_t *keys;
	char type; /* 0 = all */
};

static int add_pin_json(void *ctx, const pin *p)
{
	struct pin_ls *l = ctx;
	char text[CAIRN_CID_TEXT_MAX];
	if (l->type && l->type != p->type)
		return 0;
	cairn_cid_to_string(&p->cid, text, sizeof text, NULL);
	json_object_set_new(l->keys, text, json_pack("{s:s, s:s}", "Type",
	                    p->type == PIN_DIRECT ? "direct" : "recursive", "Name", p->name));
	return 0;
}

void kubo_pin_ls(struct http_req *req, node *n, struct evkeyvalq *q)
{
	struct pin_ls l = {json_object(), 0};
	const char *type = evhttp_find_header(q, "type");
	char err[CAIRN_ERR_MAX];
	if (type && strcmp(type, "all") != 0) {
		if (strcmp(type, "recursive") == 0)
			l.type = PIN_RECURSIVE;
		else if (strcmp(type, "direct") == 0)
			l.type = PIN_DIRECT;
		else {
			json_decref(l.keys);
			http_reply_rpc_error(req, 400, "invalid type '%.40s', must be one of "
			                     "{direct, recursive, all}", type);
			return;
		}
	}
	if (evhttp_find_header(q, "arg")) {
		cairn_cid cid;
		pin p;
		if (kubo_arg_cid(req, q, &cid) != 0) {
			json_decref(l.keys);
			return;
		}
		int rc = pinstore_get(&n->repo, &cid, &p, err);
		if (rc != 0) {
			json_decref(l.keys);
			if (rc > 0)
				http_reply_rpc_error(req, 404, "path '%s' is not pinned",
				                     evhttp_find_header(q, "arg"));
			else
				http_reply_rpc_error(req, node_store_status(req, n), "%s", err);
			return;
		}
		add_pin_json(&l, &p);
	} else if (pinstore_foreach(&n->repo, add_pin_json, &l, err) < 0) {
		json_decref(l.keys);
		http_reply_rpc_error(req, node_store_status(req, n), "%s", err);
		return;
	}
	kubo_reply(req, json_pack("{s:o}", "Keys", l.keys));
}

/* A pin/add, possibly waiting for peers to send what is missing. */
struct pin_job {
	struct http_req *req;
	node *n;
	cairn_cid cid;
	int recursive, fetched; /* fetched: the peers were asked */
	char name[PIN_NAME_MAX + 1];
	int progress;        /* progress=true: ndjson {"Progress": blocks} while fetching */
	int streaming;       /* the 200 and the progress lines have started */
	struct event *tick;  /* the next progress line */
	uint64_t start_blocks;
};

#define PIN_PROGRESS_MS 500

/* Blocks the blockstore took in since the job began (fetched ones are
 * cached: committed every few MiB, pending in between). */
static uint64_t pin_progress_blocks(const struct pin_job *j)
{
	const blockstore *bs = &j->n->repo.bs;
	uint64_t now = __atomic_load_n(&bs->added_blocks, __ATOMIC_RELAXED) +
	               __atomic_load_n(&bs->npending, __ATOMIC_RELAXED);
	return now > j->start_blocks ? now - j->start_blocks : 0;
}

/* One line of a streamed answer. A progress line may be lost to a
 * failed allocation (the next one says more); the final line cannot, and
 * pin_answer cuts the connection rather than end without it. 0 or -1. */
static int pin_line(struct pin_job *j, json_t *line)
{
	struct evbuffer *b = evbuffer_new();
	int rc = b ? kubo_add_line(b, line) : (json_decref(line), -1);
	if (rc == 0)
		http_reply_chunk(j->req, b, NULL, NULL);
	if (b)
		evbuffer_free(b);
	return rc;
}

static void pin_tick(evutil_socket_t fd, short what, void *arg)
{
	struct pin_job *j = arg;
	(void)fd;
	(void)what;
	pin_line(j, json_pack("{s:I}", "Progress", (json_int_t)pin_progress_blocks(j)));
}

/* Start the ndjson answer of a pin/add?progress=true that must fetch. */
static void pin_stream_start(struct pin_job *j)
{
	struct timeval every = {0, PIN_PROGRESS_MS * 1000};
	struct evkeyvalq *h = http_req_out(j->req);
	if (j->streaming || !j->progress)
		return;
	evhttp_add_header(h, "Content-Type", "application/json");
	evhttp_add_header(h, "X-Chunked-Output", "1");
	http_reply_start(j->req, 200, "OK");
	j->streaming = 1;
	pin_line(j, json_pack("{s:I}", "Progress", (json_int_t)0));
	if ((j->tick = event_new(j->n->base, -1, EV_PERSIST, pin_tick, j)))
		event_add(j->tick, &every);
}

static void pin_job_free(struct pin_job *j)
{
	if (j->tick)
		event_free(j->tick);
	free(j);
}

/* The answer: {"Pins": [cid]}, or an error (after a streamed start, as a
 * last ndjson line {"Message", "Code": 0, "Type": "error"}). */
static void pin_answer(struct pin_job *j, int code, const char *fmt, ...)
{
	char msg[1200], text[CAIRN_CID_TEXT_MAX];
	va_list ap;
	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(msg, sizeof msg, fmt, ap);
		va_end(ap);
	}
	cairn_cid_to_string(&j->cid, text, sizeof text, NULL);
	if (!j->streaming) {
		if (fmt)
			http_reply_rpc_error(j->req, code, "%s", msg);
		else
			kubo_reply(j->req, json_pack("{s:[s]}", "Pins", text));
		return;
	}
	int rc = fmt ? pin_line(j, json_pack("{s:s, s:i, s:s}", "Message", msg, "Code", 0, "Type", "error"))
	             : pin_line(j, json_pack("{s:I, s:[s]}", "Progress", (json_int_t)pin_progress_blocks(j),
	                                     "Pins", text));
	/* without its last line the answer says nothing: end it unterminated,
	 * so the client sees a failure, not an empty success */
	if (rc != 0)
		http_req_cut(j->req);
	else
		http_reply_end(j->req);
}

static void pin_add_run(struct pin_job *j);

static void pin_fetched(void *ctx, int outcome, const char *msg)
{
	struct pin_job *j = ctx;
	char text[CAIRN_CID_TEXT_MAX];
	if (outcome == FETCH_OK) {
		pin_add_run(j); /* walks again: pins, or says what is still missing */
		return;
	}
	if (outcome != FETCH_CANCELLED) {
		cairn_cid_to_string(&j->cid, text, sizeof text, NULL);
		pin_answer(j, outcome == FETCH_TIMEOUT ? 504 : 502,
		           "could not get the DAG of %s from peers: %.900s", text, msg);
	}
	pin_job_free(j);
}

/* The first time, complete the DAG from the peers (peers_complete); then
 * walk it, pin, and answer. Frees j once answered. */
static void pin_add_run(struct pin_job *j)
{
	cairn_cid where;
	char err[CAIRN_ERR_MAX], wtext[CAIRN_CID_TEXT_MAX];
	node *n = j->n;
	if (!j->fetched && n->peers) {
		j->fetched = 1;
		int rc = peers_complete(n->peers, j->req, &j->cid, "",
		                        j->recursive ? FETCH_SCOPE_ALL : FETCH_SCOPE_BLOCK,
		                        j->recursive ? PEERS_NEED_DAG : PEERS_NEED_BLOCK, pin_fetched, j);
		if (rc == 1) {
			pin_stream_start(j); /* progress while the blocks arrive */
			return;
		}
	}
	/* with a GC grace window (a cluster), a pin of blocks stored long ago
	 * marks them first: a GC on another node keeps them from then on */
	int w = gc_grace_seconds(&n->repo) > 0
	        ? dag_touch(&n->repo.bs, &j->cid, j->recursive ? DAG_RECURSIVE : 0, &where, err)
	        : dag_find_missing(&n->repo.bs, &j->cid, j->recursive ? DAG_RECURSIVE : 0, &where, err);
	if (w != 0) {
		if (w > 0)
			cairn_cid_to_string(&where, wtext, sizeof wtext, NULL);
		if (w == DAG_MISSING)
			pin_answer(j, 404, "block %s is not in this node%s", wtext, n->peers ? " nor with its peers" : "");
		else if (w > 0)
			pin_answer(j, 400, "block %s does not decode", wtext);
		else
			pin_answer(j, node_store_status(j->req, n), "%s", err);
		goto done;
	}
	pin p = {.cid = j->cid, .type = j->recursive ? PIN_RECURSIVE : PIN_DIRECT};
	snprintf(p.name, sizeof p.name, "%s", j->name);
	if (pinstore_put(&n->repo, &p, err) != 0) {
		pin_answer(j, node_store_status(j->req, n), "%s", err);
		goto done;
	}
	pin_answer(j, 200, NULL);
done:
	pin_job_free(j);
}

void kubo_pin_add(struct http_req *req, node *n, struct evkeyvalq *q)
{
	cairn_cid cid;
	int recursive = kubo_flag(q, "recursive", 1);
	if (kubo_arg_cid(req, q, &cid) != 0)
		return;
	if (recursive < 0) {
		http_reply_rpc_error(req, 400, "recursive must be true or false");
		return;
	}
	struct pin_job *j = calloc(1, sizeof *j);
	if (!j) {
		http_reply_rpc_error(req, 500, "out of memory");
		return;
	}
	const char *name = evhttp_find_header(q, "name");
	int progress = kubo_flag(q, "progress", 0);
	if (progress < 0) {
		free(j);
		http_reply_rpc_error(req, 400, "progress must be true or false");
		return;
	}
	*j = (struct pin_job){.req = req, .n = n, .cid = cid, .recursive = recursive, .progress = progress,
	                      .start_blocks = __atomic_load_n(&n->repo.bs.added_blocks, __ATOMIC_RELAXED) +
	                                      __atomic_load_n(&n->repo.bs.npending, __ATOMIC_RELAXED)};
	snprintf(j->name, sizeof j->name, "%s", name ? name : "");
	pin_add_run(j);
}

void kubo_pin_rm(struct http_req *req, node *n, struct evkeyvalq *q)
{
	cairn_cid cid;
	char err[CAIRN_ERR_MAX], text[CAIRN_CID_TEXT_MAX];
	if (kubo_arg_cid(req, q, &cid) != 0)
		return;
	int rc = pinstore_del(&n->repo, &cid, err);
	cairn_cid_to_string(&cid, text, sizeof text, NULL);
	if (rc > 0) {
		http_reply_rpc_error(req, 404, "%s is not pinned", text);
		return;
	}
	if (rc < 0) {
		http_reply_rpc_error(req, node_store_status(req, n), "%s", err);
		return;
	}
	kubo_reply(req, json_pack("{s:[s]}", "Pins", text));
}


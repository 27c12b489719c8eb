/* repo/stat|gc|verify. */
#include "kubo_util.h"
#include "log.h"

#include "cairn/error.h"
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

#include "gc.h"
#include "pinstore.h"
#include "stream.h"
#include "verify.h"

void kubo_repo_stat(struct http_req *req, node *n, struct evkeyvalq *q)
{
	uint64_t blocks, bytes, pins;
	char err[CAIRN_ERR_MAX];
	(void)q;
	if (pinstore_count(&n->repo, &pins, err) != 0) {
		http_reply_rpc_error(req, node_store_status(req, n), "%s", err);
		return;
	}
	node_totals(n, &blocks, &bytes);
	kubo_reply(req, json_pack("{s:I, s:I, s:I, s:s, s:s}", "NumObjects", (json_int_t)blocks,
	                              "RepoSize", (json_int_t)bytes, "NumPins", (json_int_t)pins,
	                              "RepoPath", n->repo.path, "Version", "cairn-repo@" REPO_VERSION));
}

static void gc_line(void *ctx, const cairn_multihash *mh)
{
	cairn_cid cid = {.version = 1, .codec = CAIRN_CODEC_RAW, .mh = *mh};
	char text[CAIRN_CID_TEXT_MAX];
	cairn_cid_to_string(&cid, text, sizeof text, NULL);
	evbuffer_add_printf(ctx, "{\"Key\":{\"/\":\"%s\"}}\n", text);
}

/* The event loop is the only writer, so GC here cannot race an add. */
void kubo_repo_gc(struct http_req *req, node *n, struct evkeyvalq *q)
{
	gc_result res;
	char err[CAIRN_ERR_MAX];
	struct evbuffer *b = evbuffer_new();
	(void)q;
	if (repo_gc(&n->repo, gc_line, NULL, b, &res, err) != 0) {
		int busy = errno == EBUSY; /* another node of the cluster collects */
		evbuffer_free(b);
		http_reply_rpc_error(req, busy ? 409 : node_store_status(req, n), "%s", err);
		return;
	}
	kubo_reply_lines(req, b);
	evbuffer_free(b);
}

/*
 * repo/verify streams ndjson while it works, one step (about
 * VERIFY_STEP_BYTES of blocks) per event-loop turn, so requests keep being
 * served meanwhile:
 *   {"Msg": "block <CID>: <why>"}         a damaged block
 *   {"Progress": <blocks verified>}       after each step
 *   {"Msg": "verify complete, …", "Verified": n, "Damaged": n}   last
 */
struct verify_source {
	stream_source base;
	verify_run run;
	struct evbuffer *out; /* the current round's output */
	int done;
	int failed;           /* a damaged block's line could not be written */
};

static void verify_bad(void *ctx, const cairn_cid *cid, const char *why)
{
	struct verify_source *v = ctx;
	char text[CAIRN_CID_TEXT_MAX];
	cairn_cid_to_string(cid, text, sizeof text, NULL);
	if (kubo_add_line(v->out, json_pack("{s:s+++}", "Msg", "block ", text, ": ", why)) != 0)
		v->failed = 1; /* verify_next ends the body short: never a report that hides a block */
	log_error("repo verify: block %s: %s", text, why);
}

static int verify_next(stream_source *s, struct evbuffer *out, cairn_cid *where, char *err)
{
	struct verify_source *v = (struct verify_source *)s;
	(void)where;
	if (v->done)
		return DAG_END;
	v->out = out;
	int rc = verify_step(&v->run, VERIFY_STEP_BYTES, err);
	if (rc >= 0 && v->failed) {
		snprintf(err, CAIRN_ERR_MAX, "out of memory reporting a damaged block");
		rc = -1;
	}
	if (rc < 0)
		return -1;
	if (rc == 1) {
		evbuffer_add_printf(out, "{\"Progress\":%llu}\n", (unsigned long long)(v->run.ok + v->run.bad));
		return 0;
	}
	v->done = 1;
	evbuffer_add_printf(out, "{\"Msg\":\"verify complete, %s\",\"Verified\":%llu,\"Damaged\":%llu}\n",
	                    v->run.bad ? "some blocks were corrupt." : "all blocks validated.",
	                    (unsigned long long)(v->run.ok + v->run.bad), (unsigned long long)v->run.bad);
	return 0;
}

static void verify_close(stream_source *s)
{
	struct verify_source *v = (struct verify_source *)s;
	verify_end(&v->run);
	free(v);
}

void kubo_repo_verify(struct http_req *req, node *n, struct evkeyvalq *q)
{
	(void)q;
	struct verify_source *v = calloc(1, sizeof *v);
	if (!v) {
		http_reply_rpc_error(req, 500, "out of memory");
		return;
	}
	v->base.next = verify_next;
	v->base.close = verify_close;
	v->base.length = -1;
	v->base.batch = 1;
	verify_start(&v->run, &n->repo.bs, verify_bad, v);
	evhttp_add_header(http_req_out(req), "Content-Type", "application/json");
	evhttp_add_header(http_req_out(req), "X-Chunked-Output", "1");
	http_stream(req, 200, &v->base, STREAM_BODY | STREAM_RPC_ERRORS, NULL, NULL);
}


/*
 * pin/verify, as Kubo's: every block of every pin read and checked, one
 * pin per event-loop turn (the pins listed first), ndjson
 *   {"Cid": CID, "Ok": bool, "BadNodes": [{"Cid", "Err"}]}
 * for each broken pin (verbose=true: each pin).
 */
struct pin_verify_source {
	stream_source base;
	blockstore *bs;
	pin *pins;
	size_t n, cap, next;
	int verbose;
	json_t *bad;          /* the current pin's bad nodes */
};

static int collect_pin(void *ctx, const pin *p)
{
	struct pin_verify_source *v = ctx;
	if (v->n == v->cap) {
		size_t cap = v->cap ? 2 * v->cap : 64;
		pin *np = realloc(v->pins, cap * sizeof *np);
		if (!np)
			return -1;
		v->pins = np;
		v->cap = cap;
	}
	v->pins[v->n++] = *p;
	return 0;
}

static void pin_bad_node(void *ctx, const cairn_cid *cid, const char *why)
{
	struct pin_verify_source *v = ctx;
	char text[CAIRN_CID_TEXT_MAX];
	cairn_cid_to_string(cid, text, sizeof text, NULL);
	json_array_append_new(v->bad, json_pack("{s:s, s:s}", "Cid", text, "Err", why));
}

static int pin_verify_next(stream_source *s, struct evbuffer *out, cairn_cid *where, char *err)
{
	struct pin_verify_source *v = (struct pin_verify_source *)s;
	uint64_t blocks, damaged;
	char text[CAIRN_CID_TEXT_MAX];
	(void)where;
	if (v->next == v->n)
		return DAG_END;
	const pin *p = &v->pins[v->next++];
	if (!(v->bad = json_array())) {
		snprintf(err, CAIRN_ERR_MAX, "out of memory");
		return -1;
	}
	int rc = dag_check(v->bs, &p->cid, p->type == PIN_RECURSIVE, pin_bad_node, v, &blocks, &damaged, err);
	if (rc == 0 && (damaged || v->verbose)) {
		cairn_cid_to_string(&p->cid, text, sizeof text, NULL);
		rc = kubo_add_line(out, json_pack("{s:s, s:b, s:O}", "Cid", text, "Ok", !damaged, "BadNodes", v->bad));
		if (rc != 0)
			snprintf(err, CAIRN_ERR_MAX, "out of memory");
	}
	json_decref(v->bad);
	v->bad = NULL;
	return rc < 0 ? -1 : 0;
}

static void pin_verify_close(stream_source *s)
{
	struct pin_verify_source *v = (struct pin_verify_source *)s;
	free(v->pins);
	free(v);
}

void kubo_pin_verify(struct http_req *req, node *n, struct evkeyvalq *q)
{
	char err[CAIRN_ERR_MAX] = "";
	int verbose = kubo_flag(q, "verbose", 0);
	struct pin_verify_source *v = verbose < 0 ? NULL : calloc(1, sizeof *v);
	if (verbose < 0) {
		http_reply_rpc_error(req, 400, "verbose is a boolean");
		return;
	}
	if (!v || pinstore_foreach(&n->repo, collect_pin, v, err) != 0) {
		http_reply_rpc_error(req, 500, "%s", v ? (err[0] ? err : "out of memory") : "out of memory");
		if (v)
			pin_verify_close(&v->base);
		return;
	}
	v->base.next = pin_verify_next;
	v->base.close = pin_verify_close;
	v->base.length = -1;
	v->base.batch = 1;
	v->bs = &n->repo.bs;
	v->verbose = verbose;
	evhttp_add_header(http_req_out(req), "Content-Type", "application/json");
	evhttp_add_header(http_req_out(req), "X-Chunked-Output", "1");
	http_stream(req, 200, &v->base, STREAM_BODY | STREAM_RPC_ERRORS, NULL, NULL);
}

/*
 * The anchoring log over the Kubo-style RPC API (POST, arguments in the
 * query string, JSON answers, RPC errors):
 *
 *   anchor/add?arg=CID...        append CIDs to the log (idempotent):
 *                                ndjson {"Cid", "Index"} per CID
 *   anchor/flush                 a signed checkpoint of the log as it is now
 *   anchor/proof?arg=CID[&size=N]  the proof of the CID against the newest
 *                                checkpoint (or the one of size N)
 *   anchor/checkpoints           every checkpoint, oldest first (ndjson)
 *   anchor/consistency?old=N&new=M  RFC 9162 consistency proof
 *
 * Hashes are lower-case hex. Putting checkpoints on a chain comes with
 * the chain client; until then a proof has no chain fields.
 */
#include "anchor_api.h"

#include "anchorer.h"
#include "anchorlog.h"
#include "checkpoint.h"
#include "error.h"
#include "http_util.h"

#include <event2/buffer.h>
#include <sys/queue.h> /* TAILQ_*, which keyvalq_struct.h needs */
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* At most this many CIDs in one anchor/add. */
#define ANCHOR_ADD_MAX 10000

static void hex(const uint8_t *h, size_t n, char *out)
{
	static const char d[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = d[h[i] >> 4];
		out[2 * i + 1] = d[h[i] & 15];
	}
	out[2 * n] = '\0';
}

static void reply(struct evhttp_request *req, json_t *j)
{
	char *t = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (!t) {
		http_reply_rpc_error(req, 500, "out of memory");
		return;
	}
	http_reply_json(req, 200, t);
}

static void reply_lines(struct evhttp_request *req, struct evbuffer *b)
{
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", "application/json");
	evhttp_add_header(evhttp_request_get_output_headers(req), "X-Chunked-Output", "1");
	evhttp_send_reply(req, 200, "OK", b);
}

static void add_line(struct evbuffer *b, json_t *j)
{
	char *t = j ? json_dumps(j, JSON_COMPACT) : NULL;
	if (t)
		evbuffer_add_printf(b, "%s\n", t);
	free(t);
	json_decref(j);
}

static json_t *checkpoint_json(const checkpoint *cp)
{
	char root[65], when[32];
	struct tm tm;
	time_t t = (time_t)cp->time;
	hex(cp->root, 32, root);
	gmtime_r(&t, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_pack("{s:I, s:s, s:s, s:s}", "size", (json_int_t)cp->size, "root", root, "time",
	                 when, "checkpoint", cp->note);
}

/* A non-negative integer query value, or an RPC error (then -1). */
static int arg_u64(struct evhttp_request *req, struct evkeyvalq *q, const char *name, int required,
                   uint64_t *out)
{
	const char *v = evhttp_find_header(q, name);
	char *end;
	if (!v) {
		if (required)
			http_reply_rpc_error(req, 400, "argument \"%s\" is required", name);
		return required ? -1 : 1;
	}
	unsigned long long x = strtoull(v, &end, 10);
	if (!*v || *end || v[0] == '-') {
		http_reply_rpc_error(req, 400, "%s must be a non-negative integer, not '%.40s'", name, v);
		return -1;
	}
	*out = x;
	return 0;
}

void anchor_api_add(struct evhttp_request *req, node *n, struct evkeyvalq *q)
{
	struct evkeyval *kv;
	size_t count = 0, added = 0;
	char err[REPO_ERR_MAX];
	TAILQ_FOREACH(kv, q, next)
		count += strcmp(kv->key, "arg") == 0;
	if (count == 0) {
		http_reply_rpc_error(req, 400, "argument \"cid\" is required");
		return;
	}
	if (count > ANCHOR_ADD_MAX) {
		http_reply_rpc_error(req, 400, "at most %d CIDs at a time", ANCHOR_ADD_MAX);
		return;
	}
	cairn_cid *cids = malloc(count * sizeof *cids);
	uint64_t *idx = malloc(count * sizeof *idx);
	struct evbuffer *b = evbuffer_new();
	size_t i = 0;
	if (!cids || !idx || !b) {
		http_reply_rpc_error(req, 500, "out of memory");
		goto done;
	}
	TAILQ_FOREACH(kv, q, next) {
		if (strcmp(kv->key, "arg") != 0)
			continue;
		const char *a = strncmp(kv->value, "/ipfs/", 6) == 0 ? kv->value + 6 : kv->value;
		int rc = cairn_cid_parse(a, strlen(a), &cids[i]);
		if (rc != 0) {
			http_reply_rpc_error(req, 400, "invalid CID '%.200s': %s", a, cairn_strerror(rc));
			goto done;
		}
		i++;
	}
	/* all or nothing: one transaction */
	if (anchorlog_append(&n->repo, cids, count, idx, &added, err) != 0) {
		http_reply_rpc_error(req, 500, "%s", err);
		goto done;
	}
	for (i = 0; i < count; i++) {
		char text[CAIRN_CID_TEXT_MAX];
		cairn_cid_to_string(&cids[i], text, sizeof text, NULL);
		add_line(b, json_pack("{s:s, s:I}", "Cid", text, "Index", (json_int_t)idx[i]));
	}
	reply_lines(req, b);
done:
	if (b)
		evbuffer_free(b);
	free(cids);
	free(idx);
}

void anchor_api_flush(struct evhttp_request *req, node *n, struct evkeyvalq *q)
{
	if (n->anchor) { /* answered once the checkpoint is confirmed on chain */
		(void)q;
		anchorer_flush(n->anchor, req);
		return;
	}
	checkpoint *cp = malloc(sizeof *cp);
	char err[REPO_ERR_MAX];
	int fresh;
	(void)q;
	if (!cp) {
		http_reply_rpc_error(req, 500, "out of memory");
		return;
	}
	if (checkpoint_make(&n->repo, cp, &fresh, err) != 0) {
		http_reply_rpc_error(req, 500, "%s", err);
	} else {
		json_t *j = checkpoint_json(cp);
		json_object_set_new(j, "new", json_boolean(fresh));
		reply(req, j);
	}
	free(cp);
}

struct newest {
	repo *r;
	uint64_t index;
	checkpoint *best;
	int anchored, found;
};

static int consider(void *ctx, const checkpoint *cp)
{
	struct newest *w = ctx;
	if (cp->size <= w->index)
		return 0;
	json_t *rec = anchor_record(w->r, cp->size);
	int anchored = rec != NULL;
	json_decref(rec);
	/* an anchored checkpoint beats any unanchored one; newer beats older */
	if (!w->found || anchored || !w->anchored) {
		if (anchored || !w->anchored) {
			*w->best = *cp;
			w->anchored = anchored;
			w->found = 1;
		}
	}
	return 0;
}

/* The checkpoint a proof of leaf index is best made against: the newest
 * anchored one that covers it, else the newest. 0, 1 (none), -1. */
static int newest_anchored(node *n, uint64_t index, checkpoint *cp, char *err)
{
	struct newest w = {&n->repo, index, cp, 0, 0};
	int rc = checkpoint_foreach(&n->repo, consider, &w, err);
	if (rc < 0)
		return -1;
	if (!w.found)
		return checkpoint_latest(&n->repo, cp, err);
	return 0;
}

void anchor_api_proof(struct evhttp_request *req, node *n, struct evkeyvalq *q)
{
	const char *arg = evhttp_find_header(q, "arg");
	char err[REPO_ERR_MAX], text[CAIRN_CID_TEXT_MAX];
	cairn_cid cid;
	uint64_t index, size;
	checkpoint *cp = NULL;
	if (!arg) {
		http_reply_rpc_error(req, 400, "argument \"cid\" is required");
		return;
	}
	if (strncmp(arg, "/ipfs/", 6) == 0)
		arg += 6;
	int rc = cairn_cid_parse(arg, strlen(arg), &cid);
	if (rc != 0) {
		http_reply_rpc_error(req, 400, "invalid CID '%.200s': %s", arg, cairn_strerror(rc));
		return;
	}
	int has_size = arg_u64(req, q, "size", 0, &size);
	if (has_size < 0)
		return;
	cairn_cid_to_string(&cid, text, sizeof text, NULL);
	rc = anchorlog_find(&n->repo, &cid, &index, err);
	if (rc != 0) {
		if (rc > 0)
			http_reply_rpc_error(req, 404, "%s is not in the anchoring log (anchor/add it)", text);
		else
			http_reply_rpc_error(req, 500, "%s", err);
		return;
	}
	cp = malloc(sizeof *cp);
	if (!cp) {
		http_reply_rpc_error(req, 500, "out of memory");
		return;
	}
	rc = has_size == 0 ? checkpoint_get(&n->repo, size, cp, err) : newest_anchored(n, index, cp, err);
	if (rc < 0) {
		http_reply_rpc_error(req, 500, "%s", err);
		goto done;
	}
	if (rc > 0 || index >= cp->size) {
		if (has_size == 0 && rc > 0)
			http_reply_rpc_error(req, 404, "no checkpoint of size %llu", (unsigned long long)size);
		else
			http_reply_rpc_error(req, 409, "%s (leaf %llu) is in no checkpoint yet: anchor/flush makes "
			                     "one", text, (unsigned long long)index);
		goto done;
	}
	uint8_t path[CAIRN_MERKLE_MAX_PATH][32];
	size_t np;
	if (anchorlog_inclusion(&n->repo, index, cp->size, path, &np, err) != 0) {
		http_reply_rpc_error(req, 500, "%s", err);
		goto done;
	}
	json_t *j = checkpoint_json(cp), *pa = json_array();
	for (size_t i = 0; i < np; i++) {
		char h[65];
		hex(path[i], 32, h);
		json_array_append_new(pa, json_string(h));
	}
	json_t *rec = anchor_record(&n->repo, cp->size);
	if (rec) /* chain, tx, block, block_hash, time: where the root is on chain */
		json_object_update(j, rec);
	json_decref(rec);
	json_object_set_new(j, "cid", json_string(text));
	json_object_set_new(j, "index", json_integer((json_int_t)index));
	json_object_set_new(j, "path", pa);
	if (!json_object_get(j, "tx"))
		json_object_del(j, "time"); /* unanchored: no chain time to give */
	reply(req, j);
done:
	free(cp);
}

static int list_one(void *ctx, const checkpoint *cp)
{
	add_line(ctx, checkpoint_json(cp));
	return 0;
}

void anchor_api_checkpoints(struct evhttp_request *req, node *n, struct evkeyvalq *q)
{
	char err[REPO_ERR_MAX];
	struct evbuffer *b = evbuffer_new();
	(void)q;
	if (!b || checkpoint_foreach(&n->repo, list_one, b, err) < 0) {
		http_reply_rpc_error(req, 500, "%s", b ? err : "out of memory");
	} else {
		reply_lines(req, b);
	}
	if (b)
		evbuffer_free(b);
}

void anchor_api_consistency(struct evhttp_request *req, node *n, struct evkeyvalq *q)
{
	uint64_t oldn, newn, size;
	char err[REPO_ERR_MAX];
	if (arg_u64(req, q, "old", 1, &oldn) != 0 || arg_u64(req, q, "new", 1, &newn) != 0)
		return;
	if (anchorlog_size(&n->repo, &size, err) != 0) {
		http_reply_rpc_error(req, 500, "%s", err);
		return;
	}
	if (oldn == 0 || oldn > newn || newn > size) {
		http_reply_rpc_error(req, 400, "need 0 < old <= new <= %llu (the log's size)",
		                     (unsigned long long)size);
		return;
	}
	uint8_t path[CAIRN_MERKLE_MAX_PATH][32], r1[32], r2[32];
	size_t np;
	if (anchorlog_consistency(&n->repo, oldn, newn, path, &np, err) != 0 ||
	    anchorlog_root(&n->repo, oldn, r1, err) != 0 || anchorlog_root(&n->repo, newn, r2, err) != 0) {
		http_reply_rpc_error(req, 500, "%s", err);
		return;
	}
	char h1[65], h2[65];
	hex(r1, 32, h1);
	hex(r2, 32, h2);
	json_t *pa = json_array();
	for (size_t i = 0; i < np; i++) {
		char h[65];
		hex(path[i], 32, h);
		json_array_append_new(pa, json_string(h));
	}
	reply(req, json_pack("{s:I, s:I, s:s, s:s, s:o}", "old", (json_int_t)oldn, "new",
	                     (json_int_t)newn, "old_root", h1, "new_root", h2, "path", pa));
}

/*
 * The anchoring log over the Kubo-style RPC API (POST, arguments in the
 * query string, JSON answers, RPC errors):
 *
 *   anchor/add?arg=CID...        append CIDs to the log (idempotent):
 *                                ndjson {"Cid", "Index"} per CID
 *   anchor/flush                 a signed checkpoint of the log as it is now
 *   anchor/proof?arg=CID[&size=N][&format=json|tlog-proof]  the proof of the
 *                                CID against the newest checkpoint (or the
 *                                one of size N): JSON, or a C2SP tlog-proof
 *                                bundle (text/plain; proof_bundle.h)
 *   anchor/checkpoints           every checkpoint, oldest first, with its anchor
 *                                if it has one (ndjson)
 *   anchor/consistency?old=N&new=M  RFC 9162 consistency proof
 *   anchor/key                   {"origin", "vkey"}: the log's name and the
 *                                verifier key its checkpoints are signed with
 *
 * Hashes are lower-case hex. Putting checkpoints on a chain comes with
 * the chain client; until then a proof has no chain fields.
 */
#include "anchor_api.h"
#include "kubo_util.h"
#include "cairn/multibase.h"

#include "anchorer.h"
#include "anchors.h"
#include "anchorlog.h"
#include "checkpoint.h"
#include "proof.h"
#include "proof_bundle.h"
#include "cairn/error.h"
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

/* A non-negative integer query value, or an RPC error (then -1). */
static int arg_u64(struct http_req *req, struct evkeyvalq *q, const char *name, int required,
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

/* The next CID of the body (one per line, blank lines skipped): 1 with
 * *text and *len set, 0 at the end. */
static int body_line(const char **p, const char *end, const char **text, size_t *len)
{
	while (*p < end) {
		const char *nl = memchr(*p, '\n', (size_t)(end - *p));
		const char *e = nl ? nl : end;
		const char *s = *p;
		*p = nl ? nl + 1 : end;
		while (e > s && (e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
			e--;
		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		if (e > s) {
			*text = s;
			*len = (size_t)(e - s);
			return 1;
		}
	}
	return 0;
}

void anchor_api_add(struct http_req *req, node *n, struct evkeyvalq *q)
{
	struct evkeyval *kv;
	size_t count = 0, added = 0, len;
	char err[CAIRN_ERR_MAX];
	struct evbuffer *in = http_req_body(req);
	size_t body_len = evbuffer_get_length(in);
	const char *body = body_len ? (const char *)evbuffer_pullup(in, -1) : NULL, *p, *text;
	TAILQ_FOREACH(kv, q, next)
		count += strcmp(kv->key, "arg") == 0;
	for (p = body; body && body_line(&p, body + body_len, &text, &len);)
		count++;
	if (count == 0) {
		http_reply_rpc_error(req, 400, "argument \"cid\" is required (arg=CID, or one per line in the body)");
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
	for (p = body; body && body_line(&p, body + body_len, &text, &len); i++) {
		if (len > 6 && strncmp(text, "/ipfs/", 6) == 0)
			text += 6, len -= 6;
		int rc = cairn_cid_parse(text, len, &cids[i]);
		if (rc != 0) {
			http_reply_rpc_error(req, 400, "invalid CID '%.*s' (line %zu of the body): %s",
			                     (int)(len > 200 ? 200 : len), text, i + 1, cairn_strerror(rc));
			goto done;
		}
	}
	/* all or nothing: one transaction */
	if (anchorlog_append(&n->repo, cids, count, idx, &added, err) != 0) {
		http_reply_rpc_error(req, node_store_status(req, n), "%s", err);
		goto done;
	}
	for (i = 0; i < count; i++) {
		char ctext[CAIRN_CID_TEXT_MAX];
		cairn_cid_to_string(&cids[i], ctext, sizeof ctext, NULL);
		if (kubo_add_line(b, json_pack("{s:s, s:I}", "Cid", ctext, "Index", (json_int_t)idx[i])) != 0) {
			http_reply_rpc_error(req, 500, "out of memory writing the indexes (the CIDs were "
			                     "appended: anchor/add them again to read their indexes)");
			goto done;
		}
	}
	kubo_reply_lines(req, b);
done:
	if (b)
		evbuffer_free(b);
	free(cids);
	free(idx);
}

void anchor_api_flush(struct http_req *req, node *n, struct evkeyvalq *q)
{
	if (n->anchor) { /* answered once the checkpoint is confirmed on chain */
		int progress = 0;
		const char *pv = evhttp_find_header(q, "progress");
		if (pv && http_parse_bool(pv, &progress) != 0) {
			http_reply_rpc_error(req, 400, "progress: a boolean, not '%.40s'", pv);
			return;
		}
		anchorer_flush(n->anchor, req, progress);
		return;
	}
	checkpoint *cp = malloc(sizeof *cp);
	char err[CAIRN_ERR_MAX];
	int fresh;
	(void)q;
	if (!cp) {
		http_reply_rpc_error(req, 500, "out of memory");
		return;
	}
	if (checkpoint_make(&n->repo, cp, &fresh, err) != 0) {
		http_reply_rpc_error(req, node_store_status(req, n), "%s", err);
	} else {
		json_t *j = proof_checkpoint_json(cp);
		json_object_set_new(j, "new", json_boolean(fresh));
		kubo_reply(req, j);
	}
	free(cp);
}

void anchor_api_proof(struct http_req *req, node *n, struct evkeyvalq *q)
{
	const char *arg = evhttp_find_header(q, "arg");
	char msg[CAIRN_ERR_MAX];
	cairn_cid cid;
	uint64_t size = 0;
	json_t *j;
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
	const char *format = evhttp_find_header(q, "format");
	int bundle = format && strcmp(format, "tlog-proof") == 0;
	if (format && !bundle && strcmp(format, "json") != 0) {
		http_reply_rpc_error(req, 400, "format: json or tlog-proof, not '%.40s'", format);
		return;
	}
	rc = proof_build(&n->repo, &cid, has_size == 0, size, &j, msg);
	if (rc == 0 && bundle) {
		char *text = proof_bundle_text(j, msg, sizeof msg);
		struct evbuffer *b = text ? evbuffer_new() : NULL;
		json_decref(j);
		if (!b) {
			free(text);
			http_reply_rpc_error(req, 500, "%s", text ? "out of memory" : msg);
			return;
		}
		evbuffer_add(b, text, strlen(text));
		free(text);
		evhttp_add_header(http_req_out(req), "Content-Type", "text/plain; charset=utf-8");
		http_reply(req, 200, "OK", b);
		evbuffer_free(b);
	} else if (rc == 0)
		kubo_reply(req, j);
	else
		http_reply_rpc_error(req, rc == PROOF_NOT_LOGGED || rc == PROOF_NO_CHECKPOINT ? 404
		                          : rc == PROOF_PENDING ? 409 : 500, "%s", msg);
}

struct list_ctx {
	repo *r;
	struct evbuffer *b;
	char *err;
};

static int list_one(void *ctx, const checkpoint *cp)
{
	struct list_ctx *l = ctx;
	json_t *j;
	if (proof_checkpoint_anchored(l->r, cp, &j, l->err) != 0)
		return -1;
	if (kubo_add_line(l->b, j) != 0) {
		snprintf(l->err, CAIRN_ERR_MAX, "out of memory");
		return -1;
	}
	return 0;
}

void anchor_api_checkpoints(struct http_req *req, node *n, struct evkeyvalq *q)
{
	char err[CAIRN_ERR_MAX];
	struct evbuffer *b = evbuffer_new();
	(void)q;
	struct list_ctx l = {&n->repo, b, err};
	if (!b || checkpoint_foreach(&n->repo, list_one, &l, err) < 0) {
		http_reply_rpc_error(req, 500, "%s", b ? err : "out of memory");
	} else {
		kubo_reply_lines(req, b);
	}
	if (b)
		evbuffer_free(b);
}

void anchor_api_consistency(struct http_req *req, node *n, struct evkeyvalq *q)
{
	uint64_t oldn, newn, size;
	char err[CAIRN_ERR_MAX];
	if (arg_u64(req, q, "old", 1, &oldn) != 0 || arg_u64(req, q, "new", 1, &newn) != 0)
		return;
	if (anchorlog_size(&n->repo, &size, err) != 0) {
		http_reply_rpc_error(req, node_store_status(req, n), "%s", err);
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
		http_reply_rpc_error(req, node_store_status(req, n), "%s", err);
		return;
	}
	char h1[65], h2[65];
	cairn_base_encode(CAIRN_BASE16, r1, 32, h1, sizeof h1, NULL);
	cairn_base_encode(CAIRN_BASE16, r2, 32, h2, sizeof h2, NULL);
	json_t *pa = json_array();
	for (size_t i = 0; i < np; i++) {
		char h[65];
		cairn_base_encode(CAIRN_BASE16, path[i], 32, h, sizeof h, NULL);
		json_array_append_new(pa, json_string(h));
	}
	kubo_reply(req, json_pack("{s:I, s:I, s:s, s:s, s:o}", "old", (json_int_t)oldn, "new",
	                     (json_int_t)newn, "old_root", h1, "new_root", h2, "path", pa));
}

void anchor_api_key(struct http_req *req, node *n, struct evkeyvalq *q)
{
	char origin[160], vkey[CHECKPOINT_VKEY_MAX], err[CAIRN_ERR_MAX];
	(void)q;
	if (checkpoint_vkey(&n->repo, vkey, err) != 0) {
		http_reply_rpc_error(req, 500, "%s", err);
		return;
	}
	checkpoint_origin(&n->repo, origin, sizeof origin);
	kubo_reply(req, json_pack("{s:s, s:s}", "origin", origin, "vkey", vkey));
}

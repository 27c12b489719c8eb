/* What the Kubo RPC endpoints share: arguments, replies, waiting for peers. */
#include "kubo_util.h"

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

#include "dir.h"
#include "http_util.h"
#include "peers.h"

void kubo_reply_lines(struct http_req *req, struct evbuffer *b)
{
	evhttp_add_header(http_req_out(req), "Content-Type", "application/json");
	evhttp_add_header(http_req_out(req), "X-Chunked-Output", "1");
	http_reply(req, 200, "OK", b);
}

int kubo_add_line(struct evbuffer *b, json_t *j)
{
	char *t = j ? json_dumps(j, JSON_COMPACT) : NULL;
	int rc = t && evbuffer_add_printf(b, "%s\n", t) >= 0 ? 0 : -1;
	free(t);
	json_decref(j);
	return rc;
}

void kubo_fail(struct http_req *req, enum kubo_fail_kind kind, int io_errno, const char *msg)
{
	int code = kind == KUBO_FAIL_INPUT ? 400 : kind == KUBO_FAIL_TOO_LARGE ? 413
	         : kind == KUBO_FAIL_STORAGE ? http_errno_status(io_errno)
	         : kind == KUBO_FAIL_BUSY ? 503 : 500;
	http_reply_rpc_error(req, code, "%s", msg);
}

void kubo_fail_body(struct http_req *req, enum kubo_fail_kind kind, int io_errno, const char *msg,
                    const char *parse_err)
{
	if (kind == KUBO_FAIL_NONE)
		kubo_fail(req, KUBO_FAIL_INPUT, 0, parse_err);
	else
		kubo_fail(req, kind, io_errno, msg);
}

void kubo_reply(struct http_req *req, json_t *j)
{
	if (http_reply_json(req, 200, j) != 0)
		http_reply_rpc_error(req, 500, "out of memory");
}

/* The arg= CID, or an RPC error reply (then returns -1). */
int kubo_arg_cid(struct http_req *req, struct evkeyvalq *q, cairn_cid *cid)
{
	const char *arg = evhttp_find_header(q, "arg");
	if (!arg) {
		http_reply_rpc_error(req, 400, "argument \"cid\" is required");
		return -1;
	}
	if (strncmp(arg, "/ipfs/", 6) == 0)
		arg += 6;
	int rc = cairn_cid_parse(arg, strlen(arg), cid);
	if (rc != 0) {
		http_reply_rpc_error(req, 400, "invalid CID '%.200s': %s", arg, cairn_strerror(rc));
		return -1;
	}
	return 0;
}

/* The RPC error for a failed walk or resolution: rc from dag.h / dir.h,
 * where the block concerned. */
void kubo_dag_error(struct http_req *req, int rc, const cairn_cid *where,
                            const char *err)
{
	char text[CAIRN_CID_TEXT_MAX] = "";
	if (rc > 0)
		cairn_cid_to_string(where, text, sizeof text, NULL);
	if (rc == DAG_MISSING)
		http_reply_rpc_error(req, 404, "block not found: %s", text);
	else if (rc > 0)
		http_reply_rpc_error(req, 422, "block %s does not decode", text);
	else
		http_reply_rpc_error(req, 500, "%s", err);
}

int kubo_arg_root(struct http_req *req, struct evkeyvalq *q, const char *what, cairn_cid *root,
                  const char **rest)
{
	const char *arg = evhttp_find_header(q, "arg");
	if (!arg) {
		http_reply_rpc_error(req, 400, "argument \"%s\" is required", what);
		return -1;
	}
	if (strncmp(arg, "/ipfs/", 6) == 0)
		arg += 6;
	size_t clen = strcspn(arg, "/");
	int rc = cairn_cid_parse(arg, clen, root);
	if (rc != 0) {
		http_reply_rpc_error(req, 400, "invalid CID '%.*s': %s", (int)(clen > 200 ? 200 : clen), arg,
		                     cairn_strerror(rc));
		return -1;
	}
	*rest = arg + clen;
	return 0;
}

/* The arg= path: CID[/path] or /ipfs/CID[/path], resolved through UnixFS
 * directories. 0, or an RPC error reply (then -1). */
int kubo_arg_path(struct http_req *req, node *n, struct evkeyvalq *q, cairn_cid *cid)
{
	char err[CAIRN_ERR_MAX] = "", text[CAIRN_CID_TEXT_MAX] = "";
	cairn_cid root, where;
	const char *rest;
	if (kubo_arg_root(req, q, "ipfs-path", &root, &rest) != 0)
		return -1;
	int rc = dir_resolve(&n->repo.bs, &root, rest, cid, NULL, &where, err);
	if (rc > 0)
		cairn_cid_to_string(&where, text, sizeof text, NULL);
	if (rc == DIR_NOT_FOUND || rc == DIR_NOT_DIR)
		http_reply_rpc_error(req, 404, "no link named %.200s under %s", rest, text);
	else if (rc != 0)
		kubo_dag_error(req, rc, &where, err);
	return rc == 0 ? 0 : -1;
}

/*
 * Reads of content this node lacks (cat, ls, block/get|stat, dag/export)
 * ask the peers first (peers_complete), then run: a request waits here
 * for its blocks.
 */
struct fetch_wait {
	struct http_req *req;
	node *n;
	kubo_fn body;
};

static void prefetched(void *ctx, int outcome, const char *msg)
{
	struct fetch_wait *w = ctx;
	struct evkeyvalq q;
	TAILQ_INIT(&q);
	if (outcome == FETCH_OK && http_parse_query(w->req, &q) == 0)
		w->body(w->req, w->n, &q);
	else if (outcome == FETCH_OK)
		http_reply_rpc_error(w->req, 400, "malformed query");
	else if (outcome != FETCH_CANCELLED) {
		http_req_mark_upstream(w->req); /* the peers' miss, not a fault here */
		http_reply_rpc_error(w->req, outcome == FETCH_TIMEOUT ? 504 : 502,
		                     "could not get it from peers: %.900s", msg);
	}
	evhttp_clear_headers(&q);
	free(w);
}

/* Run body once what arg names is here: its path and the block it ends at,
 * or (for FETCH_SCOPE_ALL) its whole DAG, fetched from the peers if not. */
void kubo_with_fetch(struct http_req *req, node *n, struct evkeyvalq *q, int scope,
                       kubo_fn body)
{
	const char *arg = evhttp_find_header(q, "arg");
	struct fetch_wait *w;
	cairn_cid root;
	if (n->peers && arg) {
		if (strncmp(arg, "/ipfs/", 6) == 0)
			arg += 6;
		size_t clen = strcspn(arg, "/");
		if (cairn_cid_parse(arg, clen, &root) == 0 && (w = malloc(sizeof *w))) {
			*w = (struct fetch_wait){req, n, body};
			if (peers_complete(n->peers, req, &root, arg + clen, scope,
			                   scope == FETCH_SCOPE_ALL ? PEERS_NEED_DAG : PEERS_NEED_BLOCK, prefetched,
			                   w) == 1)
				return;
			free(w);
		}
	}
	body(req, n, q);
}

/* A boolean query flag: 1, 0, or dflt when absent; -1 if malformed. */
int kubo_flag(struct evkeyvalq *q, const char *name, int dflt)
{
	const char *v = evhttp_find_header(q, name);
	int on;
	if (!v)
		return dflt;
	if (!*v)
		return 1; /* "?pin" alone means true, as Kubo's flags */
	return http_parse_bool(v, &on) == 0 ? on : -1;
}


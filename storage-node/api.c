/*
 * The Kubo RPC API, /api/v0/..., on the API listener: POST only, as Kubo;
 * arguments in the query string (arg=...); JSON results; errors as
 * {"Message": ..., "Code": 0, "Type": "error"}. This version serves the
 * read side: version, id, cat, block/get, block/stat, pin/ls, repo/stat.
 */
#include "api.h"

#include "cli.h"
#include "dag.h"
#include "error.h"
#include "http_stream.h"
#include "http_util.h"
#include "pinstore.h"

#include <event2/buffer.h>
#include <sys/queue.h> /* TAILQ_INIT, which keyvalq_struct.h does not define */
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

typedef void (*api_fn)(struct evhttp_request *req, node *n, struct evkeyvalq *q);

static void reply_json_obj(struct evhttp_request *req, json_t *j)
{
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (!text) {
		http_reply_rpc_error(req, 500, "out of memory");
		return;
	}
	http_reply_json(req, 200, text);
}

/* The arg= CID, or an RPC error reply (then returns -1). */
static int arg_cid(struct evhttp_request *req, struct evkeyvalq *q, cairn_cid *cid)
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

static void api_version(struct evhttp_request *req, node *n, struct evkeyvalq *q)
{
	struct utsname u;
	char sys[128] = "unknown";
	(void)n;
	(void)q;
	if (uname(&u) == 0)
		snprintf(sys, sizeof sys, "%s/%s", u.machine, u.sysname);
	reply_json_obj(req, json_pack("{s:s, s:s, s:s, s:s}", "Version", CAIRN_VERSION, "Commit", "",
	                              "Repo", REPO_VERSION, "System", sys));
}

static void api_id(struct evhttp_request *req, node *n, struct evkeyvalq *q)
{
	(void)q;
	reply_json_obj(req, json_pack("{s:s, s:[], s:s, s:s}", "ID", n->repo.peer_id, "Addresses",
	                              "AgentVersion", "cairn/" CAIRN_VERSION, "ProtocolVersion",
	                              "ipfs/0.1.0"));
}

static void api_cat(struct evhttp_request *req, node *n, struct evkeyvalq *q)
{
	cairn_cid cid, where;
	char err[512] = "";
	if (arg_cid(req, q, &cid) != 0)
		return;
	dag_reader *r = malloc(sizeof *r);
	if (!r) {
		http_reply_rpc_error(req, 500, "out of memory");
		return;
	}
	int rc = dag_reader_open(r, &n->repo.bs, &cid, &where, err);
	if (rc != 0) {
		char text[CAIRN_CID_TEXT_MAX] = "";
		if (rc > 0)
			cairn_cid_to_string(&where, text, sizeof text, NULL);
		free(r);
		if (rc == DAG_MISSING)
			http_reply_rpc_error(req, 404, "block not found: %s", text);
		else if (rc > 0)
			http_reply_rpc_error(req, 400, "%s is not a UnixFS file", text);
		else
			http_reply_rpc_error(req, 500, "%s", err);
		return;
	}
	/* offset/length as Kubo's cat */
	const char *off = evhttp_find_header(q, "offset"), *len = evhttp_find_header(q, "length");
	if (off || len) {
		char *end;
		unsigned long long o = off ? strtoull(off, &end, 10) : 0;
		if (off && (*end || off[0] == '-')) {
			dag_reader_close(r);
			free(r);
			http_reply_rpc_error(req, 400, "invalid offset '%.40s'", off);
			return;
		}
		unsigned long long l = len ? strtoull(len, &end, 10) : r->size;
		if (len && (*end || len[0] == '-')) {
			dag_reader_close(r);
			free(r);
			http_reply_rpc_error(req, 400, "invalid length '%.40s'", len);
			return;
		}
		dag_reader_range(r, o, l);
	}
	stream_source *src = stream_file(r);
	if (!src) {
		dag_reader_close(r);
		free(r);
		http_reply_rpc_error(req, 500, "out of memory");
		return;
	}
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", "text/plain");
	http_stream(req, 200, src, 1, 1);
}

static int get_block(struct evhttp_request *req, node *n, struct evkeyvalq *q, cairn_cid *cid,
                     uint8_t **data, size_t *len)
{
	char err[512], text[CAIRN_CID_TEXT_MAX];
	if (arg_cid(req, q, cid) != 0)
		return -1;
	int rc = blockstore_get(&n->repo.bs, cid, data, len, err);
	if (rc == 0)
		return 0;
	cairn_cid_to_string(cid, text, sizeof text, NULL);
	if (rc == BS_NOT_FOUND || rc == BS_CORRUPT)
		http_reply_rpc_error(req, 404, "block not found: %s", text);
	else
		http_reply_rpc_error(req, 500, "%s", err);
	return -1;
}

static void api_block_get(struct evhttp_request *req, node *n, struct evkeyvalq *q)
{
	cairn_cid cid;
	uint8_t *data;
	size_t len;
	if (get_block(req, n, q, &cid, &data, &len) != 0)
		return;
	struct evbuffer *b = evbuffer_new();
	evbuffer_add(b, data, len);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", "application/octet-stream");
	evhttp_send_reply(req, 200, "OK", b);
	evbuffer_free(b);
	free(data);
}

static void api_block_stat(struct evhttp_request *req, node *n, struct evkeyvalq *q)
{
	cairn_cid cid;
	uint8_t *data;
	size_t len;
	char text[CAIRN_CID_TEXT_MAX];
	if (get_block(req, n, q, &cid, &data, &len) != 0)
		return;
	free(data);
	cairn_cid_to_string(&cid, text, sizeof text, NULL);
	reply_json_obj(req, json_pack("{s:s, s:I}", "Key", text, "Size", (json_int_t)len));
}

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

static void api_pin_ls(struct evhttp_request *req, node *n, struct evkeyvalq *q)
{
	struct pin_ls l = {json_object(), 0};
	const char *type = evhttp_find_header(q, "type");
	char err[REPO_ERR_MAX];
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
		if (arg_cid(req, q, &cid) != 0) {
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
				http_reply_rpc_error(req, 500, "%s", err);
			return;
		}
		add_pin_json(&l, &p);
	} else if (pinstore_foreach(&n->repo, add_pin_json, &l, err) < 0) {
		json_decref(l.keys);
		http_reply_rpc_error(req, 500, "%s", err);
		return;
	}
	reply_json_obj(req, json_pack("{s:o}", "Keys", l.keys));
}

struct repo_totals {
	uint64_t blocks, bytes;
};

static int count(void *ctx, const cairn_multihash *mh, uint64_t size)
{
	struct repo_totals *t = ctx;
	(void)mh;
	t->blocks++;
	t->bytes += size;
	return 0;
}

static void api_repo_stat(struct evhttp_request *req, node *n, struct evkeyvalq *q)
{
	struct repo_totals t = {0, 0};
	char err[REPO_ERR_MAX];
	(void)q;
	if (blockstore_foreach(&n->repo.bs, count, &t, err) != 0) {
		http_reply_rpc_error(req, 500, "%s", err);
		return;
	}
	reply_json_obj(req, json_pack("{s:I, s:I, s:s, s:s}", "NumObjects", (json_int_t)t.blocks,
	                              "RepoSize", (json_int_t)t.bytes, "RepoPath", n->repo.path,
	                              "Version", "cairn-repo@" REPO_VERSION));
}

static const struct {
	const char *path;
	api_fn fn;
} routes[] = {
	{"/api/v0/version", api_version},
	{"/api/v0/id", api_id},
	{"/api/v0/cat", api_cat},
	{"/api/v0/block/get", api_block_get},
	{"/api/v0/block/stat", api_block_stat},
	{"/api/v0/pin/ls", api_pin_ls},
	{"/api/v0/repo/stat", api_repo_stat},
};

void api_handle(struct evhttp_request *req, void *arg)
{
	node *n = arg;
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	struct evkeyvalq q;

	TAILQ_INIT(&q);
	for (size_t i = 0; path && i < sizeof routes / sizeof routes[0]; i++) {
		if (strcmp(path, routes[i].path) != 0)
			continue;
		/* POST only, as Kubo: a browser cannot trigger these from a link. */
		if (evhttp_request_get_command(req) != EVHTTP_REQ_POST) {
			evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "POST");
			http_reply_rpc_error(req, 405, "405 - Method Not Allowed");
			return;
		}
		if (http_parse_query(req, &q) != 0) {
			http_reply_rpc_error(req, 400, "malformed query string");
			return;
		}
		routes[i].fn(req, n, &q);
		evhttp_clear_headers(&q);
		return;
	}
	http_reply_rpc_error(req, 404, "404 page not found: %s", path ? path : "");
}

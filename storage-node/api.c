/*
 * The Kubo RPC API, /api/v0/..., on the API listener: POST only, as Kubo;
 * arguments in the query string (arg=...); JSON results; errors as
 * {"Message": ..., "Code": 0, "Type": "error"}. Endpoints: version, id,
 * add, cat, ls, block/get|put|stat|rm, pin/add|ls|rm, dag/export|import,
 * repo/gc|stat|verify. The pinning service API (/pins) is pinsvc.c's.
 */
#include "api.h"

#include "add_opts.h"
#include "anchor_api.h"
#include "anchorlog.h"
#include "car_io.h"
#include "dirbuild.h"
#include "gc.h"
#include "multipart.h"

#include "cli.h"
#include "dag.h"
#include "dir.h"
#include "error.h"
#include "http_stream.h"
#include "http_util.h"
#include "pinstore.h"
#include "peers.h"
#include "pinsvc.h"
#include "verify.h"

#include <event2/buffer.h>
#include <sys/queue.h> /* TAILQ_INIT, which keyvalq_struct.h does not define */
#include <event2/keyvalq_struct.h>
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
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

/* The RPC error for a failed walk or resolution: rc from dag.h / dir.h,
 * where the block concerned. */
static void reply_dag_error(struct evhttp_request *req, int rc, const cairn_cid *where,
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

/* The arg= path: CID[/path] or /ipfs/CID[/path], resolved through UnixFS
 * directories. 0, or an RPC error reply (then -1). */
/* Times a request (pin/add, cat) asks the peers for the part of a DAG it
 * still lacks. */
#define PIN_FETCH_ROUNDS 8

static int arg_path(struct evhttp_request *req, node *n, struct evkeyvalq *q, cairn_cid *cid)
{
	const char *arg = evhttp_find_header(q, "arg");
	char err[512] = "", text[CAIRN_CID_TEXT_MAX] = "";
	cairn_cid root, where;
	if (!arg) {
		http_reply_rpc_error(req, 400, "argument \"ipfs-path\" is required");
		return -1;
	}
	if (strncmp(arg, "/ipfs/", 6) == 0)
		arg += 6;
	size_t clen = strcspn(arg, "/");
	int rc = cairn_cid_parse(arg, clen, &root);
	if (rc != 0) {
		http_reply_rpc_error(req, 400, "invalid CID '%.*s': %s", (int)(clen > 200 ? 200 : clen), arg,
		                     cairn_strerror(rc));
		return -1;
	}
	rc = dir_resolve(&n->repo.bs, &root, arg + clen, cid, NULL, &where, err);
	if (rc > 0)
		cairn_cid_to_string(&where, text, sizeof text, NULL);
	if (rc == DIR_NOT_FOUND || rc == DIR_NOT_DIR)
		http_reply_rpc_error(req, 404, "no link named %.200s under %s", arg + clen, text);
	else if (rc != 0)
		reply_dag_error(req, rc, &where, err);
	return rc == 0 ? 0 : -1;
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

/*
 * Reads of content this node lacks (cat, ls, block/get|stat, dag/export)
 * ask the peers first, then run: a request waits here for its blocks.
 */
typedef void (*api_fn)(struct evhttp_request *req, node *n, struct evkeyvalq *q);

struct fetch_wait {
	struct evhttp_request *req;
	node *n;
	int round, scope;
	api_fn body;
};

static void with_fetch(struct evhttp_request *req, node *n, struct evkeyvalq *q, int round,
                       int scope, api_fn body);

static void prefetched(void *ctx, int outcome, const char *msg)
{
	struct fetch_wait *w = ctx;
	struct evkeyvalq q;
	TAILQ_INIT(&q);
	if (outcome == FETCH_OK && http_parse_query(w->req, &q) == 0)
		with_fetch(w->req, w->n, &q, w->round + 1, w->scope, w->body);
	else if (outcome == FETCH_OK)
		http_reply_rpc_error(w->req, 400, "malformed query");
	else if (outcome != FETCH_CANCELLED)
		http_reply_rpc_error(w->req, outcome == FETCH_TIMEOUT ? 504 : 502,
		                     "could not get it from peers: %.900s", msg);
	evhttp_clear_headers(&q);
	free(w);
}

/* Is what arg names missing here? Its path, the block it ends at, or (for
 * FETCH_SCOPE_ALL) any block of its DAG. Then ask the peers (first for the
 * path, as given, then from the missing block) and run body once they
 * answered. 1 if the request now waits, 0 if body is to run now. */
static int api_prefetch(struct evhttp_request *req, node *n, struct evkeyvalq *q, int round,
                        int scope, api_fn body)
{
	const char *arg = evhttp_find_header(q, "arg");
	char err[512], path[4096] = "";
	cairn_cid root, cid, where;
	if (!n->peers || round >= PIN_FETCH_ROUNDS || !arg)
		return 0;
	if (strncmp(arg, "/ipfs/", 6) == 0)
		arg += 6;
	size_t clen = strcspn(arg, "/");
	if (cairn_cid_parse(arg, clen, &root) != 0)
		return 0;
	int rc = dir_resolve(&n->repo.bs, &root, arg + clen, &cid, NULL, &where, err);
	if (rc == 0 && scope == FETCH_SCOPE_ALL)
		rc = dag_walk(&n->repo.bs, &cid, DAG_RECURSIVE, NULL, NULL, &where, NULL, err);
	else if (rc == 0 && cid.mh.code != CAIRN_MH_IDENTITY && !blockstore_has(&n->repo.bs, &cid))
		rc = DAG_MISSING, where = cid;
	if (rc != DAG_MISSING)
		return 0;
	/* the first time, the path as asked, %-encoded segment by segment */
	for (const char *p = arg + clen; round == 0 && *p;) {
		size_t sl = strcspn(p + 1, "/");
		char *e = evhttp_uriencode(p + 1, (ev_ssize_t)sl, 0);
		size_t used = strlen(path);
		if (e)
			snprintf(path + used, sizeof path - used, "/%s", e);
		free(e);
		p += 1 + sl;
	}
	struct fetch_wait *w = calloc(1, sizeof *w);
	if (!w)
		return 0;
	*w = (struct fetch_wait){req, n, round, scope, body};
	if (!peers_fetch(n->peers, req, round == 0 ? &root : &where, round == 0 ? path : "", scope,
	                 prefetched, w)) {
		free(w);
		return 0;
	}
	return 1;
}

static void with_fetch(struct evhttp_request *req, node *n, struct evkeyvalq *q, int round,
                       int scope, api_fn body)
{
	if (!api_prefetch(req, n, q, round, scope, body))
		body(req, n, q);
}

static void api_cat_body(struct evhttp_request *req, node *n, struct evkeyvalq *q);

static void api_cat(struct evhttp_request *req, node *n, struct evkeyvalq *q)
{
	with_fetch(req, n, q, 0, FETCH_SCOPE_ENTITY, api_cat_body);
}

static void api_cat_body(struct evhttp_request *req, node *n, struct evkeyvalq *q)
{
	cairn_cid cid;
	if (arg_path(req, n, q, &cid) != 0)
		return;
	dag_reader *r = http_open_file(req, &n->repo.bs, &cid, 1);
	if (!r)
		return;
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
	src->peers = n->peers;
	http_stream(req, 200, src, 1, 1);
}

/* ls: a directory's entries, as Kubo: {"Objects": [{"Hash", "Links":
 * [{"Name", "Hash", "Size", "Type", "Target"}]}]}; Type is the UnixFS type
 * (1 directory, 2 file, 4 symlink, 5 HAMT shard), Size a file's length. */
struct ls_ctx {
	node *n;
	json_t *links;
	char err[512];
};

static int ls_entry(void *ctx, const char *name, size_t len, const cairn_cid *cid, uint64_t tsize)
{
	struct ls_ctx *l = ctx;
	char text[CAIRN_CID_TEXT_MAX];
	cairn_cid where;
	dir_kind kind = KIND_OTHER;
	uint64_t size = 0;
	(void)tsize;
	dir_kind_of(&l->n->repo.bs, cid, &kind, &where, l->err); /* unknown if missing */
	if (kind == KIND_FILE) {
		dag_reader r;
		if (dag_reader_open(&r, &l->n->repo.bs, cid, &where, l->err) == 0) {
			size = r.size;
			dag_reader_close(&r);
		}
	}
	int type = kind == KIND_DIR ? 1 : kind == KIND_FILE ? 2 : kind == KIND_SYMLINK ? 4
	         : kind == KIND_HAMT ? 5 : 0;
	cairn_cid_to_string(cid, text, sizeof text, NULL);
	json_array_append_new(l->links, json_pack("{s:s%, s:s, s:I, s:i, s:s}", "Name", name, len,
	                                          "Hash", text, "Size", (json_int_t)size, "Type",
	                                          type, "Target", ""));
	return 0;
}

static void api_ls(struct evhttp_request *req, node *n, struct evkeyvalq *q)
{
	cairn_cid cid, where;
	struct ls_ctx l = {.n = n, .links = json_array()};
	char text[CAIRN_CID_TEXT_MAX];
	if (arg_path(req, n, q, &cid) != 0) {
		json_decref(l.links);
		return;
	}
	cairn_cid_to_string(&cid, text, sizeof text, NULL);
	int rc = dir_list(&n->repo.bs, &cid, ls_entry, &l, &where, l.err);
	if (rc == DIR_NOT_DIR) {
		/* a file lists as itself, without links, as Kubo */
		rc = 0;
	}
	if (rc != 0) {
		json_decref(l.links);
		reply_dag_error(req, rc, &where, l.err);
		return;
	}
	reply_json_obj(req, json_pack("{s:[{s:s, s:o}]}", "Objects", "Hash", text, "Links", l.links));
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

static void api_repo_stat(struct evhttp_request *req, node *n, struct evkeyvalq *q)
{
	uint64_t blocks, bytes, pins;
	char err[REPO_ERR_MAX];
	(void)q;
	if (pinstore_count(&n->repo, &pins, err) != 0) {
		http_reply_rpc_error(req, 500, "%s", err);
		return;
	}
	node_totals(n, &blocks, &bytes);
	reply_json_obj(req, json_pack("{s:I, s:I, s:I, s:s, s:s}", "NumObjects", (json_int_t)blocks,
	                              "RepoSize", (json_int_t)bytes, "NumPins", (json_int_t)pins,
	                              "RepoPath", n->repo.path, "Version", "cairn-repo@" REPO_VERSION));
}


/* A boolean query flag: 1, 0, or dflt when absent; -1 if malformed. */
static int flag(struct evkeyvalq *q, const char *name, int dflt)
{
	const char *v = evhttp_find_header(q, name);
	int on;
	if (!v)
		return dflt;
	if (!*v)
		return 1; /* "?pin" alone means true, as Kubo's flags */
	return cli_parse_bool(v, &on) == 0 ? on : -1;
}

/* add: every multipart part is a file; one ndjson line per file, and with
 * progress=true a {"Name","Bytes"} line before it. */
/* A directory being uploaded: parts named "dir/..." (or an
 * application/x-directory part) go into the tree of their first segment. */
struct add_top {
	char *name;
	dirbuild *d;
};

struct add_req {
	node *n;
	cairn_importer *im;
	uint8_t *chunk;
	cairn_importer_opts o;
	int pin, progress, only_hash, wrap, anchor;
	json_t *lines;
	struct add_top *tops;
	size_t ntops;
	dirbuild *wrapper; /* wrap-with-directory: everything goes in here */
	int status;
	int io_errno; /* of a failed storage write */
	char err[512];
};

/* The tree a path's first segment names (made on first use), with *rest
 * set to the path below it. NULL when out of memory. */
/* Was a file of this top-level name (len bytes) added already? Until the
 * trees are written, the result lines are the files'. */
static int top_file(const struct add_req *a, const char *name, size_t len)
{
	size_t i;
	json_t *l;
	json_array_foreach(a->lines, i, l) {
		const char *n = json_string_value(json_object_get(l, "Name"));
		if (json_object_get(l, "Hash") && n && strlen(n) == len && memcmp(n, name, len) == 0)
			return 1;
	}
	return 0;
}

static int top_dir(const struct add_req *a, const char *name)
{
	for (size_t i = 0; i < a->ntops; i++)
		if (strcmp(a->tops[i].name, name) == 0)
			return 1;
	return 0;
}

static dirbuild *tree_for(struct add_req *a, const char *path, const char **rest)
{
	const char *slash = strchr(path, '/');
	size_t len = slash ? (size_t)(slash - path) : strlen(path);
	*rest = slash ? slash + 1 : "";
	for (size_t i = 0; i < a->ntops; i++)
		if (strlen(a->tops[i].name) == len && memcmp(a->tops[i].name, path, len) == 0)
			return a->tops[i].d;
	if (top_file(a, path, len))
		return NULL;
	struct add_top *t = realloc(a->tops, (a->ntops + 1) * sizeof *t);
	if (!t)
		return NULL;
	a->tops = t;
	t[a->ntops].name = strndup(path, len);
	t[a->ntops].d = t[a->ntops].name ? dirbuild_new(t[a->ntops].name) : NULL;
	if (!t[a->ntops].d) {
		free(t[a->ntops].name);
		return NULL;
	}
	return t[a->ntops++].d;
}

static void add_line(struct add_req *a, const char *name, const cairn_cid *cid, uint64_t size)
{
	char text[CAIRN_CID_TEXT_MAX], num[32];
	cairn_cid_to_string(cid, text, sizeof text, NULL);
	snprintf(num, sizeof num, "%llu", (unsigned long long)size);
	json_array_append_new(a->lines, json_pack("{s:s, s:s, s:s}", "Name", name, "Hash", text,
	                                          "Size", num));
}

static int store(void *ctx, const cairn_cid *cid, const cairn_iov *iov, size_t n)
{
	struct add_req *a = ctx;
	if (blockstore_put(&a->n->repo.bs, cid, iov, n, a->err) == 0)
		return 0;
	a->io_errno = errno;
	return -1;
}

static int feed(void *ctx, const void *data, size_t n)
{
	struct add_req *a = ctx;
	int rc = cairn_importer_update(a->im, data, n);
	if (rc && rc != CAIRN_E_CALLBACK)
		snprintf(a->err, sizeof a->err, "%s", cairn_strerror(rc));
	return rc;
}

/* Put an entry (a file with cid, or a directory with cid NULL) into its
 * tree. 0, or -1 with a->err and a->status set. */
static int tree_put(struct add_req *a, const char *path, const cairn_cid *cid, uint64_t size)
{
	char err[DIRBUILD_ERR_MAX];
	const char *rest = path;
	dirbuild *d = a->wrapper ? a->wrapper : tree_for(a, path, &rest);
	if (!d) {
		int clash = top_file(a, path, strcspn(path, "/"));
		a->status = clash ? 400 : 500;
		if (clash)
			snprintf(a->err, sizeof a->err, "'%.*s' is given as a file and as a directory",
			         (int)strcspn(path, "/"), path);
		else
			snprintf(a->err, sizeof a->err, "out of memory");
		return -1;
	}
	if (!rest[0] && !a->wrapper) {
		if (cid) { /* "dir" was a directory and now comes as a file */
			a->status = 400;
			snprintf(a->err, sizeof a->err, "'%s' is given as a directory and as a file", path);
			return -1;
		}
		return 0;
	}
	if (dirbuild_add(d, rest, cid, size, err) != 0) {
		a->status = 400;
		snprintf(a->err, sizeof a->err, "%s", err);
		return -1;
	}
	return 0;
}

static int tree_store(void *ctx, const cairn_cid *cid, const cairn_iov *iov, size_t n)
{
	struct add_req *a = ctx;
	return a->only_hash ? 0 : store(ctx, cid, iov, n);
}

/* A symlink part (content: the target), as Kubo's clients send them. */
static int symlink_put(struct add_req *a, const char *path, const multipart_part *p)
{
	char target[4097], err[DIRBUILD_ERR_MAX];
	const char *rest = path;
	if (p->len >= sizeof target ||
	    evbuffer_copyout_from(p->body, &p->start, target, p->len) != (ev_ssize_t)p->len) {
		a->status = 400;
		snprintf(a->err, sizeof a->err, "symlink '%.200s': target missing or too long", path);
		return -1;
	}
	target[p->len] = '\0';
	dirbuild *d = a->wrapper ? a->wrapper : strchr(path, '/') ? tree_for(a, path, &rest) : NULL;
	if (!d) {
		a->status = 400;
		snprintf(a->err, sizeof a->err, "symlink '%.200s': only inside a directory", path);
		return -1;
	}
	if (dirbuild_add_symlink(d, rest, target, &a->o, tree_store, a, err) != 0) {
		a->status = a->io_errno ? http_errno_status(a->io_errno) : 400;
		snprintf(a->err, sizeof a->err, "%s", err);
		return -1;
	}
	return 0;
}

static int add_part(void *ctx, const multipart_part *p)
{
	struct add_req *a = ctx;
	const char *name = p->filename[0] ? p->filename : p->name;
	cairn_cid root;
	/* A name with a '/' is a file inside a directory (as Kubo's clients
	 * send them: "dir/sub/file"); leading slashes mean nothing more. */
	while (name[0] == '/')
		name++;
	int in_tree = a->wrapper || strchr(name, '/') != NULL;
	if (!in_tree && top_dir(a, name)) {
		a->status = 400;
		snprintf(a->err, sizeof a->err, "'%s' is given as a directory and as a file", name);
		return -1;
	}

	if (strncmp(p->content_type, "application/x-directory", 23) == 0)
		return tree_put(a, name, NULL, 0);
	if (strncmp(p->content_type, "application/symlink", 19) == 0)
		return symlink_put(a, name, p);
	int rc = cairn_importer_init(a->im, &a->o, a->chunk, CAIRN_CHUNK_SIZE_MAX,
	                             a->only_hash ? NULL : store, a);
	if (rc == 0)
		rc = multipart_read(p, feed, a);
	if (rc == 0)
		rc = cairn_importer_final(a->im, &root, NULL);
	if (rc == 0 && !a->only_hash && blockstore_commit(&a->n->repo.bs, a->err) != 0) {
		a->io_errno = errno;
		rc = -1;
	}
	if (rc == 0 && !a->only_hash && a->pin && !in_tree) {
		pin pn = {.cid = root, .type = PIN_RECURSIVE};
		if (pinstore_put(&a->n->repo, &pn, a->err) != 0)
			rc = -1;
	}
	if (rc != 0) {
		/* A failed file leaves nothing behind: its uncommitted blocks are
		 * dropped (committed batches of a huge file stay, unpinned, for GC). */
		blockstore_abort(&a->n->repo.bs);
		a->status = http_errno_status(a->io_errno);
		if (!a->err[0])
			snprintf(a->err, sizeof a->err, "%s", cairn_strerror(rc));
		return -1;
	}
	uint64_t size = cairn_importer_dag_size(a->im);
	if (in_tree && tree_put(a, name, &root, size) != 0)
		return -1;
	if (a->progress)
		json_array_append_new(a->lines, json_pack("{s:s, s:I}", "Name", name, "Bytes",
		                                          (json_int_t)p->len));
	add_line(a, name, &root, size);
	return 0;
}


static void tree_emit(void *ctx, const char *path, const cairn_cid *cid, uint64_t size)
{
	add_line(ctx, path, cid, size);
}

static int by_top_name(const void *x, const void *y)
{
	return strcmp(((const struct add_top *)x)->name, ((const struct add_top *)y)->name);
}

/* Write the uploaded directories (after all files, as Kubo lists them),
 * make them durable and pin their roots. 0 or -1 with a->err set. */
static int finish_trees(struct add_req *a)
{
	char err[DIRBUILD_ERR_MAX];
	dirbuild *one[1] = {a->wrapper};
	size_t n = a->wrapper ? 1 : a->ntops;
	if (a->ntops)
		qsort(a->tops, a->ntops, sizeof *a->tops, by_top_name);
	for (size_t i = 0; i < n; i++) {
		cairn_cid root;
		dirbuild *d = a->wrapper ? one[0] : a->tops[i].d;
		a->err[0] = '\0';
		if (dirbuild_finish(d, &a->o, tree_store, a, tree_emit, a, &root, NULL, err) != 0) {
			a->status = a->err[0] ? http_errno_status(a->io_errno) : 400;
			if (!a->err[0])
				snprintf(a->err, sizeof a->err, "%s", err);
			blockstore_abort(&a->n->repo.bs);
			return -1;
		}
		if (a->only_hash)
			continue;
		if (blockstore_commit(&a->n->repo.bs, a->err) != 0) {
			a->status = http_errno_status(errno);
			return -1;
		}
		pin pn = {.cid = root, .type = PIN_RECURSIVE};
		if (a->pin && pinstore_put(&a->n->repo, &pn, a->err) != 0) {
			a->status = 500;
			return -1;
		}
	}
	return 0;
}

/* Is this result line one of the roots the request added (what it pins)?
 * With wrap-with-directory only the wrapper, named ""; otherwise every
 * top-level name. */
static int root_line(const struct add_req *a, json_t *line)
{
	const char *name = json_string_value(json_object_get(line, "Name"));
	if (!name || !json_object_get(line, "Hash"))
		return 0;
	return a->wrap ? name[0] == '\0' : strchr(name, '/') == NULL;
}

/* anchor=true: append the roots to the anchoring log in one transaction,
 * so an upload and its anchoring request succeed or fail together, and
 * give each root line its leaf index. 0 or -1 with a->err set. */
static int add_anchor(struct add_req *a)
{
	size_t i, count = 0, added;
	json_t *line;
	int ret = -1;
	cairn_cid *cids = malloc((json_array_size(a->lines) + 1) * sizeof *cids);
	uint64_t *idx = malloc((json_array_size(a->lines) + 1) * sizeof *idx);
	if (!cids || !idx) {
		snprintf(a->err, sizeof a->err, "out of memory");
		goto done;
	}
	json_array_foreach(a->lines, i, line) {
		const char *h = json_string_value(json_object_get(line, "Hash"));
		if (root_line(a, line) && cairn_cid_parse(h, strlen(h), &cids[count]) == 0)
			count++;
	}
	if (count && anchorlog_append(&a->n->repo, cids, count, idx, &added, a->err) != 0)
		goto done;
	count = 0;
	json_array_foreach(a->lines, i, line) {
		if (root_line(a, line))
			json_object_set_new(line, "AnchorIndex", json_integer((json_int_t)idx[count++]));
	}
	ret = 0;
done:
	free(cids);
	free(idx);
	return ret;
}

static void api_add(struct evhttp_request *req, node *n, struct evkeyvalq *q)
{
	struct add_req a = {.n = n, .status = 200};
	const char *cv = evhttp_find_header(q, "cid-version");
	int version = -1, raw = flag(q, "raw-leaves", -1), trickle = flag(q, "trickle", 0);
	char oerr[ADD_OPTS_ERR_MAX], perr[512];

	a.pin = flag(q, "pin", 1);
	a.progress = flag(q, "progress", 0);
	a.only_hash = flag(q, "only-hash", 0);
	a.wrap = flag(q, "wrap-with-directory", 0);
	a.anchor = flag(q, "anchor", 0);
	if (a.pin < 0 || a.progress < 0 || a.only_hash < 0 || trickle < 0 || a.wrap < 0 ||
	    a.anchor < 0 ||
	    (evhttp_find_header(q, "raw-leaves") && raw < 0)) {
		http_reply_rpc_error(req, 400, "a boolean flag has a value other than true or false");
		return;
	}
	if (cv) {
		if (strcmp(cv, "0") && strcmp(cv, "1")) {
			http_reply_rpc_error(req, 400, "unknown CID version '%.20s' (use 0 or 1)", cv);
			return;
		}
		version = cv[0] - '0';
	}
	a.o = cairn_importer_defaults();
	a.o.layout = trickle ? CAIRN_LAYOUT_TRICKLE : CAIRN_LAYOUT_BALANCED;
	if (add_opts_resolve(version, evhttp_find_header(q, "hash"), raw,
	                     evhttp_find_header(q, "chunker"), &a.o, oerr) != 0) {
		http_reply_rpc_error(req, 400, "%s", oerr);
		return;
	}
	a.im = malloc(sizeof *a.im);
	a.chunk = malloc(CAIRN_CHUNK_SIZE_MAX);
	a.lines = json_array();
	if (a.wrap)
		a.wrapper = dirbuild_new("");
	if (!a.im || !a.chunk || !a.lines || (a.wrap && !a.wrapper)) {
		http_reply_rpc_error(req, 500, "out of memory");
		goto done;
	}
	const char *ct = evhttp_find_header(evhttp_request_get_input_headers(req), "Content-Type");
	int rc = multipart_each(evhttp_request_get_input_buffer(req), ct, add_part, &a, perr);
	if (rc == 0)
		rc = finish_trees(&a);
	if (rc < 0 && a.status == 200) {
		http_reply_rpc_error(req, 400, "%s", perr);
		goto done;
	}
	if (rc != 0) {
		if (a.status >= 500)
			fprintf(stderr, "cairn daemon: add: %s\n", a.err);
		http_reply_rpc_error(req, a.status, "%s", a.err);
		goto done;
	}
	if (json_array_size(a.lines) == 0) {
		http_reply_rpc_error(req, 400, "file argument 'path' is required");
		goto done;
	}
	if (a.anchor && add_anchor(&a) != 0) {
		fprintf(stderr, "cairn daemon: add: %s\n", a.err);
		http_reply_rpc_error(req, 500, "%s", a.err);
		goto done;
	}
	struct evbuffer *b = evbuffer_new();
	size_t i;
	json_t *line;
	json_array_foreach(a.lines, i, line) {
		char *t = json_dumps(line, JSON_COMPACT);
		if (t)
			evbuffer_add_printf(b, "%s\n", t);
		free(t);
	}
	/* Kubo streams these as newline-delimited JSON. */
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", "application/json");
	evhttp_add_header(evhttp_request_get_output_headers(req), "X-Chunked-Output", "1");
	evhttp_send_reply(req, 200, "OK", b);
	evbuffer_free(b);
done:
	json_decref(a.lines);
	for (size_t i = 0; i < a.ntops; i++) {
		dirbuild_free(a.tops[i].d);
		free(a.tops[i].name);
	}
	free(a.tops);
	dirbuild_free(a.wrapper);
	free(a.im);
	free(a.chunk);
}

struct block_put {
	node *n;
	uint64_t codec, hash;
	int done;
	cairn_cid cid;
	size_t size;
	char err[512];
};

static int put_part(void *ctx, const multipart_part *p)
{
	struct block_put *b = ctx;
	if (b->done)
		return 0; /* one block per call */
	b->done = 1;
	if (p->len > BLOCK_MAX) {
		snprintf(b->err, sizeof b->err, "block larger than %u bytes", BLOCK_MAX);
		return 413;
	}
	uint8_t *data = malloc(p->len + 1);
	if (!data || evbuffer_copyout_from(p->body, &p->start, data, p->len) != (ev_ssize_t)p->len) {
		free(data);
		snprintf(b->err, sizeof b->err, "could not read the block");
		return 500;
	}
	b->cid = (cairn_cid){.version = 1, .codec = b->codec};
	cairn_mh_compute(&b->cid.mh, b->hash, data, p->len);
	cairn_iov iov = {data, p->len};
	int rc = blockstore_put(&b->n->repo.bs, &b->cid, &iov, 1, b->err) == 0 &&
	         blockstore_commit(&b->n->repo.bs, b->err) == 0 ? 0 : http_errno_status(errno);
	b->size = p->len;
	free(data);
	return rc;
}

static void api_block_put(struct evhttp_request *req, node *n, struct evkeyvalq *q)
{
	struct block_put b = {.n = n, .codec = CAIRN_CODEC_RAW, .hash = CAIRN_MH_SHA2_256};
	const char *codec = evhttp_find_header(q, "cid-codec");
	const char *mh = evhttp_find_header(q, "mhtype");
	int pinit = flag(q, "pin", 0);
	char err[512], text[CAIRN_CID_TEXT_MAX];

	if (codec && cairn_codec_from_name(codec, &b.codec) != 0) {
		http_reply_rpc_error(req, 400, "unsupported cid-codec '%.40s'", codec);
		return;
	}
	if (mh && (cairn_mh_from_name(mh, &b.hash) != 0 || b.hash == CAIRN_MH_IDENTITY)) {
		http_reply_rpc_error(req, 400, "unsupported mhtype '%.40s'", mh);
		return;
	}
	if (pinit < 0) {
		http_reply_rpc_error(req, 400, "pin must be true or false");
		return;
	}
	const char *ct = evhttp_find_header(evhttp_request_get_input_headers(req), "Content-Type");
	int rc = multipart_each(evhttp_request_get_input_buffer(req), ct, put_part, &b, err);
	if (rc < 0) {
		http_reply_rpc_error(req, 400, "%s", err);
		return;
	}
	if (rc > 0) {
		http_reply_rpc_error(req, rc, "%s", b.err);
		return;
	}
	if (!b.done) {
		http_reply_rpc_error(req, 400, "data argument is required");
		return;
	}
	if (pinit) {
		pin p = {.cid = b.cid, .type = PIN_DIRECT};
		if (pinstore_put(&n->repo, &p, err) != 0) {
			http_reply_rpc_error(req, 500, "%s", err);
			return;
		}
	}
	cairn_cid_to_string(&b.cid, text, sizeof text, NULL);
	reply_json_obj(req, json_pack("{s:s, s:I}", "Key", text, "Size", (json_int_t)b.size));
}

/* A pin/add, possibly waiting for peers to send what is missing. */
struct pin_job {
	struct evhttp_request *req;
	node *n;
	cairn_cid cid;
	int recursive, round;
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
	uint64_t now = bs->added_blocks + bs->npending;
	return now > j->start_blocks ? now - j->start_blocks : 0;
}

static void pin_line(struct pin_job *j, json_t *line)
{
	char *t = line ? json_dumps(line, JSON_COMPACT) : NULL;
	json_decref(line);
	if (!t)
		return;
	struct evbuffer *b = evbuffer_new();
	if (b) {
		evbuffer_add_printf(b, "%s\n", t);
		evhttp_send_reply_chunk(j->req, b);
		evbuffer_free(b);
	}
	free(t);
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
	struct evkeyvalq *h = evhttp_request_get_output_headers(j->req);
	if (j->streaming || !j->progress)
		return;
	evhttp_add_header(h, "Content-Type", "application/json");
	evhttp_add_header(h, "X-Chunked-Output", "1");
	evhttp_send_reply_start(j->req, 200, "OK");
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
			reply_json_obj(j->req, json_pack("{s:[s]}", "Pins", text));
		return;
	}
	if (fmt)
		pin_line(j, json_pack("{s:s, s:i, s:s}", "Message", msg, "Code", 0, "Type", "error"));
	else
		pin_line(j, json_pack("{s:I, s:[s]}", "Progress", (json_int_t)pin_progress_blocks(j), "Pins", text));
	evhttp_send_reply_end(j->req);
}

static void pin_add_run(struct pin_job *j);

static void pin_fetched(void *ctx, int outcome, const char *msg)
{
	struct pin_job *j = ctx;
	char text[CAIRN_CID_TEXT_MAX];
	if (outcome == FETCH_OK) {
		j->round++;
		pin_add_run(j); /* walks again: pins, or fetches what is still missing */
		return;
	}
	if (outcome != FETCH_CANCELLED) {
		cairn_cid_to_string(&j->cid, text, sizeof text, NULL);
		pin_answer(j, outcome == FETCH_TIMEOUT ? 504 : 502,
		           "could not get the DAG of %s from peers: %.900s", text, msg);
	}
	pin_job_free(j);
}

/* Walk the DAG; if a block is missing and there are peers, fetch from it
 * down (the whole DAG below it) and walk again, PIN_FETCH_ROUNDS times at
 * most; then pin, and answer. Frees j once answered. */
static void pin_add_run(struct pin_job *j)
{
	cairn_cid where;
	char err[REPO_ERR_MAX], wtext[CAIRN_CID_TEXT_MAX];
	node *n = j->n;
	int w = dag_walk(&n->repo.bs, &j->cid, j->recursive ? DAG_RECURSIVE : 0, NULL, NULL, &where, NULL, err);
	if (w == DAG_MISSING && n->peers && j->round < PIN_FETCH_ROUNDS) {
		pin_stream_start(j);
		if (peers_fetch(n->peers, j->req, &where, "", j->recursive ? FETCH_SCOPE_ALL : FETCH_SCOPE_BLOCK,
		                pin_fetched, j))
			return;
	}
	if (w != 0) {
		if (w > 0)
			cairn_cid_to_string(&where, wtext, sizeof wtext, NULL);
		if (w == DAG_MISSING)
			pin_answer(j, 404, "block %s is not in this node%s", wtext, n->peers ? " nor with its peers" : "");
		else if (w > 0)
			pin_answer(j, 400, "block %s does not decode", wtext);
		else
			pin_answer(j, 500, "%s", err);
		goto done;
	}
	pin p = {.cid = j->cid, .type = j->recursive ? PIN_RECURSIVE : PIN_DIRECT};
	snprintf(p.name, sizeof p.name, "%s", j->name);
	if (pinstore_put(&n->repo, &p, err) != 0) {
		pin_answer(j, 500, "%s", err);
		goto done;
	}
	pin_answer(j, 200, NULL);
done:
	pin_job_free(j);
}

static void api_pin_add(struct evhttp_request *req, node *n, struct evkeyvalq *q)
{
	cairn_cid cid;
	int recursive = flag(q, "recursive", 1);
	if (arg_cid(req, q, &cid) != 0)
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
	int progress = flag(q, "progress", 0);
	if (progress < 0) {
		free(j);
		http_reply_rpc_error(req, 400, "progress must be true or false");
		return;
	}
	*j = (struct pin_job){.req = req, .n = n, .cid = cid, .recursive = recursive, .progress = progress,
	                      .start_blocks = n->repo.bs.added_blocks + n->repo.bs.npending};
	snprintf(j->name, sizeof j->name, "%s", name ? name : "");
	pin_add_run(j);
}

static void api_pin_rm(struct evhttp_request *req, node *n, struct evkeyvalq *q)
{
	cairn_cid cid;
	char err[REPO_ERR_MAX], text[CAIRN_CID_TEXT_MAX];
	if (arg_cid(req, q, &cid) != 0)
		return;
	int rc = pinstore_del(&n->repo, &cid, err);
	cairn_cid_to_string(&cid, text, sizeof text, NULL);
	if (rc > 0) {
		http_reply_rpc_error(req, 404, "%s is not pinned", text);
		return;
	}
	if (rc < 0) {
		http_reply_rpc_error(req, 500, "%s", err);
		return;
	}
	reply_json_obj(req, json_pack("{s:[s]}", "Pins", text));
}

/* block/rm?arg=CID...: ndjson {"Hash", "Error"} per block, as Kubo; a
 * pinned block is refused (unpin it first). Any failure makes the last
 * line's Error non-empty and the status stays 200, as Kubo streams it. */
static void api_block_rm(struct evhttp_request *req, node *n, struct evkeyvalq *q)
{
	struct evkeyval *kv;
	struct evbuffer *b = evbuffer_new();
	int any = 0;
	if (!b) {
		http_reply_rpc_error(req, 500, "out of memory");
		return;
	}
	TAILQ_FOREACH(kv, q, next) {
		if (strcmp(kv->key, "arg") != 0)
			continue;
		any = 1;
		cairn_cid cid;
		pin p;
		char err[REPO_ERR_MAX] = "", text[CAIRN_CID_TEXT_MAX];
		const char *a = strncmp(kv->value, "/ipfs/", 6) == 0 ? kv->value + 6 : kv->value;
		snprintf(text, sizeof text, "%.100s", a);
		if (cairn_cid_parse(a, strlen(a), &cid) != 0) {
			snprintf(err, sizeof err, "invalid CID");
		} else {
			cairn_cid_to_string(&cid, text, sizeof text, NULL);
			int pg = pinstore_get(&n->repo, &cid, &p, err);
			if (pg == 0)
				snprintf(err, sizeof err, "pinned: %s (unpin it first)",
				         p.type == PIN_DIRECT ? "direct" : "recursive");
			else if (pg == 1) {
				int d = blockstore_delete(&n->repo.bs, &cid.mh, err);
				if (d > 0)
					snprintf(err, sizeof err, "block not found");
			}
		}
		json_t *j = json_pack("{s:s, s:s}", "Hash", text, "Error", err);
		char *t = j ? json_dumps(j, JSON_COMPACT) : NULL;
		if (t)
			evbuffer_add_printf(b, "%s\n", t);
		free(t);
		json_decref(j);
	}
	if (!any) {
		evbuffer_free(b);
		http_reply_rpc_error(req, 400, "argument \"cid\" is required");
		return;
	}
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", "application/json");
	evhttp_add_header(evhttp_request_get_output_headers(req), "X-Chunked-Output", "1");
	evhttp_send_reply(req, 200, "OK", b);
	evbuffer_free(b);
}

static void gc_line(void *ctx, const cairn_multihash *mh)
{
	cairn_cid cid = {.version = 1, .codec = CAIRN_CODEC_RAW, .mh = *mh};
	char text[CAIRN_CID_TEXT_MAX];
	cairn_cid_to_string(&cid, text, sizeof text, NULL);
	evbuffer_add_printf(ctx, "{\"Key\":{\"/\":\"%s\"}}\n", text);
}

static void api_dag_export(struct evhttp_request *req, node *n, struct evkeyvalq *q)
{
	cairn_cid cid;
	char text[CAIRN_CID_TEXT_MAX];
	if (arg_cid(req, q, &cid) != 0)
		return;
	if (!blockstore_has(&n->repo.bs, &cid)) {
		cairn_cid_to_string(&cid, text, sizeof text, NULL);
		http_reply_rpc_error(req, 404, "block not found: %s", text);
		return;
	}
	stream_source *src = stream_car(&n->repo.bs, &cid, NULL, 0, &cid, DAG_SCOPE_ALL, 0, UINT64_MAX);
	if (!src) {
		http_reply_rpc_error(req, 500, "out of memory");
		return;
	}
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", "application/vnd.ipld.car");
	http_stream(req, 200, src, 1, 1);
}

static int import_feed(void *ctx, const void *data, size_t n)
{
	return car_import_feed(ctx, data, n);
}

struct dag_import {
	node *n;
	int pin_roots;
	struct evbuffer *out;
	char err[512];
};

/* Each part is one CAR; every root gets a result line, as Kubo. */
static int import_part(void *ctx, const multipart_part *p)
{
	struct dag_import *d = ctx;
	car_import ci;
	car_import_init(&ci, &d->n->repo);
	int rc = multipart_read(p, import_feed, &ci);
	if (rc == 0)
		rc = car_import_finish(&ci);
	if (rc != 0) {
		snprintf(d->err, sizeof d->err, "%s", ci.err);
		car_import_free(&ci);
		return ci.io_errno ? http_errno_status(ci.io_errno) : 400;
	}
	for (size_t i = 0; i < ci.nroots; i++) {
		char text[CAIRN_CID_TEXT_MAX], perr[512] = "";
		cairn_cid_to_string(&ci.roots[i], text, sizeof text, NULL);
		if (d->pin_roots && car_import_pin_root(&ci, i, perr) != 0 && !perr[0])
			snprintf(perr, sizeof perr, "pin failed");
		json_t *j = json_pack("{s:{s:{s:s}, s:s}}", "Root", "Cid", "/", text, "PinErrorMsg", perr);
		char *t = j ? json_dumps(j, JSON_COMPACT) : NULL;
		if (t)
			evbuffer_add_printf(d->out, "%s\n", t);
		free(t);
		json_decref(j);
	}
	car_import_free(&ci);
	return 0;
}

static void api_dag_import(struct evhttp_request *req, node *n, struct evkeyvalq *q)
{
	struct dag_import d = {.n = n, .pin_roots = flag(q, "pin-roots", 1)};
	char err[512];
	if (d.pin_roots < 0) {
		http_reply_rpc_error(req, 400, "pin-roots must be true or false");
		return;
	}
	d.out = evbuffer_new();
	const char *ct = evhttp_find_header(evhttp_request_get_input_headers(req), "Content-Type");
	int rc = multipart_each(evhttp_request_get_input_buffer(req), ct, import_part, &d, err);
	if (rc != 0) {
		http_reply_rpc_error(req, rc < 0 ? 400 : rc, "%s", rc < 0 ? err : d.err);
	} else if (evbuffer_get_length(d.out) == 0) {
		http_reply_rpc_error(req, 400, "no CAR file given");
	} else {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", "application/json");
		evhttp_add_header(evhttp_request_get_output_headers(req), "X-Chunked-Output", "1");
		evhttp_send_reply(req, 200, "OK", d.out);
	}
	evbuffer_free(d.out);
}

/* The event loop is the only writer, so GC here cannot race an add. */
static void api_repo_gc(struct evhttp_request *req, node *n, struct evkeyvalq *q)
{
	gc_result res;
	char err[REPO_ERR_MAX];
	struct evbuffer *b = evbuffer_new();
	(void)q;
	if (repo_gc(&n->repo, gc_line, b, &res, err) != 0) {
		evbuffer_free(b);
		http_reply_rpc_error(req, 500, "%s", err);
		return;
	}
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", "application/json");
	evhttp_add_header(evhttp_request_get_output_headers(req), "X-Chunked-Output", "1");
	evhttp_send_reply(req, 200, "OK", b);
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
};

static void verify_bad(void *ctx, const cairn_cid *cid, const char *why)
{
	struct verify_source *v = ctx;
	char text[CAIRN_CID_TEXT_MAX];
	cairn_cid_to_string(cid, text, sizeof text, NULL);
	json_t *j = json_pack("{s:s+++}", "Msg", "block ", text, ": ", why);
	char *t = j ? json_dumps(j, JSON_COMPACT) : NULL;
	if (t)
		evbuffer_add_printf(v->out, "%s\n", t);
	free(t);
	json_decref(j);
	fprintf(stderr, "cairn daemon: repo verify: block %s: %s\n", text, why);
}

static int verify_next(stream_source *s, struct evbuffer *out, cairn_cid *where, char *err)
{
	struct verify_source *v = (struct verify_source *)s;
	(void)where;
	if (v->done)
		return DAG_END;
	v->out = out;
	int rc = verify_step(&v->run, VERIFY_STEP_BYTES, err);
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

static void api_repo_verify(struct evhttp_request *req, node *n, struct evkeyvalq *q)
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
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", "application/json");
	evhttp_add_header(evhttp_request_get_output_headers(req), "X-Chunked-Output", "1");
	http_stream(req, 200, &v->base, 1, 1);
}

/* Reads that fetch what they lack from the peers first. */
static void api_ls_f(struct evhttp_request *req, node *n, struct evkeyvalq *q)
{
	with_fetch(req, n, q, 0, FETCH_SCOPE_ENTITY, api_ls);
}

static void api_block_get_f(struct evhttp_request *req, node *n, struct evkeyvalq *q)
{
	with_fetch(req, n, q, 0, FETCH_SCOPE_BLOCK, api_block_get);
}

static void api_block_stat_f(struct evhttp_request *req, node *n, struct evkeyvalq *q)
{
	with_fetch(req, n, q, 0, FETCH_SCOPE_BLOCK, api_block_stat);
}

static void api_dag_export_f(struct evhttp_request *req, node *n, struct evkeyvalq *q)
{
	with_fetch(req, n, q, 0, FETCH_SCOPE_ALL, api_dag_export);
}

static const struct {
	const char *path;
	api_fn fn;
} routes[] = {
	{"/api/v0/add", api_add},
	{"/api/v0/block/put", api_block_put},
	{"/api/v0/block/rm", api_block_rm},
	{"/api/v0/pin/add", api_pin_add},
	{"/api/v0/pin/rm", api_pin_rm},
	{"/api/v0/repo/gc", api_repo_gc},
	{"/api/v0/repo/verify", api_repo_verify},
	{"/api/v0/dag/export", api_dag_export_f},
	{"/api/v0/dag/import", api_dag_import},
	{"/api/v0/version", api_version},
	{"/api/v0/id", api_id},
	{"/api/v0/cat", api_cat},
	{"/api/v0/ls", api_ls_f},
	{"/api/v0/block/get", api_block_get_f},
	{"/api/v0/block/stat", api_block_stat_f},
	{"/api/v0/pin/ls", api_pin_ls},
	{"/api/v0/repo/stat", api_repo_stat},
	{"/api/v0/anchor/add", anchor_api_add},
	{"/api/v0/anchor/flush", anchor_api_flush},
	{"/api/v0/anchor/proof", anchor_api_proof},
	{"/api/v0/anchor/checkpoints", anchor_api_checkpoints},
	{"/api/v0/anchor/consistency", anchor_api_consistency},
};

void api_handle(struct evhttp_request *req, void *arg)
{
	node *n = arg;
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	struct evkeyvalq q;

	if (pinsvc_handle(req, n))
		return;
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

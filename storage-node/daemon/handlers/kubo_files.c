/* cat and ls: reading files and directories. */
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
#include "stream.h"

static void cat_body(struct http_req *req, node *n, struct evkeyvalq *q);

void kubo_cat(struct http_req *req, node *n, struct evkeyvalq *q)
{
	kubo_with_fetch(req, n, q, FETCH_SCOPE_ENTITY, cat_body);
}

static void cat_body(struct http_req *req, node *n, struct evkeyvalq *q)
{
	cairn_cid cid;
	if (kubo_arg_path(req, n, q, &cid) != 0)
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
	evhttp_add_header(http_req_out(req), "Content-Type", "text/plain");
	http_stream(req, 200, src, STREAM_BODY | STREAM_RPC_ERRORS, n->peers, node_stream_loop(n, req));
}

/* ls: a directory's entries, as Kubo: {"Objects": [{"Hash", "Links":
 * [{"Name", "Hash", "Size", "Type", "Target"}]}]}; Type is the UnixFS type
 * (1 directory, 2 file, 4 symlink, 5 HAMT shard), Size a file's length. */
struct ls_ctx {
	json_t *links;
	char err[CAIRN_ERR_MAX];
};

static int ls_entry(void *ctx, const char *name, size_t len, const cairn_cid *cid, dir_kind kind,
                    uint64_t size)
{
	struct ls_ctx *l = ctx;
	char text[CAIRN_CID_TEXT_MAX];
	int type = kind == KIND_DIR ? 1 : kind == KIND_FILE ? 2 : kind == KIND_SYMLINK ? 4
	         : kind == KIND_HAMT ? 5 : 0;
	cairn_cid_to_string(cid, text, sizeof text, NULL);
	json_array_append_new(l->links, json_pack("{s:s%, s:s, s:I, s:i, s:s}", "Name", name, len,
	                                          "Hash", text, "Size", (json_int_t)size, "Type",
	                                          type, "Target", ""));
	return 0;
}

static void ls_body(struct http_req *req, node *n, struct evkeyvalq *q)
{
	cairn_cid cid, where;
	struct ls_ctx l = {.links = json_array()};
	char text[CAIRN_CID_TEXT_MAX];
	if (kubo_arg_path(req, n, q, &cid) != 0) {
		json_decref(l.links);
		return;
	}
	cairn_cid_to_string(&cid, text, sizeof text, NULL);
	int rc = dir_list_info(&n->repo.bs, &cid, ls_entry, &l, &where, l.err);
	if (rc == DIR_NOT_DIR) {
		/* a file lists as itself, without links, as Kubo */
		rc = 0;
	}
	if (rc != 0) {
		json_decref(l.links);
		kubo_dag_error(req, rc, &where, l.err);
		return;
	}
	kubo_reply(req, json_pack("{s:[{s:s, s:o}]}", "Objects", "Hash", text, "Links", l.links));
}

void kubo_ls(struct http_req *req, node *n, struct evkeyvalq *q)
{
	kubo_with_fetch(req, n, q, FETCH_SCOPE_ENTITY, ls_body);
}

/* refs: the links of arg's DAG as Kubo gives them, one line each,
 * {"Ref": CID, "Err": ""}; recursive and unique as Kubo's flags. */
static int refs_line(void *ctx, const cairn_cid *cid)
{
	char text[CAIRN_CID_TEXT_MAX];
	cairn_cid_to_string(cid, text, sizeof text, NULL);
	return kubo_add_line(ctx, json_pack("{s:s, s:s}", "Ref", text, "Err", ""));
}

void kubo_refs(struct http_req *req, node *n, struct evkeyvalq *q)
{
	cairn_cid cid, where;
	char err[CAIRN_ERR_MAX] = "";
	int recursive = kubo_flag(q, "recursive", 0), unique = kubo_flag(q, "unique", 0);
	if (recursive < 0 || unique < 0) {
		http_reply_rpc_error(req, 400, "recursive and unique are booleans");
		return;
	}
	if (kubo_arg_path(req, n, q, &cid) != 0)
		return;
	struct evbuffer *b = evbuffer_new();
	if (!b) {
		http_reply_rpc_error(req, 500, "out of memory");
		return;
	}
	int rc = dag_refs(&n->repo.bs, &cid, recursive, unique, refs_line, b, &where, err);
	if (rc == 0)
		kubo_reply_lines(req, b);
	else if (rc < 0 && !err[0])
		http_reply_rpc_error(req, 500, "out of memory");
	else
		kubo_dag_error(req, rc, &where, err);
	evbuffer_free(b);
}

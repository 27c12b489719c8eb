/* block/get|stat|put|rm. */
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

#include "multipart.h"
#include "pinstore.h"

static int get_block(struct http_req *req, node *n, struct evkeyvalq *q, cairn_cid *cid,
                     uint8_t **data, size_t *len)
{
	char err[CAIRN_ERR_MAX], text[CAIRN_CID_TEXT_MAX];
	if (kubo_arg_cid(req, q, cid) != 0)
		return -1;
	int rc = blockstore_get(&n->repo.bs, cid, data, len, err);
	if (rc == 0)
		return 0;
	cairn_cid_to_string(cid, text, sizeof text, NULL);
	if (rc == BS_NOT_FOUND || rc == BS_CORRUPT)
		http_reply_rpc_error(req, 404, "block not found: %s", text);
	else
		http_reply_rpc_error(req, node_store_status(req, n), "%s", err);
	return -1;
}

static void block_get_body(struct http_req *req, node *n, struct evkeyvalq *q)
{
	cairn_cid cid;
	uint8_t *data;
	size_t len;
	if (get_block(req, n, q, &cid, &data, &len) != 0)
		return;
	struct evbuffer *b = evbuffer_new();
	evbuffer_add(b, data, len);
	evhttp_add_header(http_req_out(req), "Content-Type", "application/octet-stream");
	http_reply(req, 200, "OK", b);
	evbuffer_free(b);
	free(data);
}

static void block_stat_body(struct http_req *req, node *n, struct evkeyvalq *q)
{
	cairn_cid cid;
	uint8_t *data;
	size_t len;
	char text[CAIRN_CID_TEXT_MAX];
	if (get_block(req, n, q, &cid, &data, &len) != 0)
		return;
	free(data);
	cairn_cid_to_string(&cid, text, sizeof text, NULL);
	kubo_reply(req, json_pack("{s:s, s:I}", "Key", text, "Size", (json_int_t)len));
}

struct block_put {
	node *n;
	uint64_t codec, hash;
	int done;
	cairn_cid cid;
	size_t size;
	enum kubo_fail_kind fail;
	int io_errno;
	char err[CAIRN_ERR_MAX];
};

static int put_part(void *ctx, const multipart_part *p)
{
	struct block_put *b = ctx;
	if (b->done)
		return 0; /* one block per call */
	b->done = 1;
	if (p->len > BLOCK_MAX) {
		snprintf(b->err, sizeof b->err, "block larger than %u bytes", BLOCK_MAX);
		b->fail = KUBO_FAIL_TOO_LARGE;
		return -1;
	}
	uint8_t *data = malloc(p->len + 1);
	if (!data || evbuffer_copyout_from(p->body, &p->start, data, p->len) != (ev_ssize_t)p->len) {
		free(data);
		snprintf(b->err, sizeof b->err, "could not read the block");
		b->fail = KUBO_FAIL_INTERNAL;
		return -1;
	}
	b->cid = (cairn_cid){.version = 1, .codec = b->codec};
	cairn_mh_compute(&b->cid.mh, b->hash, data, p->len);
	cairn_iov iov = {data, p->len};
	int rc = 0;
	if (blockstore_put(&b->n->repo.bs, &b->cid, &iov, 1, b->err) != 0 ||
	    blockstore_commit(&b->n->repo.bs, b->err) != 0) {
		b->fail = KUBO_FAIL_STORAGE;
		b->io_errno = errno;
		rc = -1;
	}
	b->size = p->len;
	free(data);
	return rc;
}

void kubo_block_put(struct http_req *req, node *n, struct evkeyvalq *q)
{
	struct block_put b = {.n = n, .codec = CAIRN_CODEC_RAW, .hash = CAIRN_MH_SHA2_256};
	const char *codec = evhttp_find_header(q, "cid-codec");
	const char *mh = evhttp_find_header(q, "mhtype");
	int pinit = kubo_flag(q, "pin", 0);
	char err[CAIRN_ERR_MAX], text[CAIRN_CID_TEXT_MAX];

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
	const char *ct = evhttp_find_header(http_req_in(req), "Content-Type");
	if (multipart_each(http_req_body(req), ct, put_part, &b, err) != 0) {
		kubo_fail_body(req, b.fail, b.io_errno, b.err, err);
		return;
	}
	if (!b.done) {
		http_reply_rpc_error(req, 400, "data argument is required");
		return;
	}
	if (pinit) {
		pin p = {.cid = b.cid, .type = PIN_DIRECT};
		if (pinstore_put(&n->repo, &p, err) != 0) {
			http_reply_rpc_error(req, node_store_status(req, n), "%s", err);
			return;
		}
	}
	cairn_cid_to_string(&b.cid, text, sizeof text, NULL);
	kubo_reply(req, json_pack("{s:s, s:I}", "Key", text, "Size", (json_int_t)b.size));
}

/* block/rm?arg=CID...: ndjson {"Hash", "Error"} per block, as Kubo; a
 * pinned block is refused (unpin it first). Any failure makes the last
 * line's Error non-empty and the status stays 200, as Kubo streams it. */
void kubo_block_rm(struct http_req *req, node *n, struct evkeyvalq *q)
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
		char err[CAIRN_ERR_MAX] = "", text[CAIRN_CID_TEXT_MAX];
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
				int d = blockstore_delete(&n->repo.bs, &cid.mh, 0, err);
				if (d > 0)
					snprintf(err, sizeof err, "block not found");
			}
		}
		/* a line lost would hide what happened to a block: all or nothing */
		if (kubo_add_line(b, json_pack("{s:s, s:s}", "Hash", text, "Error", err)) != 0) {
			evbuffer_free(b);
			http_reply_rpc_error(req, 500, "out of memory");
			return;
		}
	}
	if (!any) {
		evbuffer_free(b);
		http_reply_rpc_error(req, 400, "argument \"cid\" is required");
		return;
	}
	kubo_reply_lines(req, b);
	evbuffer_free(b);
}

void kubo_block_get(struct http_req *req, node *n, struct evkeyvalq *q)
{
	kubo_with_fetch(req, n, q, FETCH_SCOPE_BLOCK, block_get_body);
}

void kubo_block_stat(struct http_req *req, node *n, struct evkeyvalq *q)
{
	kubo_with_fetch(req, n, q, FETCH_SCOPE_BLOCK, block_stat_body);
}

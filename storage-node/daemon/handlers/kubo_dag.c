/* dag/export|import: CARs; dag/put|get|stat: IPLD records. */
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

#include "car_io.h"
#include "ipld.h"
#include "multipart.h"
#include "pinstore.h"
#include "mpart.h"
#include "stream.h"

static void dag_export_body(struct http_req *req, node *n, struct evkeyvalq *q)
{
	cairn_cid cid;
	char text[CAIRN_CID_TEXT_MAX];
	if (kubo_arg_cid(req, q, &cid) != 0)
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
	evhttp_add_header(http_req_out(req), "Content-Type", "application/vnd.ipld.car");
	http_stream(req, 200, src, STREAM_BODY | STREAM_RPC_ERRORS, NULL, NULL);
}

/* dag/import reads its body as it arrives: each multipart part is one CAR,
 * fed to the importer piece by piece; the roots are pinned once the whole
 * body is in (a client that leaves mid-upload leaves nothing pinned). */
struct dag_import {
	struct http_req *req;
	node *n;
	mpart mp;
	car_import ci;
	int in_car;            /* ci is live */
	int pin_roots;
	cairn_cid *roots;      /* of every CAR, in order */
	size_t nroots;
	enum kubo_fail_kind fail;
	int io_errno;
	char err[CAIRN_ERR_MAX];
};

static int car_begin(void *ctx, const multipart_part *p)
{
	struct dag_import *d = ctx;
	(void)p;
	car_import_init(&d->ci, &d->n->repo);
	d->in_car = 1;
	return 0;
}

static int car_data(void *ctx, const uint8_t *data, size_t n)
{
	struct dag_import *d = ctx;
	return car_import_feed(&d->ci, data, n);
}

static int car_end(void *ctx)
{
	struct dag_import *d = ctx;
	int rc = car_import_finish(&d->ci);
	if (rc == 0 && d->ci.nroots) {
		cairn_cid *r = realloc(d->roots, (d->nroots + d->ci.nroots) * sizeof *r);
		if (!r) {
			snprintf(d->ci.err, sizeof d->ci.err, "out of memory");
			rc = -1;
		} else {
			memcpy(r + d->nroots, d->ci.roots, d->ci.nroots * sizeof *r);
			d->roots = r;
			d->nroots += d->ci.nroots;
		}
	}
	if (rc == 0) {
		car_import_free(&d->ci);
		d->in_car = 0;
	}
	return rc;
}

static const mpart_callbacks car_parts = {car_begin, car_data, car_end};

static void import_free(struct dag_import *d)
{
	if (d->in_car)
		car_import_free(&d->ci); /* drops what it did not make durable */
	free(d->roots);
	free(d);
}

static void import_gone(void *ctx)
{
	import_free(ctx);
}

/* A CAR or the body failed: answer once, read no more. */
static int import_failed(struct dag_import *d, const char *perr)
{
	if (d->in_car && d->ci.err[0]) {
		d->fail = d->ci.io_errno ? KUBO_FAIL_STORAGE : KUBO_FAIL_INPUT;
		d->io_errno = d->ci.io_errno;
		snprintf(d->err, sizeof d->err, "%s", d->ci.err);
	}
	kubo_fail_body(d->req, d->fail, d->io_errno, d->err, perr);
	import_free(d);
	return -1;
}

static int import_body(void *ctx, const uint8_t *p, size_t n)
{
	struct dag_import *d = ctx;
	char perr[CAIRN_ERR_MAX];
	return mpart_feed(&d->mp, p, n, perr) != 0 ? import_failed(d, perr) : 0;
}

/* Every root gets a result line, as Kubo. */
static void import_end(void *ctx)
{
	struct dag_import *d = ctx;
	char perr[CAIRN_ERR_MAX];
	struct evbuffer *out = NULL;
	if (mpart_finish(&d->mp, perr) != 0) {
		import_failed(d, perr);
		return;
	}
	if (d->nroots == 0) {
		http_reply_rpc_error(d->req, 400, "no CAR file given");
		goto done;
	}
	if (!(out = evbuffer_new())) {
		http_reply_rpc_error(d->req, 500, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < d->nroots; i++) {
		char text[CAIRN_CID_TEXT_MAX], pin_err[CAIRN_ERR_MAX] = "";
		cairn_cid_to_string(&d->roots[i], text, sizeof text, NULL);
		if (d->pin_roots && car_pin_root(&d->n->repo, &d->roots[i], pin_err) != 0 && !pin_err[0])
			snprintf(pin_err, sizeof pin_err, "pin failed");
		if (kubo_add_line(out, json_pack("{s:{s:{s:s}, s:s}}", "Root", "Cid", "/", text,
		                                 "PinErrorMsg", pin_err)) != 0) {
			kubo_fail(d->req, KUBO_FAIL_INTERNAL, 0, "out of memory");
			goto done;
		}
	}
	kubo_reply_lines(d->req, out);
done:
	if (out)
		evbuffer_free(out);
	import_free(d);
}

/* At the request's head: the options, then the body as it arrives. */
void kubo_dag_import(struct http_req *req, node *n, struct evkeyvalq *q)
{
	struct dag_import *d = calloc(1, sizeof *d);
	char err[CAIRN_ERR_MAX];
	if (!d) {
		http_reply_rpc_error(req, 500, "out of memory");
		return;
	}
	d->req = req;
	d->n = n;
	d->pin_roots = kubo_flag(q, "pin-roots", 1);
	if (d->pin_roots < 0) {
		http_reply_rpc_error(req, 400, "pin-roots must be true or false");
		import_free(d);
		return;
	}
	if (mpart_init(&d->mp, evhttp_find_header(http_req_in(req), "Content-Type"), &car_parts, d,
	               err) != 0) {
		kubo_fail(req, KUBO_FAIL_INPUT, 0, err);
		import_free(d);
		return;
	}
	http_req_on_close(req, import_gone, d);
	http_req_read_body(req, import_body, import_end, d);
}

void kubo_dag_export(struct http_req *req, node *n, struct evkeyvalq *q)
{
	kubo_with_fetch(req, n, q, FETCH_SCOPE_ALL, dag_export_body);
}

/* ---- dag/put|get|stat: IPLD records ---- */

/* A codec named by a query parameter, or dflt; 0, or a 400 and -1. */
static int codec_arg(struct http_req *req, struct evkeyvalq *q, const char *name, uint64_t dflt,
                     uint64_t *codec)
{
	const char *v = evhttp_find_header(q, name);
	*codec = dflt;
	if (v && (cairn_codec_from_name(v, codec) != 0 || !ipld_codec_ok(*codec))) {
		http_reply_rpc_error(req, 400, "unsupported %s '%.40s' (dag-cbor, dag-json or json)", name, v);
		return -1;
	}
	return 0;
}

struct dag_put {
	node *n;
	ipld_put_opts o;
	int pin;
	struct evbuffer *lines;  /* one {"Cid":{"/":…}} per record */
	enum kubo_fail_kind fail;
	int io_errno;
	char err[CAIRN_ERR_MAX];
};

/* Each file part is one record, as in Kubo. */
static int put_record(void *ctx, const multipart_part *p)
{
	struct dag_put *d = ctx;
	char text[CAIRN_CID_TEXT_MAX];
	cairn_cid cid, where;
	if (p->len > IPLD_INPUT_MAX) {
		snprintf(d->err, sizeof d->err, "record larger than %u bytes", IPLD_INPUT_MAX);
		d->fail = KUBO_FAIL_TOO_LARGE;
		return -1;
	}
	uint8_t *in = malloc(p->len + 1);
	if (!in || evbuffer_copyout_from(p->body, &p->start, in, p->len) != (ev_ssize_t)p->len) {
		free(in);
		snprintf(d->err, sizeof d->err, "out of memory");
		d->fail = KUBO_FAIL_INTERNAL;
		return -1;
	}
	int rc = ipld_put(&d->n->repo.bs, &d->o, in, p->len, &cid, d->err);
	free(in);
	if (rc == DAG_BAD_INPUT) {
		d->fail = KUBO_FAIL_INPUT;
		return -1;
	}
	if (rc != 0) {
		d->fail = KUBO_FAIL_STORAGE;
		d->io_errno = errno;
		return -1;
	}
	if (d->pin) {
		/* pinned as Kubo does, recursively: so everything it links to
		 * must be here (nothing is pinned otherwise; the record stays) */
		int w = dag_find_missing(&d->n->repo.bs, &cid, DAG_RECURSIVE, &where, d->err);
		if (w == DAG_MISSING || w == DAG_INVALID) {
			cairn_cid_to_string(&where, text, sizeof text, NULL);
			snprintf(d->err, sizeof d->err, "cannot pin: block %s %s", text,
			         w == DAG_MISSING ? "is not in the repo" : "does not decode");
			d->fail = KUBO_FAIL_INPUT;
			return -1;
		}
		pin pn = {.cid = cid, .type = PIN_RECURSIVE};
		if (w != 0 || pinstore_put(&d->n->repo, &pn, d->err) != 0) {
			d->fail = KUBO_FAIL_INTERNAL;
			return -1;
		}
	}
	cairn_cid_to_string(&cid, text, sizeof text, NULL);
	if (kubo_add_line(d->lines, json_pack("{s:{s:s}}", "Cid", "/", text)) != 0) {
		snprintf(d->err, sizeof d->err, "out of memory");
		d->fail = KUBO_FAIL_INTERNAL;
		return -1;
	}
	return 0;
}

void kubo_dag_put(struct http_req *req, node *n, struct evkeyvalq *q)
{
	struct dag_put d = {.n = n, .o = {.hash = CAIRN_MH_SHA2_256}};
	const char *mh = evhttp_find_header(q, "hash");
	char err[CAIRN_ERR_MAX];
	if (codec_arg(req, q, "input-codec", CAIRN_CODEC_DAG_JSON, &d.o.input_codec) != 0 ||
	    codec_arg(req, q, "store-codec", CAIRN_CODEC_DAG_CBOR, &d.o.store_codec) != 0)
		return;
	if (mh && (cairn_mh_from_name(mh, &d.o.hash) != 0 || d.o.hash == CAIRN_MH_IDENTITY)) {
		http_reply_rpc_error(req, 400, "unsupported hash '%.40s'", mh);
		return;
	}
	d.pin = kubo_flag(q, "pin", 0);
	d.o.allow_big = kubo_flag(q, "allow-big-block", 0);
	if (d.pin < 0 || d.o.allow_big < 0) {
		http_reply_rpc_error(req, 400, "pin and allow-big-block must be true or false");
		return;
	}
	if (!(d.lines = evbuffer_new())) {
		http_reply_rpc_error(req, 500, "out of memory");
		return;
	}
	const char *ct = evhttp_find_header(http_req_in(req), "Content-Type");
	if (multipart_each(http_req_body(req), ct, put_record, &d, err) != 0)
		kubo_fail_body(req, d.fail, d.io_errno, d.err, err);
	else if (evbuffer_get_length(d.lines) == 0)
		http_reply_rpc_error(req, 400, "argument \"object data\" is required");
	else
		kubo_reply_lines(req, d.lines);
	evbuffer_free(d.lines);
}

/* The reply for an ipld_get / ipld_stat that failed. */
static void ipld_error(struct http_req *req, int rc, const cairn_cid *where, const char *err)
{
	if (rc == DIR_NOT_FOUND || rc == DAG_BAD_INPUT)
		http_reply_rpc_error(req, rc == DIR_NOT_FOUND ? 404 : 400, "%s", err);
	else
		kubo_dag_error(req, rc, where, err);
}

static void dag_get_body(struct http_req *req, node *n, struct evkeyvalq *q)
{
	cairn_cid root, where;
	const char *path;
	uint64_t codec;
	uint8_t *out;
	size_t len;
	char err[CAIRN_ERR_MAX];
	if (kubo_arg_root(req, q, "ref", &root, &path) != 0 ||
	    codec_arg(req, q, "output-codec", CAIRN_CODEC_DAG_JSON, &codec) != 0)
		return;
	int rc = ipld_get(&n->repo.bs, &root, path, codec, &out, &len, &where, err);
	if (rc != 0) {
		ipld_error(req, rc, &where, err);
		return;
	}
	struct evbuffer *b = evbuffer_new();
	if (!b || evbuffer_add(b, out, len) != 0) {
		http_reply_rpc_error(req, 500, "out of memory");
	} else {
		evhttp_add_header(http_req_out(req), "Content-Type",
		                  codec == CAIRN_CODEC_DAG_CBOR ? "application/vnd.ipld.dag-cbor"
		                                                : "application/json");
		http_reply(req, 200, "OK", b);
	}
	if (b)
		evbuffer_free(b);
	free(out);
}

void kubo_dag_get(struct http_req *req, node *n, struct evkeyvalq *q)
{
	/* The peers resolve UnixFS paths only: a record's path is walked here,
	 * from what the repo holds; a bare CID is fetched if missing. */
	const char *arg = evhttp_find_header(q, "arg");
	if (arg && strncmp(arg, "/ipfs/", 6) == 0)
		arg += 6;
	if (arg && strchr(arg, '/'))
		dag_get_body(req, n, q);
	else
		kubo_with_fetch(req, n, q, FETCH_SCOPE_BLOCK, dag_get_body);
}

static void dag_stat_body(struct http_req *req, node *n, struct evkeyvalq *q)
{
	cairn_cid root, where;
	const char *path;
	uint64_t blocks, bytes;
	char err[CAIRN_ERR_MAX], text[CAIRN_CID_TEXT_MAX];
	if (kubo_arg_root(req, q, "ref", &root, &path) != 0)
		return;
	if (*path && strcmp(path, "/") != 0) {
		http_reply_rpc_error(req, 400, "dag/stat takes a CID, not a path");
		return;
	}
	int rc = ipld_stat(&n->repo.bs, &root, &blocks, &bytes, &where, err);
	if (rc != 0) {
		ipld_error(req, rc, &where, err);
		return;
	}
	cairn_cid_to_string(&root, text, sizeof text, NULL);
	/* Kubo's shape: one entry per DAG asked for, then the totals */
	kubo_reply(req, json_pack("{s:[{s:{s:s}, s:I, s:I}], s:I, s:I, s:I, s:f}", "DagStats", "Cid", "/", text,
	                          "Size", (json_int_t)bytes, "NumBlocks", (json_int_t)blocks, "TotalSize",
	                          (json_int_t)bytes, "UniqueBlocks", (json_int_t)blocks, "SharedSize",
	                          (json_int_t)0, "Ratio", 1.0));
}

void kubo_dag_stat(struct http_req *req, node *n, struct evkeyvalq *q)
{
	kubo_with_fetch(req, n, q, FETCH_SCOPE_ALL, dag_stat_body);
}

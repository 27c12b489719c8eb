/* dag/export|import: CARs. */
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
	http_stream(req, 200, src, STREAM_BODY | STREAM_RPC_ERRORS, NULL);
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

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
#include "multipart.h"
#include "stream.h"

static void dag_export_body(struct evhttp_request *req, node *n, struct evkeyvalq *q)
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
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", "application/vnd.ipld.car");
	http_stream(req, 200, src, STREAM_BODY | STREAM_RPC_ERRORS, NULL);
}

static int import_feed(void *ctx, const void *data, size_t n)
{
	return car_import_feed(ctx, data, n);
}

struct dag_import {
	node *n;
	int pin_roots;
	struct evbuffer *out;
	enum kubo_fail_kind fail;
	int io_errno;
	char err[CAIRN_ERR_MAX];
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
		d->fail = ci.io_errno ? KUBO_FAIL_STORAGE : KUBO_FAIL_INPUT;
		d->io_errno = ci.io_errno;
		return -1;
	}
	for (size_t i = 0; i < ci.nroots; i++) {
		char text[CAIRN_CID_TEXT_MAX], perr[512] = "";
		cairn_cid_to_string(&ci.roots[i], text, sizeof text, NULL);
		if (d->pin_roots && car_import_pin_root(&ci, i, perr) != 0 && !perr[0])
			snprintf(perr, sizeof perr, "pin failed");
		if (kubo_add_line(d->out, json_pack("{s:{s:{s:s}, s:s}}", "Root", "Cid", "/", text,
		                                    "PinErrorMsg", perr)) != 0) {
			snprintf(d->err, sizeof d->err, "out of memory");
			car_import_free(&ci);
			d->fail = KUBO_FAIL_INTERNAL;
			return -1;
		}
	}
	car_import_free(&ci);
	return 0;
}

void kubo_dag_import(struct evhttp_request *req, node *n, struct evkeyvalq *q)
{
	struct dag_import d = {.n = n, .pin_roots = kubo_flag(q, "pin-roots", 1)};
	char err[CAIRN_ERR_MAX];
	if (d.pin_roots < 0) {
		http_reply_rpc_error(req, 400, "pin-roots must be true or false");
		return;
	}
	d.out = evbuffer_new();
	const char *ct = evhttp_find_header(evhttp_request_get_input_headers(req), "Content-Type");
	int rc = multipart_each(evhttp_request_get_input_buffer(req), ct, import_part, &d, err);
	if (rc != 0) {
		if (d.fail == KUBO_FAIL_NONE)
			kubo_fail(req, KUBO_FAIL_INPUT, 0, err);
		else
			kubo_fail(req, d.fail, d.io_errno, d.err);
	} else if (evbuffer_get_length(d.out) == 0) {
		http_reply_rpc_error(req, 400, "no CAR file given");
	} else {
		kubo_reply_lines(req, d.out);
	}
	evbuffer_free(d.out);
}

void kubo_dag_export(struct evhttp_request *req, node *n, struct evkeyvalq *q)
{
	kubo_with_fetch(req, n, q, FETCH_SCOPE_ALL, dag_export_body);
}

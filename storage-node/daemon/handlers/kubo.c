/*
 * The Kubo RPC API, /api/v0/..., on the API listener: POST only, as Kubo;
 * arguments in the query string (arg=...); JSON results; errors as
 * {"Message": ..., "Code": 0, "Type": "error"}. Endpoints: version, id,
 * add, cat, ls, block/get|put|stat|rm, pin/add|ls|rm, dag/export|import,
 * repo/gc|stat|verify. The pinning service API (/pins) is pinsvc.c's.
 */
#include "kubo.h"
#include "kubo_util.h"

#include "cairn/error.h"
#include "http_util.h"

#include "anchor_api.h"
#include "cairn/version.h"
#include "http_util.h"
#include "pinsvc.h"

#include <event2/buffer.h>
#include <sys/queue.h> /* TAILQ_*, which keyvalq_struct.h needs */
#include <event2/keyvalq_struct.h>
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

static void kubo_version(struct evhttp_request *req, node *n, struct evkeyvalq *q)
{
	struct utsname u;
	char sys[128] = "unknown";
	(void)n;
	(void)q;
	if (uname(&u) == 0)
		snprintf(sys, sizeof sys, "%s/%s", u.machine, u.sysname);
	kubo_reply(req, json_pack("{s:s, s:s, s:s, s:s}", "Version", CAIRN_VERSION, "Commit", "",
	                              "Repo", REPO_VERSION, "System", sys));
}

static void kubo_id(struct evhttp_request *req, node *n, struct evkeyvalq *q)
{
	(void)q;
	kubo_reply(req, json_pack("{s:s, s:[], s:s, s:s}", "ID", n->repo.peer_id, "Addresses",
	                              "AgentVersion", "cairn/" CAIRN_VERSION, "ProtocolVersion",
	                              "ipfs/0.1.0"));
}

static const struct {
	const char *path;
	kubo_fn fn;
} routes[] = {
	{"/api/v0/add", kubo_add},
	{"/api/v0/block/put", kubo_block_put},
	{"/api/v0/block/rm", kubo_block_rm},
	{"/api/v0/pin/add", kubo_pin_add},
	{"/api/v0/pin/rm", kubo_pin_rm},
	{"/api/v0/repo/gc", kubo_repo_gc},
	{"/api/v0/repo/verify", kubo_repo_verify},
	{"/api/v0/dag/export", kubo_dag_export},
	{"/api/v0/dag/import", kubo_dag_import},
	{"/api/v0/version", kubo_version},
	{"/api/v0/id", kubo_id},
	{"/api/v0/cat", kubo_cat},
	{"/api/v0/ls", kubo_ls},
	{"/api/v0/block/get", kubo_block_get},
	{"/api/v0/block/stat", kubo_block_stat},
	{"/api/v0/pin/ls", kubo_pin_ls},
	{"/api/v0/repo/stat", kubo_repo_stat},
	{"/api/v0/anchor/add", anchor_api_add},
	{"/api/v0/anchor/flush", anchor_api_flush},
	{"/api/v0/anchor/proof", anchor_api_proof},
	{"/api/v0/anchor/checkpoints", anchor_api_checkpoints},
	{"/api/v0/anchor/consistency", anchor_api_consistency},
};

void kubo_handle(struct evhttp_request *req, void *arg)
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


/*
 * The Kubo RPC API, /api/v0/..., on the API listener: POST only, as Kubo;
 * arguments in the query string (arg=...); JSON results; errors as
 * {"Message": ..., "Code": 0, "Type": "error"}. Endpoints: version, id,
 * add, cat, ls, block/get|put|stat|rm, pin/add|ls|rm, dag/export|import|put|get|stat,
 * repo/gc|stat|verify. The pinning service API (/pins) is pinsvc.c's.
 */
#include "kubo.h"
#include "cairn_commit.h"
#include "kubo_util.h"
#include "cairn/multibase.h"

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

static void kubo_version(struct http_req *req, node *n, struct evkeyvalq *q)
{
	struct utsname u;
	char sys[128] = "unknown";
	(void)n;
	(void)q;
	if (uname(&u) == 0)
		snprintf(sys, sizeof sys, "%s/%s", u.machine, u.sysname);
	kubo_reply(req, json_pack("{s:s, s:s, s:s, s:s}", "Version", CAIRN_VERSION, "Commit", CAIRN_COMMIT,
	                              "Repo", REPO_VERSION, "System", sys));
}

/* As Kubo's: the PeerID, its public key (the libp2p PublicKey protobuf
 * that an Ed25519 PeerID carries inline, in base64), and where the node
 * is: the gateway, as a trustless gateway (routing v1 announces the same
 * address), so clients see it online and may take it as a pin origin. */
static void kubo_id(struct http_req *req, node *n, struct evkeyvalq *q)
{
	uint8_t mh[64];
	size_t ml = 0;
	char pub[96] = "";
	(void)q;
	if (cairn_base_decode(CAIRN_BASE58BTC, n->repo.peer_id, strlen(n->repo.peer_id), mh, sizeof mh, &ml) == 0 &&
	    ml > 2 && mh[0] == 0x00 && mh[1] == ml - 2)
		cairn_base_encode(CAIRN_BASE64PAD, mh + 2, ml - 2, pub, sizeof pub, NULL);
	json_t *addrs = json_array();
	if (addrs && n->delegate[0])
		json_array_append_new(addrs, json_string(n->delegate));
	kubo_reply(req, json_pack("{s:s, s:s, s:o, s:s, s:s, s:[]}", "ID", n->repo.peer_id, "PublicKey", pub,
	                              "Addresses", addrs ? addrs : json_array(), "AgentVersion",
	                              "cairn/" CAIRN_VERSION, "ProtocolVersion", "ipfs/0.1.0", "Protocols"));
}

/* An endpoint that reads its body as it arrives (KUBO_STREAMS) runs at the
 * request's head and registers a reader; the others run once the body is
 * whole. */
#define KUBO_STREAMS 1

static const struct route {
	const char *path;
	kubo_fn fn;
	int flags;
} routes[] = {
	{"/api/v0/add", kubo_add, KUBO_STREAMS},
	{"/api/v0/block/put", kubo_block_put, 0},
	{"/api/v0/block/rm", kubo_block_rm, 0},
	{"/api/v0/pin/add", kubo_pin_add, 0},
	{"/api/v0/pin/rm", kubo_pin_rm, 0},
	{"/api/v0/repo/gc", kubo_repo_gc, 0},
	{"/api/v0/repo/verify", kubo_repo_verify, 0},
	{"/api/v0/dag/export", kubo_dag_export, 0},
	{"/api/v0/dag/import", kubo_dag_import, KUBO_STREAMS},
	{"/api/v0/dag/put", kubo_dag_put, 0},
	{"/api/v0/dag/get", kubo_dag_get, 0},
	{"/api/v0/dag/stat", kubo_dag_stat, 0},
	{"/api/v0/version", kubo_version, 0},
	{"/api/v0/id", kubo_id, 0},
	{"/api/v0/cat", kubo_cat, 0},
	{"/api/v0/ls", kubo_ls, 0},
	{"/api/v0/refs", kubo_refs, 0},
	{"/api/v0/block/get", kubo_block_get, 0},
	{"/api/v0/block/stat", kubo_block_stat, 0},
	{"/api/v0/pin/ls", kubo_pin_ls, 0},
	{"/api/v0/pin/verify", kubo_pin_verify, 0},
	{"/api/v0/repo/stat", kubo_repo_stat, 0},
	{"/api/v0/config", kubo_config, 0},
	{"/api/v0/config/show", kubo_config_show, 0},
	{"/api/v0/anchor/add", anchor_api_add, 0},
	{"/api/v0/anchor/flush", anchor_api_flush, 0},
	{"/api/v0/anchor/proof", anchor_api_proof, 0},
	{"/api/v0/anchor/checkpoints", anchor_api_checkpoints, 0},
	{"/api/v0/anchor/consistency", anchor_api_consistency, 0},
	{"/api/v0/anchor/key", anchor_api_key, 0},
};

static const struct route *route_of(const char *path)
{
	for (size_t i = 0; path && i < sizeof routes / sizeof routes[0]; i++)
		if (strcmp(path, routes[i].path) == 0)
			return &routes[i];
	return NULL;
}

static void call(struct http_req *req, node *n, const struct route *r)
{
	struct evkeyvalq q;
	TAILQ_INIT(&q);
	/* POST only, as Kubo: a browser cannot trigger these from a link. */
	if (http_req_method(req) != HTTP_METHOD_POST) {
		evhttp_add_header(http_req_out(req), "Allow", "POST");
		http_reply_rpc_error(req, 405, "405 - Method Not Allowed");
		return;
	}
	if (http_parse_query(req, &q) != 0) {
		http_reply_rpc_error(req, 400, "malformed query string");
		return;
	}
	r->fn(req, n, &q);
	evhttp_clear_headers(&q);
}

void kubo_head(struct http_req *req, void *arg)
{
	node *n = arg;
	const struct route *r = route_of(http_req_path(req));
	if (r && (r->flags & KUBO_STREAMS))
		call(req, n, r);
}

void kubo_handle(struct http_req *req, void *arg)
{
	node *n = arg;
	const char *path = http_req_path(req);
	const struct route *r;

	if (pinsvc_handle(req, n))
		return;
	if ((r = route_of(path)) != NULL)
		call(req, n, r);
	else
		http_reply_rpc_error(req, 404, "404 page not found: %s", path ? path : "");
}

/* What every listener serves besides its handlers: /healthz and /metrics;
 * and the repo's totals, which /metrics and repo/stat report. */
#include "node.h"
#include "anchorer.h"
#include "witnesser.h"
#include "anchorlog.h"
#include "bcache.h"
#include "http_util.h"
#include "server.h"
#include "peers.h"
#include "pgmirror.h"
#include "pinreq.h"
#include "pinstore.h"
#include "replicator.h"

#include <event2/buffer.h>
#include <event2/http.h>
#include <inttypes.h>
#include <string.h>

/*
 * /healthz: "ok" for a node whose stores are its own disk. A node whose
 * blocks or index are elsewhere (Ceph, PostgreSQL) says how each is, one
 * line each after the first:
 *   ok         everything answers                       200
 *   degraded   the index does not: reads of what is     200
 *              stored go on, writes answer 503
 *   down       the blockstore does not: nothing can     503
 *              be served (a load balancer should send
 *              requests to another node)
 * The index is asked (SELECT 1) at each probe; the blockstore is "away"
 * during its back-off after an operation timed out (bs_rados.h).
 */
static int health(node *n, struct evbuffer *b)
{
	const char *type = repo_config_str(&n->repo, "Datastore", "Type");
	int remote = type && strcmp(type, "flatfs") != 0;
	if (!remote && !n->repo.pg) {
		evbuffer_add_printf(b, "ok\n");
		return 200;
	}
	int blocks = blockstore_available(&n->repo.bs), index = 1;
	char err[CAIRN_ERR_MAX] = "";
	if (n->repo.pg) {
		PGresult *res = pgindex_exec(n->repo.pg, "index", "SELECT 1", NULL, err);
		index = res != NULL;
		PQclear(res);
	}
	evbuffer_add_printf(b, "%s\n", !blocks ? "down" : !index ? "degraded" : "ok");
	evbuffer_add_printf(b, "blocks: %s %s\n", remote ? type : "flatfs", blocks ? "up" : "away");
	if (n->repo.pg)
		evbuffer_add_printf(b, "index: postgresql %s%s%s\n", index ? "up" : "away", index ? "" : ": ",
		                    index ? "" : err);
	else
		evbuffer_add_printf(b, "index: lmdb up\n");
	return blocks ? 200 : 503;
}

/* What /metrics reports (on loop 0: the services' state is read there). */
struct render {
	node *n;
	struct evbuffer *b;
};

static void render_metrics(void *arg)
{
	struct render *rd = arg;
	node *n = rd->n;
	struct evbuffer *b = rd->b;
	uint64_t pins = 0;
	char err[CAIRN_ERR_MAX];
	pinstore_count(&n->repo, &pins, err); /* 0 on failure is fine for a gauge */
	metrics now;
	metrics_snapshot(&n->metrics, &now);
	node_totals(n, &now.blocks, &now.repo_bytes);
	metrics_render(&now, pins, b);
	http_server_metrics(n->servers, n->nservers, b);
	evbuffer_add_printf(b, "# HELP cairn_http_request_bytes_held Request bytes received "
	                    "and not yet released, all connections (Limits.MaxBufferedBytes).\n"
	                    "# TYPE cairn_http_request_bytes_held gauge\n"
	                    "cairn_http_request_bytes_held %llu\n",
	                    (unsigned long long)(n->bytes_held ? __atomic_load_n(n->bytes_held, __ATOMIC_RELAXED) : 0));
	evbuffer_add_printf(b, "# HELP cairn_blocks_corrupt_total Block reads that found the stored "
	                       "bytes not matching the block's name (never served).\n"
	                       "# TYPE cairn_blocks_corrupt_total counter\ncairn_blocks_corrupt_total %" PRIu64 "\n",
	                    __atomic_load_n(&n->repo.bs.corrupt, __ATOMIC_RELAXED));
	if (n->repo.bs.cache) {
		bcache_stats cs;
		bcache_get_stats(n->repo.bs.cache, &cs);
		evbuffer_add_printf(b,
		                    "# HELP cairn_block_cache_hits_total Blocks served from the verified block cache.\n"
		                    "# TYPE cairn_block_cache_hits_total counter\ncairn_block_cache_hits_total %" PRIu64 "\n"
		                    "# HELP cairn_block_cache_misses_total Blocks read from disk (and verified).\n"
		                    "# TYPE cairn_block_cache_misses_total counter\ncairn_block_cache_misses_total %" PRIu64 "\n"
		                    "# HELP cairn_block_cache_evictions_total Blocks evicted from the cache.\n"
		                    "# TYPE cairn_block_cache_evictions_total counter\ncairn_block_cache_evictions_total %" PRIu64 "\n"
		                    "# HELP cairn_block_cache_bytes Block bytes held (Datastore.BlockCacheBytes).\n"
		                    "# TYPE cairn_block_cache_bytes gauge\ncairn_block_cache_bytes %" PRIu64 "\n",
		                    cs.hits, cs.misses, cs.evictions, cs.bytes);
	}
	if (n->peers) {
		const peers *all[NODE_LOOPS_MAX];
		size_t k = 0;
		all[k++] = n->peers;
		for (size_t i = 1; i < NODE_LOOPS_MAX; i++)
			if (n->loop_peers[i])
				all[k++] = n->loop_peers[i];
		peers_metrics(all, k, b);
	}
	if (n->replicator)
		replicator_metrics(n->replicator, b);
	uint64_t log_size, pr[5];
	if (anchorlog_size(&n->repo, &log_size, err) == 0)
		evbuffer_add_printf(b, "# HELP cairn_anchor_log_size Leaves in the anchoring log.\n"
		                       "# TYPE cairn_anchor_log_size gauge\ncairn_anchor_log_size %" PRIu64 "\n",
		                    log_size);
	if (n->anchor)
		anchorer_metrics(n->anchor, b);
	if (n->witnesser)
		witnesser_metrics(n->witnesser, b);
	if (pinreq_counts(&n->repo, pr, err) == 0)
		evbuffer_add_printf(b, "# HELP cairn_pin_requests Pinning Service pin requests, by status.\n"
		                       "# TYPE cairn_pin_requests gauge\n"
		                       "cairn_pin_requests{status=\"queued\"} %" PRIu64 "\n"
		                       "cairn_pin_requests{status=\"pinning\"} %" PRIu64 "\n"
		                       "cairn_pin_requests{status=\"pinned\"} %" PRIu64 "\n"
		                       "cairn_pin_requests{status=\"failed\"} %" PRIu64 "\n",
		                    pr[PINREQ_QUEUED], pr[PINREQ_PINNING], pr[PINREQ_PINNED], pr[PINREQ_FAILED]);
	if (n->mirror) {
		int up;
		uint64_t pins_behind, leaves_behind;
		pgmirror_status(n->mirror, &up, &pins_behind, &leaves_behind);
		evbuffer_add_printf(b,
		                    "# HELP cairn_pg_mirror_up Connected to the PostgreSQL mirror.\n"
		                    "# TYPE cairn_pg_mirror_up gauge\ncairn_pg_mirror_up %d\n"
		                    "# HELP cairn_pg_mirror_pins_behind Pin changes not yet in PostgreSQL.\n"
		                    "# TYPE cairn_pg_mirror_pins_behind gauge\ncairn_pg_mirror_pins_behind %" PRIu64 "\n"
		                    "# HELP cairn_pg_mirror_leaves_behind Anchored leaves whose proofs are not yet in PostgreSQL.\n"
		                    "# TYPE cairn_pg_mirror_leaves_behind gauge\ncairn_pg_mirror_leaves_behind %" PRIu64 "\n",
		                    up, pins_behind, leaves_behind);
	}
}

int node_serve_ops(struct http_req *req, node *n)
{
	const char *path = http_req_path(req);
	if (!path)
		return 0;
	if (strcmp(path, "/healthz") == 0) {
		struct evbuffer *b = evbuffer_new();
		int code = health(n, b);
		evhttp_add_header(http_req_out(req), "Content-Type", "text/plain");
		evhttp_add_header(http_req_out(req), "Cache-Control", "no-store");
		http_reply(req, code, code == 200 ? "OK" : "Service Unavailable", b);
		evbuffer_free(b);
		return 1;
	}
	if (strcmp(path, "/metrics") == 0) {
		struct render rd = {n, evbuffer_new()};
		if (!rd.b) {
			http_reply_text(req, 500, "out of memory");
			return 1;
		}
		int rc = 0;
		if (n->call_main)
			rc = n->call_main(render_metrics, &rd);
		else
			render_metrics(&rd);
		if (rc != 0) {
			evbuffer_free(rd.b);
			http_reply_text(req, 503, "the node is stopping");
			return 1;
		}
		struct evbuffer *b = rd.b;
		evhttp_add_header(http_req_out(req), "Content-Type",
		                  "text/plain; version=0.0.4; charset=utf-8");
		evhttp_add_header(http_req_out(req), "Cache-Control", "no-store");
		http_reply(req, 200, "OK", b);
		evbuffer_free(b);
		return 1;
	}
	return 0;
}

peers *node_peers(node *n, struct http_req *req)
{
	unsigned l = req ? http_req_loop(req) : 0;
	return l > 0 && l < NODE_LOOPS_MAX && n->loop_peers[l] ? n->loop_peers[l] : n->peers;
}

void node_totals(const node *n, uint64_t *blocks, uint64_t *bytes)
{
	const blockstore *bs = &n->repo.bs;
	*blocks = n->metrics.blocks + __atomic_load_n(&bs->added_blocks, __ATOMIC_RELAXED) -
	          __atomic_load_n(&bs->removed_blocks, __ATOMIC_RELAXED);
	*bytes = n->metrics.repo_bytes + __atomic_load_n(&bs->added_bytes, __ATOMIC_RELAXED) -
	         __atomic_load_n(&bs->removed_bytes, __ATOMIC_RELAXED);
}

int node_store_status(struct http_req *req, node *n)
{
	if (blockstore_available(&n->repo.bs) && (!n->repo.pg || pgindex_available(n->repo.pg)))
		return 500;
	evhttp_add_header(http_req_out(req), "Retry-After", "2");
	return 503;
}

struct stream_loop *node_stream_loop(node *n, struct http_req *req)
{
	unsigned l = req ? http_req_loop(req) : 0;
	return l < NODE_LOOPS_MAX ? n->loop_streams[l] : NULL;
}

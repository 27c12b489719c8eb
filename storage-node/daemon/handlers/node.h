/* The running daemon's state, shared by its HTTP handlers. */
#ifndef CAIRN_NODE_H
#define CAIRN_NODE_H

#include <event2/event.h>
#include <event2/http.h>
#include "server.h"
#include <stdint.h>

#include "metrics.h"
#include "repo.h"

struct http_server;

/* Servers a node may have: a listener's on each of its loops. */
#define NODE_SERVERS_MAX 72
/* Event loops a node may have (Daemon.Threads). */
#define NODE_LOOPS_MAX 64

typedef struct node {
	repo repo;
	struct event_base *base;
	metrics metrics;
	/* threads that hash the leaves of uploads beside the loop (parfor.h);
	 * NULL: on the loop alone */
	struct parfor *pool;
	/* The gateway's address as a multiaddr ending in /p2p/<PeerID>: where
	 * pinning service clients may fetch from (PinStatus.delegates). */
	char delegate[256];
	/* putting checkpoints on a chain; NULL without --chain-rpc */
	struct anchorer *anchor;
	/* asking witnesses to cosign checkpoints; NULL without --witness */
	struct witnesser *witnesser;
	/* this node as a witness of other logs (config Witness.Logs); NULL:
	 * it witnesses none */
	struct witness *witness;
	/* the largest checkpoint size seen by the tile handler (tlog.h): a
	 * checkpoint, once made, stays, so tiles below it need no look at the
	 * newest (atomic; any loop) */
	uint64_t log_covered;
	/* full tiles served lately (tlog.h) */
	struct tlog_cache *tile_cache;
	/* the pin requests this node works on, and in a cluster its claims
	 * on them (pinsvc_job.h); loop 0's */
	struct pinsvc_jobs *pin_jobs;
	/* mirroring pins and proofs into PostgreSQL; NULL without --pg */
	struct pgmirror *mirror;
	/* where missing content is fetched from; NULL without --peer. The
	 * loop 0's; each other loop has its own (their clients run on their
	 * loops): node_peers() picks a request's. */
	struct peers *peers;
	struct peers *loop_peers[NODE_LOOPS_MAX]; /* [0] unused */
	/* each loop's parked streams (stream.h), [0] included; NULL where
	 * none is needed (no blockstore reading ahead) */
	struct stream_loop *loop_streams[NODE_LOOPS_MAX];
	/* --peer-timeout: for the peers, and for pin requests' origins (0:
	 * PEER_TIMEOUT_SECS) */
	unsigned peer_timeout;
	/* a CA trusted beside the system's for every https:// dialled
	 * (--ca-file, TLS.CAFile), or NULL */
	const char *ca_file;
	/* asking other nodes to pin what this one pins; NULL without --replicate-to */
	struct replicator *replicator;
	/* SHA-256 of the --api-token secret, if api_token_set (auth.h) */
	uint8_t api_token_hash[32];
	int api_token_set;
	/* the API listens on an address beyond loopback */
	int api_public;
	/* every listener's server on every loop, and the request bytes they
	 * hold (for /metrics; set by the daemon as it starts listening, read
	 * on loop 0) */
	struct http_server *servers[NODE_SERVERS_MAX];
	size_t nservers;
	const uint64_t *bytes_held;
	/* Run fn(arg) on loop 0 (the one the services and the index belong to)
	 * and return once it has: 0, or -1 if that loop has stopped. NULL: one
	 * loop only, fn is called directly. */
	int (*call_main)(void (*fn)(void *arg), void *arg);
} node;

/* The peers for requests on req's loop (NULL without --peer). */
struct peers *node_peers(node *n, struct http_req *req);

/* The repo's blocks and bytes on disk: counted at start, kept current by
 * the blockstore's write counters, so nothing walks the repo per request. */
void node_totals(const node *n, uint64_t *blocks, uint64_t *bytes);

/* /metrics and /healthz, served on both listeners, from any loop (what
 * /metrics reports is gathered on loop 0). 1 if req was one of them (and
 * has been answered), 0 otherwise. */
int node_serve_ops(struct http_req *req, node *n);

/* The status for a failed use of the blockstore or the index: 503 (with
 * a Retry-After) while the blockstore's backend or a PostgreSQL index is
 * known to be unreachable, else 500. */
int node_store_status(struct http_req *req, node *n);

/* The stream_loop of req's loop (NULL: streams wait for their blocks). */
struct stream_loop *node_stream_loop(node *n, struct http_req *req);

#endif

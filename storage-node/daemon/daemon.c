/*
 * cairn daemon: the node's event loop, with the API and gateway listeners.
 * It holds the repo lock for its lifetime, so a second daemon (or a CLI
 * command that would write to the repo) is refused rather than racing it.
 */
#include "anchorer.h"
#include "log.h"
#include "api_headers.h"
#include "auth.h"
#include "server.h"
#include "peers.h"
#include "pgmirror.h"
#include "pinsvc.h"
#include "replicator.h"
#include "kubo.h"
#include "daemon.h"
#include "gateway.h"
#include "http_util.h"
#include "client.h"
#include "node.h"
#include "bcache.h"
#include "parfor.h"
#include "loops.h"
#include "pinstore.h"
#include "stream.h"
#include "checkpoint.h"
#include "witness.h"
#include "tlog.h"

#include <arpa/inet.h>
#include <errno.h>
#include <malloc.h>
#include <event2/http.h>
#include <sys/queue.h> /* TAILQ_*, which keyvalq_struct.h needs */
#include <event2/keyvalq_struct.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <event2/buffer.h>

/* Limits (docs/security.md), each overridable in the config's Limits.
 * Request line and headers together (Limits.MaxHeaderBytes): 431 past
 * this. Kubo clients put every argument in the URL. */
#define HEADERS_MAX_DEFAULT (64 * 1024)
#define GATEWAY_BODY_MAX WITNESS_BODY_MAX /* its one POST: a witness's add-checkpoint */
/* Bodies that their handlers take whole (block/put: a 2 MiB block and its
 * multipart framing; anchor/add: 10,000 CIDs; /pins JSON) are held in
 * memory, up to this (or Limits.MaxUploadBytes if lower); larger ones get
 * 413. Streamed bodies (add, dag/import) are never held: they have no cap
 * unless MaxUploadBytes sets one, a quota. */
#define API_BODY_MAX_DEFAULT (4ull * 1024 * 1024)
/* Longer request targets get 414 (Limits.MaxURLBytes), more header
 * fields 431 (Limits.MaxHeaderFields). */
#define URL_MAX_DEFAULT (32 * 1024)
#define HEADER_FIELDS_MAX_DEFAULT 100
/* Descriptors kept for what is not a client connection. */
#define FDS_RESERVED 128
/* In-flight replies get this long to finish after SIGTERM/SIGINT. */
#define SHUTDOWN_GRACE_SECS 2

struct listener {
	struct http_server *srv;     /* on loop 0 */
	const char *name;
	node *n;
	enum listener_id id;
	struct http_group *group;    /* its servers on every loop, or NULL: loop 0 only */
	char host[256];
	unsigned short port;         /* as bound (a port 0 asked for is known once bound) */
	char shown[128];             /* its "listening" line */
};

static struct listener listeners[LISTENER_COUNT];
/* the loops beyond loop 0 (loops.h) */
static struct loops *workers;

/* Limits taken from the config at start. */
static struct {
	http_limits http;
	uint64_t budget; /* request bytes held now, both listeners */
} limits;

/*
 * Every request passes through here: on_head when its head has arrived
 * (the token is checked then, before any body is read), on_request once
 * its body is whole, on_done when its reply is (the log line and the
 * metrics: the duration runs from its head to the end of its reply).
 */
static void on_head(struct http_req *req, void *arg)
{
	struct listener *l = arg;
	if (l->id != LISTENER_API)
		return;
	if (api_headers(req, l->n)) /* answered a CORS preflight */
		return;
	auth_head(l->n, req); /* answers a refusal */
	if (!http_req_status(req))
		kubo_head(req, l->n);
}

static void on_request(struct http_req *req, void *arg)
{
	struct listener *l = arg;
	if (http_req_status(req) || node_serve_ops(req, l->n))
		return;
	if (l->id == LISTENER_API)
		kubo_handle(req, l->n);
	else
		gateway_handle(req, l->n);
}

static void on_done(struct http_req *req, void *arg)
{
	struct listener *l = arg;
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)t1.tv_sec + (double)t1.tv_nsec / 1e9 - http_req_started(req);
	metrics_observe(&l->n->metrics, l->id, http_req_status(req), http_req_upstream(req), http_req_sent(req),
	                secs);
	http_log(req, metrics_server_name(l->id), secs);
}

/* The server's own refusals (limits, malformed requests), in each
 * listener's error format (docs/security.md): text on the gateway, Kubo's
 * JSON on the API, and the Pinning Service's Failure object under /pins. */
static void on_refuse(struct http_req *req, int code, const char *msg, void *arg)
{
	struct listener *l = arg;
	const char *path = http_req_path(req);
	if (l->id == LISTENER_GATEWAY)
		http_reply_text(req, code, "%s", msg);
	else if (path && strncmp(path, "/pins", 5) == 0 && (path[5] == '\0' || path[5] == '/'))
		pinsvc_fail(req, code, msg);
	else
		http_reply_rpc_error(req, code, "%s", msg);
}

/* "HOST:PORT" with an IPv4 host or "localhost". */
int daemon_split_addr(const char *s, char *host, size_t cap, unsigned short *port)
{
	const char *colon = strrchr(s, ':');
	char *end;
	if (!colon || colon == s || (size_t)(colon - s) >= cap)
		return -1;
	long p = strtol(colon + 1, &end, 10);
	if (*end || colon[1] == '\0' || p < 0 || p > 65535)
		return -1;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	if (strcmp(host, "localhost") == 0)
		snprintf(host, cap, "127.0.0.1");
	*port = (unsigned short)p;
	return 0;
}

/* A server for l on base (loop number loop). */
static struct http_server *server_for(struct listener *l, struct event_base *base, unsigned loop)
{
	http_server_opts so = {
		.name = l->id == LISTENER_API ? "api" : "gateway",
		.html_errors = l->id == LISTENER_GATEWAY,
		.lim = limits.http,
		.budget = &limits.budget,
		.on_head = on_head,
		.on_request = on_request,
		.on_done = on_done,
		.on_refuse = on_refuse,
		.arg = l,
		.group = l->group,
		.loop = loop,
	};
	if (l->id == LISTENER_GATEWAY) { /* its bodies are small and all collected */
		so.fixed_headers = gateway_fixed_headers;
		so.lim.max_body = GATEWAY_BODY_MAX;
		so.lim.max_upload = 0;
	}
	return http_server_new(base, l->host, l->port, &so);
}

static int listen_on(node *n, struct listener *l, const char *addr)
{
	if (daemon_split_addr(addr, l->host, sizeof l->host, &l->port) != 0) {
		log_error("invalid %s address '%s' (use HOST:PORT)", l->name, addr);
		return DAEMON_BAD_CONFIG;
	}
	l->srv = server_for(l, n->base, 0);
	if (!l->srv) {
		log_error("cannot listen for the %s on %s: %s", l->name, addr, strerror(errno));
		return DAEMON_FAILED;
	}
	n->servers[n->nservers++] = l->srv;
	struct sockaddr_in sa;
	socklen_t sl = sizeof sa;
	char ip[INET_ADDRSTRLEN] = "?";
	if (getsockname(http_server_fd(l->srv), (struct sockaddr *)&sa, &sl) == 0) {
		inet_ntop(AF_INET, &sa.sin_addr, ip, sizeof ip);
		l->port = ntohs(sa.sin_port);
	}
	/* announced once everything has started (daemon_run): never a
	 * "listening" line from a daemon that then exits on a bad option */
	snprintf(l->shown, sizeof l->shown, "%s server listening on http://%s:%u\n", l->name, ip, l->port);
	if (l->id == LISTENER_API)
		n->api_public = (ntohl(sa.sin_addr.s_addr) >> 24) != 127;
	if (l->id == LISTENER_GATEWAY)
		snprintf(n->delegate, sizeof n->delegate, "/ip4/%s/tcp/%u/http/p2p/%s", ip, l->port,
		         n->repo.peer_id);
	return 0;
}

/* The API's address in the repo's api file (REPO_API_FILE), for the CLI:
 * written (whole, by rename) once the daemon serves, so it names the port
 * really bound. Into written (cap bytes) what was written, "" if nothing. */
static void api_file_write(const node *n, const struct listener *l, char *written, size_t cap)
{
	char path[REPO_PATH_MAX + 16], tmp[REPO_PATH_MAX + 32], ip[INET_ADDRSTRLEN] = "127.0.0.1";
	struct sockaddr_in sa;
	socklen_t sl = sizeof sa;
	written[0] = '\0';
	if (getsockname(http_server_fd(l->srv), (struct sockaddr *)&sa, &sl) == 0 &&
	    sa.sin_addr.s_addr != htonl(INADDR_ANY))
		inet_ntop(AF_INET, &sa.sin_addr, ip, sizeof ip); /* (any address: loopback reaches it) */
	snprintf(path, sizeof path, "%s/%s", n->repo.path, REPO_API_FILE);
	snprintf(tmp, sizeof tmp, "%s.tmp-%ld", path, (long)getpid());
	FILE *f = fopen(tmp, "w");
	int ok = f && fprintf(f, "/ip4/%s/tcp/%u\n", ip, l->port) > 0;
	if (f && fclose(f) != 0)
		ok = 0;
	if (!ok || rename(tmp, path) != 0) {
		log_warn("cannot write %s (%s): the CLI finds this daemon only "
		         "with --api", path, strerror(errno));
		unlink(tmp);
		return;
	}
	snprintf(written, cap, "/ip4/%s/tcp/%u\n", ip, l->port);
}

/* Remove the api file at stop, if it is still the one this daemon wrote. */
static void api_file_remove(const node *n, const char *written)
{
	char path[REPO_PATH_MAX + 16], line[128] = "";
	if (!written[0])
		return;
	snprintf(path, sizeof path, "%s/%s", n->repo.path, REPO_API_FILE);
	FILE *f = fopen(path, "r");
	if (f) {
		if (!fgets(line, sizeof line, f))
			line[0] = '\0';
		fclose(f);
	}
	if (strcmp(line, written) == 0)
		unlink(path);
}

_Static_assert(LOOPS_MAX <= NODE_LOOPS_MAX, "a node has room for every loop's peers");

/* A worker loop's gateway server (loops.h), and its own peers (their
 * client runs on its loop). */
static struct http_server *make_worker(struct event_base *base, unsigned loop, void *arg)
{
	struct listener *l = arg;
	node *n = l->n;
	if (blockstore_reads_ahead(&n->repo.bs) && !n->loop_streams[loop] &&
	    !(n->loop_streams[loop] = stream_loop_new(base, &n->repo.bs))) {
		errno = ENOMEM;
		return NULL;
	}
	if (n->peers && !n->loop_peers[loop]) {
		char err[CAIRN_ERR_MAX];
		if (!(n->loop_peers[loop] = peers_new_like(n->peers, base, n->ca_file, err))) {
			log_error("loop %u: %s", loop, err);
			errno = ENOMEM;
			return NULL;
		}
	}
	return server_for(l, base, loop);
}

/* What make_worker set up on a worker's base, once its connections are
 * gone (their close hooks end the fetches) and before the base goes. */
static void unmake_worker(struct event_base *base, unsigned loop, void *arg)
{
	struct listener *l = arg;
	(void)base;
	peers_free(l->n->loop_peers[loop]);
	l->n->loop_peers[loop] = NULL;
	stream_loop_free(l->n->loop_streams[loop]);
	l->n->loop_streams[loop] = NULL;
}

/* Daemon.Threads: event loops, 1 to LOOPS_MAX; by default one per CPU. */
static unsigned threads_of(const repo *r)
{
	json_t *v = json_object_get(json_object_get(r->config, "Daemon"), "Threads");
	if (json_is_integer(v) && json_integer_value(v) > 0)
		return json_integer_value(v) < LOOPS_MAX ? (unsigned)json_integer_value(v) : LOOPS_MAX;
	unsigned cpus = parfor_cpus();
	return cpus < LOOPS_MAX ? cpus : LOOPS_MAX;
}

/* Log lines are buffered and flushed a few times a second: one write(2)
 * per request cost more than serving a small block. */
#define LOG_FLUSH_MS 250
static char log_buf[1 << 16];

static void flush_log(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	fflush(stderr);
}

/* Memory goes back to the system once a burst of requests is over: every
 * TRIM_MS the request count is looked at, and after a period with requests
 * comes one without, malloc_trim() returns the free heap (the thresholds
 * set in daemon_run keep glibc from doing it on its own in the middle of
 * a burst, where it would only map the same pages again). */
#define TRIM_MS 2000

struct trimmer {
	node *n;
	uint64_t seen; /* requests counted at the last look */
	int dirty;     /* requests came since the last trim */
};

static void on_trim(evutil_socket_t fd, short what, void *arg)
{
	struct trimmer *t = arg;
	uint64_t now = metrics_requests(&t->n->metrics);
	(void)fd;
	(void)what;
	if (now != t->seen) {
		t->seen = now;
		t->dirty = 1;
		return;
	}
	if (t->dirty) {
		malloc_trim(0);
		t->dirty = 0;
	}
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	node *n = arg;
	struct timeval grace = {SHUTDOWN_GRACE_SECS, 0};
	(void)what;
	log_info("received signal %d, shutting down", (int)sig);
	/* Stop taking connections; let replies in flight finish. */
	for (int i = 0; i < LISTENER_COUNT; i++)
		http_server_close_listener(listeners[i].srv);
	loops_stop(workers, SHUTDOWN_GRACE_SECS);
	event_base_loopexit(n->base, &grace);
}

/* The config's Limits.<key> if a positive integer, else def. */
static uint64_t limit(const repo *r, const char *key, uint64_t def)
{
	json_t *v = json_object_get(json_object_get(r->config, "Limits"), key);
	return json_is_integer(v) && json_integer_value(v) > 0 ? (uint64_t)json_integer_value(v) : def;
}

static void read_limits(const repo *r)
{
	http_limits *h = &limits.http;
	h->max_upload = limit(r, "MaxUploadBytes", 0);
	h->max_body = h->max_upload && h->max_upload < API_BODY_MAX_DEFAULT ? h->max_upload
	                                                                  : API_BODY_MAX_DEFAULT;
	h->idle_timeout = (unsigned)limit(r, "IdleTimeoutSeconds", HTTP_IDLE_TIMEOUT);
	h->max_url = (size_t)limit(r, "MaxURLBytes", URL_MAX_DEFAULT);
	h->max_head = (size_t)limit(r, "MaxHeaderBytes", HEADERS_MAX_DEFAULT);
	h->max_fields = (unsigned)limit(r, "MaxHeaderFields", HEADER_FIELDS_MAX_DEFAULT);
	h->max_connections = (unsigned)limit(r, "MaxConnections", 0);
	/* Descriptors: take the hard limit (systemd's default soft limit is
	 * 1024). Unless the config sets MaxConnections, both listeners' caps
	 * fit in it, with room for peers, the index and files being read. */
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (h->max_connections == 0) {
		uint64_t fit = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
		               rl.rlim_cur < 2 * HTTP_MAX_CONNECTIONS + FDS_RESERVED
		               ? (rl.rlim_cur > FDS_RESERVED + 32 ? (rl.rlim_cur - FDS_RESERVED) / 2 : 16)
		               : HTTP_MAX_CONNECTIONS;
		h->max_connections = (unsigned)fit;
	}
	h->request_timeout = (unsigned)limit(r, "RequestTimeoutSeconds", HTTP_REQUEST_TIMEOUT);
	h->min_rate = (unsigned)limit(r, "MinRequestRate", HTTP_MIN_RATE);
	h->max_buffered = limit(r, "MaxBufferedBytes", HTTP_BUFFERED_MAX);
	/* one upload alone must fit */
	if (h->max_buffered < h->max_body + h->max_head)
		h->max_buffered = h->max_body + h->max_head;
	limits.budget = 0;
}

/* The strings of the config's array `key` (at most max), borrowed from
 * the config: how many. */
static size_t config_list(const repo *r, const char *key, const char **out, size_t max)
{
	size_t k, count = 0;
	json_t *v;
	json_array_foreach(json_object_get(r->config, key), k, v) {
		if (json_is_string(v) && count < max)
			out[count++] = json_string_value(v);
	}
	return count;
}

/* The services the options (or the config) ask for: anchoring, peers and
 * routers, replication, pin requests left from the last run, the
 * PostgreSQL mirror. 0, or why the daemon cannot run. */
static int start_services(node *n, const daemon_opts *o)
{
	const char *peer_urls[PEERS_MAX], *router_urls[PEERS_MAX];
	size_t npeers = o->npeers, nrouters = o->nrouters;

	memcpy(peer_urls, o->peer_urls, sizeof peer_urls);
	memcpy(router_urls, o->router_urls, sizeof router_urls);
	const char *ca_file = o->ca_file ? o->ca_file : repo_config_str(&n->repo, "TLS", "CAFile");
	n->ca_file = ca_file;
	if (ca_file && access(ca_file, R_OK) != 0) {
		log_error("CA file %s: %s", ca_file, strerror(errno));
		return DAEMON_BAD_CONFIG;
	}
	char herr[CAIRN_ERR_MAX];
	if (api_headers_check(n->repo.config, herr) != 0) {
		log_error("%s", herr);
		return DAEMON_BAD_CONFIG;
	}
	if (o->nwitnesses) {
		char werr[CAIRN_ERR_MAX];
		unsigned k = o->witness_quorum ? o->witness_quorum : (unsigned)o->nwitnesses;
		if (!(n->witnesser = witnesser_new(n->base, &n->repo, o->witnesses, o->nwitnesses, k, ca_file, werr))) {
			log_error("%s", werr);
			return DAEMON_BAD_CONFIG;
		}
		printf("witnesses: %zu, a checkpoint is anchored once %u cosigned it\n", o->nwitnesses, k);
	}
	n->tile_cache = tlog_cache_new();
	json_t *wcfg = json_object_get(n->repo.config, "Witness");
	if (wcfg) {
		char werr[CAIRN_ERR_MAX];
		witness *w = calloc(1, sizeof *w);
		if (!w || witness_open(w, &n->repo, wcfg, werr) != 0) {
			log_error("%s", w ? werr : "out of memory");
			free(w);
			return DAEMON_BAD_CONFIG;
		}
		if (w->nlogs) {
			char vk[CHECKPOINT_VKEY_MAX];
			witness_vkey(w, vk, sizeof vk);
			printf("witness of %zu log%s, key %s\n", w->nlogs, w->nlogs == 1 ? "" : "s", vk);
			n->witness = w;
		} else {
			free(w);
		}
	}
	if (o->anchor.rpc) {
		char aerr[CAIRN_ERR_MAX], shown[256];
		anchor_opts ao = o->anchor;
		ao.ca_file = ca_file;
		ao.witnesses = n->witnesser;
		n->anchor = anchorer_new(n->base, &n->repo, &ao, aerr);
		if (!n->anchor) {
			log_error("%s", aerr);
			return DAEMON_BAD_CONFIG;
		}
		/* a provider's key may be in the URL's path: never printed */
		http_url_redact(o->anchor.rpc, shown, sizeof shown);
		printf("anchoring to %s every %u s\n", shown, o->anchor.interval ? o->anchor.interval : ANCHOR_INTERVAL_DEFAULT);
		printf("anchoring mode: %s\n", o->anchor.key ? "signed here (EIP-1559, eth_sendRawTransaction)"
		                                             : "eth_sendTransaction: the chain node signs (a dev chain's account)");
	}
	/* Peers and routers: the options, else the config's lists. */
	if (npeers == 0)
		npeers = config_list(&n->repo, "Peers", peer_urls, PEERS_MAX);
	if (nrouters == 0)
		nrouters = config_list(&n->repo, "Routers", router_urls, PEERS_MAX);
	n->peer_timeout = o->peer_timeout;
	if (npeers || nrouters) {
		char perr[CAIRN_ERR_MAX];
		if (!(n->peers = peers_new(n->base, &n->repo, peer_urls, npeers, o->peer_timeout, ca_file, perr)) ||
		    peers_add_routers(n->peers, router_urls, nrouters, n->repo.peer_id, perr) != 0) {
			log_error("%s", perr);
			return DAEMON_BAD_CONFIG;
		}
		for (size_t k = 0; k < npeers; k++)
			printf("peer: %s\n", peer_urls[k]);
		for (size_t k = 0; k < nrouters; k++)
			printf("router: %s\n", router_urls[k]);
	}
	if (n->repo.pg && o->pg_dsn && *o->pg_dsn) {
		log_error("--pg: this repo's index is in PostgreSQL already (its tables are the truth; "
		          "docs/cluster.md): no mirror is needed");
		return DAEMON_BAD_CONFIG;
	}
	if (n->repo.pg && o->nreplicate) {
		/* its queue is in LMDB (replicator.h); a cluster's nodes share one
		 * pool instead */
		log_error("--replicate: not with an index in PostgreSQL yet (docs/cluster.md)");
		return DAEMON_BAD_CONFIG;
	}
	if (o->nreplicate) {
		char rerr[CAIRN_ERR_MAX];
		if (!(n->replicator = replicator_new(n->base, &n->repo, n->delegate, o->replicate, o->nreplicate, ca_file, rerr))) {
			log_error("%s", rerr);
			return DAEMON_BAD_CONFIG;
		}
		for (size_t k = 0; k < o->nreplicate; k++)
			printf("replicating new pins to %.*s\n", (int)strcspn(o->replicate[k], ","), o->replicate[k]);
	}
	/* pin requests left queued or pinning by the last run */
	pinsvc_resume(n);
	if (o->pg_dsn && *o->pg_dsn) {
		char merr[CAIRN_ERR_MAX];
		if (!(n->mirror = pgmirror_new(n->base, &n->repo, o->pg_dsn, merr))) {
			log_error("%s", merr);
			return DAEMON_FAILED;
		}
		printf("mirroring pins and proofs into PostgreSQL\n");
	}
	return 0;
}

int daemon_run(node *n, const daemon_opts *o)
{
	const char *api_addr = o->api_addr, *gw_addr = o->gw_addr;
	struct event *sigint = NULL, *sigterm = NULL, *flusher = NULL, *trim = NULL;
	struct trimmer trimmer = {n, 0, 0};
	char err[CAIRN_ERR_MAX], api_written[128] = "";
	unsigned threads = threads_of(&n->repo);
	int rc = DAEMON_FAILED;

	if (!api_addr)
		api_addr = repo_config_str(&n->repo, "Addresses", "API");
	if (!gw_addr)
		gw_addr = repo_config_str(&n->repo, "Addresses", "Gateway");
	signal(SIGPIPE, SIG_IGN);
	/* Blocks (up to 2 MiB) are read into fresh buffers all the time. Above
	 * glibc's default 128 KiB mmap threshold each one was a new mapping:
	 * page faults and zeroing cost a fifth of a large GET. Kept on the heap,
	 * freed buffers are reused instead. */
	mallopt(M_MMAP_THRESHOLD, 4 * 1024 * 1024);
	mallopt(M_TRIM_THRESHOLD, 64 * 1024 * 1024);
	if (loops_init() != 0) {
		log_error("no threads: %s", strerror(errno));
		return DAEMON_FAILED;
	}
	n->base = loops_new_base();
	listeners[LISTENER_API] = (struct listener){.name = "API", .n = n, .id = LISTENER_API};
	listeners[LISTENER_GATEWAY] = (struct listener){.name = "Gateway", .n = n, .id = LISTENER_GATEWAY};
	/* the gateway is served on every loop, sharing its address */
	if (threads > 1 && !(listeners[LISTENER_GATEWAY].group = http_group_new()))
		goto done;
	read_limits(&n->repo);
	n->bytes_held = &limits.budget;
	/* uploads hash their leaves on every CPU (none beside the loop on one) */
	n->pool = parfor_new(parfor_cpus() - 1);
	/* blocks read are verified once, then served from memory (bcache.h) */
	json_t *cache_bytes = json_object_get(json_object_get(n->repo.config, "Datastore"),
	                                      "BlockCacheBytes");
	uint64_t cache_cap = json_is_integer(cache_bytes) && json_integer_value(cache_bytes) >= 0
	                     ? (uint64_t)json_integer_value(cache_bytes) : BCACHE_DEFAULT_BYTES;
	if (cache_cap)
		n->repo.bs.cache = bcache_new(cache_cap);
	if (!n->base)
		goto done;
	/* loop 0's streams park rather than wait for blocks read ahead */
	if (blockstore_reads_ahead(&n->repo.bs) &&
	    !(n->loop_streams[0] = stream_loop_new(n->base, &n->repo.bs)))
		goto done;
	if ((rc = listen_on(n, &listeners[LISTENER_API], api_addr ? api_addr : REPO_DEFAULT_API)) != 0 ||
	    (rc = listen_on(n, &listeners[LISTENER_GATEWAY], gw_addr ? gw_addr : REPO_DEFAULT_GATEWAY)) != 0)
		goto done;
	if (n->api_public) {
		char aerr[CAIRN_ERR_MAX];
		int need = auth_required(n, aerr);
		if (need <= 0) {
			log_error(need < 0 ? "reading tokens: %s" :
			          "refusing to serve the API beyond loopback (%s) without tokens: create "
			          "one with 'cairn token add NAME' or pass --api-token-file", need < 0 ? aerr :
			          api_addr ? api_addr : REPO_DEFAULT_API);
			rc = need < 0 ? DAEMON_FAILED : DAEMON_BAD_CONFIG;
			goto done;
		}
	}
	setvbuf(stderr, log_buf, _IOFBF, sizeof log_buf);
	flusher = event_new(n->base, -1, EV_PERSIST, flush_log, NULL);
	trim = event_new(n->base, -1, EV_PERSIST, on_trim, &trimmer);
	struct timeval every = {0, LOG_FLUSH_MS * 1000};
	struct timeval trim_every = {TRIM_MS / 1000, (TRIM_MS % 1000) * 1000};
	if (!flusher || event_add(flusher, &every) != 0 || !trim || event_add(trim, &trim_every) != 0) {
		rc = DAEMON_FAILED;
		goto done;
	}
	sigint = evsignal_new(n->base, SIGINT, on_signal, n);
	sigterm = evsignal_new(n->base, SIGTERM, on_signal, n);
	if (!sigint || !sigterm || event_add(sigint, NULL) != 0 || event_add(sigterm, NULL) != 0) {
		rc = DAEMON_FAILED;
		goto done;
	}
	/* Counted once here; the blockstore's counters add the daemon's writes. */
	if (blockstore_totals(&n->repo.bs, &n->metrics.blocks, &n->metrics.repo_bytes, err) != 0)
		log_error("counting blocks: %s", err);
	if ((rc = start_services(n, o)) != 0)
		goto done;
	/* Loops beyond loop 0 serve the gateway: they read blocks, and fetch
	 * what is missing from the peers through clients of their own. Set
	 * before they start: a worker's first request may be for /metrics. */
	n->call_main = loops_call_main;
	if (!(workers = loops_start(n->base, threads, make_worker, unmake_worker, &listeners[LISTENER_GATEWAY]))) {
		log_error("cannot start %u event loops: %s", threads, strerror(errno));
		rc = DAEMON_FAILED;
		goto done;
	}
	n->nservers += loops_servers(workers, n->servers + n->nservers, NODE_SERVERS_MAX - n->nservers);
	printf("event loops: %u (Daemon.Threads)\n", threads);
	for (int i = 0; i < LISTENER_COUNT; i++)
		fputs(listeners[i].shown, stdout);
	api_file_write(n, &listeners[LISTENER_API], api_written, sizeof api_written);
	printf("peer identity: %s\nrepo: %s\nDaemon is ready\n", n->repo.peer_id, n->repo.path);
	fflush(stdout);
	rc = event_base_dispatch(n->base) < 0 ? DAEMON_FAILED : 0;
	log_info("stopped");
done:
	api_file_remove(n, api_written);
	/* the workers first: they may wait on loop 0, which answers no more */
	loops_main_stopped();
	loops_stop(workers, 0);
	loops_free(workers);
	workers = NULL;
	/* cached blocks reach the disk before another process may pin them */
	if (n->repo.bs.be && blockstore_sync(&n->repo.bs, err) != 0)
		log_error("%s", err);
	/* connections first: their close hooks may reach the services */
	for (int i = 0; i < LISTENER_COUNT; i++) {
		http_server_free(listeners[i].srv);
		http_group_free(listeners[i].group);
		listeners[i].srv = NULL;
		listeners[i].group = NULL;
	}
	n->nservers = 0;
	parfor_free(n->pool);
	bcache_free(n->repo.bs.cache);
	n->repo.bs.cache = NULL;
	replicator_free(n->replicator);
	pgmirror_free(n->mirror);
	peers_free(n->peers);
	pinsvc_jobs_free(n);
	anchorer_free(n->anchor);
	witnesser_free(n->witnesser);
	tlog_cache_free(n->tile_cache);
	if (n->witness) {
		witness_close(n->witness);
		free(n->witness);
	}
	if (flusher)
		event_free(flusher);
	if (trim)
		event_free(trim);
	fflush(stderr);
	setvbuf(stderr, NULL, _IONBF, 0);
	if (sigint)
		event_free(sigint);
	if (sigterm)
		event_free(sigterm);
	stream_loop_free(n->loop_streams[0]); /* its streams went with the servers */
	n->loop_streams[0] = NULL;
	if (n->base)
		event_base_free(n->base);
	repo_close(&n->repo);
	return rc;
}

/*
 * cairn daemon: the node's event loop, with the API and gateway listeners.
 * It holds the repo lock for its lifetime, so a second daemon (or a CLI
 * command that would write to the repo) is refused rather than racing it.
 */
#include "anchorer.h"
#include "auth.h"
#include "conns.h"
#include "peers.h"
#include "pgmirror.h"
#include "pinsvc.h"
#include "replicator.h"
#include "kubo.h"
#include "daemon.h"
#include "gateway.h"
#include "http_util.h"
#include "node.h"
#include "pinstore.h"

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
#include <event2/buffer.h>

/* Limits (docs/security.md), each overridable in the config's Limits.
 * Request line and headers together (Limits.MaxHeaderBytes): evhttp
 * answers 400 past this. Kubo clients put every argument in the URL. */
#define HEADERS_MAX_DEFAULT (64 * 1024)
#define GATEWAY_BODY_MAX 1024
/* Uploads arrive whole before the handler runs (evhttp 2.1 cannot stream
 * a request body), so the API caps them (Limits.MaxUploadBytes); larger
 * bodies get 413. */
#define API_BODY_MAX_DEFAULT (256L * 1024 * 1024)
/* A connection silent this long is closed (Limits.IdleTimeoutSeconds). */
#define CONN_TIMEOUT_SECS 60
/* Longer request targets get 414 (Limits.MaxURLBytes), more header
 * fields 431 (Limits.MaxHeaderFields). */
#define URL_MAX_DEFAULT (32 * 1024)
#define HEADER_FIELDS_MAX_DEFAULT 100
/* Descriptors kept for what is not a client connection. */
#define FDS_RESERVED 128
/* In-flight replies get this long to finish after SIGTERM/SIGINT. */
#define SHUTDOWN_GRACE_SECS 2

/* "cairn daemon: <message>" on stderr. */
static void daemon_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void daemon_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("cairn daemon: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

struct listener {
	struct evhttp *http;
	struct conns *conns;
	const char *name;
};

static struct listener listeners[LISTENER_COUNT];

/* Limits taken from the config at start. */
static struct {
	conn_limits conn;
	uint64_t budget; /* request bytes held now, both listeners */
	unsigned idle_timeout;
	size_t url_max, header_fields_max, headers_max;
	long body_max;
} limits;

/*
 * Every request passes through here. When a handler returns, its reply is
 * queued or (for streamed bodies) started, so status and Content-Length
 * are known: the log line and the metrics are taken then. The duration is
 * therefore the time until the reply starts (time to first byte); evhttp
 * gives no hook that also runs when a client hangs up mid-body.
 */
/* Count a reply and log it (once its status is known). */
static void account(struct evhttp_request *req, node *n, enum listener_id server, const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	const char *len = evhttp_find_header(evhttp_request_get_output_headers(req), "Content-Length");
	double secs = (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
	metrics_observe(&n->metrics, server, evhttp_request_get_response_code(req),
	                len ? strtoull(len, NULL, 10) : 0, secs);
	http_log(req, metrics_server_name(server));
}

/* Every request's completion: the connection may take the next one, and
 * a request answered later (it waited for the chain or for peers) is
 * accounted for now. */
struct pending {
	node *n;
	enum listener_id server;
	int deferred;
	struct timespec t0;
};

static void request_done(struct evhttp_request *req, void *arg)
{
	struct pending *d = arg;
	conns_request_done(listeners[d->server].conns, req);
	if (d->deferred)
		account(req, d->n, d->server, &d->t0);
	free(d);
}

/* Limits on the request itself, past what evhttp enforces. 1 if within. */
static int request_within_limits(struct evhttp_request *req)
{
	const char *uri = evhttp_request_get_uri(req);
	struct evkeyval *h;
	size_t fields = 0;
	if (uri && strlen(uri) > limits.url_max) {
		http_reply_rpc_error(req, 414, "request target longer than %zu bytes "
		                     "(Limits.MaxURLBytes)", limits.url_max);
		return 0;
	}
	TAILQ_FOREACH(h, evhttp_request_get_input_headers(req), next)
		fields++;
	if (fields > limits.header_fields_max) {
		http_reply_rpc_error(req, 431, "more than %zu header fields "
		                     "(Limits.MaxHeaderFields)", limits.header_fields_max);
		return 0;
	}
	return 1;
}

static void observed(struct evhttp_request *req, node *n, enum listener_id server,
                     void (*handler)(struct evhttp_request *, void *))
{
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* the connection owns it until the reply is done (request_done frees
	 * it), so a client that hangs up leaks nothing */
	struct pending *d = malloc(sizeof *d);
	if (d) {
		*d = (struct pending){n, server, 0, t0};
		evhttp_request_set_on_complete_cb(req, request_done, d);
	}
	conns_request(listeners[server].conns, req, d, free);
	if (request_within_limits(req) && (server != LISTENER_API || auth_gate(n, req)) &&
	    !node_serve_ops(req, n))
		handler(req, n);
	if (evhttp_request_get_response_code(req) == 0) {
		if (d)
			d->deferred = 1; /* accounted for when it completes */
		return;
	}
	account(req, n, server, &t0);
}

static void api_entry(struct evhttp_request *req, void *arg)
{
	observed(req, arg, LISTENER_API, kubo_handle);
}

static void gateway_entry(struct evhttp_request *req, void *arg)
{
	observed(req, arg, LISTENER_GATEWAY, gateway_handle);
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

static int listen_on(node *n, struct listener *l, const char *addr, void (*cb)(struct evhttp_request *, void *),
                     long body_max)
{
	char host[256];
	unsigned short port;
	if (daemon_split_addr(addr, host, sizeof host, &port) != 0) {
		daemon_error("invalid %s address '%s' (use HOST:PORT)", l->name, addr);
		return DAEMON_BAD_CONFIG;
	}
	l->http = evhttp_new(n->base);
	if (!l->http)
		return DAEMON_FAILED;
	evhttp_set_gencb(l->http, cb, n);
	evhttp_set_timeout(l->http, (int)limits.idle_timeout);
	evhttp_set_max_headers_size(l->http, (ev_ssize_t)limits.headers_max);
	evhttp_set_max_body_size(l->http, body_max);
	/* Handlers answer every method themselves (405 with Allow). */
	evhttp_set_allowed_methods(l->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
	                           EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS |
	                           EVHTTP_REQ_PATCH);
	conn_limits lim = limits.conn;
	lim.max_header = limits.headers_max;
	if (l == &listeners[LISTENER_API]) {
		/* refuse a request without a valid token before its body is read */
		lim.early = auth_early_check;
		lim.early_ctx = n;
	}
	l->conns = conns_new(n->base, l->http, host, port, &lim, &limits.budget,
	                     l == &listeners[LISTENER_API] ? "api" : "gateway");
	n->conns[l == &listeners[LISTENER_API] ? LISTENER_API : LISTENER_GATEWAY] = l->conns;
	if (!l->conns) {
		daemon_error("cannot listen for the %s on %s: %s", l->name, addr, strerror(errno));
		return DAEMON_FAILED;
	}
	struct sockaddr_in sa;
	socklen_t sl = sizeof sa;
	char ip[INET_ADDRSTRLEN] = "?";
	if (getsockname(conns_fd(l->conns), (struct sockaddr *)&sa, &sl) == 0)
		inet_ntop(AF_INET, &sa.sin_addr, ip, sizeof ip);
	printf("%s server listening on http://%s:%u\n", l->name, ip, ntohs(sa.sin_port));
	if (l == &listeners[LISTENER_API])
		n->api_public = (ntohl(sa.sin_addr.s_addr) >> 24) != 127;
	if (l == &listeners[LISTENER_GATEWAY])
		snprintf(n->delegate, sizeof n->delegate, "/ip4/%s/tcp/%u/http/p2p/%s", ip,
		         ntohs(sa.sin_port), n->repo.peer_id);
	return 0;
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

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	node *n = arg;
	struct timeval grace = {SHUTDOWN_GRACE_SECS, 0};
	(void)what;
	fprintf(stderr, "cairn daemon: received signal %d, shutting down\n", (int)sig);
	/* Stop taking connections; let replies in flight finish. */
	for (int i = 0; i < LISTENER_COUNT; i++)
		conns_close_listener(listeners[i].conns);
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
	limits.body_max = (long)limit(r, "MaxUploadBytes", API_BODY_MAX_DEFAULT);
	limits.idle_timeout = (unsigned)limit(r, "IdleTimeoutSeconds", CONN_TIMEOUT_SECS);
	limits.url_max = (size_t)limit(r, "MaxURLBytes", URL_MAX_DEFAULT);
	limits.headers_max = (size_t)limit(r, "MaxHeaderBytes", HEADERS_MAX_DEFAULT);
	limits.header_fields_max = (size_t)limit(r, "MaxHeaderFields", HEADER_FIELDS_MAX_DEFAULT);
	limits.conn.max_connections = (unsigned)limit(r, "MaxConnections", 0);
	/* Descriptors: take the hard limit (systemd's default soft limit is
	 * 1024). Unless the config sets MaxConnections, both listeners' caps
	 * fit in it, with room for peers, the index and files being read. */
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (limits.conn.max_connections == 0) {
		uint64_t fit = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
		               rl.rlim_cur < 2 * CONN_MAX_DEFAULT + FDS_RESERVED
		               ? (rl.rlim_cur > FDS_RESERVED + 32 ? (rl.rlim_cur - FDS_RESERVED) / 2 : 16)
		               : CONN_MAX_DEFAULT;
		limits.conn.max_connections = (unsigned)fit;
	}
	limits.conn.request_timeout = (unsigned)limit(r, "RequestTimeoutSeconds", CONN_REQUEST_TIMEOUT);
	limits.conn.min_rate = (unsigned)limit(r, "MinRequestRate", CONN_MIN_RATE);
	limits.conn.max_buffered = limit(r, "MaxBufferedBytes", CONN_BUFFERED_DEFAULT);
	/* one upload alone must fit */
	if (limits.conn.max_buffered < (uint64_t)limits.body_max + limits.headers_max)
		limits.conn.max_buffered = (uint64_t)limits.body_max + limits.headers_max;
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
	if (o->anchor.rpc) {
		char aerr[CAIRN_ERR_MAX];
		n->anchor = anchorer_new(n->base, &n->repo, &o->anchor, aerr);
		if (!n->anchor) {
			daemon_error("%s", aerr);
			return DAEMON_BAD_CONFIG;
		}
		printf("anchoring to %s every %u s\n", o->anchor.rpc, o->anchor.interval ? o->anchor.interval : ANCHOR_INTERVAL_DEFAULT);
	}
	/* Peers and routers: the options, else the config's lists. */
	if (npeers == 0)
		npeers = config_list(&n->repo, "Peers", peer_urls, PEERS_MAX);
	if (nrouters == 0)
		nrouters = config_list(&n->repo, "Routers", router_urls, PEERS_MAX);
	if (npeers || nrouters) {
		char perr[CAIRN_ERR_MAX];
		if (!(n->peers = peers_new(n->base, &n->repo, peer_urls, npeers, o->peer_timeout, perr)) ||
		    peers_add_routers(n->peers, router_urls, nrouters, n->repo.peer_id, perr) != 0) {
			daemon_error("%s", perr);
			return DAEMON_BAD_CONFIG;
		}
		for (size_t k = 0; k < npeers; k++)
			printf("peer: %s\n", peer_urls[k]);
		for (size_t k = 0; k < nrouters; k++)
			printf("router: %s\n", router_urls[k]);
	}
	if (o->nreplicate) {
		char rerr[CAIRN_ERR_MAX];
		if (!(n->replicator = replicator_new(n->base, &n->repo, n->delegate, o->replicate, o->nreplicate, rerr))) {
			daemon_error("%s", rerr);
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
			daemon_error("%s", merr);
			return DAEMON_FAILED;
		}
		printf("mirroring pins and proofs into PostgreSQL\n");
	}
	return 0;
}

/* One event loop. epoll's changelist folds the read/write interest
 * changes evhttp makes around every request into one epoll_ctl, or none:
 * they were a tenth of the time spent on small GETs. */
static struct event_base *new_base(void)
{
	struct event_config *ecfg = event_config_new();
	struct event_base *base;
	if (ecfg)
		event_config_set_flag(ecfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
	base = ecfg ? event_base_new_with_config(ecfg) : event_base_new();
	if (ecfg)
		event_config_free(ecfg);
	return base;
}

int daemon_run(node *n, const daemon_opts *o)
{
	const char *api_addr = o->api_addr, *gw_addr = o->gw_addr;
	struct event *sigint = NULL, *sigterm = NULL, *flusher = NULL;
	char err[CAIRN_ERR_MAX];
	int rc;

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
	n->base = new_base();
	listeners[LISTENER_API] = (struct listener){NULL, NULL, "API"};
	listeners[LISTENER_GATEWAY] = (struct listener){NULL, NULL, "Gateway"};
	read_limits(&n->repo);
	n->bytes_held = &limits.budget;
	rc = DAEMON_FAILED;
	if (!n->base)
		goto done;
	if ((rc = listen_on(n, &listeners[LISTENER_API], api_addr ? api_addr : REPO_DEFAULT_API, api_entry,
	                    limits.body_max)) != 0 ||
	    (rc = listen_on(n, &listeners[LISTENER_GATEWAY], gw_addr ? gw_addr : REPO_DEFAULT_GATEWAY,
	                    gateway_entry, GATEWAY_BODY_MAX)) != 0)
		goto done;
	if (n->api_public) {
		char aerr[CAIRN_ERR_MAX];
		int need = auth_required(n, aerr);
		if (need <= 0) {
			daemon_error(need < 0 ? "reading tokens: %s" :
			          "refusing to serve the API beyond loopback (%s) without tokens: create "
			          "one with 'cairn token add NAME' or pass --api-token-file", need < 0 ? aerr :
			          api_addr ? api_addr : REPO_DEFAULT_API);
			rc = need < 0 ? DAEMON_FAILED : DAEMON_BAD_CONFIG;
			goto done;
		}
	}
	setvbuf(stderr, log_buf, _IOFBF, sizeof log_buf);
	flusher = event_new(n->base, -1, EV_PERSIST, flush_log, NULL);
	struct timeval every = {0, LOG_FLUSH_MS * 1000};
	if (!flusher || event_add(flusher, &every) != 0) {
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
		fprintf(stderr, "cairn daemon: counting blocks: %s\n", err);
	if ((rc = start_services(n, o)) != 0)
		goto done;
	printf("peer identity: %s\nrepo: %s\nDaemon is ready\n", n->repo.peer_id, n->repo.path);
	fflush(stdout);
	rc = event_base_dispatch(n->base) < 0 ? DAEMON_FAILED : 0;
	fprintf(stderr, "cairn daemon: stopped\n");
done:
	/* cached blocks reach the disk before another process may pin them */
	if (n->repo.bs.root[0] && blockstore_sync(&n->repo.bs, err) != 0)
		fprintf(stderr, "cairn daemon: %s\n", err);
	replicator_free(n->replicator);
	pgmirror_free(n->mirror);
	peers_free(n->peers);
	anchorer_free(n->anchor);
	if (flusher)
		event_free(flusher);
	fflush(stderr);
	setvbuf(stderr, NULL, _IONBF, 0);
	if (sigint)
		event_free(sigint);
	if (sigterm)
		event_free(sigterm);
	for (int i = 0; i < LISTENER_COUNT; i++) {
		conns_close_listener(listeners[i].conns);
		if (listeners[i].http)
			evhttp_free(listeners[i].http);
		conns_free(listeners[i].conns);
	}
	if (n->base)
		event_base_free(n->base);
	repo_close(&n->repo);
	return rc;
}

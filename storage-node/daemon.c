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
#include "api.h"
#include "cli.h"
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

static const char daemon_usage[] =
	"usage: cairn daemon [--api HOST:PORT] [--gateway HOST:PORT]\n"
	"\n"
	"Run the node on the repo at $CAIRN_PATH (default ~/.cairn).\n"
	"  --api HOST:PORT      Kubo RPC API (default: config Addresses.API, 127.0.0.1:5001)\n"
	"  --gateway HOST:PORT  read-only IPFS gateway (default: config Addresses.Gateway,\n"
	"                       127.0.0.1:8080)\n"
	"  --chain-rpc URL      anchor the log's checkpoints on this Ethereum node\n"
	"                       (http://HOST:PORT): root ‖ size in a transaction\n"
	"  --chain-from ADDR    the account that sends them (default: the first of\n"
	"                       eth_accounts)\n"
	"  --anchor-interval S  seconds between anchors of a growing log (default 60)\n"
	"  --anchor-batch N     anchor as soon as N leaves wait\n"
	"  --confirmations K    blocks to wait for, the transaction's own included\n"
	"                       (default 1)\n"
	"  --peer URL           fetch missing content from this node or trustless\n"
	"                       gateway (http://HOST:PORT); repeatable, tried in order\n"
	"                       (default: config Peers)\n"
	"  --peer-timeout S     a peer silent this long has failed (default 10)\n"
	"  --router URL         when no peer has it, ask this routing v1 server\n"
	"                       (http://HOST:PORT) for providers; repeatable\n"
	"                       (default: config Routers)\n"
	"  --replicate-to URL[,TOKEN]  ask this Pinning Service API (e.g. another\n"
	"                       node's http://HOST:5001) to pin every new recursive\n"
	"                       pin, from this node's gateway; repeatable\n"
	"  --api-token SECRET   require this bearer token on the API (16 to 256\n"
	"                       visible characters), besides those of 'cairn token'\n"
	"  --api-token-file F   the same, read from the first line of file F (keeps\n"
	"                       the secret out of the process list)\n"
	"  --pg DSN             mirror pins and anchoring proofs into PostgreSQL\n"
	"                       (libpq connection string or URI; tables cairn.objects,\n"
	"                       cairn.anchors), queued while it is unreachable\n"
	"Port 0 picks a free port; the addresses in use are printed at start.\n"
	"Stops cleanly on SIGINT or SIGTERM.\n";

struct listener {
	struct evhttp *http;
	struct conns *conns;
	const char *name;
};

static struct listener listeners[2];

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
static void account(struct evhttp_request *req, node *n, int server, const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	const char *len = evhttp_find_header(evhttp_request_get_output_headers(req), "Content-Length");
	double secs = (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
	metrics_observe(&n->metrics, server, evhttp_request_get_response_code(req),
	                len ? strtoull(len, NULL, 10) : 0, secs);
	http_log(req, server == 0 ? "api" : "gateway");
}

/* Every request's completion: the connection may take the next one, and
 * a request answered later (it waited for the chain or for peers) is
 * accounted for now. */
struct pending {
	node *n;
	int server;
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

static void observed(struct evhttp_request *req, node *n, int server,
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
	if (request_within_limits(req) && (server != 0 || auth_gate(n, req)) &&
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
	observed(req, arg, 0, api_handle);
}

static void gateway_entry(struct evhttp_request *req, void *arg)
{
	observed(req, arg, 1, gateway_handle);
}

int node_serve_ops(struct evhttp_request *req, node *n)
{
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	if (!path)
		return 0;
	if (strcmp(path, "/healthz") == 0) {
		struct evbuffer *b = evbuffer_new();
		evbuffer_add_printf(b, "ok\n");
		evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", "text/plain");
		evhttp_add_header(evhttp_request_get_output_headers(req), "Cache-Control", "no-store");
		evhttp_send_reply(req, 200, "OK", b);
		evbuffer_free(b);
		return 1;
	}
	if (strcmp(path, "/metrics") == 0) {
		uint64_t pins = 0;
		char err[REPO_ERR_MAX];
		pinstore_count(&n->repo, &pins, err); /* 0 on failure is fine for a gauge */
		struct evbuffer *b = evbuffer_new();
		metrics now = n->metrics;
		node_totals(n, &now.blocks, &now.repo_bytes);
		metrics_render(&now, pins, b);
		struct conns *cl[2];
		size_t ncl = 0;
		for (int i = 0; i < 2; i++)
			if (listeners[i].conns)
				cl[ncl++] = listeners[i].conns;
		conns_metrics(cl, ncl, b);
		evbuffer_add_printf(b, "# HELP cairn_http_request_bytes_held Request bytes received "
		                    "and not yet released, all connections (Limits.MaxBufferedBytes).\n"
		                    "# TYPE cairn_http_request_bytes_held gauge\n"
		                    "cairn_http_request_bytes_held %llu\n",
		                    (unsigned long long)limits.budget);
		if (n->peers)
			peers_metrics(n->peers, b);
		if (n->replicator)
			replicator_metrics(n->replicator, b);
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
		evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
		                  "text/plain; version=0.0.4; charset=utf-8");
		evhttp_add_header(evhttp_request_get_output_headers(req), "Cache-Control", "no-store");
		evhttp_send_reply(req, 200, "OK", b);
		evbuffer_free(b);
		return 1;
	}
	return 0;
}

void node_totals(const node *n, uint64_t *blocks, uint64_t *bytes)
{
	const blockstore *bs = &n->repo.bs;
	*blocks = n->metrics.blocks + bs->added_blocks - bs->removed_blocks;
	*bytes = n->metrics.repo_bytes + bs->added_bytes - bs->removed_bytes;
}

/* "HOST:PORT" with an IPv4 host or "localhost". */
static int split_addr(const char *s, char *host, size_t cap, unsigned short *port)
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
	if (split_addr(addr, host, sizeof host, &port) != 0) {
		cli_error("daemon", "invalid %s address '%s' (use HOST:PORT)", l->name, addr);
		return EXIT_USAGE;
	}
	l->http = evhttp_new(n->base);
	if (!l->http)
		return EXIT_FAIL;
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
	if (l == &listeners[0]) {
		/* refuse a request without a valid token before its body is read */
		lim.early = auth_early_check;
		lim.early_ctx = n;
	}
	l->conns = conns_new(n->base, l->http, host, port, &lim, &limits.budget,
	                     l == &listeners[0] ? "api" : "gateway");
	if (!l->conns) {
		cli_error("daemon", "cannot listen for the %s on %s: %s", l->name, addr, strerror(errno));
		return EXIT_FAIL;
	}
	struct sockaddr_in sa;
	socklen_t sl = sizeof sa;
	char ip[INET_ADDRSTRLEN] = "?";
	if (getsockname(conns_fd(l->conns), (struct sockaddr *)&sa, &sl) == 0)
		inet_ntop(AF_INET, &sa.sin_addr, ip, sizeof ip);
	printf("%s server listening on http://%s:%u\n", l->name, ip, ntohs(sa.sin_port));
	if (l == &listeners[0])
		n->api_public = (ntohl(sa.sin_addr.s_addr) >> 24) != 127;
	if (l == &listeners[1])
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
	for (int i = 0; i < 2; i++)
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

/* The value of option name at argv[*i], as "NAME VALUE" (the value then
 * consumed) or "NAME=VALUE"; NULL if argv[*i] is not that option with a
 * value (the caller goes on to the next option, then "unknown option"). */
static const char *opt_value(int argc, char **argv, int *i, const char *name)
{
	size_t l = strlen(name);
	if (strncmp(argv[*i], name, l) != 0)
		return NULL;
	if (argv[*i][l] == '=')
		return argv[*i] + l + 1;
	if (argv[*i][l] == '\0' && *i + 1 < argc)
		return argv[++*i];
	return NULL;
}

/* One of the anchoring options at argv[*i] (its value consumed)? 1 if it
 * was one, with *rc set to EXIT_USAGE if its value is bad; 0 otherwise. */
static int anchor_option(int argc, char **argv, int *i, anchor_opts *o, int *rc)
{
	static const char *names[] = {"--chain-rpc", "--chain-from", "--anchor-interval",
	                              "--anchor-batch", "--confirmations"};
	const char *a = argv[*i], *v = NULL;
	int which = -1;
	*rc = 0;
	for (int k = 0; k < 5 && which < 0; k++) {
		size_t l = strlen(names[k]);
		if (strncmp(a, names[k], l) == 0 && (a[l] == '\0' || a[l] == '=')) {
			which = k;
			v = a[l] == '=' ? a + l + 1 : *i + 1 < argc ? argv[++*i] : NULL;
		}
	}
	if (which < 0)
		return 0;
	char *end;
	unsigned long long x = 0;
	if (!v || !*v) {
		cli_error("daemon", "%s needs a value", names[which]);
		*rc = EXIT_USAGE;
		return 1;
	}
	if (which >= 2) {
		x = strtoull(v, &end, 10);
		if (*end || v[0] == '-' || (which != 3 && x == 0) || x > 1000000000ull) {
			cli_error("daemon", "%s takes a positive number, not '%s'", names[which], v);
			*rc = EXIT_USAGE;
			return 1;
		}
	}
	switch (which) {
	case 0: o->rpc = v; break;
	case 1: o->from = v; break;
	case 2: o->interval = (unsigned)x; break;
	case 3: o->batch = x; break;
	case 4: o->confirmations = (unsigned)x; break;
	}
	return 1;
}

int cmd_daemon(int argc, char **argv)
{
	node n;
	const char *api_addr = NULL, *gw_addr = NULL, *pg_dsn = NULL;
	const char *api_token = NULL, *api_token_file = NULL;
	char token_buf[AUTH_STATIC_MAX + 2];
	const char *peer_urls[PEERS_MAX + 1];
	size_t npeers = 0, nrouters = 0;
	const char *router_urls[PEERS_MAX + 1];
	unsigned peer_timeout = 0;
	const char *replicate[REPLICATE_TARGETS_MAX + 1];
	size_t nreplicate = 0;
	struct event *sigint = NULL, *sigterm = NULL, *flusher = NULL;
	anchor_opts ao = {0};
	int rc;

	for (int i = 1; i < argc; i++) {
		const char *v;
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(daemon_usage, stdout);
			return 0;
		} else if ((v = opt_value(argc, argv, &i, "--api"))) {
			api_addr = v;
		} else if ((v = opt_value(argc, argv, &i, "--gateway"))) {
			gw_addr = v;
		} else if ((v = opt_value(argc, argv, &i, "--peer"))) {
			if (npeers == PEERS_MAX) {
				cli_error("daemon", "at most %d peers", PEERS_MAX);
				return EXIT_USAGE;
			}
			peer_urls[npeers++] = v;
		} else if ((v = opt_value(argc, argv, &i, "--replicate-to"))) {
			if (nreplicate == REPLICATE_TARGETS_MAX) {
				cli_error("daemon", "at most %d replication targets", REPLICATE_TARGETS_MAX);
				return EXIT_USAGE;
			}
			replicate[nreplicate++] = v;
		} else if ((v = opt_value(argc, argv, &i, "--router"))) {
			if (nrouters == PEERS_MAX) {
				cli_error("daemon", "at most %d routers", PEERS_MAX);
				return EXIT_USAGE;
			}
			router_urls[nrouters++] = v;
		} else if (strcmp(argv[i], "--peer-timeout") == 0 && i + 1 < argc) {
			char *end;
			unsigned long t = strtoul(argv[++i], &end, 10);
			if (*end || t == 0 || t > 3600) {
				cli_error("daemon", "--peer-timeout takes seconds (1 to 3600), not '%s'", argv[i]);
				return EXIT_USAGE;
			}
			peer_timeout = (unsigned)t;
		} else if ((v = opt_value(argc, argv, &i, "--api-token"))) {
			api_token = v;
		} else if ((v = opt_value(argc, argv, &i, "--api-token-file"))) {
			api_token_file = v;
		} else if ((v = opt_value(argc, argv, &i, "--pg"))) {
			pg_dsn = v;
		} else if (anchor_option(argc, argv, &i, &ao, &rc)) {
			if (rc)
				return rc;
		} else {
			cli_error("daemon", "unknown option '%s' (see 'cairn daemon --help')", argv[i]);
			return EXIT_USAGE;
		}
	}
	/* Usage errors first, before the repo is touched. */
	char host[256];
	unsigned short port;
	if (api_addr && split_addr(api_addr, host, sizeof host, &port) != 0) {
		cli_error("daemon", "invalid API address '%s' (use HOST:PORT)", api_addr);
		return EXIT_USAGE;
	}
	if (gw_addr && split_addr(gw_addr, host, sizeof host, &port) != 0) {
		cli_error("daemon", "invalid Gateway address '%s' (use HOST:PORT)", gw_addr);
		return EXIT_USAGE;
	}
	memset(&n, 0, sizeof n);
	if (api_token && api_token_file) {
		cli_error("daemon", "--api-token and --api-token-file: one or the other");
		return EXIT_USAGE;
	}
	if (api_token_file) {
		FILE *f = fopen(api_token_file, "r");
		if (!f) {
			cli_error("daemon", "--api-token-file %s: %s", api_token_file, strerror(errno));
			return EXIT_USAGE;
		}
		if (!fgets(token_buf, sizeof token_buf, f))
			token_buf[0] = '\0';
		fclose(f);
		token_buf[strcspn(token_buf, "\r\n")] = '\0';
		api_token = token_buf;
	}
	if (api_token && auth_set_static(&n, api_token) != 0) {
		cli_error("daemon", "an API token is %d to %d visible ASCII characters, no spaces",
		          AUTH_STATIC_MIN, AUTH_STATIC_MAX);
		return EXIT_USAGE;
	}
	if ((rc = cli_repo_open(&n.repo, "daemon")) != 0)
		return rc;
	if (!api_addr)
		api_addr = repo_config_str(&n.repo, "Addresses", "API");
	if (!gw_addr)
		gw_addr = repo_config_str(&n.repo, "Addresses", "Gateway");
	signal(SIGPIPE, SIG_IGN);
	/* Blocks (up to 2 MiB) are read into fresh buffers all the time. Above
	 * glibc's default 128 KiB mmap threshold each one was a new mapping:
	 * page faults and zeroing cost a fifth of a large GET. Kept on the heap,
	 * freed buffers are reused instead. */
	mallopt(M_MMAP_THRESHOLD, 4 * 1024 * 1024);
	mallopt(M_TRIM_THRESHOLD, 64 * 1024 * 1024);
	/* epoll's changelist folds the read/write interest changes evhttp makes
	 * around every request into one epoll_ctl, or none: they were a tenth
	 * of the time spent on small GETs. */
	struct event_config *ecfg = event_config_new();
	if (ecfg)
		event_config_set_flag(ecfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
	n.base = ecfg ? event_base_new_with_config(ecfg) : event_base_new();
	if (ecfg)
		event_config_free(ecfg);
	listeners[0] = (struct listener){NULL, NULL, "API"};
	listeners[1] = (struct listener){NULL, NULL, "Gateway"};
	read_limits(&n.repo);
	rc = EXIT_FAIL;
	if (!n.base)
		goto done;
	if ((rc = listen_on(&n, &listeners[0], api_addr ? api_addr : REPO_DEFAULT_API, api_entry,
	                    limits.body_max)) != 0 ||
	    (rc = listen_on(&n, &listeners[1], gw_addr ? gw_addr : REPO_DEFAULT_GATEWAY,
	                    gateway_entry, GATEWAY_BODY_MAX)) != 0)
		goto done;
	if (n.api_public) {
		char aerr[REPO_ERR_MAX];
		int need = auth_required(&n, aerr);
		if (need <= 0) {
			cli_error("daemon", need < 0 ? "reading tokens: %s" :
			          "refusing to serve the API beyond loopback (%s) without tokens: create "
			          "one with 'cairn token add NAME' or pass --api-token-file", need < 0 ? aerr :
			          api_addr ? api_addr : REPO_DEFAULT_API);
			rc = need < 0 ? EXIT_FAIL : EXIT_USAGE;
			goto done;
		}
	}
	setvbuf(stderr, log_buf, _IOFBF, sizeof log_buf);
	flusher = event_new(n.base, -1, EV_PERSIST, flush_log, NULL);
	struct timeval every = {0, LOG_FLUSH_MS * 1000};
	if (!flusher || event_add(flusher, &every) != 0) {
		rc = EXIT_FAIL;
		goto done;
	}
	sigint = evsignal_new(n.base, SIGINT, on_signal, &n);
	sigterm = evsignal_new(n.base, SIGTERM, on_signal, &n);
	if (!sigint || !sigterm || event_add(sigint, NULL) != 0 || event_add(sigterm, NULL) != 0) {
		rc = EXIT_FAIL;
		goto done;
	}
	/* Counted once here; the blockstore's counters add the daemon's writes. */
	char err[REPO_ERR_MAX];
	if (blockstore_totals(&n.repo.bs, &n.metrics.blocks, &n.metrics.repo_bytes, err) != 0)
		fprintf(stderr, "cairn daemon: counting blocks: %s\n", err);
	if (ao.rpc) {
		char aerr[256];
		n.anchor = anchorer_new(&n, &ao, aerr);
		if (!n.anchor) {
			cli_error("daemon", "%s", aerr);
			rc = EXIT_USAGE;
			goto done;
		}
		printf("anchoring to %s every %u s\n", ao.rpc, ao.interval ? ao.interval : ANCHOR_INTERVAL_DEFAULT);
	}
	/* Peers and routers: the options, else the config's lists. */
	if (npeers == 0)
		npeers = config_list(&n.repo, "Peers", peer_urls, PEERS_MAX);
	if (nrouters == 0)
		nrouters = config_list(&n.repo, "Routers", router_urls, PEERS_MAX);
	if (npeers || nrouters) {
		char perr[REPO_ERR_MAX];
		if (!(n.peers = peers_new(n.base, &n.repo, peer_urls, npeers, peer_timeout, perr)) ||
		    peers_add_routers(n.peers, router_urls, nrouters, n.repo.peer_id, perr) != 0) {
			cli_error("daemon", "%s", perr);
			rc = EXIT_USAGE;
			goto done;
		}
		for (size_t k = 0; k < npeers; k++)
			printf("peer: %s\n", peer_urls[k]);
		for (size_t k = 0; k < nrouters; k++)
			printf("router: %s\n", router_urls[k]);
	}
	if (nreplicate) {
		char rerr[REPO_ERR_MAX];
		if (!(n.replicator = replicator_new(&n, replicate, nreplicate, rerr))) {
			cli_error("daemon", "%s", rerr);
			rc = EXIT_USAGE;
			goto done;
		}
		for (size_t k = 0; k < nreplicate; k++)
			printf("replicating new pins to %.*s\n", (int)strcspn(replicate[k], ","), replicate[k]);
	}
	/* pin requests left queued or pinning by the last run */
	pinsvc_resume(&n);
	if (pg_dsn && *pg_dsn) {
		char merr[REPO_ERR_MAX];
		if (!(n.mirror = pgmirror_new(&n, pg_dsn, merr))) {
			cli_error("daemon", "%s", merr);
			rc = EXIT_FAIL;
			goto done;
		}
		printf("mirroring pins and proofs into PostgreSQL\n");
	}
	printf("peer identity: %s\nrepo: %s\nDaemon is ready\n", n.repo.peer_id, n.repo.path);
	fflush(stdout);
	rc = event_base_dispatch(n.base) < 0 ? EXIT_FAIL : 0;
	fprintf(stderr, "cairn daemon: stopped\n");
done:
	/* cached blocks reach the disk before another process may pin them */
	if (n.repo.bs.root[0] && blockstore_sync(&n.repo.bs, err) != 0)
		fprintf(stderr, "cairn daemon: %s\n", err);
	replicator_free(n.replicator);
	pgmirror_free(n.mirror);
	peers_free(n.peers);
	anchorer_free(n.anchor);
	if (flusher)
		event_free(flusher);
	fflush(stderr);
	setvbuf(stderr, NULL, _IONBF, 0);
	if (sigint)
		event_free(sigint);
	if (sigterm)
		event_free(sigterm);
	for (int i = 0; i < 2; i++) {
		conns_close_listener(listeners[i].conns);
		if (listeners[i].http)
			evhttp_free(listeners[i].http);
		conns_free(listeners[i].conns);
	}
	if (n.base)
		event_base_free(n.base);
	repo_close(&n.repo);
	return rc;
}

#include "peers.h"
#include "log.h"
#include "server.h"

#include "car_io.h"
#include "client.h"
#include "dir.h"
#include "http_util.h"

#include <event2/http.h>
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

typedef struct peer {
	char url[PEER_URL_MAX];    /* as given, without a trailing '/': /ipfs/ goes after it */
	unsigned fails;            /* consecutive failures */
	time_t down_until;         /* skipped until then */
	uint64_t ok, not_found, failed, bad, tls; /* fetches by outcome */
	uint64_t http2;            /* fetches spoken in HTTP/2 */
	uint64_t connects;         /* connections opened (HTTP/2 carries many fetches on one) */
	uint64_t blocks, bytes;    /* verified and stored */
} peer;

struct peers {
	struct event_base *base;
	repo *r;
	struct http_client *http;  /* shared by the sets made from routers' answers */
	int owns_http;
	bs_writer *writer;         /* made at the first fetch */
	struct event *writer_ev;
	struct peer_fetch *write_waiting; /* fetches stopped for the writer */
	int reaping;               /* in on_writer: a free waits for its end */
	int free_pending;
	/* where each peer's health is kept (loop 0's set: what one loop
	 * learns of a peer, every loop knows), or NULL: here */
	struct peers *health;
	peer list[PEERS_MAX];
	size_t n;
	unsigned timeout;
	/* routers: asked for providers when no peer had the content */
	char routers[PEERS_MAX][PEER_URL_MAX];
	size_t nrouters;
	char self[128];            /* our PeerID: never our own provider */
};

struct peer_fetch {
	peers *p;
	cairn_cid root;
	char *path;
	int scope;
	peers_done_fn done;
	void *ctx;
	size_t next;               /* the next peer of `set` to try */
	peers *set;                /* p, then the providers the routers named */
	size_t router;             /* the next router to ask */
	int routed;                /* the routers were asked */
	/* the attempt in flight */
	peer *cur;
	struct http_call *call;
	car_import ci;
	int ci_live;               /* ci is initialised (an attempt's) */
	bs_wstream *ws;            /* the attempt's writes */
	int status;                /* HTTP status of the attempt, 0 before */
	int lied;                  /* the peer sent something that is not what it claims */
	int timed_out;
	int tls;                   /* its certificate or handshake failed */
	int cancelled;             /* the client went away */
	struct http_req *client;    /* its request, watched for that */
	uint64_t committed;        /* bytes of the attempt made visible so far */
	peer_block_fn on_block;
	void *on_block_ctx;
	int paused;                /* by the client (a slow reader) */
	int write_paused;          /* by the writer (a long queue): in p->write_waiting */
	struct peer_fetch *wprev, *wnext;
	/* over all attempts */
	int asked, said_404, any_timeout;
	char why[1024];
};

static const char *const scope_names[] = {"block", "entity", "all"};

/* A peer's counters are its loop's to change and loop 0's to read for
 * /metrics: relaxed atomics. */
#define COUNT(x, v) __atomic_fetch_add(&(x), (v), __ATOMIC_RELAXED)
#define READ(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)

/* A peer's or router's URL: http:// or https://, kept without a trailing
 * '/'. 0, or -1 with err set. */
static int take_url(char *out, const char *url, const char *what, char *err)
{
	size_t l = strlen(url);
	while (l > 0 && url[l - 1] == '/')
		l--;
	if (!http_url_ok(url) || l >= PEER_URL_MAX || strpbrk(url, "?#")) {
		char shown[256];
		http_url_redact(url, shown, sizeof shown);
		snprintf(err, CAIRN_ERR_MAX, "%s '%s' is not http(s)://HOST[:PORT][/PREFIX]", what, shown);
		return -1;
	}
	memcpy(out, url, l);
	out[l] = '\0';
	return 0;
}

static peers *peers_make(struct event_base *base, repo *r, struct http_client *http,
                         const char *const *urls, size_t n, unsigned timeout_secs, char *err)
{
	if (n > PEERS_MAX) {
		snprintf(err, CAIRN_ERR_MAX, "at most %d peers", PEERS_MAX);
		return NULL;
	}
	peers *p = calloc(1, sizeof *p);
	if (!p) {
		snprintf(err, CAIRN_ERR_MAX, "out of memory");
		return NULL;
	}
	p->base = base;
	p->r = r;
	p->http = http;
	p->timeout = timeout_secs ? timeout_secs : PEER_TIMEOUT_SECS;
	for (size_t i = 0; i < n; i++) {
		if (take_url(p->list[i].url, urls[i], "peer", err) != 0) {
			free(p);
			return NULL;
		}
	}
	p->n = n;
	return p;
}

peers *peers_new(struct event_base *base, repo *r, const char *const *urls, size_t n,
                 unsigned timeout_secs, const char *ca_file, char *err)
{
	http_client_opts ho = {.ca_file = ca_file};
	struct http_client *http = http_client_new(base, &ho, err);
	if (!http)
		return NULL;
	peers *p = peers_make(base, r, http, urls, n, timeout_secs, err);
	if (!p) {
		http_client_free(http);
		return NULL;
	}
	p->owns_http = 1;
	return p;
}

peers *peers_new_like(const peers *p, struct event_base *base, const char *ca_file, char *err)
{
	const char *urls[PEERS_MAX], *routers[PEERS_MAX];
	for (size_t i = 0; i < p->n; i++)
		urls[i] = p->list[i].url;
	for (size_t i = 0; i < p->nrouters; i++)
		routers[i] = p->routers[i];
	peers *q = peers_new(base, p->r, urls, p->n, p->timeout, ca_file, err);
	if (q && peers_add_routers(q, routers, p->nrouters, p->self, err) != 0) {
		peers_free(q);
		return NULL;
	}
	if (q)
		q->health = (peers *)p;
	return q;
}

void peers_free(peers *p)
{
	if (p && p->reaping) {
		/* from a completion the writer's reap runs (a pin job ends) */
		p->free_pending = 1;
		return;
	}
	if (p && p->owns_http)
		http_client_free(p->http);
	if (p && p->writer) {
		event_free(p->writer_ev);
		bs_writer_free(p->writer); /* writes what is queued first */
	}
	free(p);
}

/* Fetches stopped for the writer's queue, and their resumption. */
static void apply_pause(peer_fetch *f)
{
	if (f->call)
		http_call_pause(f->call, f->paused || f->write_paused);
}

static void write_unwait(peer_fetch *f)
{
	if (!f->write_paused)
		return;
	if (f->wprev)
		f->wprev->wnext = f->wnext;
	else
		f->p->write_waiting = f->wnext;
	if (f->wnext)
		f->wnext->wprev = f->wprev;
	f->wprev = f->wnext = NULL;
	f->write_paused = 0;
}

static void on_writer(evutil_socket_t fd, short what, void *arg)
{
	peers *p = arg;
	(void)fd;
	(void)what;
	p->reaping = 1;
	bs_writer_reap(p->writer); /* commits' completions: may finish fetches */
	p->reaping = 0;
	if (p->free_pending) {
		peers_free(p);
		return;
	}
	if (!p->write_waiting)
		return;
	/* Other fetches of this loop may have queued more since the writer's
	 * wake-up: ask for another rather than leave the waiters stopped. */
	if (bs_writer_queued(p->writer) > PEER_WRITE_QUEUE_LOW && bs_writer_wait_low(p->writer))
		return;
	while (p->write_waiting) {
		peer_fetch *f = p->write_waiting;
		write_unwait(f);
		apply_pause(f);
	}
}

static int writer_start(peers *p, char *err)
{
	if (p->writer)
		return 0;
	if (!(p->writer = bs_writer_new(&p->r->bs, PEER_WRITE_QUEUE_LOW, err)))
		return -1;
	p->writer_ev = event_new(p->base, bs_writer_fd(p->writer), EV_READ | EV_PERSIST, on_writer, p);
	if (!p->writer_ev || event_add(p->writer_ev, NULL) != 0) {
		if (p->writer_ev)
			event_free(p->writer_ev);
		bs_writer_free(p->writer);
		p->writer = NULL;
		snprintf(err, CAIRN_ERR_MAX, "out of memory");
		return -1;
	}
	return 0;
}

static void note(peer_fetch *f, const char *fmt, const char *detail)
{
	size_t l = strlen(f->why);
	snprintf(f->why + l, sizeof f->why - l, "%s%s: ", l ? "; " : "", f->cur->url);
	l = strlen(f->why);
	snprintf(f->why + l, sizeof f->why - l, fmt, detail);
}

static void try_next(peer_fetch *f);
static int ask_router(peer_fetch *f);

static void finish(peer_fetch *f, int outcome)
{
	write_unwait(f);
	if (f->set != f->p)
		peers_free(f->set);
	if (f->client && !f->cancelled)
		http_req_on_close(f->client, NULL, NULL);
	f->done(f->ctx, f->cancelled ? FETCH_CANCELLED : outcome, f->why);
	free(f->path);
	free(f);
}

/* The CAR as it arrives: verified and stored block by block. -1 ends
 * the attempt (its on_done then says why). */
static int on_chunk(void *arg, long status, const uint8_t *p, size_t n)
{
	peer_fetch *f = arg;
	f->status = (int)status;
	if (f->status != 200)
		return 0; /* an error page: read and ignored */
	if (f->lied || f->cancelled)
		return -1;
	if (car_import_feed(&f->ci, p, n) != 0) {
		f->lied = f->ci.io_errno == 0; /* else: our disk, not their fault */
		return -1;
	}
	const char *werr = bs_wstream_error(f->ws);
	if (werr) { /* our disk, not their fault */
		snprintf(f->ci.err, sizeof f->ci.err, "%s", werr);
		f->ci.io_errno = EIO;
		return -1;
	}
	/* Large DAGs become visible as they come, so a failure later keeps
	 * what was verified, and a failed fetch elsewhere (which drops its
	 * uncommitted writes) costs little. */
	if (f->ci.bytes - f->committed >= PEER_COMMIT_BYTES) {
		if (bs_wstream_commit(f->ws, 0, NULL, NULL) != 0) {
			snprintf(f->ci.err, sizeof f->ci.err, "out of memory");
			f->ci.io_errno = ENOMEM;
			return -1;
		}
		f->committed = f->ci.bytes;
	}
	/* The writer is behind: read on once it has caught up. */
	if (!f->write_paused && bs_writer_queued(f->p->writer) > PEER_WRITE_QUEUE_MAX &&
	    bs_writer_wait_low(f->p->writer)) {
		f->write_paused = 1;
		f->wnext = f->p->write_waiting;
		if (f->wnext)
			f->wnext->wprev = f;
		f->p->write_waiting = f;
		apply_pause(f);
	}
	return 0;
}

static void ci_release(peer_fetch *f)
{
	if (f->ci_live)
		car_import_free(&f->ci);
	f->ci_live = 0;
	bs_wstream_close(f->ws); /* its uncommitted writes are dropped */
	f->ws = NULL;
	write_unwait(f);
}

/* The entry that keeps e's health (failures, when it is asked again):
 * loop 0's for a loop's own set. Read and written with relaxed atomics. */
static peer *health(const peer_fetch *f, peer *e)
{
	const peers *s = f->set;
	return s->health ? &s->health->list[e - s->list] : e;
}

static void penalise(peer *h, unsigned secs)
{
	__atomic_store_n(&h->down_until, time(NULL) + (time_t)secs, __ATOMIC_RELAXED);
}

/* The writer's answer to an attempt's last commit. */
static void on_committed(void *arg, int rc, const char *err)
{
	peer_fetch *f = arg;
	peer *e = f->cur, *h = health(f, f->cur);
	if (f->cancelled) {
		ci_release(f);
		finish(f, FETCH_FAILED);
		return;
	}
	if (rc != 0) {
		note(f, "could not store its blocks here (%s)", err);
		ci_release(f);
		try_next(f);
		return;
	}
	COUNT(e->ok, 1);
	__atomic_store_n(&h->fails, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&h->down_until, 0, __ATOMIC_RELAXED);
	COUNT(e->blocks, f->ci.blocks);
	COUNT(e->bytes, f->ci.bytes);
	ci_release(f);
	finish(f, FETCH_OK);
}

static void on_done(void *arg, const http_result *res)
{
	peer_fetch *f = arg;
	peer *e = f->cur, *h = health(f, f->cur);
	int status = res->error == HTTP_CALL_OK || res->error == HTTP_CALL_STOPPED ? (int)res->status : 0;
	char detail[700];
	f->call = NULL; /* freed once this returns */
	f->asked++;
	if (res->http_version == 2)
		COUNT(e->http2, 1);
	if (res->connects > 0)
		COUNT(e->connects, (uint64_t)res->connects);
	if (res->error == HTTP_CALL_TIMEOUT)
		f->timed_out = 1;
	if (res->error == HTTP_CALL_TLS)
		f->tls = 1;
	if (f->cancelled) {
		ci_release(f);
		finish(f, FETCH_FAILED);
		return;
	}
	if (f->lied) {
		COUNT(e->bad, 1);
		penalise(h, PEER_BAD_SECS);
		log_warn("peer %s sent bad data (%s); not asked again for %d s",
		         e->url, f->ci.err, PEER_BAD_SECS);
		note(f, "sent data that is not what it claims (%s)", f->ci.err);
	} else if (res->error == HTTP_CALL_OK && status == 200 && f->ci.blocks > 0 &&
	           car_import_finish(&f->ci) == 0) {
		/* done once the writer has made every block visible */
		if (bs_wstream_commit(f->ws, 0, on_committed, f) == 0)
			return;
		note(f, "%s", "out of memory");
	} else if (f->ci.io_errno) {
		/* our store failed, not the peer: it is not held against it */
		note(f, "could not store its blocks here (%s)", f->ci.err);
	} else if (res->error == HTTP_CALL_OK && (status == 404 || status == 410)) {
		COUNT(e->not_found, 1);
		__atomic_store_n(&h->fails, 0, __ATOMIC_RELAXED);
		f->said_404++;
		note(f, "%s", "does not have it (404)");
	} else {
		if (f->tls)
			COUNT(e->tls, 1);
		else
			COUNT(e->failed, 1);
		unsigned fails = __atomic_add_fetch(&h->fails, 1, __ATOMIC_RELAXED);
		unsigned secs = PEER_DOWN_SECS;
		for (unsigned i = 1; i < fails && secs < PEER_DOWN_MAX_SECS; i++)
			secs *= 2;
		penalise(h, secs < PEER_DOWN_MAX_SECS ? secs : PEER_DOWN_MAX_SECS);
		if (f->timed_out) {
			f->any_timeout = 1;
			snprintf(detail, sizeof detail, "timed out after %u s", f->p->timeout);
		} else if (f->tls) {
			snprintf(detail, sizeof detail, "TLS: %.600s", res->why ? res->why : "failed");
			log_warn("peer %s: %s", e->url, detail);
		} else if (res->error != HTTP_CALL_OK && res->error != HTTP_CALL_STOPPED) {
			snprintf(detail, sizeof detail, "could not be reached, or the transfer broke (%.500s)",
			         res->why ? res->why : "?");
		} else if (status == 200 && f->ci.err[0]) {
			snprintf(detail, sizeof detail, "%s", f->ci.err);
		} else if (status == 200) {
			snprintf(detail, sizeof detail, "sent no blocks");
		} else {
			snprintf(detail, sizeof detail, "answered %d", status);
		}
		note(f, "%s", detail);
	}
	ci_release(f);
	try_next(f);
}

/* Start the attempt on peer e: 0, or -1 (it was noted why). */
static int start(peer_fetch *f, peer *e)
{
	char cid[CAIRN_CID_TEXT_MAX], url[PEER_URL_MAX + CAIRN_CID_TEXT_MAX + 4096], err[CAIRN_ERR_MAX];
	static const char *const accept[] = {"Accept: application/vnd.ipld.car", NULL};
	f->cur = e;
	f->status = 0;
	f->lied = f->timed_out = f->tls = 0;
	f->committed = 0;
	if (writer_start(f->p, err) != 0 || !(f->ws = bs_wstream_open(f->p->writer))) {
		note(f, "%s", f->p->writer ? "out of memory" : err);
		return -1;
	}
	car_import_init(&f->ci, f->p->r);
	f->ci_live = 1;
	f->ci.ws = f->ws; /* committed as a cache by the writer (on_chunk, on_done) */
	f->ci.on_block = f->on_block;
	f->ci.on_block_ctx = f->on_block_ctx;
	f->paused = 0;
	cairn_cid_to_string(&f->root, cid, sizeof cid, NULL);
	snprintf(url, sizeof url, "%s/ipfs/%s%s?format=car&dag-scope=%s", e->url, cid, f->path,
	         scope_names[f->scope]);
	http_call_opts o = {.method = "GET", .url = url, .headers = accept, .stall_secs = f->p->timeout,
	                    .read_buffer = PEER_READ_BUFFER, .on_data = on_chunk, .on_done = on_done,
	                    .arg = f};
	if (!(f->call = http_call_start(f->p->http, &o, err))) {
		ci_release(f);
		note(f, "%s", err);
		return -1;
	}
	return 0;
}

static void try_next(peer_fetch *f)
{
	time_t now = time(NULL);
	while (f->next < f->set->n) {
		peer *e = &f->set->list[f->next++];
		time_t until = READ(health(f, e)->down_until);
		if (until > now) {
			f->cur = e;
			/* only bad data keeps a peer away longer than failures can */
			note(f, "%s", until - now > PEER_DOWN_MAX_SECS ? "skipped: it sent bad data"
			                                               : "skipped: it was failing");
			continue;
		}
		if (start(f, e) == 0)
			return;
	}
	if (f->router < f->p->nrouters && ask_router(f) == 0)
		return;
	if (f->asked > 0 && f->said_404 == f->asked)
		finish(f, FETCH_NOT_FOUND);
	else
		finish(f, f->any_timeout ? FETCH_TIMEOUT : FETCH_FAILED);
}

static void kick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	peer_fetch *f = arg;
	if (f->cancelled) {
		finish(f, FETCH_FAILED);
		return;
	}
	try_next(f);
}

int peers_multiaddr_url(const char *ma, char *out, size_t cap)
{
	char proto[16], host[256], tcp[8], http[8], next[8] = "";
	unsigned port;
	int n = sscanf(ma, "/%15[^/]/%255[^/]/%7[^/]/%u/%7[^/]/%7[^/]", proto, host, tcp, &port, http, next);
	if (n < 5 || strcmp(tcp, "tcp") != 0 || port == 0 || port > 65535)
		return -1;
	/* .../http, .../https, or .../tls/http (the same as https) */
	const char *scheme = !strcmp(http, "http") ? "http"
	                     : !strcmp(http, "https") || (!strcmp(http, "tls") && !strcmp(next, "http")) ? "https"
	                     : NULL;
	if (!scheme)
		return -1;
	if (strcmp(proto, "ip6") == 0)
		snprintf(out, cap, "%s://[%s]:%u", scheme, host, port);
	else if (!strcmp(proto, "ip4") || !strcmp(proto, "dns") || !strcmp(proto, "dns4") ||
	         !strcmp(proto, "dns6"))
		snprintf(out, cap, "%s://%s:%u", scheme, host, port);
	else
		return -1;
	return 0;
}

/* A router's answer: the providers it names become the peers to try. */
static void on_router(void *arg, const http_result *res)
{
	peer_fetch *f = arg;
	const char *router = f->p->routers[f->router - 1];
	int status = res->error == HTTP_CALL_OK ? (int)res->status : 0;
	const char *urls[PEERS_MAX];
	char bufs[PEERS_MAX][PEER_URL_MAX], err[CAIRN_ERR_MAX], msg[PEER_URL_MAX + 700];
	size_t count = 0, i, k;
	json_t *prov;
	f->call = NULL;
	if (f->cancelled) {
		finish(f, FETCH_FAILED);
		return;
	}
	json_t *body = NULL;
	if (status == 200)
		body = json_loadb((const char *)evbuffer_pullup(res->body, -1),
		                  evbuffer_get_length(res->body), 0, NULL);
	json_array_foreach(json_object_get(body, "Providers"), i, prov) {
		const char *id = json_string_value(json_object_get(prov, "ID"));
		json_t *protos = json_object_get(prov, "Protocols"), *a;
		int gw = !json_is_array(protos) || json_array_size(protos) == 0;
		json_array_foreach(protos, k, a)
			gw |= json_is_string(a) && strcmp(json_string_value(a), "transport-ipfs-gateway-http") == 0;
		if (!gw || (id && strcmp(id, f->p->self) == 0))
			continue;
		json_array_foreach(json_object_get(prov, "Addrs"), k, a) {
			if (count < PEERS_MAX && json_is_string(a) &&
			    peers_multiaddr_url(json_string_value(a), bufs[count], PEER_URL_MAX) == 0) {
				urls[count] = bufs[count];
				count++;
			}
		}
	}
	json_decref(body);
	peers *set = count ? peers_make(f->p->base, f->p->r, f->p->http, urls, count, f->p->timeout, err)
	                   : NULL;
	if (!set) {
		size_t l = strlen(f->why);
		if (status == 200 || status == 404)
			snprintf(msg, sizeof msg, "router %s: no gateway provider", router);
		else if (status)
			snprintf(msg, sizeof msg, "router %s: an error (%d)", router, status);
		else
			snprintf(msg, sizeof msg, "router %s: unreachable (%.600s)", router, res->why ? res->why : "?");
		snprintf(f->why + l, sizeof f->why - l, "%s%s", l ? "; " : "", msg);
		try_next(f);
		return;
	}
	if (f->set != f->p)
		peers_free(f->set);
	f->set = set;
	f->next = 0;
	try_next(f);
}

/* Ask the next router who has the root. 0 if asked, -1 if it could not be. */
static int ask_router(peer_fetch *f)
{
	char cid[CAIRN_CID_TEXT_MAX], url[PEER_URL_MAX + CAIRN_CID_TEXT_MAX + 32], err[CAIRN_ERR_MAX];
	static const char *const accept[] = {"Accept: application/json", NULL};
	const char *r = f->p->routers[f->router++];
	cairn_cid_to_string(&f->root, cid, sizeof cid, NULL);
	snprintf(url, sizeof url, "%s/routing/v1/providers/%s", r, cid);
	http_call_opts o = {.method = "GET", .url = url, .headers = accept,
	                    .timeout_ms = f->p->timeout * 1000, .on_done = on_router, .arg = f};
	return (f->call = http_call_start(f->p->http, &o, err)) ? 0 : -1;
}

int peers_add_routers(peers *p, const char *const *urls, size_t n, const char *self, char *err)
{
	if (n > PEERS_MAX) {
		snprintf(err, CAIRN_ERR_MAX, "at most %d routers", PEERS_MAX);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (take_url(p->routers[i], urls[i], "router", err) != 0)
			return -1;
	p->nrouters = n;
	snprintf(p->self, sizeof p->self, "%s", self);
	return 0;
}

void peer_fetch_on_block(peer_fetch *f, peer_block_fn fn, void *ctx)
{
	f->on_block = fn;
	f->on_block_ctx = ctx;
}

void peer_fetch_pause(peer_fetch *f, int paused)
{
	if (!f->call || f->paused == paused)
		return;
	f->paused = paused;
	apply_pause(f);
}

static void client_gone(void *arg)
{
	peer_fetch *f = arg;
	f->cancelled = 1;
	/* The attempt (or a router's answer) in flight goes now; f is
	 * finished from the loop, never under the server's close hook. */
	if (!f->call)
		return; /* the first attempt has not started (its kick finishes f),
		         * or the writer commits the last one (on_committed does) */
	http_call_cancel(f->call);
	f->call = NULL;
	ci_release(f);
	if (event_base_once(f->p->base, -1, EV_TIMEOUT, kick, f, NULL) != 0)
		finish(f, FETCH_FAILED);
}

peer_fetch *peers_fetch(peers *p, struct http_req *req, const cairn_cid *root,
                        const char *path, int scope, peers_done_fn done, void *ctx)
{
	peer_fetch *f = calloc(1, sizeof *f);
	if (!f || !(f->path = strdup(path ? path : ""))) {
		free(f);
		return NULL;
	}
	f->p = p;
	f->set = p;
	f->root = *root;
	f->scope = scope < 0 || scope > 2 ? FETCH_SCOPE_ENTITY : scope;
	f->done = done;
	f->ctx = ctx;
	/* Started from the loop, so done never runs inside the caller. */
	if (event_base_once(p->base, -1, EV_TIMEOUT, kick, f, NULL) != 0) {
		free(f->path);
		free(f);
		return NULL;
	}
	f->client = req;
	if (req)
		http_req_on_close(req, client_gone, f);
	return f;
}

/* The sum of one counter of peer i over the loops' sets. */
static uint64_t sum(const peers *const *list, size_t n, size_t i, size_t off)
{
	uint64_t t = 0;
	for (size_t k = 0; k < n; k++) {
		const uint64_t *c = (const uint64_t *)(const void *)((const char *)&list[k]->list[i] + off);
		t += READ(*c);
	}
	return t;
}

void peers_metrics(const peers *const *list, size_t n, struct evbuffer *out)
{
	const peers *p = list[0];
	time_t now = time(NULL);
#define SUM(field) sum(list, n, i, offsetof(peer, field))
	evbuffer_add_printf(out, "# HELP cairn_peer_fetches_total Fetches from each peer, by outcome.\n"
	                         "# TYPE cairn_peer_fetches_total counter\n");
	for (size_t i = 0; i < p->n; i++) {
		const char *u = p->list[i].url;
		evbuffer_add_printf(out,
		                    "cairn_peer_fetches_total{peer=\"%s\",outcome=\"ok\"} %" PRIu64 "\n"
		                    "cairn_peer_fetches_total{peer=\"%s\",outcome=\"not_found\"} %" PRIu64 "\n"
		                    "cairn_peer_fetches_total{peer=\"%s\",outcome=\"failed\"} %" PRIu64 "\n"
		                    "cairn_peer_fetches_total{peer=\"%s\",outcome=\"bad_data\"} %" PRIu64 "\n"
		                    "cairn_peer_fetches_total{peer=\"%s\",outcome=\"tls\"} %" PRIu64 "\n",
		                    u, SUM(ok), u, SUM(not_found), u, SUM(failed), u, SUM(bad), u, SUM(tls));
	}
	evbuffer_add_printf(out, "# HELP cairn_peer_http2_fetches_total Fetches from each peer spoken in HTTP/2.\n"
	                         "# TYPE cairn_peer_http2_fetches_total counter\n");
	for (size_t i = 0; i < p->n; i++)
		evbuffer_add_printf(out, "cairn_peer_http2_fetches_total{peer=\"%s\"} %" PRIu64 "\n",
		                    p->list[i].url, SUM(http2));
	evbuffer_add_printf(out, "# HELP cairn_peer_connections_total Connections opened to each peer (kept and reused; HTTP/2 multiplexes fetches on one).\n"
	                         "# TYPE cairn_peer_connections_total counter\n");
	for (size_t i = 0; i < p->n; i++)
		evbuffer_add_printf(out, "cairn_peer_connections_total{peer=\"%s\"} %" PRIu64 "\n",
		                    p->list[i].url, SUM(connects));
	evbuffer_add_printf(out, "# HELP cairn_peer_blocks_total Blocks fetched from each peer, verified and stored.\n"
	                         "# TYPE cairn_peer_blocks_total counter\n");
	for (size_t i = 0; i < p->n; i++)
		evbuffer_add_printf(out, "cairn_peer_blocks_total{peer=\"%s\"} %" PRIu64 "\n", p->list[i].url,
		                    SUM(blocks));
	evbuffer_add_printf(out, "# HELP cairn_peer_bytes_total Block bytes fetched from each peer.\n"
	                         "# TYPE cairn_peer_bytes_total counter\n");
	for (size_t i = 0; i < p->n; i++)
		evbuffer_add_printf(out, "cairn_peer_bytes_total{peer=\"%s\"} %" PRIu64 "\n", p->list[i].url,
		                    SUM(bytes));
#undef SUM
	evbuffer_add_printf(out, "# HELP cairn_peer_up Whether each peer is asked now, from loop 0 (0: skipped after failures or bad data).\n"
	                         "# TYPE cairn_peer_up gauge\n");
	for (size_t i = 0; i < p->n; i++)
		evbuffer_add_printf(out, "cairn_peer_up{peer=\"%s\"} %d\n", p->list[i].url,
		                    READ(p->list[i].down_until) <= now);
}

/* --- completing what a request needs, fetch after fetch ----------------- */

struct completion {
	peers *p;
	struct http_req *req;
	cairn_cid root;
	char *path;
	int scope, round;
	unsigned need;
	peers_done_fn done;
	void *ctx;
};

/* The first block missing of what c needs: 1 with *where set, else 0. */
static int first_missing(const struct completion *c, cairn_cid *where)
{
	char err[CAIRN_ERR_MAX];
	cairn_cid cid;
	blockstore *bs = &c->p->r->bs;
	int rc = dir_resolve(bs, &c->root, c->path, &cid, NULL, where, err);
	if (rc == 0 && (c->need & PEERS_NEED_DAG))
		rc = dag_find_missing(bs, &cid, DAG_RECURSIVE, where, err);
	else if (rc == 0 && cid.mh.code != CAIRN_MH_IDENTITY && !blockstore_has(bs, &cid))
		rc = DAG_MISSING, *where = cid;
	return rc == DAG_MISSING;
}

static void completion_fetched(void *ctx, int outcome, const char *msg);

/* Fetch round c->round: root/path as written the first time if there is
 * a path (a peer resolves it in one go), else from the missing block down.
 * 0 if under way. */
static int completion_fetch(struct completion *c, const cairn_cid *where)
{
	char url_path[4096] = "";
	int by_path = c->round == 0 && c->path[0];
	for (const char *s = c->path; by_path && *s;) {
		size_t sl = strcspn(s + 1, "/");
		char *e = evhttp_uriencode(s + 1, (ev_ssize_t)sl, 0);
		size_t used = strlen(url_path);
		if (!e)
			return -1;
		snprintf(url_path + used, sizeof url_path - used, "/%s", e);
		free(e);
		s += 1 + sl;
	}
	return peers_fetch(c->p, c->req, by_path ? &c->root : where, url_path, c->scope,
	                   completion_fetched, c) ? 0 : -1;
}

static void completion_fetched(void *ctx, int outcome, const char *msg)
{
	struct completion *c = ctx;
	cairn_cid where;
	if (outcome == FETCH_OK && ++c->round < PEERS_FETCH_ROUNDS && first_missing(c, &where) &&
	    completion_fetch(c, &where) == 0)
		return; /* another round */
	c->done(c->ctx, outcome, msg);
	free(c->path);
	free(c);
}

int peers_complete(peers *p, struct http_req *req, const cairn_cid *root, const char *path,
                   int scope, unsigned need, peers_done_fn done, void *ctx)
{
	struct completion *c;
	cairn_cid where;
	if (!p || root->mh.code == CAIRN_MH_IDENTITY)
		return 0;
	if (!(c = calloc(1, sizeof *c)) || !(c->path = strdup(path ? path : ""))) {
		free(c);
		return -1;
	}
	*c = (struct completion){p, req, *root, c->path, scope, 0, need, done, ctx};
	if (!first_missing(c, &where)) {
		free(c->path);
		free(c);
		return 0;
	}
	if (completion_fetch(c, &where) != 0) {
		free(c->path);
		free(c);
		return -1;
	}
	return 1;
}

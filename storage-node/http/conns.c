#include "conns.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

/* How often deadlines are checked and released connections collected. */
#define SWEEP_MS 500
/* After accept() ran out of descriptors, wait this long before the next. */
#define FD_PAUSE_MS 1000
#define BUCKETS_MIN 64

/* The early look at a request's header block: it starts only where a
 * request surely starts (the first bytes into an empty input buffer, no
 * request being handled), so that a pipelined request is never misread. */
#define HDR_IDLE 0    /* waiting for a request's first bytes */
#define HDR_READING 1 /* collecting its header block */
#define HDR_DONE 2    /* looked at (or given up on) until the next dispatch */

struct conn {
	struct bufferevent *bev;          /* ours by reference until released */
	struct evhttp_connection *evcon;  /* known from its first request */
	struct evbuffer_cb_entry *watch;  /* on the input buffer */
	struct evbuffer_cb_entry *drain;  /* on the output buffer */
	uint64_t sent;                    /* bytes written to the socket */
	double send_start;                /* a reply waiting on the client since */
	uint64_t send_mark;               /* sent, then */
	struct conns *owner;
	struct conn *next;                /* hash chain */
	double recv_start;                /* receiving a request since; 0: not */
	uint64_t recv_bytes;              /* received since then (in the budget) */
	uint64_t held;                    /* bytes of the request being handled */
	int busy;                         /* a request is being handled */
	char *hdr;                        /* the header block so far (early look) */
	size_t hdr_len;
	int hdr_state;                    /* HDR_* */
	void *ctx;                        /* its caller's data, until done */
	void (*hook)(struct evhttp_connection *, void *); /* conns_set_close_hook */
	void *hook_arg;
	void (*free_ctx)(void *);
	int doomed;                       /* shut down by us */
};

struct conns {
	struct conns *next_listener; /* all of them, for on_accept_error */
	struct event_base *base;
	struct evhttp *http;
	struct evconnlistener *lev;
	struct evhttp_bound_socket *bound;
	struct event *sweep, *unpause;
	conn_limits lim;
	uint64_t *budget;
	char name[16];
	struct conn **buckets;
	size_t nbuckets;
	unsigned open;
	int paused_full, paused_fd;
	uint64_t refused_timeout, refused_budget, refused_slow_read, accept_errors;
};

/* The error callback gets the listener's callback argument, which evhttp
 * owns (its struct evhttp): the listener is found here instead. */
static struct conns *listeners;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t slot(const struct conns *c, const void *bev)
{
	uintptr_t p = (uintptr_t)bev;
	p ^= p >> 17;
	p *= 0x9E3779B97F4A7C15ull;
	return (size_t)(p >> 20) & (c->nbuckets - 1);
}

static struct conn *lookup(const struct conns *c, const struct bufferevent *bev)
{
	struct conn *k = c->buckets[slot(c, bev)];
	while (k && k->bev != bev)
		k = k->next;
	return k;
}

static void listener_update(struct conns *c)
{
	if (!c->lev)
		return; /* closed at shutdown */
	if (c->paused_full || c->paused_fd)
		evconnlistener_disable(c->lev);
	else
		evconnlistener_enable(c->lev);
}

static void release(struct conn *k)
{
	struct conns *c = k->owner;
	struct conn **pp = &c->buckets[slot(c, k->bev)];
	while (*pp != k)
		pp = &(*pp)->next;
	*pp = k->next;
	if (k->watch)
		evbuffer_remove_cb_entry(bufferevent_get_input(k->bev), k->watch);
	if (k->drain)
		evbuffer_remove_cb_entry(bufferevent_get_output(k->bev), k->drain);
	*c->budget -= k->recv_bytes + k->held;
	if (k->ctx && k->free_ctx)
		k->free_ctx(k->ctx); /* closed before its reply was done */
	free(k->hdr);
	c->open--;
	bufferevent_decref(k->bev);
	free(k);
	if (c->paused_full && c->open < c->lim.max_connections) {
		c->paused_full = 0;
		listener_update(c);
	}
}

/* End a connection from our side: a short JSON answer if nothing else is
 * being written to it, then shutdown(), which evhttp sees as the peer
 * closing. */
static void doom_with(struct conn *k, int code, const char *reason, const char *headers,
                      const char *body)
{
	evutil_socket_t fd = bufferevent_getfd(k->bev);
	if (k->doomed)
		return;
	k->doomed = 1;
	/* what it holds is about to be freed: let others use it now */
	*k->owner->budget -= k->recv_bytes;
	k->recv_bytes = 0;
	if (fd < 0)
		return;
	if (!k->busy && code) {
		char head[1024];
		size_t bl = strlen(body);
		int hl = snprintf(head, sizeof head,
		                  "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n%s"
		                  "Content-Length: %zu\r\nConnection: close\r\n\r\n",
		                  code, reason, headers, bl);
		/* best effort: a few hundred bytes fit any socket buffer */
		if (hl > 0 && (size_t)hl < sizeof head &&
		    send(fd, head, (size_t)hl, MSG_NOSIGNAL | MSG_DONTWAIT) == hl)
			(void)send(fd, body, bl, MSG_NOSIGNAL | MSG_DONTWAIT);
	}
	shutdown(fd, SHUT_RDWR);
}

/* End a connection from our side: a short JSON answer if nothing else is
 * being written to it, then shutdown(), which evhttp sees as the peer
 * closing. */
static void doom(struct conn *k, int code, const char *reason, const char *msg)
{
	char body[256] = "";
	if (code)
		snprintf(body, sizeof body, "{\"Message\":\"%s\",\"Code\":0,\"Type\":\"error\"}\n", msg);
	doom_with(k, code, reason, "", body);
}

/* The early look: collect the header block of a request, and once it is
 * whole, ask the listener's early function about it. */
static void look_early(struct conns *c, struct conn *k, struct evbuffer *buf, size_t added)
{
	size_t total = evbuffer_get_length(buf);
	if (k->hdr_state == HDR_IDLE) {
		if (k->busy || total != added)
			return; /* not surely a request's start: leave it to evhttp */
		k->hdr_state = HDR_READING;
		k->hdr_len = 0;
	}
	if (k->hdr_state != HDR_READING)
		return;
	if (k->hdr_len + added > c->lim.max_header) {
		k->hdr_state = HDR_DONE; /* evhttp refuses it anyway */
		free(k->hdr);
		k->hdr = NULL;
		return;
	}
	char *h = realloc(k->hdr, k->hdr_len + added + 1);
	if (!h) {
		k->hdr_state = HDR_DONE;
		return;
	}
	k->hdr = h;
	struct evbuffer_ptr at;
	evbuffer_ptr_set(buf, &at, total - added, EVBUFFER_PTR_SET);
	if (evbuffer_copyout_from(buf, &at, h + k->hdr_len, added) != (ev_ssize_t)added) {
		k->hdr_state = HDR_DONE;
		return;
	}
	size_t from = k->hdr_len > 3 ? k->hdr_len - 3 : 0;
	k->hdr_len += added;
	h[k->hdr_len] = '\0';
	char *end = strstr(h + from, "\r\n\r\n");
	if (!end)
		return;
	k->hdr_state = HDR_DONE;
	char headers[256] = "", body[1024] = "";
	int code = c->lim.early(c->lim.early_ctx, h, (size_t)(end - h) + 4, headers, sizeof headers,
	                        body, sizeof body);
	free(k->hdr);
	k->hdr = NULL;
	if (code)
		doom_with(k, code, code == 401 ? "Unauthorized" : code == 403 ? "Forbidden" : "Error",
		          headers, body);
}

/* Has evhttp let go of this bufferevent? bufferevent_free() clears every
 * callback; evhttp itself always keeps its error callback set. */
static int dropped(const struct conn *k)
{
	bufferevent_event_cb ecb = NULL;
	bufferevent_getcb(k->bev, NULL, NULL, &ecb, NULL);
	return ecb == NULL;
}

static void on_input(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
	struct conn *k = arg;
	struct conns *c = k->owner;
	if (info->n_added == 0 || k->doomed)
		return;
	if (!k->evcon && dropped(k)) {
		/* evhttp is done with it; the sweep releases it */
		bufferevent_disable(k->bev, EV_READ | EV_WRITE);
		return;
	}
	if (c->lim.early)
		look_early(c, k, buf, info->n_added);
	if (k->doomed)
		return;
	if (!k->busy && k->recv_start == 0)
		k->recv_start = now_s();
	k->recv_bytes += info->n_added;
	*c->budget += info->n_added;
	if (*c->budget > c->lim.max_buffered) {
		c->refused_budget++;
		fprintf(stderr, "cairn daemon: %s: request data held by all connections over "
		        "Limits.MaxBufferedBytes (%llu): closing one\n", c->name,
		        (unsigned long long)c->lim.max_buffered);
		doom(k, 503, "Service Unavailable",
		     "the node holds too much request data at once: retry later");
	}
}

static void on_output(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
	(void)buf;
	((struct conn *)arg)->sent += info->n_deleted;
}

static struct bufferevent *on_new_connection(struct event_base *base, void *arg)
{
	struct conns *c = arg;
	struct bufferevent *bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	struct conn *k = bev ? calloc(1, sizeof *k) : NULL;
	if (!k)
		return bev; /* untracked, but served */
	k->bev = bev;
	k->owner = c;
	k->watch = evbuffer_add_cb(bufferevent_get_input(bev), on_input, k);
	k->drain = evbuffer_add_cb(bufferevent_get_output(bev), on_output, k);
	bufferevent_incref(bev);
	size_t s = slot(c, bev);
	k->next = c->buckets[s];
	c->buckets[s] = k;
	if (++c->open >= c->lim.max_connections && !c->paused_full) {
		c->paused_full = 1;
		listener_update(c);
	}
	return bev;
}

static void on_close(struct evhttp_connection *evcon, void *arg)
{
	struct conn *k = arg;
	if (k->hook) {
		void (*hook)(struct evhttp_connection *, void *) = k->hook;
		k->hook = NULL;
		hook(evcon, k->hook_arg);
	}
	release(k);
}

void conns_set_close_hook(struct evhttp_connection *evcon,
                          void (*fn)(struct evhttp_connection *, void *), void *arg)
{
	struct bufferevent *bev = evhttp_connection_get_bufferevent(evcon);
	for (struct conns *c = listeners; c; c = c->next_listener) {
		struct conn *k = lookup(c, bev);
		if (k && k->evcon == evcon) {
			k->hook = fn;
			k->hook_arg = arg;
			return;
		}
	}
	evhttp_connection_set_closecb(evcon, fn, arg); /* a connection not tracked */
}

/* A reply is waiting on its client: over each RequestTimeoutSeconds window
 * in which output stays queued, the client must take MinRequestRate bytes
 * a second, or it is cut off. (evhttp's idle timeout alone lets a client
 * read a byte a minute and hold its reply's buffers for ever.) */
static void slow_reader(struct conns *c, struct conn *k, double now)
{
	if (evbuffer_get_length(bufferevent_get_output(k->bev)) == 0) {
		k->send_start = 0; /* nothing waits on the client */
		return;
	}
	if (k->send_start == 0) {
		k->send_start = now;
		k->send_mark = k->sent;
		return;
	}
	double window = now - k->send_start;
	if (window < c->lim.request_timeout)
		return;
	if ((double)(k->sent - k->send_mark) < window * c->lim.min_rate) {
		/* Reset, not FIN: a FIN waits behind the megabytes the kernel
		 * still holds for this client, who would go on reading them. */
		struct linger lg = {1, 0};
		evutil_socket_t fd = bufferevent_getfd(k->bev);
		if (fd >= 0)
			setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
		c->refused_slow_read++;
		doom(k, 0, NULL, NULL); /* mid-reply: nothing more can be said */
		return;
	}
	k->send_start = now;
	k->send_mark = k->sent;
}

static void on_sweep(evutil_socket_t fd, short what, void *arg)
{
	struct conns *c = arg;
	double now = now_s();
	(void)fd;
	(void)what;
	for (size_t b = 0; b < c->nbuckets; b++) {
		struct conn *k = c->buckets[b], *next;
		for (; k; k = next) {
			next = k->next;
			if (!k->evcon && dropped(k)) {
				release(k); /* closed before its first request */
				continue;
			}
			if (k->doomed)
				continue;
			if (k->busy) {
				slow_reader(c, k, now);
				continue;
			}
			if (k->recv_start == 0)
				continue;
			double deadline = k->recv_start + c->lim.request_timeout +
			                  (double)k->recv_bytes / c->lim.min_rate;
			if (now > deadline) {
				c->refused_timeout++;
				doom(k, 408, "Request Timeout",
				     "request not received in time: send at least Limits.MinRequestRate "
				     "bytes a second");
			}
		}
	}
}

static void on_unpause(evutil_socket_t fd, short what, void *arg)
{
	struct conns *c = arg;
	(void)fd;
	(void)what;
	c->paused_fd = 0;
	listener_update(c);
}

static void on_accept_error(struct evconnlistener *lev, void *arg)
{
	struct conns *c = listeners;
	int e = EVUTIL_SOCKET_ERROR();
	struct timeval tv = {FD_PAUSE_MS / 1000, (FD_PAUSE_MS % 1000) * 1000};
	(void)arg;
	while (c && c->lev != lev)
		c = c->next_listener;
	if (!c)
		return;
	c->accept_errors++;
	/* Out of descriptors (or memory): the pending connection stays in the
	 * backlog and the listener would fire again at once. Pause instead. */
	if (!c->paused_fd)
		fprintf(stderr, "cairn daemon: %s: accept: %s; pausing for %d ms\n", c->name,
		        strerror(e), FD_PAUSE_MS);
	c->paused_fd = 1;
	listener_update(c);
	event_add(c->unpause, &tv);
}

struct conns *conns_new(struct event_base *base, struct evhttp *http, const char *host,
                        unsigned short port, const conn_limits *lim, uint64_t *budget,
                        const char *name)
{
	struct conns *c = calloc(1, sizeof *c);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
	struct timeval every = {SWEEP_MS / 1000, (SWEEP_MS % 1000) * 1000};
	if (!c)
		return NULL;
	c->base = base;
	c->http = http;
	c->lim = *lim;
	c->budget = budget;
	snprintf(c->name, sizeof c->name, "%s", name);
	for (c->nbuckets = BUCKETS_MIN; c->nbuckets < 2 * (size_t)lim->max_connections; c->nbuckets *= 2)
		;
	c->buckets = calloc(c->nbuckets, sizeof *c->buckets);
	c->sweep = event_new(base, -1, EV_PERSIST, on_sweep, c);
	c->unpause = evtimer_new(base, on_unpause, c);
	if (!c->buckets || !c->sweep || !c->unpause || event_add(c->sweep, &every) != 0)
		goto fail;
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
		errno = EINVAL;
		goto fail;
	}
	c->lev = evconnlistener_new_bind(base, NULL, NULL,
	                                 LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC,
	                                 511, (struct sockaddr *)&sa, sizeof sa);
	if (!c->lev)
		goto fail;
	c->bound = evhttp_bind_listener(http, c->lev);
	if (!c->bound) {
		evconnlistener_free(c->lev);
		c->lev = NULL;
		goto fail;
	}
	evconnlistener_set_error_cb(c->lev, on_accept_error);
	evhttp_set_bevcb(http, on_new_connection, c);
	c->next_listener = listeners;
	listeners = c;
	return c;
fail:
	{
		int e = errno;
		conns_free(c);
		errno = e;
	}
	return NULL;
}

evutil_socket_t conns_fd(const struct conns *c)
{
	return c->lev ? evconnlistener_get_fd(c->lev) : -1;
}

void conns_close_listener(struct conns *c)
{
	if (c && c->unpause)
		event_del(c->unpause);
	if (c && c->bound) {
		evhttp_del_accept_socket(c->http, c->bound); /* frees the listener */
		c->bound = NULL;
		c->lev = NULL;
	}
}

static struct conn *of_request(struct conns *c, struct evhttp_request *req)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	return evcon ? lookup(c, evhttp_connection_get_bufferevent(evcon)) : NULL;
}

void conns_request(struct conns *c, struct evhttp_request *req, void *ctx,
                   void (*free_ctx)(void *))
{
	struct conn *k = of_request(c, req);
	if (!k)
		return; /* untracked: ctx stays the caller's */
	/* evhttp handles one request at a time on a connection */
	if (k->ctx && k->free_ctx)
		k->free_ctx(k->ctx);
	k->ctx = ctx;
	k->free_ctx = free_ctx;
	if (!k->evcon) {
		k->evcon = evhttp_request_get_connection(req);
		evhttp_connection_set_closecb(k->evcon, on_close, k);
	}
	k->busy = 1;
	k->hdr_state = HDR_IDLE; /* the next request's bytes may follow */
	k->held += k->recv_bytes;
	k->recv_bytes = 0;
	k->recv_start = 0;
}

void conns_request_done(struct conns *c, struct evhttp_request *req)
{
	struct conn *k = of_request(c, req);
	if (!k)
		return;
	k->busy = 0;
	k->ctx = NULL;
	*c->budget -= k->held;
	k->held = 0;
	/* bytes of a pipelined request came in meanwhile: its clock starts now */
	if (k->recv_bytes)
		k->recv_start = now_s();
}

void conns_metrics(struct conns *const *list, size_t n, struct evbuffer *out)
{
	evbuffer_add_printf(out, "# HELP cairn_http_connections Open client connections.\n"
	                    "# TYPE cairn_http_connections gauge\n");
	for (size_t i = 0; i < n; i++)
		evbuffer_add_printf(out, "cairn_http_connections{server=\"%s\"} %u\n", list[i]->name,
		                    list[i]->open);
	evbuffer_add_printf(out, "# HELP cairn_http_connections_closed_total Connections closed by "
	                    "the node: a request too slow, request memory exhausted, a reader too slow.\n"
	                    "# TYPE cairn_http_connections_closed_total counter\n");
	for (size_t i = 0; i < n; i++)
		evbuffer_add_printf(out,
		                    "cairn_http_connections_closed_total{server=\"%s\",reason=\"request_timeout\"} %llu\n"
		                    "cairn_http_connections_closed_total{server=\"%s\",reason=\"buffered_bytes\"} %llu\n"
		                    "cairn_http_connections_closed_total{server=\"%s\",reason=\"slow_reader\"} %llu\n",
		                    list[i]->name, (unsigned long long)list[i]->refused_timeout,
		                    list[i]->name, (unsigned long long)list[i]->refused_budget,
		                    list[i]->name, (unsigned long long)list[i]->refused_slow_read);
	evbuffer_add_printf(out, "# HELP cairn_http_accept_errors_total accept() failures (out of "
	                    "descriptors or memory), each pausing the listener.\n"
	                    "# TYPE cairn_http_accept_errors_total counter\n");
	for (size_t i = 0; i < n; i++)
		evbuffer_add_printf(out, "cairn_http_accept_errors_total{server=\"%s\"} %llu\n",
		                    list[i]->name, (unsigned long long)list[i]->accept_errors);
}

void conns_free(struct conns *c)
{
	if (!c)
		return;
	for (struct conns **pp = &listeners; *pp; pp = &(*pp)->next_listener)
		if (*pp == c) {
			*pp = c->next_listener;
			break;
		}
	/* evhttp_free() has run (it freed the listener too): connections it closed went through on_close;
	 * those left were dropped before a request and wait for us */
	for (size_t b = 0; c->buckets && b < c->nbuckets; b++)
		while (c->buckets[b])
			release(c->buckets[b]);
	if (c->sweep)
		event_free(c->sweep);
	if (c->unpause)
		event_free(c->unpause);
	free(c->buckets);
	free(c);
}

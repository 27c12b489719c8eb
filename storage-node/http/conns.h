/*
 * The HTTP listeners' connections: how many, how fast they send, how much
 * request data they hold. evhttp (libevent 2.1) has no limit on
 * connections, only an inactivity timeout (which a client sending a byte a
 * minute never trips) and no hook before it has read a whole request, body
 * included. This module adds, per listener:
 *
 *  - a cap on open connections: at the cap the listener stops accepting
 *    (clients wait in the kernel's backlog) until one closes;
 *  - a deadline on receiving each request (headers and body), in the
 *    manner of Apache's mod_reqtimeout: CONN_REQUEST_TIMEOUT seconds from
 *    its first byte, plus one second per CONN_MIN_RATE bytes received, so
 *    a slow client may go on only as long as it keeps a minimum rate
 *    (slowloris and slow-body attacks end with 408);
 *  - a budget on request bytes held for all connections together, so that
 *    many large uploads at once (authenticated or not: evhttp reads a body
 *    before the handler can look at its token) cannot exhaust memory: the
 *    connection that overdraws it gets 503 and is closed;
 *  - accept() failing for want of file descriptors pauses the listener for
 *    a second instead of spinning.
 *
 * How it sees connections: evhttp asks us for each new connection's
 * bufferevent (evhttp_set_bevcb), which we keep a reference on and whose
 * input buffer we watch (bytes arrive there before evhttp parses them). A
 * connection's first request tells us its evhttp_connection, whose close
 * callback releases it; one closed before any request is noticed by the
 * once-a-second sweep (evhttp has cleared its callbacks).
 */
#ifndef CAIRN_CONNS_H
#define CAIRN_CONNS_H

#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>
#include <stdint.h>

/* Defaults, each overridable in the config's Limits object. */
#define CONN_MAX_DEFAULT 1024            /* Limits.MaxConnections, per listener */
#define CONN_REQUEST_TIMEOUT 20          /* Limits.RequestTimeoutSeconds */
#define CONN_MIN_RATE 500                /* Limits.MinRequestRate, bytes/s */
#define CONN_BUFFERED_DEFAULT (1024ull * 1024 * 1024) /* Limits.MaxBufferedBytes */

/* A look at each request's raw header block (request line to blank line)
 * as soon as it has arrived, before evhttp reads the body: a status to
 * refuse it at once (the connection is closed after the reply: extra
 * header lines, CRLF-terminated, and a JSON body written out), or 0. */
typedef int (*conns_early_fn)(void *ctx, const char *block, size_t len, char *headers,
                              size_t hcap, char *body, size_t bcap);

typedef struct conn_limits {
	unsigned max_connections;
	unsigned request_timeout;
	unsigned min_rate;
	uint64_t max_buffered; /* shared by all listeners using the same budget */
	size_t max_header;     /* the longest header block to look at */
	conns_early_fn early;  /* NULL: no early look */
	void *early_ctx;
} conn_limits;

struct conns;

/* A listener's connection tracking, on http (which must not be bound
 * yet); it binds http to host:port itself. budget is shared between
 * listeners: pass the same pointer (zeroed before the first). NULL on
 * failure (errno set; EADDRINUSE and the like from the bind). */
struct conns *conns_new(struct event_base *base, struct evhttp *http, const char *host,
                        unsigned short port, const conn_limits *lim, uint64_t *budget,
                        const char *name);

/* The listening socket (to print its address). */
evutil_socket_t conns_fd(const struct conns *c);

/* Stop accepting (at shutdown); open connections go on. */
void conns_close_listener(struct conns *c);

/* A request is being dispatched on req's connection: from now until
 * conns_request_done() no receive deadline runs on it. ctx (may be NULL)
 * is the caller's, for the request's completion callback: if the
 * connection closes first (evhttp then never completes the request),
 * free_ctx(ctx) is called when it is released. (A connection that could
 * not be tracked leaves ctx with the caller.) */
void conns_request(struct conns *c, struct evhttp_request *req, void *ctx,
                   void (*free_ctx)(void *));

/* req's reply has been sent: the bytes it held leave the budget, and its
 * ctx is the caller's again. */
void conns_request_done(struct conns *c, struct evhttp_request *req);

/* evhttp keeps one close callback per connection, and on client
 * connections it is ours: code that must know when a client goes away (a
 * streamed reply, a fetch on its behalf) registers here instead of calling
 * evhttp_connection_set_closecb(). One hook per connection; fn NULL
 * removes it. It runs before the connection is released. */
void conns_set_close_hook(struct evhttp_connection *evcon,
                          void (*fn)(struct evhttp_connection *, void *), void *arg);

/* Prometheus lines for these listeners: open connections, closes by
 * cause, accept errors. */
struct evbuffer;
void conns_metrics(struct conns *const *list, size_t n, struct evbuffer *out);

/* After evhttp_free() on its listener's evhttp. */
void conns_free(struct conns *c);

#endif

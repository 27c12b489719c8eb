/*
 * The node's HTTP/1.1 server: one listener's connections on one event
 * loop, framed by h1parse.c (llhttp), on libevent bufferevents.
 *
 * A request is handed over when its head has arrived (on_head), before
 * any of its body is read. The callback may:
 *  - answer at once (a refusal: bad token, a limit): the body is never
 *    read, and Expect: 100-continue gets the final status, not a 100;
 *  - take the body as a stream (http_req_read_body): it is pushed piece by
 *    piece as it arrives, and nothing of it is held here;
 *  - or do neither: the body is collected (up to max_body bytes, 413
 *    past that) and on_request runs once it is whole.
 * Every request ends in exactly one reply: http_reply, or
 * http_reply_start + http_reply_chunk... + http_reply_end. Pipelined
 * requests are read one at a time, so replies go out in order.
 *
 * Limits (docs/security.md), per listener: open connections (at the cap
 * the listener stops accepting and clients wait in the backlog); the time
 * to receive a request, from its first byte, RequestTimeoutSeconds plus
 * one second per MinRequestRate bytes (408); a client that does not take
 * its reply at MinRequestRate is reset; idle keep-alive connections close;
 * request bytes held by all connections together (a shared budget: 503 to
 * the one that overdraws it); accept() out of descriptors pauses the
 * listener; heads (431, 414) as h1parse.h says. The server's own
 * refusals are answered by on_refuse, in the listener's error format
 * (Kubo's JSON error body if there is none).
 *
 * Ownership: the server owns its connections and requests. A request
 * stays valid until its reply is done, or, if its client goes away first,
 * until its close hook (http_req_on_close) has run; a request without a
 * hook whose client left stays valid until its handler replies (the reply
 * goes nowhere). Everything runs on the server's loop.
 */
#ifndef CAIRN_HTTP_SERVER_H
#define CAIRN_HTTP_SERVER_H

#include <event2/event.h>
#include <stddef.h>
#include <stdint.h>

struct evbuffer;
struct evkeyvalq;
struct http_server;
struct http_req;

/* Defaults of the limits, each overridable in the config's Limits. */
#define HTTP_MAX_CONNECTIONS 1024        /* Limits.MaxConnections, per listener */
#define HTTP_REQUEST_TIMEOUT 20          /* Limits.RequestTimeoutSeconds */
#define HTTP_MIN_RATE 500                /* Limits.MinRequestRate, bytes/s */
#define HTTP_IDLE_TIMEOUT 60             /* Limits.IdleTimeoutSeconds */
#define HTTP_BUFFERED_MAX (1024ull * 1024 * 1024) /* Limits.MaxBufferedBytes */
/* A refused request's body is read and dropped this long (or this much)
 * after the reply, so that closing does not reset the connection under
 * the reply (a TCP reset discards what the client has not yet read). */
#define HTTP_LINGER_MS 2000
#define HTTP_LINGER_BYTES (4u * 1024 * 1024)

enum http_method {
	HTTP_METHOD_GET,
	HTTP_METHOD_HEAD,
	HTTP_METHOD_POST,
	HTTP_METHOD_PUT,
	HTTP_METHOD_DELETE,
	HTTP_METHOD_OPTIONS,
	HTTP_METHOD_PATCH,
	HTTP_METHOD_OTHER /* any other token: handlers answer 405 */
};

typedef struct http_limits {
	unsigned max_connections;
	unsigned request_timeout; /* seconds */
	unsigned min_rate;        /* bytes a second */
	unsigned idle_timeout;    /* seconds */
	size_t max_head;          /* request line and fields */
	size_t max_url;           /* request target: 414 */
	unsigned max_fields;      /* 431 */
	uint64_t max_body;        /* a collected body: 413 past it; 0: none */
	uint64_t max_upload;      /* any body, streamed too: 413 past it; 0: none */
	uint64_t max_buffered;    /* the shared budget's cap */
} http_limits;

typedef struct http_server_opts {
	const char *name;         /* "api", "gateway": logs and metrics */
	http_limits lim;
	uint64_t *budget;         /* request bytes held now, shared by listeners */
	/* A request's head has arrived; see above. */
	void (*on_head)(struct http_req *req, void *arg);
	/* Its body (collected) has arrived. */
	void (*on_request)(struct http_req *req, void *arg);
	/* Its reply is done (or its client left): log and count it. Runs for
	 * every request handed to on_head, and for refusals of the server's own
	 * (408, 413, 431, 503, ...) too. */
	void (*on_done)(struct http_req *req, void *arg);
	/* Answer a refusal of the server's own (a limit, a malformed or late
	 * request: code and why) with http_reply, in the format its listener
	 * and path call for. The request may have no head (method and target
	 * "-"); the connection ends after the reply. NULL: Kubo's JSON error
	 * body. */
	void (*on_refuse)(struct http_req *req, int code, const char *msg, void *arg);
	void *arg;
	/* The servers of one listener on several event loops (NULL: this one
	 * alone). They share its address through SO_REUSEPORT, the kernel
	 * spreading connections over them, and its connection cap. */
	struct http_group *group;
	unsigned loop;            /* its loop's number: the loop label in /metrics */
	/* text errors (http_reply_text) go as a small HTML page to clients
	 * that take text/html (browsers); others keep text */
	int html_errors;
	/* Header lines ("Name: value\r\n" each) written into every reply's
	 * head as they are, after Date: headers every reply of the listener
	 * has (the gateway's CORS), at no cost per request. NULL: none. */
	const char *fixed_headers;
} http_server_opts;

/* A listener served on several loops: the first server made with it
 * binds the address (refused, as a lone listener would be, if any other
 * socket holds the port), the others join it on the port the first got.
 * Limits.MaxConnections caps their connections together: at the cap,
 * every member stops accepting. Members may run on different threads;
 * the group outlives them all. NULL when out of memory. */
#define HTTP_GROUP_MAX 64
struct http_group *http_group_new(void);
void http_group_free(struct http_group *g);

/* A server on base, listening on host:port (IPv4 dotted quad); host NULL:
 * listening on nothing, serving the connections it adopts. NULL with
 * errno on failure (EADDRINUSE and the like from the bind). */
struct http_server *http_server_new(struct event_base *base, const char *host,
                                    unsigned short port, const http_server_opts *o);

/* Serve the connected socket fd (the server owns it now, and closes it):
 * what the listener does with each connection it accepts. */
void http_server_adopt(struct http_server *s, evutil_socket_t fd);

/* The listening socket (to print its address), or -1. */
evutil_socket_t http_server_fd(const struct http_server *s);

/* Stop accepting (at shutdown); open connections go on. */
void http_server_close_listener(struct http_server *s);

/* Close every connection (close hooks run) and free s. */
void http_server_free(struct http_server *s);

/* Prometheus lines for these servers: open connections, closes by cause,
 * accept errors, summed by server name; and requests answered by each
 * loop. Safe while the servers run on other loops (the counters are read
 * atomically). */
void http_server_metrics(struct http_server *const *list, size_t n, struct evbuffer *out);

/* The request. Strings are the request's, valid while it is. */
enum http_method http_req_method(const struct http_req *r);
const char *http_req_method_name(const struct http_req *r);
const char *http_req_uri(const struct http_req *r);   /* the target as sent */
const char *http_req_path(const struct http_req *r);  /* before '?', not decoded */
const char *http_req_query(const struct http_req *r); /* after '?', or NULL */
struct evkeyvalq *http_req_in(struct http_req *r);    /* request header fields */
int http_req_html_errors(const struct http_req *r);   /* its server's html_errors */
/* The reply says that upstream (the peers) lacked or failed to give the
 * content, not that this node failed: counted apart from errors. */
void http_req_mark_upstream(struct http_req *r);
int http_req_upstream(const struct http_req *r);
struct evkeyvalq *http_req_out(struct http_req *r);   /* reply header fields, to fill */
/* The collected body (empty in on_head and for a streamed body). */
struct evbuffer *http_req_body(struct http_req *r);
/* Does the request have a body (Content-Length > 0, or chunked)? */
int http_req_has_body(const struct http_req *r);
/* The reply's status, 0 until one is given. */
int http_req_status(const struct http_req *r);
/* Body bytes of the reply queued so far. */
uint64_t http_req_sent(const struct http_req *r);
/* The client's address, "ADDR:PORT", "[ADDR]:PORT" or "local" (at most
 * HTTP_CLIENT_MAX bytes with its NUL); borrowed, as long as the request. */
#define HTTP_CLIENT_MAX 64
const char *http_req_client(const struct http_req *r);
/* Why the reply is a fault (a 5xx), for the request's log line: the first
 * reason given is kept (copied). NULL when none was given. */
void http_req_set_fault(struct http_req *r, const char *why);
const char *http_req_fault(const struct http_req *r);
/* When the request's head arrived (CLOCK_MONOTONIC seconds). */
double http_req_started(const struct http_req *r);
/* The server's name ("api", "gateway"). */
const char *http_req_server(const struct http_req *r);
/* The number of the event loop the request is served on (opts.loop). */
unsigned http_req_loop(const struct http_req *r);

/* Take the body as a stream (from on_head only): data gets each piece as
 * it arrives (de-chunked) and returns 0, or -1 to stop reading it (the
 * handler has answered, or will: the connection closes after the reply);
 * end runs when it is whole. If the client goes away first, neither runs
 * again: the close hook does, so a reader sets one. */
typedef int (*http_body_fn)(void *ctx, const uint8_t *p, size_t n);
void http_req_read_body(struct http_req *r, http_body_fn data, void (*end)(void *ctx), void *ctx);

/* The handler holds delta more bytes (less if negative) for r, beyond its
 * body: counted in the shared budget until r is done. 0, or -1 if the
 * budget is now over its cap (the handler should answer 503; the bytes are
 * counted all the same). */
int http_req_hold(struct http_req *r, int64_t delta);

/* Run fn(arg) if the client goes away before the reply is done. One hook
 * per request; fn NULL removes it. Once it has run, r is gone. */
void http_req_on_close(struct http_req *r, void (*fn)(void *arg), void *arg);

/* The whole reply: status code (reason NULL: the standard phrase), the
 * headers set on http_req_out, and body (may be NULL; drained). A
 * Content-Length already set is kept (HEAD); else it is body's length. */
void http_reply(struct http_req *r, int code, const char *reason, struct evbuffer *body);

/* A reply in pieces: the status line and headers now; then the body,
 * framed by Content-Length if one was set, else chunked (or up to the
 * close, for an HTTP/1.0 client). */
void http_reply_start(struct http_req *r, int code, const char *reason);
/* Queue b (drained). written (may be NULL) runs once the socket has taken
 * everything queued: produce the next piece then. */
void http_reply_chunk(struct http_req *r, struct evbuffer *b, void (*written)(void *arg), void *arg);
void http_reply_end(struct http_req *r);

/* Too late for a status (a failure mid-body): end the reply here by
 * cutting the connection, so the client sees a short body. This ends the
 * request like http_reply_end (no close hook runs). */
void http_req_cut(struct http_req *r);

/* The standard reason phrase of code ("OK", "Not Found", ...). */
const char *http_reason(int code);

#endif

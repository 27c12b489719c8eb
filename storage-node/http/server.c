#include "server.h"
#include "log.h"
#include "h1parse.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/http.h> /* evhttp_add_header & co: header lists only */
#include <event2/listener.h>
#include <sys/queue.h>
#include <event2/keyvalq_struct.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <stddef.h>

/* How often deadlines are checked. */
#define SWEEP_MS 500
/* After accept() ran out of descriptors, wait this long before the next. */
#define FD_PAUSE_MS 1000
/* Bytes parsed in one step: a streamed body reaches its handler in pieces
 * of at most this. */
#define FEED_SLICE (256 * 1024)
/* Reading stops while this much input waits (a request being answered,
 * its pipelined successors queued behind it). */
#define INPUT_HIGH (256 * 1024)
/* Bytes moved per read(2) and write(2): libevent's default of 16 KiB
 * costs a system call per 16 KiB of a large body. */
#define IO_SINGLE_MAX (1024 * 1024)
/* The shared budget and the counters /metrics reads are touched from
 * every loop (and read from the one that renders /metrics): relaxed
 * atomics, since nothing else is ordered by them. */
#define ATOMIC_ADD(x, v) __atomic_add_fetch(&(x), (v), __ATOMIC_RELAXED)
#define ATOMIC_GET(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
/* A string literal into an evbuffer, without printf. */
#define ADD_LITERAL(buf, lit) evbuffer_add((buf), (lit), sizeof(lit) - 1)

struct http_conn;

struct http_req {
	struct http_server *srv;
	struct http_conn *conn;      /* NULL once the client is gone */
	enum http_method method;
	char *method_name, *uri, *path, *query; /* one allocation: method_name */
	unsigned minor;              /* HTTP/1.minor */
	int keep_alive;              /* the client allows another request after */
	int has_body;
	int upstream;                /* http_req_mark_upstream */
	char client[HTTP_CLIENT_MAX]; /* its connection's peer, for the log */
	char *fault;                 /* why a 5xx was given (http_req_set_fault) */
	int received;                /* the whole request has been read */
	int head_only;               /* HEAD: no body in the reply */
	struct evkeyvalq in, out;
	struct evbuffer *body;       /* collected */
	uint64_t held;               /* of the shared budget */
	uint64_t body_bytes;         /* received so far */
	http_body_fn data;           /* a streamed body's reader */
	void (*end)(void *ctx);
	void *ctx;
	int reading_stopped;         /* the reader said -1 */
	int handed;                  /* a handler has it (on_request ran, or it reads the body) */
	void (*close_fn)(void *);
	void *close_arg;
	void (*written)(void *);
	void *written_arg;
	struct event *wev;           /* runs written from the loop */
	int status;
	int chunked;                 /* the reply's body is chunked */
	int until_close;             /* ... or runs to the close (HTTP/1.0) */
	int done;                    /* the reply is complete (or abandoned) */
	uint64_t sent;
	double t0;
	struct http_req *grave;      /* the server's list of requests to free */
};

struct http_conn {
	struct http_server *srv;
	struct bufferevent *bev;
	struct http_conn *prev, *next;
	h1_parser h1;
	char *head;
	struct http_req *req;        /* the request being read or answered */
	char client[HTTP_CLIENT_MAX]; /* the peer's address, "ADDR:PORT" */
	struct event *kick;          /* go on parsing, from the loop */
	int in_feed;                 /* inside feed(): do not re-enter */
	int closing;                 /* close once the output is written */
	int lingering;               /* shut for writing; dropping input */
	int eof;                     /* the client will send nothing more */
	int doomed;                  /* to be freed from the loop */
	size_t lingered;
	double linger_start;
	double recv_start;           /* receiving a request since (0: not) */
	uint64_t recv_bytes;
	double idle_start;           /* nothing to do since (0: busy) */
	uint64_t out_total;          /* bytes the socket took */
	double send_start;           /* a reply waiting on the client since */
	uint64_t send_mark;
};

struct http_group {
	pthread_mutex_t lock;        /* members, open, full, listeners' states */
	struct http_server *members[HTTP_GROUP_MAX];
	size_t n;
	uint64_t open;               /* connections open on every member */
	int full;                    /* open reached the cap: nobody accepts */
};

struct http_server {
	struct event_base *base;
	http_server_opts o;
	char name[16];
	struct evconnlistener *lev;
	struct event *sweep, *unpause, *reap;
	struct http_conn *conns;
	struct http_req *graves;
	struct http_group *g;        /* o.group, or own */
	struct http_group *own;      /* a lone server's group */
	uint64_t open;               /* connections here */
	int paused_fd;               /* accept() ran out of descriptors (under g->lock) */
	uint64_t closed_timeout, closed_budget, closed_slow_read, accept_errors;
	uint64_t answered;           /* requests whose reply is done */
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

const char *http_reason(int code)
{
	switch (code) {
	case 100: return "Continue";
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 206: return "Partial Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 304: return "Not Modified";
	case 307: return "Temporary Redirect";
	case 308: return "Permanent Redirect";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 406: return "Not Acceptable";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 410: return "Gone";
	case 411: return "Length Required";
	case 412: return "Precondition Failed";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 416: return "Range Not Satisfiable";
	case 417: return "Expectation Failed";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	case 507: return "Insufficient Storage";
	default: return code < 200 ? "Informational" : code < 300 ? "OK" : code < 400 ? "Redirect"
	                : code < 500 ? "Client Error" : "Server Error";
	}
}

/* ---- requests ---- */

static enum http_method method_of(const char *m)
{
	static const struct { const char *name; enum http_method m; } k[] = {
		{"GET", HTTP_METHOD_GET}, {"HEAD", HTTP_METHOD_HEAD}, {"POST", HTTP_METHOD_POST}, {"PUT", HTTP_METHOD_PUT},
		{"DELETE", HTTP_METHOD_DELETE}, {"OPTIONS", HTTP_METHOD_OPTIONS}, {"PATCH", HTTP_METHOD_PATCH},
	};
	for (size_t i = 0; i < sizeof k / sizeof k[0]; i++)
		if (strcmp(m, k[i].name) == 0)
			return k[i].m;
	return HTTP_METHOD_OTHER;
}

/* A request from a head (h NULL: one the server refuses before its head
 * was whole). NULL when out of memory. */
static struct http_req *req_new(struct http_conn *c, const h1_request *h)
{
	struct http_req *r = calloc(1, sizeof *r);
	const char *m = h ? h->method : "-";
	const char *t = h ? h->target : "-";
	size_t tl = h ? h->target_len : 1, ml = strlen(m);
	if (!r)
		return NULL;
	/* method, target, path and query in one block */
	r->method_name = malloc(ml + 1 + 2 * (tl + 1));
	r->body = evbuffer_new();
	if (!r->method_name || !r->body) {
		free(r->method_name);
		if (r->body)
			evbuffer_free(r->body);
		free(r);
		return NULL;
	}
	memcpy(r->method_name, m, ml + 1);
	r->uri = r->method_name + ml + 1;
	memcpy(r->uri, t, tl);
	r->uri[tl] = '\0';
	r->path = r->uri + tl + 1;
	size_t pl = strcspn(r->uri, "?");
	memcpy(r->path, r->uri, pl);
	r->path[pl] = '\0';
	r->query = r->uri[pl] == '?' ? r->uri + pl + 1 : NULL;
	r->method = method_of(m);
	r->head_only = r->method == HTTP_METHOD_HEAD;
	r->srv = c->srv;
	r->conn = c;
	memcpy(r->client, c->client, sizeof r->client);
	r->minor = h ? h->minor : 1;
	r->keep_alive = h ? h->keep_alive : 0;
	r->has_body = h && (h->chunked || h->content_length > 0);
	r->t0 = now_s();
	TAILQ_INIT(&r->in);
	TAILQ_INIT(&r->out);
	for (unsigned i = 0; h && i < h->nfields; i++)
		evhttp_add_header(&r->in, h->fields[i].name, h->fields[i].value);
	return r;
}

static void req_free(struct http_req *r)
{
	/* Still its connection's request: the connection was doomed before it
	 * could move on (conn_advance), and is to be freed too; it must not
	 * find r there. (r->conn is set only while r is c->req.) */
	if (r->conn && r->conn->req == r)
		r->conn->req = NULL;
	ATOMIC_ADD(*r->srv->o.budget, -r->held);
	if (r->wev)
		event_free(r->wev);
	evhttp_clear_headers(&r->in);
	evhttp_clear_headers(&r->out);
	evbuffer_free(r->body);
	free(r->method_name);
	free(r->fault);
	free(r);
}

/* Freed from the loop, never under a caller that may still look at it. */
static void req_bury(struct http_req *r)
{
	struct http_server *s = r->srv;
	r->grave = s->graves;
	s->graves = r;
	event_active(s->reap, EV_TIMEOUT, 0);
}

static void on_reap(evutil_socket_t fd, short what, void *arg)
{
	struct http_server *s = arg;
	(void)fd;
	(void)what;
	while (s->graves) {
		struct http_req *r = s->graves;
		s->graves = r->grave;
		req_free(r);
	}
}

enum http_method http_req_method(const struct http_req *r) { return r->method; }
const char *http_req_method_name(const struct http_req *r) { return r->method_name; }
const char *http_req_uri(const struct http_req *r) { return r->uri; }
const char *http_req_path(const struct http_req *r) { return r->path; }
const char *http_req_query(const struct http_req *r) { return r->query; }
struct evkeyvalq *http_req_in(struct http_req *r) { return &r->in; }
int http_req_html_errors(const struct http_req *r) { return r->srv->o.html_errors; }
void http_req_mark_upstream(struct http_req *r) { r->upstream = 1; }
int http_req_upstream(const struct http_req *r) { return r->upstream; }
struct evkeyvalq *http_req_out(struct http_req *r) { return &r->out; }
struct evbuffer *http_req_body(struct http_req *r) { return r->body; }
int http_req_has_body(const struct http_req *r) { return r->has_body; }
int http_req_status(const struct http_req *r) { return r->status; }
uint64_t http_req_sent(const struct http_req *r) { return r->sent; }
const char *http_req_client(const struct http_req *r) { return r->client; }
const char *http_req_fault(const struct http_req *r) { return r->fault; }

void http_req_set_fault(struct http_req *r, const char *why)
{
	if (!r->fault) /* the first is the cause; later ones follow from it */
		r->fault = strdup(why);
}
double http_req_started(const struct http_req *r) { return r->t0; }
const char *http_req_server(const struct http_req *r) { return r->srv->name; }
unsigned http_req_loop(const struct http_req *r) { return r->srv->o.loop; }

void http_req_read_body(struct http_req *r, http_body_fn data, void (*end)(void *ctx), void *ctx)
{
	r->data = data;
	r->end = end;
	r->ctx = ctx;
}

int http_req_hold(struct http_req *r, int64_t delta)
{
	uint64_t *budget = r->srv->o.budget;
	if (delta < 0 && (uint64_t)-delta > r->held)
		delta = -(int64_t)r->held;
	r->held = (uint64_t)((int64_t)r->held + delta);
	return ATOMIC_ADD(*budget, (uint64_t)delta) > r->srv->o.lim.max_buffered ? -1 : 0;
}

void http_req_on_close(struct http_req *r, void (*fn)(void *arg), void *arg)
{
	r->close_fn = fn;
	r->close_arg = arg;
}

/* ---- connections ---- */

static void conn_kick(struct http_conn *c)
{
	if (!c->doomed)
		event_active(c->kick, EV_TIMEOUT, 0);
}

/* Accept or not, as the group and this listener allow (under g->lock:
 * members on other loops change it too; a listener made LEV_OPT_THREADSAFE
 * may be enabled from any thread). */
static void listener_update(struct http_server *s)
{
	if (!s->lev)
		return; /* closed at shutdown */
	if (s->g->full || s->paused_fd)
		evconnlistener_disable(s->lev);
	else
		evconnlistener_enable(s->lev);
}

static void group_update(struct http_group *g)
{
	for (size_t i = 0; i < g->n; i++)
		listener_update(g->members[i]);
}

/* A connection opened (+1) or closed (-1) on s. */
static void count_conn(struct http_server *s, int delta)
{
	struct http_group *g = s->g;
	unsigned cap = s->o.lim.max_connections;
	ATOMIC_ADD(s->open, (uint64_t)(int64_t)delta);
	pthread_mutex_lock(&g->lock);
	g->open += (uint64_t)(int64_t)delta;
	if (!g->full && g->open >= cap) {
		g->full = 1;
		group_update(g);
	} else if (g->full && g->open < cap) {
		g->full = 0;
		group_update(g);
	}
	pthread_mutex_unlock(&g->lock);
}

/* Let the handler go: its close hook runs, once. */
static void run_close_hook(struct http_req *r)
{
	void (*fn)(void *) = r->close_fn;
	r->close_fn = NULL;
	if (fn)
		fn(r->close_arg);
}

/* The request ends without (the rest of) its reply: accounted for if a
 * reply was started, and freed from the loop. */
static void req_abandon(struct http_req *r)
{
	struct http_server *s = r->srv;
	r->done = 1;
	r->close_fn = NULL;
	r->written = NULL;
	if (r->wev)
		event_del(r->wev);
	if (r->status && s->o.on_done)
		s->o.on_done(r, s->o.arg);
	req_bury(r);
}

/* The client is gone, or we end the connection: its request's close hook
 * runs (a request without one waits, detached, for its handler's reply). */
static void conn_free(struct http_conn *c)
{
	struct http_server *s = c->srv;
	struct http_req *r = c->req;
	c->req = NULL;
	if (r)
		r->conn = NULL;
	if (r && !r->done) {
		if (!r->handed) {
			/* still arriving, its handler not run: nobody else knows it */
			req_abandon(r);
		} else if (r->close_fn) {
			run_close_hook(r);
			req_abandon(r);
		}
	}
	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	bufferevent_free(c->bev);
	event_free(c->kick);
	free(c->head);
	free(c);
	count_conn(s, -1);
}

static void feed(struct http_conn *c);

static void on_doomed(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	conn_free(arg);
}

/* End the connection from the loop: the caller (a handler, the parser)
 * may go on using it until it returns. */
static void conn_doom(struct http_conn *c)
{
	if (c->doomed)
		return;
	c->doomed = c->closing = c->eof = 1;
	bufferevent_disable(c->bev, EV_READ | EV_WRITE);
	event_del(c->kick);
	event_assign(c->kick, c->srv->base, -1, 0, on_doomed, c);
	event_active(c->kick, EV_TIMEOUT, 0);
}

/* Everything queued has been written and the connection is to end: shut
 * it for writing, then read and drop what the client still sends for a
 * while, so that the close does not reset the connection under a reply
 * it has not read yet (RFC 9112 9.6). */
static void conn_finish(struct http_conn *c)
{
	evutil_socket_t fd = bufferevent_getfd(c->bev);
	if (c->doomed)
		return;
	if (c->eof || fd < 0) {
		conn_free(c);
		return;
	}
	c->lingering = 1;
	c->linger_start = now_s();
	shutdown(fd, SHUT_WR);
	bufferevent_setwatermark(c->bev, EV_READ, 0, 0);
	bufferevent_enable(c->bev, EV_READ);
	evbuffer_drain(bufferevent_get_input(c->bev), (size_t)-1);
}

/* The client half-closed and everything it sent has been parsed. */
static int drained_eof(const struct http_conn *c)
{
	return c->eof && evbuffer_get_length(bufferevent_get_input(c->bev)) == 0;
}

/* The current request is answered (its reply queued): the next pipelined
 * request may be read, or the connection ends. */
static void conn_advance(struct http_conn *c)
{
	struct http_req *r = c->req;
	if (!r || !r->done || c->in_feed || c->doomed)
		return;
	if (!r->received || !r->keep_alive || r->until_close || drained_eof(c))
		c->closing = 1;
	c->req = NULL;
	r->conn = NULL;
	if (c->closing) {
		if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
			conn_finish(c);
		return;
	}
	h1_next(&c->h1);
	c->recv_start = 0;
	c->recv_bytes = 0;
	c->idle_start = now_s();
	conn_kick(c);
}

/* The reply is queued whole: account for it, free the request from the
 * loop, and go on with the connection. */
static void req_complete(struct http_req *r)
{
	struct http_server *s = r->srv;
	struct http_conn *c = r->conn;
	r->done = 1;
	r->close_fn = NULL;
	/* what its body held is free for others now, not a loop turn later */
	ATOMIC_ADD(*s->o.budget, -r->held);
	r->held = 0;
	ATOMIC_ADD(s->answered, 1);
	if (s->o.on_done)
		s->o.on_done(r, s->o.arg);
	req_bury(r);
	if (c)
		conn_advance(c);
}

/* ---- replies ---- */

/* A reply's head is put together here and handed to the output in one
 * piece: printf and an evbuffer call per field were a tenth of the time
 * spent on a small GET. */
struct headbuf {
	struct evbuffer *out;
	size_t n;
	char b[2048];
};

static void hb_add(struct headbuf *hb, const char *p, size_t n)
{
	if (hb->n + n > sizeof hb->b) {
		evbuffer_add(hb->out, hb->b, hb->n);
		hb->n = 0;
		if (n > sizeof hb->b) { /* a field longer than the buffer: as it is */
			evbuffer_add(hb->out, p, n);
			return;
		}
	}
	memcpy(hb->b + hb->n, p, n);
	hb->n += n;
}

static void hb_str(struct headbuf *hb, const char *s)
{
	hb_add(hb, s, strlen(s));
}

#define HB_LITERAL(hb, lit) hb_add((hb), (lit), sizeof(lit) - 1)

static void hb_uint(struct headbuf *hb, uint64_t v)
{
	char d[24];
	size_t i = sizeof d;
	do
		d[--i] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	hb_add(hb, d + i, sizeof d - i);
}

static void add_date(struct headbuf *hb)
{
	static _Thread_local time_t last;
	static _Thread_local char date[48];
	static _Thread_local size_t len;
	time_t t = time(NULL);
	if (t != last) {
		struct tm tm;
		gmtime_r(&t, &tm);
		len = strftime(date, sizeof date, "Date: %a, %d %b %Y %H:%M:%S GMT\r\n", &tm);
		last = t;
	}
	hb_add(hb, date, len);
}

/* Should the connection end after this reply? Decided when the head goes
 * out, so the head can say so. */
static int must_close(const struct http_req *r)
{
	const struct http_conn *c = r->conn;
	if (!r->keep_alive || c->closing || drained_eof(c))
		return 1;
	/* a body not read whole (refused at its head, or given up on): the
	 * rest is not read either */
	return r->has_body && !r->received;
}

/* The status line and fields. body_len: the body's length, or -1 for one
 * to come in pieces. */
static void write_head(struct http_req *r, int code, const char *reason, int64_t body_len)
{
	struct http_conn *c = r->conn;
	struct headbuf hb;
	struct evkeyval *h;
	int bodiless = code < 200 || code == 204 || code == 304, has_cl = 0;

	hb.out = bufferevent_get_output(c->bev);
	hb.n = 0;
	if (must_close(r))
		c->closing = 1;
	HB_LITERAL(&hb, "HTTP/1.1 ");
	hb_uint(&hb, (uint64_t)(code >= 100 && code <= 999 ? code : 500));
	HB_LITERAL(&hb, " ");
	hb_str(&hb, reason ? reason : http_reason(code));
	HB_LITERAL(&hb, "\r\n");
	add_date(&hb);
	if (c->srv->o.fixed_headers)
		hb_str(&hb, c->srv->o.fixed_headers);
	TAILQ_FOREACH(h, &r->out, next) {
		if (strcasecmp(h->key, "Connection") == 0 || strcasecmp(h->key, "Transfer-Encoding") == 0)
			continue;
		has_cl |= strcasecmp(h->key, "Content-Length") == 0;
		hb_str(&hb, h->key);
		HB_LITERAL(&hb, ": ");
		hb_str(&hb, h->value);
		HB_LITERAL(&hb, "\r\n");
	}
	if (!bodiless && !has_cl) {
		if (body_len >= 0) {
			HB_LITERAL(&hb, "Content-Length: ");
			hb_uint(&hb, (uint64_t)body_len);
			HB_LITERAL(&hb, "\r\n");
		} else if (r->minor >= 1 && !r->head_only) {
			r->chunked = 1;
		} else if (!r->head_only) {
			r->until_close = c->closing = 1;
		}
	}
	if (r->chunked)
		HB_LITERAL(&hb, "Transfer-Encoding: chunked\r\n");
	if (c->closing)
		HB_LITERAL(&hb, "Connection: close\r\n");
	else if (r->minor == 0)
		HB_LITERAL(&hb, "Connection: keep-alive\r\n");
	HB_LITERAL(&hb, "\r\n");
	evbuffer_add(hb.out, hb.b, hb.n);
	c->idle_start = 0;
}

void http_reply(struct http_req *r, int code, const char *reason, struct evbuffer *body)
{
	size_t len = body ? evbuffer_get_length(body) : 0;
	if (r->status) /* one reply per request: a second is a bug, and dropped */
		return;
	r->status = code;
	if (r->conn) {
		write_head(r, code, reason, (int64_t)len);
		if (len && !r->head_only && code >= 200 && code != 204 && code != 304) {
			r->sent = len;
			evbuffer_add_buffer(bufferevent_get_output(r->conn->bev), body);
		}
	}
	if (body)
		evbuffer_drain(body, len);
	req_complete(r);
}

void http_reply_start(struct http_req *r, int code, const char *reason)
{
	if (r->status)
		return;
	r->status = code;
	if (r->conn)
		write_head(r, code, reason, -1);
}

static void call_written(evutil_socket_t fd, short what, void *arg);

/* written, from the loop (never under the caller of http_reply_chunk). */
static void written_soon(struct http_req *r)
{
	if (!r->wev)
		r->wev = event_new(r->srv->base, -1, 0, call_written, r);
	if (r->wev)
		event_active(r->wev, EV_TIMEOUT, 0);
	else
		r->written = NULL; /* out of memory: the producer stalls */
}

static void call_written(evutil_socket_t fd, short what, void *arg)
{
	struct http_req *r = arg;
	(void)fd;
	(void)what;
	void (*fn)(void *) = r->written;
	r->written = NULL;
	if (fn)
		fn(r->written_arg);
}

void http_reply_chunk(struct http_req *r, struct evbuffer *b, void (*written)(void *arg), void *arg)
{
	size_t len = evbuffer_get_length(b);
	r->written = written;
	r->written_arg = arg;
	if (!r->conn || r->head_only || !r->status) {
		/* nowhere to go: the producer goes on from the loop */
		evbuffer_drain(b, len);
		if (written)
			written_soon(r);
		return;
	}
	struct evbuffer *out = bufferevent_get_output(r->conn->bev);
	r->sent += len;
	if (len == 0) {
		/* an empty chunk would end a chunked body */
	} else if (r->chunked) {
		evbuffer_add_printf(out, "%zx\r\n", len);
		evbuffer_add_buffer(out, b);
		evbuffer_add(out, "\r\n", 2);
	} else {
		evbuffer_add_buffer(out, b);
	}
	if (written && evbuffer_get_length(out) == 0)
		written_soon(r);
}

void http_reply_end(struct http_req *r)
{
	if (r->done)
		return;
	r->written = NULL;
	if (r->wev)
		event_del(r->wev);
	if (r->conn && r->chunked)
		ADD_LITERAL(bufferevent_get_output(r->conn->bev), "0\r\n\r\n");
	req_complete(r);
}

void http_req_cut(struct http_req *r)
{
	struct http_conn *c = r->conn;
	if (r->done)
		return;
	req_abandon(r);
	if (c) {
		c->req = NULL;
		r->conn = NULL;
		conn_doom(c);
	}
}

/* A refusal of the server's own, in its listener's format (on_refuse; by
 * default Kubo's JSON error body), the connection closed after it. The
 * request's handler (a streamed body's reader) is let go through its close
 * hook first. */
static void refuse(struct http_conn *c, int code, const char *msg)
{
	struct http_req *r = c->req;
	if (!r && !(r = c->req = req_new(c, NULL))) {
		conn_doom(c);
		return;
	}
	if (r->status) {
		/* answered already (at its head, say, before what follows was
		 * found bad): that reply goes out, and then the connection ends;
		 * mid-reply, nothing more can be said */
		if (r->done)
			c->closing = 1;
		else
			conn_doom(c);
		return;
	}
	run_close_hook(r);
	r->data = NULL;
	r->end = NULL;
	c->closing = 1;
	evhttp_clear_headers(&r->out);
	if (c->srv->o.on_refuse) {
		c->srv->o.on_refuse(r, code, msg, c->srv->o.arg);
		if (!r->status) /* it must answer: a refusal is never left open */
			http_reply(r, code, NULL, NULL);
		return;
	}
	struct evbuffer *b = evbuffer_new();
	if (!b) {
		conn_doom(c);
		return;
	}
	evbuffer_add(b, "{\"Message\":\"", 12);
	for (const char *p = msg; *p; p++) /* the messages are ours: escape what JSON needs */
		if (*p == '"' || *p == '\\')
			evbuffer_add_printf(b, "\\%c", *p);
		else if ((unsigned char)*p >= 0x20)
			evbuffer_add(b, p, 1);
	evbuffer_add_printf(b, "\",\"Code\":0,\"Type\":\"error\"}\n");
	evhttp_add_header(&r->out, "Content-Type", "application/json");
	http_reply(r, code, NULL, b);
	evbuffer_free(b);
}

/* ---- reading requests ---- */

/* The most body bytes r may send: the quota, and for a collected body the
 * memory cap too. 0: no limit. */
static uint64_t body_cap(const struct http_req *r)
{
	const http_limits *l = &r->srv->o.lim;
	uint64_t cap = l->max_upload;
	if (!r->data && l->max_body && (!cap || l->max_body < cap))
		cap = l->max_body;
	return cap;
}

static void too_large(struct http_conn *c, uint64_t cap)
{
	char msg[160];
	snprintf(msg, sizeof msg, "request body over %llu bytes (Limits.MaxUploadBytes)",
	         (unsigned long long)cap);
	refuse(c, 413, msg);
}

static int on_head(void *ctx, const h1_request *h)
{
	struct http_conn *c = ctx;
	struct http_server *s = c->srv;
	struct http_req *r = req_new(c, h);
	if (!r)
		return -1;
	c->req = r;
	s->o.on_head(r, s->o.arg);
	if (r->data)
		r->handed = 1;
	if (r->status) {
		/* answered at its head: the body is not read (a bodiless request
		 * goes on to its end, and the connection may carry another) */
		return r->has_body ? H1_PAUSE : H1_GO;
	}
	uint64_t cap = body_cap(r);
	if (cap && h->content_length > 0 && (uint64_t)h->content_length > cap) {
		too_large(c, cap);
		return H1_PAUSE;
	}
	if (h->expect_continue && r->has_body && r->minor >= 1)
		ADD_LITERAL(bufferevent_get_output(c->bev), "HTTP/1.1 100 Continue\r\n\r\n");
	return H1_GO;
}

static int on_body(void *ctx, const uint8_t *p, size_t n)
{
	struct http_conn *c = ctx;
	struct http_server *s = c->srv;
	struct http_req *r = c->req;
	uint64_t cap = body_cap(r);
	if (r->status && !r->data)
		return -1; /* answered: the rest is not wanted */
	r->body_bytes += n;
	if (cap && r->body_bytes > cap) {
		too_large(c, cap);
		return -1;
	}
	if (r->data) {
		if (r->reading_stopped)
			return -1;
		if (r->data(r->ctx, p, n) != 0) {
			r->reading_stopped = 1;
			return -1;
		}
		return 0;
	}
	if (evbuffer_add(r->body, p, n) != 0) {
		refuse(c, 503, "out of memory for the request body");
		return -1;
	}
	r->held += n;
	if (ATOMIC_ADD(*s->o.budget, n) > s->o.lim.max_buffered) {
		ATOMIC_ADD(s->closed_budget, 1);
		log_warn("%s: request data held by all connections over "
		         "Limits.MaxBufferedBytes (%llu): closing one", s->name,
		         (unsigned long long)s->o.lim.max_buffered);
		refuse(c, 503, "the node holds too much request data at once: retry later");
		return -1;
	}
	return 0;
}

static int on_end(void *ctx)
{
	struct http_conn *c = ctx;
	struct http_server *s = c->srv;
	struct http_req *r = c->req;
	r->received = 1;
	c->recv_start = 0;
	if (r->status && !r->data)
		return 0; /* answered at its head */
	if (r->data) {
		if (r->end && !r->reading_stopped)
			r->end(r->ctx);
		return 0;
	}
	r->handed = 1;
	s->o.on_request(r, s->o.arg);
	return 0;
}

static const h1_callbacks h1cb = {on_head, on_body, on_end};

/* Parse what has arrived, as far as the connection may go: up to the end
 * of the request being answered, or of a head answered before its body. */
static void feed(struct http_conn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	c->in_feed++;
	while (!c->closing) {
		size_t avail = evbuffer_get_length(in);
		if (avail == 0 || h1_ended(&c->h1) || h1_paused(&c->h1))
			break;
		if (c->recv_start == 0) {
			c->recv_start = now_s();
			c->idle_start = 0;
		}
		struct evbuffer_iovec v;
		if (evbuffer_peek(in, -1, NULL, &v, 1) < 1)
			break;
		size_t len = v.iov_len < FEED_SLICE ? v.iov_len : FEED_SLICE;
		ssize_t used = h1_feed(&c->h1, v.iov_base, len);
		if (used < 0) {
			if (h1_status(&c->h1))
				refuse(c, h1_status(&c->h1), h1_reason(&c->h1));
			else if (!c->req || !c->req->status)
				refuse(c, 500, "the request could not be taken");
			else
				c->closing = 1; /* a handler gave up on the body and has answered */
			break;
		}
		evbuffer_drain(in, (size_t)used);
		c->recv_bytes += (size_t)used;
	}
	c->in_feed--;
	if (c->doomed)
		return;
	if (c->eof && !c->req && evbuffer_get_length(in) == 0)
		c->closing = 1; /* half-closed, and everything it sent is answered */
	if (c->req && c->req->done)
		conn_advance(c);
	else if (c->closing && !c->req &&
	         evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		conn_finish(c);
}

static void on_kick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	feed(arg);
}

static void on_read(struct bufferevent *bev, void *arg)
{
	struct http_conn *c = arg;
	if (c->lingering) {
		struct evbuffer *in = bufferevent_get_input(bev);
		c->lingered += evbuffer_get_length(in);
		evbuffer_drain(in, evbuffer_get_length(in));
		if (c->lingered > HTTP_LINGER_BYTES)
			conn_free(c);
		return;
	}
	feed(c);
}

static void on_write(struct bufferevent *bev, void *arg)
{
	struct http_conn *c = arg;
	(void)bev;
	/* the output is empty (the low watermark is 0) */
	c->send_start = 0;
	if (c->doomed)
		return;
	if (c->req && c->req->written)
		call_written(-1, 0, c->req);
	else if (c->closing && !c->lingering && (!c->req || c->req->done))
		conn_finish(c);
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
	struct http_conn *c = arg;
	(void)bev;
	if (c->doomed)
		return;
	if ((what & BEV_EVENT_EOF) && !(what & BEV_EVENT_ERROR) && !c->lingering) {
		/* Half-closed: what it sent is still answered, requests
		 * pipelined behind the current one too; mid-request, it is gone. */
		struct http_req *r = c->req;
		c->eof = 1;
		bufferevent_disable(c->bev, EV_READ);
		if (r ? r->received || h1_paused(&c->h1)
		      : !h1_started(&c->h1) &&
		        (evbuffer_get_length(bufferevent_get_output(c->bev)) > 0 ||
		         evbuffer_get_length(bufferevent_get_input(c->bev)) > 0)) {
			if (!r)
				conn_kick(c);
			return;
		}
	}
	conn_free(c);
}

static void on_output(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
	(void)buf;
	((struct http_conn *)arg)->out_total += info->n_deleted;
}

static void on_accept(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa,
                      int socklen, void *arg)
{
	(void)lev;
	(void)sa;
	(void)socklen;
	http_server_adopt(arg, fd);
}

/* The peer's address as "ADDR:PORT" ("[ADDR]:PORT" for IPv6), or "local"
 * (a socket pair, a Unix socket). */
static void peer_text(evutil_socket_t fd, char *out, size_t cap)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	char a[INET6_ADDRSTRLEN];
	snprintf(out, cap, "local");
	if (getpeername(fd, (struct sockaddr *)&ss, &sl) != 0)
		return;
	if (ss.ss_family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;
		if (inet_ntop(AF_INET, &in->sin_addr, a, sizeof a))
			snprintf(out, cap, "%s:%u", a, ntohs(in->sin_port));
	} else if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
		if (inet_ntop(AF_INET6, &in6->sin6_addr, a, sizeof a))
			snprintf(out, cap, "[%s]:%u", a, ntohs(in6->sin6_port));
	}
}

void http_server_adopt(struct http_server *s, evutil_socket_t fd)
{
	struct http_conn *c = calloc(1, sizeof *c);
	evutil_make_socket_nonblocking(fd);
	if (c)
		c->head = malloc(s->o.lim.max_head);
	if (c && c->head)
		c->bev = bufferevent_socket_new(s->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c && c->bev)
		c->kick = event_new(s->base, -1, 0, on_kick, c);
	if (!c || !c->head || !c->bev || !c->kick) {
		if (c && c->bev)
			bufferevent_free(c->bev);
		else
			evutil_closesocket(fd);
		if (c)
			free(c->head);
		free(c);
		return;
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one); /* (fails harmlessly off TCP) */
	c->srv = s;
	peer_text(fd, c->client, sizeof c->client);
	h1_limits hl = {s->o.lim.max_url,
	                s->o.lim.max_fields < H1_FIELDS_MAX ? s->o.lim.max_fields : H1_FIELDS_MAX};
	h1_init(&c->h1, &hl, c->head, s->o.lim.max_head, &h1cb, c);
	c->idle_start = now_s();
	bufferevent_setcb(c->bev, on_read, on_write, on_event, c);
	bufferevent_setwatermark(c->bev, EV_READ, 0, INPUT_HIGH);
	bufferevent_set_max_single_read(c->bev, IO_SINGLE_MAX);
	bufferevent_set_max_single_write(c->bev, IO_SINGLE_MAX);
	evbuffer_add_cb(bufferevent_get_output(c->bev), on_output, c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	c->next = s->conns;
	if (s->conns)
		s->conns->prev = c;
	s->conns = c;
	count_conn(s, 1);
}

/* ---- limits over time ---- */

/* A reply is waiting on its client: over each RequestTimeoutSeconds window
 * in which output stays queued, the client must take MinRequestRate bytes
 * a second, or it is cut off. */
static void slow_reader(struct http_server *s, struct http_conn *c, double now)
{
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0) {
		c->send_start = 0;
		return;
	}
	if (c->send_start == 0) {
		c->send_start = now;
		c->send_mark = c->out_total;
		return;
	}
	double window = now - c->send_start;
	if (window < s->o.lim.request_timeout)
		return;
	if ((double)(c->out_total - c->send_mark) < window * s->o.lim.min_rate) {
		/* Reset, not FIN: a FIN waits behind the megabytes the kernel
		 * still holds for this client, who would go on reading them. */
		struct linger lg = {1, 0};
		evutil_socket_t fd = bufferevent_getfd(c->bev);
		if (fd >= 0)
			setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
		ATOMIC_ADD(s->closed_slow_read, 1);
		conn_free(c);
		return;
	}
	c->send_start = now;
	c->send_mark = c->out_total;
}

static void on_sweep(evutil_socket_t fd, short what, void *arg)
{
	struct http_server *s = arg;
	double now = now_s();
	(void)fd;
	(void)what;
	for (struct http_conn *c = s->conns, *next; c; c = next) {
		next = c->next;
		if (c->lingering) {
			if (now - c->linger_start > HTTP_LINGER_MS / 1000.0)
				conn_free(c);
			continue;
		}
		if (c->idle_start && !c->req &&
		    evbuffer_get_length(bufferevent_get_output(c->bev)) == 0) {
			if (now - c->idle_start > s->o.lim.idle_timeout)
				conn_free(c);
			continue;
		}
		if (evbuffer_get_length(bufferevent_get_output(c->bev)) > 0) {
			slow_reader(s, c, now);
			continue;
		}
		if (c->recv_start == 0 || h1_paused(&c->h1) || (c->req && c->req->received))
			continue;
		double deadline = c->recv_start + s->o.lim.request_timeout +
		                  (double)c->recv_bytes / s->o.lim.min_rate;
		if (now > deadline) {
			ATOMIC_ADD(s->closed_timeout, 1);
			refuse(c, 408, "request not received in time: send at least "
			       "Limits.MinRequestRate bytes a second");
		}
	}
}

static void on_unpause(evutil_socket_t fd, short what, void *arg)
{
	struct http_server *s = arg;
	(void)fd;
	(void)what;
	pthread_mutex_lock(&s->g->lock);
	s->paused_fd = 0;
	listener_update(s);
	pthread_mutex_unlock(&s->g->lock);
}

static void on_accept_error(struct evconnlistener *lev, void *arg)
{
	struct http_server *s = arg;
	int e = EVUTIL_SOCKET_ERROR();
	struct timeval tv = {FD_PAUSE_MS / 1000, (FD_PAUSE_MS % 1000) * 1000};
	(void)lev;
	ATOMIC_ADD(s->accept_errors, 1);
	/* Out of descriptors (or memory): the pending connection stays in the
	 * backlog and the listener would fire again at once. Pause instead. */
	pthread_mutex_lock(&s->g->lock);
	if (!s->paused_fd)
		log_warn("%s: accept: %s; pausing for %d ms", s->name,
		         strerror(e), FD_PAUSE_MS);
	s->paused_fd = 1;
	listener_update(s);
	pthread_mutex_unlock(&s->g->lock);
	event_add(s->unpause, &tv);
}

/* Can sa be bound without SO_REUSEPORT? With it, a bind succeeds beside
 * any socket of the same user that set it too: another daemon on the same
 * port would silently get half of the connections. So the first of a
 * group binds once without it, to be refused (EADDRINUSE) as an ordinary
 * listener would be, and lets go at once. */
static int port_free(const struct sockaddr_in *sa)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1, ok, e;
	if (fd < 0)
		return 0;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one); /* TIME_WAIT is no owner */
	ok = bind(fd, (const struct sockaddr *)sa, sizeof *sa) == 0;
	e = errno;
	close(fd);
	errno = e;
	return ok;
}

struct http_group *http_group_new(void)
{
	struct http_group *g = calloc(1, sizeof *g);
	if (g)
		pthread_mutex_init(&g->lock, NULL);
	return g;
}

void http_group_free(struct http_group *g)
{
	if (!g)
		return;
	pthread_mutex_destroy(&g->lock);
	free(g);
}

/* Bind s's listener (under g->lock): alone, or into its group. */
static int bind_listener(struct http_server *s, struct sockaddr_in *sa)
{
	struct http_group *g = s->g;
	unsigned flags = LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC;
	if (g->n == HTTP_GROUP_MAX) {
		errno = EMFILE;
		return -1;
	}
	if (!s->own) {
		/* other loops may pause and resume it */
		flags |= LEV_OPT_REUSEABLE_PORT | LEV_OPT_THREADSAFE;
		if (g->n > 0) {
			struct sockaddr_in first;
			socklen_t fl = sizeof first;
			if (getsockname(http_server_fd(g->members[0]), (struct sockaddr *)&first, &fl) != 0)
				return -1;
			sa->sin_port = first.sin_port; /* the port the first one got (it may have asked for 0) */
		} else if (sa->sin_port != 0 && !port_free(sa)) {
			return -1;
		}
	}
	s->lev = evconnlistener_new_bind(s->base, on_accept, s, flags, 511, (struct sockaddr *)sa,
	                                 sizeof *sa);
	if (!s->lev)
		return -1;
	evconnlistener_set_error_cb(s->lev, on_accept_error);
	g->members[g->n++] = s;
	listener_update(s); /* the group may be full already */
	return 0;
}

struct http_server *http_server_new(struct event_base *base, const char *host,
                                    unsigned short port, const http_server_opts *o)
{
	struct http_server *s = calloc(1, sizeof *s);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
	struct timeval every = {SWEEP_MS / 1000, (SWEEP_MS % 1000) * 1000};
	int rc;
	if (!s)
		return NULL;
	s->base = base;
	s->o = *o;
	snprintf(s->name, sizeof s->name, "%s", o->name);
	if (!(s->g = o->group) && !(s->g = s->own = http_group_new()))
		goto fail;
	s->sweep = event_new(base, -1, EV_PERSIST, on_sweep, s);
	s->unpause = evtimer_new(base, on_unpause, s);
	s->reap = event_new(base, -1, 0, on_reap, s);
	if (!s->sweep || !s->unpause || !s->reap || event_add(s->sweep, &every) != 0)
		goto fail;
	if (!host)
		return s; /* adopted connections only */
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
		errno = EINVAL;
		goto fail;
	}
	pthread_mutex_lock(&s->g->lock);
	rc = bind_listener(s, &sa);
	pthread_mutex_unlock(&s->g->lock);
	if (rc != 0)
		goto fail;
	return s;
fail:
	{
		int e = errno;
		http_server_free(s);
		errno = e;
	}
	return NULL;
}

evutil_socket_t http_server_fd(const struct http_server *s)
{
	return s && s->lev ? evconnlistener_get_fd(s->lev) : -1;
}

void http_server_close_listener(struct http_server *s)
{
	if (!s)
		return;
	if (s->unpause)
		event_del(s->unpause);
	if (!s->g)
		return;
	pthread_mutex_lock(&s->g->lock);
	for (size_t i = 0; i < s->g->n; i++)
		if (s->g->members[i] == s) {
			s->g->members[i] = s->g->members[--s->g->n];
			break;
		}
	if (s->lev) {
		evconnlistener_free(s->lev);
		s->lev = NULL;
	}
	pthread_mutex_unlock(&s->g->lock);
}

void http_server_free(struct http_server *s)
{
	if (!s)
		return;
	http_server_close_listener(s);
	while (s->conns)
		conn_free(s->conns);
	if (s->reap)
		on_reap(-1, 0, s);
	if (s->sweep)
		event_free(s->sweep);
	if (s->unpause)
		event_free(s->unpause);
	if (s->reap)
		event_free(s->reap);
	http_group_free(s->own);
	free(s);
}

/* The distinct names among list[0..n), in order: how many. */
static size_t names_of(struct http_server *const *list, size_t n, const char **names)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		size_t j = 0;
		while (j < k && strcmp(names[j], list[i]->name) != 0)
			j++;
		if (j == k)
			names[k++] = list[i]->name;
	}
	return k;
}

/* The sum of one counter (at offset off in struct http_server) over the
 * servers named name. */
static uint64_t sum_of(struct http_server *const *list, size_t n, const char *name, size_t off)
{
	uint64_t t = 0;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(list[i]->name, name) != 0)
			continue;
		const uint64_t *field = (const uint64_t *)(const void *)((const char *)list[i] + off);
		t += ATOMIC_GET(*field);
	}
	return t;
}

void http_server_metrics(struct http_server *const *list, size_t n, struct evbuffer *out)
{
	const char *names[16];
	size_t k = names_of(list, n < 16 ? n : 16, names);
#define SUM(name, field) \
	(unsigned long long)sum_of(list, n, (name), offsetof(struct http_server, field))
	evbuffer_add_printf(out, "# HELP cairn_http_connections Open client connections.\n"
	                    "# TYPE cairn_http_connections gauge\n");
	for (size_t i = 0; i < k; i++)
		evbuffer_add_printf(out, "cairn_http_connections{server=\"%s\"} %llu\n", names[i],
		                    SUM(names[i], open));
	evbuffer_add_printf(out, "# HELP cairn_http_connections_closed_total Connections closed by "
	                    "the node: a request too slow, request memory exhausted, a reader too slow.\n"
	                    "# TYPE cairn_http_connections_closed_total counter\n");
	for (size_t i = 0; i < k; i++)
		evbuffer_add_printf(out,
		                    "cairn_http_connections_closed_total{server=\"%s\",reason=\"request_timeout\"} %llu\n"
		                    "cairn_http_connections_closed_total{server=\"%s\",reason=\"buffered_bytes\"} %llu\n"
		                    "cairn_http_connections_closed_total{server=\"%s\",reason=\"slow_reader\"} %llu\n",
		                    names[i], SUM(names[i], closed_timeout), names[i],
		                    SUM(names[i], closed_budget), names[i], SUM(names[i], closed_slow_read));
	evbuffer_add_printf(out, "# HELP cairn_http_accept_errors_total accept() failures (out of "
	                    "descriptors or memory), each pausing the listener.\n"
	                    "# TYPE cairn_http_accept_errors_total counter\n");
	for (size_t i = 0; i < k; i++)
		evbuffer_add_printf(out, "cairn_http_accept_errors_total{server=\"%s\"} %llu\n", names[i],
		                    SUM(names[i], accept_errors));
#undef SUM
	evbuffer_add_printf(out, "# HELP cairn_http_loop_requests_total Requests answered, by "
	                    "listener and event loop (Daemon.Threads).\n"
	                    "# TYPE cairn_http_loop_requests_total counter\n");
	for (size_t i = 0; i < n; i++)
		evbuffer_add_printf(out, "cairn_http_loop_requests_total{server=\"%s\",loop=\"%u\"} %llu\n",
		                    list[i]->name, list[i]->o.loop,
		                    (unsigned long long)ATOMIC_GET(list[i]->answered));
}

/*
 * HTTP/1.1 requests off the wire, one at a time, for a server that reads a
 * connection in whatever pieces it arrives: the request line and header
 * fields first (h1_callbacks.on_head), then the body in pieces as they
 * come, de-chunked (on_body), then its end (on_end). The framing is
 * llhttp's (Debian's node-llhttp, compiled from its installed sources):
 * Content-Length, Transfer-Encoding: chunked, HTTP/1.0, keep-alive.
 *
 * Pipelined requests are taken one at a time: parsing stops after each
 * request's end, and h1_feed says how many bytes it used; the caller
 * answers, calls h1_next, and feeds the rest. on_head may stop before the
 * body too (H1_PAUSE: to answer Expect: 100-continue, or to refuse without
 * reading it). A body is handed out exactly as it arrives: a caller that
 * wants backpressure feeds at most what its handler can take.
 *
 * The request line and fields are copied into a buffer the caller gives
 * (head bytes), so a head may arrive in any number of pieces. Limits, and
 * the status each one answers (docs/security.md):
 *   request target longer than limits.max_url_bytes       414
 *   more than limits.max_header_fields fields             431
 *   request line and fields over the head buffer          431
 *   anything llhttp refuses (bad syntax, both Content-Length and
 *   Transfer-Encoding, a Transfer-Encoding other than chunked last, ...) 400
 *   CONNECT, Upgrade                                      501
 */
#ifndef CAIRN_H1PARSE_H
#define CAIRN_H1PARSE_H

#include <llhttp.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Fields kept per request; more are refused (431) whatever the limit says. */
#define H1_FIELDS_MAX 256

typedef struct h1_limits {
	size_t max_url_bytes;       /* the request target */
	unsigned max_header_fields; /* at most H1_FIELDS_MAX */
} h1_limits;

typedef struct h1_field {
	const char *name, *value; /* in the head buffer, NUL-terminated */
	size_t name_len, value_len;
} h1_field;

/* A request's head, valid from on_head until h1_next. */
typedef struct h1_request {
	const char *method;        /* "GET", "POST", ... */
	const char *target;        /* as sent: "/ipfs/bafy...?format=car" */
	size_t target_len;
	unsigned major, minor;     /* HTTP/major.minor */
	h1_field fields[H1_FIELDS_MAX];
	unsigned nfields;
	int keep_alive;            /* the connection may carry another request after this one */
	int expect_continue;       /* Expect: 100-continue */
	int chunked;               /* the body comes chunked */
	int64_t content_length;    /* -1: none given (chunked, or no body) */
} h1_request;

/* What on_head may return. */
#define H1_GO 0     /* read the body */
#define H1_PAUSE 1  /* stop before the body; h1_resume goes on */

typedef struct h1_callbacks {
	int (*on_head)(void *ctx, const h1_request *r);          /* H1_GO, H1_PAUSE, or -1 */
	int (*on_body)(void *ctx, const uint8_t *p, size_t n);   /* 0, or -1 */
	int (*on_end)(void *ctx);                                 /* 0, or -1 */
} h1_callbacks;

/* A callback's -1 ends the connection: status 0 then (no reply is owed). */

/* Where a parser is (state), and which token of the head it is copying. */
enum { H1_READING, H1_HEAD_PAUSED, H1_ENDED, H1_FAILED };
enum { H1_IN_NONE, H1_IN_URL, H1_IN_NAME, H1_IN_VALUE };

typedef struct h1_parser {
	llhttp_t p;
	llhttp_settings_t s;
	const h1_callbacks *cb;
	void *ctx;
	h1_limits lim;
	char *head;          /* the caller's buffer */
	size_t cap, len;     /* its size, bytes used */
	int in;              /* the token being copied: H1_IN_* */
	h1_request req;
	int state;           /* H1_READING, H1_HEAD_PAUSED, H1_ENDED, H1_FAILED */
	int started;         /* a byte of the current request has arrived */
	int ours;            /* the failure is ours (a limit, a callback), not llhttp's */
	int status;          /* of a failure: 400, 414, 431, 501; 0 for a callback's -1 */
	const char *reason;
} h1_parser;


/* Set h up to read requests with these limits, copying heads into head
 * (cap bytes: the most a request line and its fields may take). cb and ctx
 * stay the caller's; h holds no other memory. */
void h1_init(h1_parser *h, const h1_limits *lim, char *head, size_t cap, const h1_callbacks *cb,
             void *ctx);

/* Parse up to len bytes. Returns how many were used: all of them, or fewer
 * when the request ended (h1_ended: the rest is the next request's) or
 * on_head paused (h1_paused); -1 when the request is refused: h1_status
 * and h1_reason say how to answer (status 0: a callback gave up). */
ssize_t h1_feed(h1_parser *h, const uint8_t *data, size_t len);

/* The client will send nothing more. 0 if that is a clean end between
 * requests (or ends a body that runs to the close); -1 (400) mid-request. */
int h1_eof(h1_parser *h);

/* After on_head paused: read the body from the next h1_feed on. */
void h1_resume(h1_parser *h);

/* After the request ended (and was answered): ready for the next one. */
void h1_next(h1_parser *h);

int h1_ended(const h1_parser *h);
int h1_paused(const h1_parser *h);
/* Has any byte of the current request arrived? (A connection closed
 * between requests owes nothing.) */
int h1_started(const h1_parser *h);
int h1_status(const h1_parser *h);
const char *h1_reason(const h1_parser *h);

/* A field of r by name (any case): its value, or NULL. */
const char *h1_field_get(const h1_request *r, const char *name);

#endif

/*
 * The node's outgoing HTTP: libcurl's multi interface driven by one
 * libevent loop (curl's multi-socket pattern: curl says which sockets and
 * which timeout it waits on, the loop tells it when they are ready), so a
 * call never blocks the loop. http:// and https:// alike.
 *
 * TLS: 1.2 or later; the peer's certificate and host name are always
 * checked, against the system's CA store plus the client's ca_file if one
 * is given (there is no switch to turn checks off). HTTP/2 is offered on
 * TLS (ALPN) and used where the server takes it, calls to one origin then
 * sharing a connection; plain http:// is HTTP/1.1. Connections are kept
 * and reused. HTTPS_PROXY, HTTP_PROXY (http_proxy) and NO_PROXY are
 * honoured, as libcurl does. The user agent is cairn/VERSION. Redirects
 * are not followed.
 *
 * Ownership: the client belongs to its loop; calls are made and finished
 * on it. A call's options are copied when it starts (URL, headers, body),
 * so the caller's buffers may go at once. on_done runs exactly once per
 * started call, from the loop (never inside http_call_start), unless the
 * call is cancelled first; the result it is given lives until it returns.
 */
#ifndef CAIRN_HTTP_CLIENT_H
#define CAIRN_HTTP_CLIENT_H

#include <curl/curl.h>
#include <event2/event.h>
#include <stddef.h>
#include <stdint.h>

struct evbuffer;
struct http_client;
struct http_call;

/* A call's default limit on its whole duration, connecting included. */
#define HTTP_CALL_TIMEOUT_MS 30000
/* Connecting (TCP and TLS) within this long, or the call fails. */
#define HTTP_CONNECT_TIMEOUT_MS 10000
/* A collected reply body larger than this fails the call (HTTP_CALL_TOO_LARGE). */
#define HTTP_CALL_BODY_MAX (64u * 1024 * 1024)

/* How a call ended. */
enum http_call_error {
	HTTP_CALL_OK = 0,    /* a reply came (of any status) */
	HTTP_CALL_CONNECT,   /* no connection: refused, unreachable, no such host, the proxy */
	HTTP_CALL_TLS,       /* the TLS handshake or the certificate check failed */
	HTTP_CALL_TIMEOUT,   /* not done in time */
	HTTP_CALL_PROTOCOL,  /* a malformed or cut reply */
	HTTP_CALL_TOO_LARGE, /* a collected body over HTTP_CALL_BODY_MAX */
	HTTP_CALL_STOPPED,   /* on_data asked to stop */
	HTTP_CALL_FAILED     /* anything else (out of memory, a bad URL) */
};

typedef struct http_client_opts {
	const char *ca_file; /* PEM, trusted beside the system's store; NULL: none */
	unsigned timeout_ms; /* per call, unless the call says; 0: HTTP_CALL_TIMEOUT_MS */
} http_client_opts;

typedef struct http_result {
	enum http_call_error error;
	long status;            /* the HTTP status, 0 if no reply came */
	const char *why;        /* for a failure: what curl says, with the URL redacted */
	struct evbuffer *body;  /* the reply body, when the call collects it (no on_data) */
	int http_version;       /* 1 or 2: what was spoken (0 if nothing) */
	long connects;          /* connections opened for it (0: it reused one) */
} http_result;

typedef struct http_call_opts {
	const char *method;             /* "GET", "POST", ... */
	const char *url;                /* http:// or https:// */
	const char *const *headers;     /* "Name: value" lines, NULL-terminated; may be NULL */
	const void *body;               /* the request body (copied), or NULL */
	size_t body_len;
	unsigned timeout_ms;            /* 0: the client's */
	/* With stall_secs, no limit on the whole call (a large reply may take
	 * as long as it keeps coming), but connecting, and every stretch
	 * without a byte received, must each end within stall_secs
	 * (HTTP_CALL_TIMEOUT). */
	unsigned stall_secs;
	/* Bytes read from the socket at a time (0: curl's 16 KiB): a large
	 * download goes in fewer, larger pieces. At most 512 KiB. */
	unsigned read_buffer;
	/* The reply body as it arrives: 0 to go on, -1 to stop the call
	 * (HTTP_CALL_STOPPED). NULL: it is collected into result.body. */
	int (*on_data)(void *arg, long status, const uint8_t *p, size_t n);
	void (*on_done)(void *arg, const http_result *result);
	void *arg;
} http_call_opts;

/* A client on base. NULL with err (CAIRN_ERR_MAX) set when libcurl cannot
 * start, or ca_file is not readable. */
struct http_client *http_client_new(struct event_base *base, const http_client_opts *o, char *err);

/* Cancel every call (their on_done does not run) and free c. May be
 * called from an on_done of c's (the call that ran it ends first). */
void http_client_free(struct http_client *c);

/* Start a call. NULL with err set if it could not start (a URL that is
 * not http:// or https://, out of memory): on_done will not run. */
struct http_call *http_call_start(struct http_client *c, const http_call_opts *o, char *err);

/* Stop (1) or resume (0) taking the reply's body: backpressure from a
 * slow consumer. on_data does not run while paused. */
void http_call_pause(struct http_call *call, int paused);

/* Stop a call before it is done: its on_done does not run. Not from its
 * own on_data (return -1 there) or on_done. */
void http_call_cancel(struct http_call *call);

/* The settings every outgoing transfer gets (TLS 1.2+, checks on,
 * ca_file beside the system's CAs, HTTP/2 on TLS, no redirects, the user
 * agent, the timeouts): for a blocking client on libcurl's easy interface
 * (the CLI's), the same as for the loop's calls. errbuf: CURL_ERROR_SIZE
 * bytes, curl's message on failure. */
void http_easy_setup(CURL *easy, const char *ca_file, unsigned timeout_ms, char *errbuf);

/* What a libcurl result code means for the caller. */
enum http_call_error http_curl_error(CURLcode rc);

/* url without what may be a secret: the path, query, fragment and any
 * user:password are replaced by "/…" (an API key in an Infura-style
 * path never reaches a log). */
void http_url_redact(const char *url, char *out, size_t cap);

/* Is url http:// or https://, with a host? */
int http_url_ok(const char *url);

#endif

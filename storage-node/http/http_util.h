/*
 * Small pieces every HTTP handler uses. Each handler ends in exactly one
 * reply: one of these, or a streamed reply it finishes itself.
 */
#ifndef CAIRN_HTTP_UTIL_H
#define CAIRN_HTTP_UTIL_H

#include <event2/http.h>
#include <stddef.h>
#include <stdint.h>

#include "cairn/error.h"
#include "server.h"

/* n bytes of s into b, with < > & " ' as HTML entities. */
void http_html_escape(struct evbuffer *b, const char *s, size_t n);

/* A short text/plain body (the gateway's errors); on a server with
 * html_errors, a small HTML page instead for a client that takes
 * text/html (a browser). */
void http_reply_text(struct http_req *req, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Kubo's RPC error body: {"Message": ..., "Code": 0, "Type": "error"}. */
void http_reply_rpc_error(struct http_req *req, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* j (taken over: decref'd) as a JSON body, with a final newline. 0, or -1
 * if j is NULL or cannot be serialised (out of memory): nothing was sent,
 * and the caller answers in its own error format. */
#include <jansson.h>
int http_reply_json(struct http_req *req, int code, json_t *j);

/* The status for a failed storage operation: 507 Insufficient Storage
 * when the disk (or quota) is full, 503 when the store does not answer
 * (a timeout, a refused or lost connection), else 500. */
int http_errno_status(int e);

/* Parse the request URI's query into q (decoded; the caller clears it with
 * evhttp_clear_headers). Returns 0, or -1 for a malformed query. */
struct evkeyvalq;
int http_parse_query(struct http_req *req, struct evkeyvalq *q);

/* A Range header (RFC 9110 14.1) against a body of size bytes: one range of
 * the form bytes=a-b, a- or -n, digits only. 1 with [*off, *off + *len)
 * inside the body for a satisfiable range; 0 to ignore the header (absent,
 * malformed, another unit, or several ranges: the whole body is sent); -1
 * if it cannot be satisfied (416). */
int http_parse_range(const char *h, uint64_t size, uint64_t *off, uint64_t *len);

/* Log one record for a finished request (called from the completion
 * hook): server, client, method, path (secret query values redacted),
 * status, bytes of body sent, duration (secs) and the fault's reason for a
 * 5xx. Level info, but error for a 5xx of this node's (warn when upstream
 * failed). */
void http_log(struct http_req *req, const char *server, double secs);

/* uri with the values of secret query parameters (token, key, ...)
 * replaced by REDACTED, into out (cap bytes, always terminated; cut if
 * need be). */
void http_log_path(const char *uri, char *out, size_t cap);

/* The longest URL of a service a node is configured with (a peer, a
 * router, a replication target). */
#define HTTP_URL_MAX 256

/* A Kubo-style boolean, as query flags and command-line flags write it:
 * "true"/"false", also 1/0, yes/no, t/f, any case. 0 with *out set, or -1. */
int http_parse_bool(const char *s, int *out);

#endif

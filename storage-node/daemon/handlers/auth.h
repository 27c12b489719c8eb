/*
 * Who may call the API listener.
 *
 * The API is open while the node has no token at all (the default, on
 * loopback: the same trust as the repo's files). Once any token exists,
 * from `cairn token add` or `cairn daemon --api-token`, every request but
 * /healthz needs "Authorization: Bearer <secret>": 401 without one or with
 * a wrong one, 403 with a pins-scoped one outside /pins. The Pinning
 * Service API (/pins) always needs a token, as its spec says.
 *
 * An API listener beyond loopback with no token is refused at start, and
 * answers 403 to everything if the last token is removed while it runs:
 * the node never serves an open API to the network.
 */
#ifndef CAIRN_AUTH_H
#define CAIRN_AUTH_H

#include "node.h"
#include "tokens.h"

#include <event2/http.h>
#include "server.h"

/* The realms of the two kinds of 401 (WWW-Authenticate: Bearer realm=…). */
#define AUTH_REALM_API "cairn API"
#define AUTH_REALM_PINS "cairn pinning service"

/* --api-token: 16 to 256 visible ASCII characters. */
#define AUTH_STATIC_MIN 16
#define AUTH_STATIC_MAX 256
/* The identity a request with the --api-token secret acts as (it owns the
 * pin requests it makes). */
#define AUTH_STATIC_NAME "api-token"

enum auth_result {
	AUTH_OK,      /* a valid token: *who is filled */
	AUTH_OPEN,    /* no token sent and none needed: the API is open */
	AUTH_MISSING, /* a token is needed and none was sent */
	AUTH_INVALID, /* the secret sent matches no token */
	AUTH_EXPOSED, /* no token exists but the API listens beyond loopback */
	AUTH_FAULT    /* the token index could not be read: err says why */
};

/* What a path on the API listener needs: nothing (/healthz), a token of
 * either scope (the Pinning Service API, /pins…, which answers in its own
 * format), or an api-scoped token once any token exists (the rest). */
enum auth_path { AUTH_PATH_OPEN, AUTH_PATH_PINS, AUTH_PATH_API };
enum auth_path auth_path_kind(const char *path, size_t len);

/* Why a request was refused, for AUTH_MISSING or AUTH_INVALID, worded for
 * the Pinning Service API (pins) or the rest. */
const char *auth_refusal(enum auth_result r, int pins);

/* Set the daemon's --api-token secret (copied as its hash). 0, or -1 if
 * the secret is not 16 to 256 visible ASCII characters. */
int auth_set_static(node *n, const char *secret);

/* Does the API need tokens now (--api-token, or any token in the repo)?
 * 1, 0, or -1 with err set (CAIRN_ERR_MAX bytes). */
int auth_required(node *n, char *err);

/* Check req's credentials. who receives the token on AUTH_OK; err (CAIRN_ERR_MAX
 * bytes) a reason on AUTH_FAULT. Compares secrets in constant time. */
enum auth_result auth_check(node *n, struct http_req *req, token *who, char *err);

/* As auth_check, for the value of an Authorization field (NULL: none). */
enum auth_result auth_check_value(node *n, const char *authorization, token *who, char *err);

/* The API listener's look at a request's head, before any of its body is
 * read: auth_gate, and for the Pinning Service a refusal of a body sent
 * with no token or a wrong one (401, its Failure object). Answers req, or
 * leaves it to go on. */
void auth_head(node *n, struct http_req *req);

/* The API listener's gate for everything but the Pinning Service API,
 * which checks its own (pinsvc.c). 1 if req may go on; 0 if it was
 * answered (401, 403, or 500 with a Kubo RPC error body). */
int auth_gate(node *n, struct http_req *req);

#endif

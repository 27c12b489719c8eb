#include "auth.h"

#include "cairn/hash.h"
#include "http_util.h"

#include <jansson.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

int auth_set_static(node *n, const char *secret)
{
	size_t len = strlen(secret);
	if (len < AUTH_STATIC_MIN || len > AUTH_STATIC_MAX)
		return -1;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)secret[i] <= 0x20 || (unsigned char)secret[i] >= 0x7f)
			return -1;
	cairn_sha256(secret, len, n->api_token_hash);
	n->api_token_set = 1;
	return 0;
}

int auth_required(node *n, char *err)
{
	if (n->api_token_set)
		return 1;
	return tokens_any(&n->repo, err);
}

enum auth_result auth_check(node *n, struct http_req *req, token *who, char *err)
{
	return auth_check_value(n, evhttp_find_header(http_req_in(req),
	                                               "Authorization"), who, err);
}

enum auth_result auth_check_value(node *n, const char *h, token *who, char *err)
{
	if (!h || strncasecmp(h, "Bearer ", 7) != 0) {
		int need = auth_required(n, err);
		if (need < 0)
			return AUTH_FAULT;
		if (need)
			return AUTH_MISSING;
		return n->api_public ? AUTH_EXPOSED : AUTH_OPEN;
	}
	h += 7;
	while (*h == ' ')
		h++;
	size_t len = strcspn(h, " \t");
	if (n->api_token_set) {
		uint8_t d[CAIRN_HASH_LEN];
		cairn_sha256(h, len, d);
		if (CRYPTO_memcmp(d, n->api_token_hash, sizeof d) == 0) {
			memset(who, 0, sizeof *who);
			strcpy(who->name, AUTH_STATIC_NAME);
			who->scope = TOKEN_SCOPE_API;
			return AUTH_OK;
		}
	}
	int rc = tokens_check(&n->repo, h, len, who, err);
	return rc < 0 ? AUTH_FAULT : rc > 0 ? AUTH_INVALID : AUTH_OK;
}

enum auth_path auth_path_kind(const char *path, size_t len)
{
	if (len == 8 && strncmp(path, "/healthz", 8) == 0)
		return AUTH_PATH_OPEN;
	if ((len == 5 && strncmp(path, "/pins", 5) == 0) || (len > 6 && strncmp(path, "/pins/", 6) == 0))
		return AUTH_PATH_PINS;
	return AUTH_PATH_API;
}

const char *auth_refusal(enum auth_result r, int pins)
{
	if (r == AUTH_INVALID)
		return pins ? "access token is invalid or has been revoked"
		            : "API token is invalid or has been revoked";
	return pins ? "access token is missing: send 'Authorization: Bearer <secret>'"
	            : "this API needs a token: send 'Authorization: Bearer <secret>' "
	              "(the cairn CLI sends $CAIRN_API_TOKEN)";
}

static void challenge(struct http_req *req)
{
	evhttp_add_header(http_req_out(req), "WWW-Authenticate",
	                  "Bearer realm=\"" AUTH_REALM_API "\"");
}

int auth_gate(node *n, struct http_req *req)
{
	const char *path = http_req_path(req);
	char err[CAIRN_ERR_MAX];
	token who;

	/* liveness probes carry no secret; /pins answers in its own format */
	if (path && auth_path_kind(path, strlen(path)) != AUTH_PATH_API)
		return 1;
	enum auth_result r = auth_check(n, req, &who, err);
	switch (r) {
	case AUTH_OPEN:
		return 1;
	case AUTH_OK:
		if (who.scope == TOKEN_SCOPE_API)
			return 1;
		http_reply_rpc_error(req, 403, "token '%s' has scope 'pins': it opens only the Pinning "
		                     "Service API (/pins)", who.name);
		return 0;
	case AUTH_MISSING:
	case AUTH_INVALID:
		challenge(req);
		http_reply_rpc_error(req, 401, "%s", auth_refusal(r, 0));
		return 0;
	case AUTH_EXPOSED:
		http_reply_rpc_error(req, 403, "this API listens beyond loopback and no token exists: "
		                     "create one with 'cairn token add NAME'");
		return 0;
	case AUTH_FAULT:
		break;
	}
	http_reply_rpc_error(req, node_store_status(req, n), "cannot check the API token: %s", err);
	return 0;
}

void auth_head(node *n, struct http_req *req)
{
	const char *path = http_req_path(req);
	char err[CAIRN_ERR_MAX];
	token who;
	if (!auth_gate(n, req))
		return; /* answered */
	/* The Pinning Service checks its own tokens once the request is whole
	 * (its answers are its own); a body is not read for a client that
	 * has no valid token at all. */
	if (auth_path_kind(path, strlen(path)) != AUTH_PATH_PINS || !http_req_has_body(req))
		return;
	enum auth_result r = auth_check(n, req, &who, err);
	if (r != AUTH_MISSING && r != AUTH_INVALID)
		return; /* allowed, or a case the full check answers */
	json_t *j = json_pack("{s:{s:s, s:s}}", "error", "reason", "UNAUTHORIZED", "details",
	                      auth_refusal(r, 1));
	evhttp_add_header(http_req_out(req), "WWW-Authenticate", "Bearer realm=\"" AUTH_REALM_PINS "\"");
	if (http_reply_json(req, 401, j) != 0)
		http_reply_rpc_error(req, 500, "out of memory");
}

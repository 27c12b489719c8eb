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

enum auth_result auth_check(node *n, struct evhttp_request *req, token *who, char *err)
{
	return auth_check_value(n, evhttp_find_header(evhttp_request_get_input_headers(req),
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

static void challenge(struct evhttp_request *req)
{
	evhttp_add_header(evhttp_request_get_output_headers(req), "WWW-Authenticate",
	                  "Bearer realm=\"" AUTH_REALM_API "\"");
}

int auth_gate(node *n, struct evhttp_request *req)
{
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
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
	fprintf(stderr, "cairn daemon: reading tokens: %s\n", err);
	http_reply_rpc_error(req, 500, "cannot check the API token: %s", err);
	return 0;
}

int auth_early_check(void *ctx, const char *block, size_t len, char *headers, size_t hcap,
                     char *body, size_t bcap)
{
	node *n = ctx;
	char value[AUTH_STATIC_MAX + 64], err[CAIRN_ERR_MAX];
	token who;
	/* request line: METHOD SP TARGET SP VERSION */
	const char *sp = memchr(block, ' ', len);
	if (!sp)
		return 0; /* evhttp will answer a malformed request itself */
	enum auth_path kind = auth_path_kind(sp + 1, strcspn(sp + 1, " ?\r\n"));
	if (kind == AUTH_PATH_OPEN)
		return 0;
	/* Without a body there is nothing to save: the full check answers
	 * (so a request's token is checked once, not twice). */
	if (!http_raw_field(block, len, "Transfer-Encoding", value, sizeof value) &&
	    (!http_raw_field(block, len, "Content-Length", value, sizeof value) ||
	     strspn(value, "0") == strlen(value)))
		return 0;
	enum auth_result r = auth_check_value(n, http_raw_field(block, len, "Authorization", value,
	                                                   sizeof value) ? value : NULL, &who, err);
	if (r != AUTH_MISSING && r != AUTH_INVALID)
		return 0; /* allowed, or a case the full check answers */
	/* the same answers as the full checks (auth_gate, pinsvc.c) */
	int pins = kind == AUTH_PATH_PINS;
	const char *msg = auth_refusal(r, pins);
	json_t *j = pins ? json_pack("{s:{s:s, s:s}}", "error", "reason", "UNAUTHORIZED", "details", msg)
	                 : json_pack("{s:s, s:i, s:s}", "Message", msg, "Code", 0, "Type", "error");
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	snprintf(body, bcap, "%s\n", text ? text : "{}");
	free(text);
	snprintf(headers, hcap, "WWW-Authenticate: Bearer realm=\"%s\"\r\n",
	         pins ? AUTH_REALM_PINS : AUTH_REALM_API);
	return 401;
}

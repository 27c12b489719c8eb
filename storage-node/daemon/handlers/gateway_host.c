#define _GNU_SOURCE 1 /* asprintf */
#include "gateway_host.h"

#include "cairn/cid.h"
#include "cairn/error.h"
#include "cairn/multibase.h"
#include "host.h"
#include "http_util.h"

#include <event2/buffer.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Does host (lower case, no port) serve subdomains? */
static int subdomain_host(node *n, const char *host, size_t len)
{
	json_t *pg = json_object_get(json_object_get(n->repo.config, "Gateway"), "PublicGateways");
	char name[256];
	if (len >= sizeof name)
		return 0;
	memcpy(name, host, len);
	name[len] = '\0';
	json_t *entry = json_object_get(pg, name);
	if (entry)
		return json_is_true(json_object_get(entry, "UseSubdomains"));
	return !strcmp(name, "localhost");
}

/* Does the request ask for a verifiable answer (?format=raw|car, or
 * Accept: application/vnd.ipld.raw|car)? */
static int trustless(struct http_req *req, const char *query)
{
	const char *accept = evhttp_find_header(http_req_in(req), "Accept");
	if (accept && (strstr(accept, "application/vnd.ipld.raw") || strstr(accept, "application/vnd.ipld.car")))
		return 1;
	for (const char *p = query; p && *p; p += strcspn(p, "&"), p += *p == '&') {
		if (!strncmp(p, "format=raw", 10) && (p[10] == '&' || !p[10]))
			return 1;
		if (!strncmp(p, "format=car", 10) && (p[10] == '&' || !p[10]))
			return 1;
	}
	return 0;
}

/* The CID's text as a subdomain label: base32, CIDv1 (a v0 becomes its
 * dag-pb v1). 0, or -1 if it does not fit in a DNS label. */
static int label_of(const cairn_cid *cid, char *out, size_t cap)
{
	cairn_cid v1;
	char text[CAIRN_CID_TEXT_MAX];
	size_t len;
	cairn_cid_to_v1(cid, &v1);
	if (cairn_cid_format(&v1, CAIRN_BASE32, text, sizeof text, &len) != CAIRN_OK || len > GATEWAY_LABEL_MAX ||
	    len >= cap)
		return -1;
	memcpy(out, text, len + 1);
	return 0;
}

/* 301 to location (a malloc'd string, freed here). */
static void moved(struct http_req *req, char *location, const char *why)
{
	evhttp_add_header(http_req_out(req), "Location", location);
	free(location);
	http_reply_text(req, 301, "moved: %s", why);
}

enum gateway_host_kind gateway_host(struct http_req *req, node *n, char **content_path, char *link_base,
                                    size_t cap)
{
	const char *host_h = evhttp_find_header(http_req_in(req), "Host");
	const char *fwd_host = evhttp_find_header(http_req_in(req), "X-Forwarded-Host");
	const char *proto = evhttp_find_header(http_req_in(req), "X-Forwarded-Proto");
	const char *path = http_req_path(req), *query = http_req_query(req);
	char label[GATEWAY_LABEL_MAX + 2];
	http_host hh;
	/* a Host that names no host is not a subdomain: the path gateway */
	if (!path || http_host_parse(host_h, &hh) != 0)
		return GATEWAY_HOST_PATH;
	const char *host = hh.name, *port = hh.port;
	size_t hl = hh.len;
	const char *scheme = proto && !strcasecmp(proto, "https") ? "https" : "http";

	/* {label}.ipfs.{gateway} or {label}.ipns.{gateway} */
	const char *dot = strchr(host, '.');
	if (dot && (!strncmp(dot, ".ipfs.", 6) || !strncmp(dot, ".ipns.", 6)) &&
	    subdomain_host(n, dot + 6, strlen(dot + 6))) {
		size_t ll = (size_t)(dot - host);
		snprintf(link_base, cap, "//%s%s", dot + 6, port);
		if (dot[3] == 'n') {
			http_reply_text(req, 501, "IPNS is not supported by this gateway");
			return GATEWAY_HOST_ANSWERED;
		}
		cairn_cid cid;
		int rc = cairn_cid_parse(host, ll, &cid);
		if (rc != 0) {
			http_reply_text(req, 400, "invalid CID '%.*s' in the Host: %s", (int)(ll > 100 ? 100 : ll), host,
			                cairn_strerror(rc));
			return GATEWAY_HOST_ANSWERED;
		}
		if (label_of(&cid, label, sizeof label) != 0) {
			http_reply_text(req, 400, "the CID '%.*s' is longer than a DNS label (%d characters) in "
			                "base32: ask for it at the path gateway, /ipfs/{cid}", (int)(ll > 100 ? 100 : ll),
			                host, GATEWAY_LABEL_MAX);
			return GATEWAY_HOST_ANSWERED;
		}
		if (strlen(label) != ll || strncmp(label, host, ll) != 0) {
			/* one origin per content: its canonical label */
			char *loc = NULL;
			if (asprintf(&loc, "%s://%s.ipfs.%s%s%s%s%s", scheme, label, dot + 6, port, path, query ? "?" : "",
			             query ? query : "") < 0) {
				http_reply_text(req, 500, "out of memory");
				return GATEWAY_HOST_ANSWERED;
			}
			moved(req, loc, "the CID's subdomain is its base32 CIDv1");
			return GATEWAY_HOST_ANSWERED;
		}
		if (asprintf(content_path, "/ipfs/%s%s", label, path) < 0) {
			http_reply_text(req, 500, "out of memory");
			return GATEWAY_HOST_ANSWERED;
		}
		return GATEWAY_HOST_SUBDOMAIN;
	}

	/* a path request to a subdomain gateway: to the CID's own origin; but
	 * a verifiable answer (a block, a CAR) has no origin to keep apart, and
	 * trustless clients (peers, verified-fetch) ask by path */
	if (strncmp(path, "/ipfs/", 6) != 0 || !subdomain_host(n, host, hl) || trustless(req, query))
		return GATEWAY_HOST_PATH;
	const char *c = path + 6;
	size_t cl = strcspn(c, "/?");
	cairn_cid cid;
	if (cl == 0 || cairn_cid_parse(c, cl, &cid) != 0)
		return GATEWAY_HOST_PATH; /* the path gateway says what is wrong */
	if (label_of(&cid, label, sizeof label) != 0)
		return GATEWAY_HOST_PATH; /* too long for a label: served by path */
	const char *target = fwd_host && *fwd_host ? fwd_host : NULL;
	char *loc = NULL;
	int ok = target ? asprintf(&loc, "%s://%s.ipfs.%s%s%s%s", scheme, label, target, c[cl] ? c + cl : "/",
	                           query ? "?" : "", query ? query : "")
	                : asprintf(&loc, "%s://%s.ipfs.%s%s%s%s%s", scheme, label, host, port, c[cl] ? c + cl : "/",
	                           query ? "?" : "", query ? query : "");
	if (ok < 0) {
		http_reply_text(req, 500, "out of memory");
		return GATEWAY_HOST_ANSWERED;
	}
	moved(req, loc, "this gateway serves content from its own subdomain");
	return GATEWAY_HOST_ANSWERED;
}

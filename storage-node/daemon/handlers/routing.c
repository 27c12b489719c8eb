#include "routing.h"
#include "routing_filter.h"

#include "cairn/error.h"
#include "http_util.h"

#include <event2/buffer.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <time.h>

static void cache_headers(struct evkeyvalq *h, int ttl)
{
	char cc[128], when[64];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(when, sizeof when, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	snprintf(cc, sizeof cc, "public, max-age=%d, stale-while-revalidate=%d, stale-if-error=%d", ttl,
	         ROUTING_TTL_FOUND, ROUTING_TTL_FOUND);
	evhttp_add_header(h, "Cache-Control", cc);
	evhttp_add_header(h, "Last-Modified", when);
	evhttp_add_header(h, "Vary", "Accept");
}

int routing_handle(struct http_req *req, node *n, const char *path)
{
	if (strncmp(path, "/routing/v1/", 12) != 0)
		return 0;
	struct evkeyvalq *h = http_req_out(req);
	enum http_method cmd = http_req_method(req);
	if (cmd != HTTP_METHOD_GET && cmd != HTTP_METHOD_HEAD) {
		evhttp_add_header(h, "Allow", "GET, HEAD");
		http_reply_text(req, 405, "method not allowed: routing is read-only here");
		return 1;
	}
	if (strncmp(path, ROUTING_PREFIX, strlen(ROUTING_PREFIX)) != 0) {
		http_reply_text(req, 501, "only /routing/v1/providers/{cid} is served here");
		return 1;
	}
	const char *c = path + strlen(ROUTING_PREFIX);
	cairn_cid cid;
	int rc = cairn_cid_parse(c, strlen(c), &cid);
	if (rc != 0) {
		http_reply_text(req, 400, "invalid CID '%.200s': %s", c, cairn_strerror(rc));
		return 1;
	}
	struct evkeyvalq q;
	routing_filter fp, fa;
	const char *query = http_req_query(req);
	TAILQ_INIT(&q);
	if (query && evhttp_parse_query_str(query, &q) != 0) {
		http_reply_text(req, 400, "malformed query");
		return 1;
	}
	int bad = routing_filter_parse(evhttp_find_header(&q, "filter-protocols"), &fp) != 0 ||
	          routing_filter_parse(evhttp_find_header(&q, "filter-addrs"), &fa) != 0;
	evhttp_clear_headers(&q);
	if (bad) {
		http_reply_text(req, 400, "filter-protocols and filter-addrs take at most %d names of at most "
		                "%d characters each", ROUTING_FILTER_MAX, ROUTING_FILTER_NAME_MAX);
		return 1;
	}
	const char *accept = evhttp_find_header(http_req_in(req), "Accept");
	int ndjson = accept && strstr(accept, "application/x-ndjson");
	int have = cid.mh.code == CAIRN_MH_IDENTITY || blockstore_has(&n->repo.bs, &cid) == 1;
	/* The gateway's address, without the /p2p/<ID> the delegate ends in. */
	char addr[sizeof n->delegate];
	snprintf(addr, sizeof addr, "%s", n->delegate);
	char *p2p = strstr(addr, "/p2p/");
	if (p2p)
		*p2p = '\0';
	static const char proto[] = "transport-ipfs-gateway-http";
	const char *pnames[1] = {proto}, *anames[16];
	size_t plen[1] = {sizeof proto - 1}, alen[16];
	size_t na = routing_multiaddr_names(addr, anames, alen, 16);
	int listed = have && addr[0] && routing_filter_pass(&fp, pnames, plen, 1) && (!fa.given || routing_filter_pass(&fa, anames, alen, na));
	json_t *prov = listed ? json_pack("{s:s, s:s, s:[s], s:[s]}", "Schema", "peer", "ID", n->repo.peer_id,
	                                  "Addrs", addr, "Protocols", proto)
	                      : NULL;
	/* none is 200 with an empty list (IPIP-513), cached a short while */
	json_t *body = ndjson ? json_incref(prov) : json_pack("{s:[O*]}", "Providers", prov);
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	json_decref(prov);
	if (!text && (listed || !ndjson)) {
		http_reply_text(req, 500, "out of memory");
		return 1;
	}
	cache_headers(h, listed ? ROUTING_TTL_FOUND : ROUTING_TTL_NONE);
	struct evbuffer *b = evbuffer_new();
	evhttp_add_header(h, "Content-Type", ndjson ? "application/x-ndjson" : "application/json");
	if (cmd == HTTP_METHOD_GET && text)
		evbuffer_add_printf(b, "%s\n", text);
	http_reply(req, 200, "OK", b);
	evbuffer_free(b);
	free(text);
	return 1;
}

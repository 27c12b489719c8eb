#include "routing.h"

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

/* A filter of IPIP-484 (filter-protocols, filter-addrs): names, some
 * negated with '!', compared without case; "unknown" stands for a
 * provider that has none of what is filtered. */
struct filter {
	int given;                         /* the parameter was there */
	int npos, nneg;
	char pos[ROUTING_FILTER_MAX][ROUTING_FILTER_NAME_MAX + 1];
	char neg[ROUTING_FILTER_MAX][ROUTING_FILTER_NAME_MAX + 1];
};

/* Parse a comma-separated filter value: 0, or -1 (too many or too long
 * names: a 400). Empty names are skipped. */
static int filter_parse(const char *v, struct filter *f)
{
	memset(f, 0, sizeof *f);
	if (!v)
		return 0;
	f->given = 1;
	while (*v) {
		size_t n = strcspn(v, ",");
		int neg = n > 0 && v[0] == '!';
		const char *name = v + neg;
		size_t nl = n - (size_t)neg;
		if (nl > ROUTING_FILTER_NAME_MAX)
			return -1;
		if (nl) {
			int *cnt = neg ? &f->nneg : &f->npos;
			char(*into)[ROUTING_FILTER_NAME_MAX + 1] = neg ? f->neg : f->pos;
			if (*cnt == ROUTING_FILTER_MAX)
				return -1;
			memcpy(into[*cnt], name, nl);
			into[*cnt][nl] = '\0';
			(*cnt)++;
		}
		v += n + (v[n] == ',');
	}
	return 0;
}

static int in_list(char (*list)[ROUTING_FILTER_NAME_MAX + 1], int n, const char *name, size_t len)
{
	for (int i = 0; i < n; i++)
		if (strlen(list[i]) == len && strncasecmp(list[i], name, len) == 0)
			return 1;
	return 0;
}

/* Does a set of names (names[0..n), each len[i] long; none: "unknown")
 * pass f? Kept if it has a wanted name (or nothing is wanted), and no
 * unwanted one. */
static int filter_pass(struct filter *f, const char *const *names, const size_t *len, size_t n)
{
	int want = f->npos == 0, veto = 0;
	if (n == 0) {
		want = want || in_list(f->pos, f->npos, "unknown", 7);
		veto = in_list(f->neg, f->nneg, "unknown", 7);
	}
	for (size_t i = 0; i < n; i++) {
		want = want || in_list(f->pos, f->npos, names[i], len[i]);
		veto = veto || in_list(f->neg, f->nneg, names[i], len[i]);
	}
	return want && !veto;
}

/* The protocol names of a multiaddr ("/ip4/1.2.3.4/tcp/80/http": ip4,
 * tcp, http): a protocol that takes a value is followed by it. */
static size_t multiaddr_names(const char *ma, const char **names, size_t *len, size_t cap)
{
	static const char *const valued[] = {"ip4", "ip6", "tcp", "udp", "dns", "dns4", "dns6", "dnsaddr",
	                                     "p2p", "ipfs", "sni", "ip6zone", "ipcidr"};
	size_t n = 0;
	const char *p = ma;
	while (*p == '/' && n < cap) {
		p++;
		size_t l = strcspn(p, "/");
		if (!l)
			break;
		names[n] = p;
		len[n++] = l;
		int takes = 0;
		for (size_t i = 0; i < sizeof valued / sizeof *valued; i++)
			takes = takes || (strlen(valued[i]) == l && strncmp(valued[i], p, l) == 0);
		p += l;
		if (takes && *p == '/')
			p += 1 + strcspn(p + 1, "/");
	}
	return n;
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
	struct filter fp, fa;
	const char *query = http_req_query(req);
	TAILQ_INIT(&q);
	if (query && evhttp_parse_query_str(query, &q) != 0) {
		http_reply_text(req, 400, "malformed query");
		return 1;
	}
	int bad = filter_parse(evhttp_find_header(&q, "filter-protocols"), &fp) != 0 ||
	          filter_parse(evhttp_find_header(&q, "filter-addrs"), &fa) != 0;
	evhttp_clear_headers(&q);
	if (bad) {
		http_reply_text(req, 400, "filter-protocols and filter-addrs take at most %d names of at most "
		                "%d characters each", ROUTING_FILTER_MAX, ROUTING_FILTER_NAME_MAX);
		return 1;
	}
	const char *accept = evhttp_find_header(http_req_in(req), "Accept");
	int ndjson = accept && strstr(accept, "application/x-ndjson");
	int have = cid.mh.code == CAIRN_MH_IDENTITY || blockstore_has(&n->repo.bs, &cid);
	/* The gateway's address, without the /p2p/<ID> the delegate ends in. */
	char addr[sizeof n->delegate];
	snprintf(addr, sizeof addr, "%s", n->delegate);
	char *p2p = strstr(addr, "/p2p/");
	if (p2p)
		*p2p = '\0';
	static const char proto[] = "transport-ipfs-gateway-http";
	const char *pnames[1] = {proto}, *anames[16];
	size_t plen[1] = {sizeof proto - 1}, alen[16];
	size_t na = multiaddr_names(addr, anames, alen, 16);
	int listed = have && addr[0] && filter_pass(&fp, pnames, plen, 1) && (!fa.given || filter_pass(&fa, anames, alen, na));
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

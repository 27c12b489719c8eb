/*
 * The IPFS Pinning Service API (v1.0.0 of ipfs/pinning-services-api-spec)
 * on the API listener:
 *
 *   GET    /pins               list the caller's requests (filters, pages)
 *   POST   /pins               add a request (Pin object) -> 202 PinStatus
 *   GET    /pins/{requestid}   one request
 *   POST   /pins/{requestid}   replace a request -> 202, new requestid
 *   DELETE /pins/{requestid}   remove a request -> 202
 *
 * Every call needs "Authorization: Bearer <secret>" of a token made with
 * `cairn token add`; each token name sees only its own requests. Errors
 * are the spec's Failure object, {"error": {"reason", "details"}}.
 *
 * A request for a DAG this node holds completely is pinned at once
 * ("pinned", with info.dag_size). One with blocks missing is "queued",
 * then "pinning" while the DAG is fetched, first from the request's
 * origins (Pin.origins: /ip4, /ip6 or /dns… …/tcp/PORT/http multiaddrs, asked as
 * trustless gateways), then from the node's peers (peers.h); then
 * "pinned", or "failed" with info.status_details saying why. Requests
 * still queued or pinning when the daemon stops are taken up again when it
 * starts (pinsvc_resume).
 */
#define _GNU_SOURCE /* timegm, strcasestr */
#include "pinsvc.h"
#include "pinsvc_job.h"

#include "auth.h"

#include "dag.h"
#include "cairn/error.h"
#include "http_util.h"
#include "peers.h"
#include "pinreq.h"
#include "tokens.h"

#include <ctype.h>
#include <event2/buffer.h>
#include <sys/queue.h> /* TAILQ_*, which keyvalq_struct.h needs */
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* Limits from the spec's schema, and ours on the request body. */
#define PINSVC_BODY_MAX (256 * 1024)
#define PINSVC_NAME_MAX 255       /* Pin.name, characters */
#define PINSVC_ORIGINS_MAX 20     /* Pin.origins */
#define PINSVC_ADDR_MAX 1024      /* one multiaddr, bytes */
#define PINSVC_META_MAX 1000      /* Pin.meta entries */
#define PINSVC_LIMIT_DEFAULT 10   /* GET /pins?limit= */
#define PINSVC_LIMIT_MAX 1000
#define PINSVC_CID_FILTER_MAX 10  /* GET /pins?cid= */

enum match { MATCH_EXACT, MATCH_IEXACT, MATCH_PARTIAL, MATCH_IPARTIAL };

static void fail(struct http_req *req, int code, const char *reason, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void fail(struct http_req *req, int code, const char *reason, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (code == 401)
		evhttp_add_header(http_req_out(req), "WWW-Authenticate",
		                  "Bearer realm=\"" AUTH_REALM_PINS "\"");
	if (http_reply_json(req, code, json_pack("{s:{s:s, s:s}}", "error", "reason", reason, "details",
	                                         msg)) != 0)
		http_reply_text(req, 500, "out of memory");
}

void pinsvc_fail(struct http_req *req, int code, const char *details)
{
	char reason[64];
	const char *p = http_reason(code);
	size_t i = 0;
	for (; p[i] && i + 1 < sizeof reason; i++)
		reason[i] = p[i] == ' ' || p[i] == '-' ? '_' : (char)toupper((unsigned char)p[i]);
	reason[i] = '\0';
	fail(req, code, reason, "%s", details);
}

/* A failure of the index or the store: 503 while one is known to be away
 * (node_store_status), else 500. */
static void fail_index(struct http_req *req, node *n, const char *err)
{
	int code = node_store_status(req, n);
	fail(req, code, code == 503 ? "SERVICE_UNAVAILABLE" : "INTERNAL_SERVER_ERROR", "%s", err);
}

static void reply(struct http_req *req, int code, json_t *j)
{
	if (http_reply_json(req, code, j) != 0)
		fail(req, 500, "INTERNAL_SERVER_ERROR", "out of memory");
}

/* The caller's token, or a 401 reply (then -1). Unlike the rest of the
 * API, the Pinning Service API needs a token even on an open node: its
 * spec makes requests belong to one. */
static int authorize(struct http_req *req, node *n, token *who)
{
	char err[CAIRN_ERR_MAX];
	enum auth_result r = auth_check(n, req, who, err);
	switch (r) {
	case AUTH_OK:
		return 0;
	case AUTH_OPEN:
	case AUTH_EXPOSED:
		fail(req, 401, "UNAUTHORIZED", "no access token exists on this node: create one "
		     "with 'cairn token add NAME' and send it as 'Authorization: Bearer <secret>'");
		return -1;
	case AUTH_MISSING:
	case AUTH_INVALID:
		fail(req, 401, "UNAUTHORIZED", "%s", auth_refusal(r, 1));
		return -1;
	case AUTH_FAULT:
		break;
	}
	fail_index(req, n, err);
	return -1;
}

static size_t utf8_chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

/* ms since the epoch as RFC 3339 with milliseconds, UTC. */
static void format_time(uint64_t ms, char *out, size_t cap)
{
	time_t s = (time_t)(ms / 1000);
	struct tm tm;
	char base[32];
	gmtime_r(&s, &tm);
	strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, cap, "%s.%03uZ", base, (unsigned)(ms % 1000));
}

static int digits(const char **p, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++, (*p)++) {
		if (**p < '0' || **p > '9')
			return -1;
		v = v * 10 + (**p - '0');
	}
	*out = v;
	return 0;
}

/* RFC 3339 date-time (section 5.6) to microseconds since the epoch.
 * 0, or -1 if s is not one. */
static int parse_time(const char *s, int64_t *us)
{
	int Y, M, D, h, m, sec, oh = 0, om = 0;
	int64_t frac = 0;
	const char *p = s;
	if (digits(&p, 4, &Y) || *p++ != '-' || digits(&p, 2, &M) || *p++ != '-' ||
	    digits(&p, 2, &D) || (*p != 'T' && *p != 't' && *p != ' ') || !*p++ ||
	    digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &m) || *p++ != ':' ||
	    digits(&p, 2, &sec))
		return -1;
	if (M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 60)
		return -1;
	if (*p == '.') {
		int nd = 0;
		p++;
		for (; *p >= '0' && *p <= '9'; p++, nd++)
			if (nd < 6)
				frac = frac * 10 + (*p - '0');
		if (nd == 0)
			return -1;
		for (; nd < 6; nd++)
			frac *= 10;
	}
	int sign = 0;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p++ == '+' ? 1 : -1;
		if (digits(&p, 2, &oh) || *p++ != ':' || digits(&p, 2, &om) || oh > 23 || om > 59)
			return -1;
	} else {
		return -1;
	}
	if (*p)
		return -1;
	struct tm tm = {.tm_year = Y - 1900, .tm_mon = M - 1, .tm_mday = D, .tm_hour = h,
	                .tm_min = m, .tm_sec = sec};
	time_t t = timegm(&tm);
	t -= sign * (oh * 3600 + om * 60);
	*us = (int64_t)t * 1000000 + frac;
	return 0;
}

/* Validate a Pin object and copy what the spec defines into *out.
 * 0, or -1 with the reason in why. */
static int parse_pin(json_t *body, json_t **out, cairn_cid *cid, char *why, size_t cap)
{
	if (!json_is_object(body)) {
		snprintf(why, cap, "the body must be a JSON Pin object");
		return -1;
	}
	json_t *c = json_object_get(body, "cid"), *name = json_object_get(body, "name");
	json_t *origins = json_object_get(body, "origins"), *meta = json_object_get(body, "meta");
	if (!json_is_string(c)) {
		snprintf(why, cap, "Pin.cid is required and must be a string");
		return -1;
	}
	const char *ct = json_string_value(c);
	int rc = cairn_cid_parse(ct, strlen(ct), cid);
	if (rc != 0) {
		snprintf(why, cap, "Pin.cid '%.120s' is not a CID: %s", ct, cairn_strerror(rc));
		return -1;
	}
	if (name && !json_is_null(name)) {
		if (!json_is_string(name) || utf8_chars(json_string_value(name)) > PINSVC_NAME_MAX) {
			snprintf(why, cap, "Pin.name must be a string of at most %d characters",
			         PINSVC_NAME_MAX);
			return -1;
		}
	}
	if (origins && !json_is_null(origins)) {
		size_t i, j;
		json_t *o;
		if (!json_is_array(origins) || json_array_size(origins) > PINSVC_ORIGINS_MAX) {
			snprintf(why, cap, "Pin.origins must be an array of at most %d multiaddrs",
			         PINSVC_ORIGINS_MAX);
			return -1;
		}
		json_array_foreach(origins, i, o) {
			const char *a = json_string_value(o);
			if (!a || a[0] != '/' || strlen(a) > PINSVC_ADDR_MAX) {
				snprintf(why, cap, "Pin.origins[%zu] is not a multiaddr ('/...')", i);
				return -1;
			}
			for (j = 0; j < i; j++)
				if (strcmp(a, json_string_value(json_array_get(origins, j))) == 0) {
					snprintf(why, cap, "Pin.origins[%zu] repeats Pin.origins[%zu]", i, j);
					return -1;
				}
		}
	}
	if (meta && !json_is_null(meta)) {
		const char *k;
		json_t *v;
		if (!json_is_object(meta) || json_object_size(meta) > PINSVC_META_MAX) {
			snprintf(why, cap, "Pin.meta must be an object of at most %d strings",
			         PINSVC_META_MAX);
			return -1;
		}
		json_object_foreach(meta, k, v) {
			if (!json_is_string(v)) {
				snprintf(why, cap, "Pin.meta['%.80s'] must be a string", k);
				return -1;
			}
		}
	}
	*out = json_pack("{s:O}", "cid", c);
	if (!*out) {
		snprintf(why, cap, "out of memory");
		return -1;
	}
	if (json_is_string(name))
		json_object_set(*out, "name", name);
	if (json_is_array(origins))
		json_object_set(*out, "origins", origins);
	if (json_is_object(meta))
		json_object_set(*out, "meta", meta);
	return 0;
}

static json_t *status_json(const node *n, const pinreq *r)
{
	char id[PINREQ_ID_TEXT + 1], when[48];
	pinreq_id_text(r->id, id);
	format_time(r->created_ms, when, sizeof when);
	json_t *info = json_object_get(r->doc, "info");
	return json_pack("{s:s, s:s, s:s, s:O, s:[s], s:O}", "requestid", id, "status",
	                 pinreq_status_name(r->status), "created", when, "pin",
	                 json_object_get(r->doc, "pin"), "delegates", n->delegate, "info",
	                 info ? info : json_object());
}


/* POST /pins, and POST /pins/{id} when replace is not NULL. */
static void pin_create(struct http_req *req, node *n, const token *who,
                       const uint8_t *replace)
{
	struct evbuffer *in = http_req_body(req);
	size_t len = evbuffer_get_length(in);
	char why[512], err[CAIRN_ERR_MAX];
	json_t *body = NULL, *pin = NULL, *info = NULL, *doc = NULL;
	pinreq r = {0};

	if (len > PINSVC_BODY_MAX) {
		fail(req, 413, "PAYLOAD_TOO_LARGE", "a Pin object is at most %d bytes", PINSVC_BODY_MAX);
		return;
	}
	json_error_t jerr;
	body = json_loadb((const char *)evbuffer_pullup(in, -1), len, 0, &jerr);
	if (!body) {
		fail(req, 400, "BAD_REQUEST", "the body is not JSON: %s", jerr.text);
		return;
	}
	if (parse_pin(body, &pin, &r.cid, why, sizeof why) != 0) {
		fail(req, 400, "BAD_REQUEST", "%s", why);
		goto done;
	}
	if (replace) {
		pinreq old;
		int rc = pinreq_get(&n->repo, replace, &old, err);
		if (rc < 0) {
			fail_index(req, n, err);
			goto done;
		}
		const char *owner = rc == 0 ? json_string_value(json_object_get(old.doc, "owner")) : NULL;
		int mine = owner && strcmp(owner, who->name) == 0;
		if (rc == 0)
			json_decref(old.doc);
		if (!mine) {
			fail(req, 404, "NOT_FOUND", "no pin request with that requestid");
			goto done;
		}
	}
	info = json_object();
	int queued = info ? pinsvc_settle(n, &r.cid, n->peers || pinsvc_origin_count(pin) > 0, NULL, &r.status,
	                           info, err) : -1;
	if (queued < 0) {
		fail(req, 500, "INTERNAL_SERVER_ERROR", "%s", info ? err : "out of memory");
		goto done;
	}
	doc = json_pack("{s:s, s:O, s:O}", "owner", who->name, "pin", pin, "info", info);
	if (!doc) {
		fail(req, 500, "INTERNAL_SERVER_ERROR", "out of memory");
		goto done;
	}
	r.doc = doc;
	int rc = pinreq_create(&n->repo, &r, replace, err);
	if (rc != 0) {
		if (rc > 0)
			fail(req, 404, "NOT_FOUND", "no pin request with that requestid");
		else
			fail_index(req, n, err);
		goto done;
	}
	reply(req, 202, status_json(n, &r));
	if (queued)
		pinsvc_job_start(n, &r);
done:
	json_decref(body);
	json_decref(pin);
	json_decref(info);
	json_decref(doc);
}

/* GET /pins filters. */
struct list {
	const node *n;
	const char *owner;
	cairn_cid cids[PINSVC_CID_FILTER_MAX];
	size_t ncids;
	const char *name;
	enum match match;
	unsigned statuses; /* bit per pinreq_status */
	int64_t before_us, after_us;
	json_t *meta;
	size_t limit;
	uint64_t count;
	json_t *results;
	int oom;
};

static int name_matches(const struct list *l, const char *name)
{
	if (!name)
		return 0;
	switch (l->match) {
	case MATCH_EXACT: return strcmp(name, l->name) == 0;
	case MATCH_IEXACT: return strcasecmp(name, l->name) == 0;
	case MATCH_PARTIAL: return strstr(name, l->name) != NULL;
	case MATCH_IPARTIAL: return strcasestr(name, l->name) != NULL;
	}
	return 0;
}

static int list_one(void *ctx, const pinreq *r)
{
	struct list *l = ctx;
	int64_t created_us = (int64_t)r->created_ms * 1000;
	if (created_us <= l->after_us)
		return 1; /* newest first: everything further is older still */
	if (created_us >= l->before_us)
		return 0;
	const char *owner = json_string_value(json_object_get(r->doc, "owner"));
	if (!owner || strcmp(owner, l->owner) != 0 || !(l->statuses & (1u << r->status)))
		return 0;
	json_t *pin = json_object_get(r->doc, "pin");
	if (l->ncids) {
		cairn_cid have;
		size_t i;
		cairn_cid_to_v1(&r->cid, &have);
		for (i = 0; i < l->ncids && cairn_cid_compare(&have, &l->cids[i]) != 0; i++)
			;
		if (i == l->ncids)
			return 0;
	}
	if (l->name && !name_matches(l, json_string_value(json_object_get(pin, "name"))))
		return 0;
	if (l->meta) {
		const char *k;
		json_t *v, *have = json_object_get(pin, "meta");
		json_object_foreach(l->meta, k, v) {
			json_t *h = json_object_get(have, k);
			if (!h || strcmp(json_string_value(h), json_string_value(v)) != 0)
				return 0;
		}
	}
	l->count++;
	if (json_array_size(l->results) < l->limit &&
	    json_array_append_new(l->results, status_json(l->n, r)) != 0)
		l->oom = 1;
	return 0;
}

/* One comma-separated list value, split; fn(ctx, item, len) returns 0 or -1. */
static int each_item(const char *v, int (*fn)(void *, const char *, size_t), void *ctx)
{
	while (1) {
		const char *comma = strchr(v, ',');
		size_t len = comma ? (size_t)(comma - v) : strlen(v);
		if (fn(ctx, v, len) != 0)
			return -1;
		if (!comma)
			return 0;
		v = comma + 1;
	}
}

static int add_cid(void *ctx, const char *s, size_t len)
{
	struct list *l = ctx;
	cairn_cid c;
	if (l->ncids == PINSVC_CID_FILTER_MAX || cairn_cid_parse(s, len, &c) != 0)
		return -1;
	cairn_cid_to_v1(&c, &l->cids[l->ncids++]);
	return 0;
}

static int add_status(void *ctx, const char *s, size_t len)
{
	struct list *l = ctx;
	pinreq_status st = pinreq_status_parse(s, len);
	if (!st)
		return -1;
	l->statuses |= 1u << st;
	return 0;
}

static void pin_list(struct http_req *req, node *n, const token *who)
{
	struct evkeyvalq q;
	struct evkeyval *kv;
	char err[CAIRN_ERR_MAX];
	struct list l = {.n = n, .owner = who->name, .before_us = INT64_MAX, .after_us = INT64_MIN,
	                 .limit = PINSVC_LIMIT_DEFAULT};

	if (http_parse_query(req, &q) != 0) {
		fail(req, 400, "BAD_REQUEST", "malformed query string");
		return;
	}
	TAILQ_FOREACH(kv, &q, next) {
		/* evhttp decodes values but not keys: meta%5Bk%5D is meta[k]. */
		char *key = evhttp_uridecode(kv->key, 0, NULL);
		const char *v = kv->value;
		if (!key) {
			fail(req, 500, "INTERNAL_SERVER_ERROR", "out of memory");
			goto done;
		}
		int bad = 0;
		if (strcmp(key, "cid") == 0) {
			bad = each_item(v, add_cid, &l) != 0;
			if (bad)
				fail(req, 400, "BAD_REQUEST", "cid: at most %d valid CIDs ('%.120s')",
				     PINSVC_CID_FILTER_MAX, v);
		} else if (strcmp(key, "name") == 0) {
			l.name = v;
			if ((bad = utf8_chars(v) > PINSVC_NAME_MAX))
				fail(req, 400, "BAD_REQUEST", "name: at most %d characters", PINSVC_NAME_MAX);
		} else if (strcmp(key, "match") == 0) {
			static const char *m[] = {"exact", "iexact", "partial", "ipartial"};
			bad = 1;
			for (int i = 0; i < 4; i++)
				if (strcmp(v, m[i]) == 0) {
					l.match = (enum match)i;
					bad = 0;
				}
			if (bad)
				fail(req, 400, "BAD_REQUEST", "match: one of exact, iexact, partial, ipartial");
		} else if (strcmp(key, "status") == 0) {
			if ((bad = each_item(v, add_status, &l) != 0))
				fail(req, 400, "BAD_REQUEST", "status: queued, pinning, pinned or failed "
				     "('%.80s')", v);
		} else if (strcmp(key, "before") == 0 || strcmp(key, "after") == 0) {
			int64_t t;
			if ((bad = parse_time(v, &t) != 0))
				fail(req, 400, "BAD_REQUEST", "%s: not an RFC 3339 date-time ('%.80s')", key, v);
			else if (key[0] == 'b')
				l.before_us = t;
			else
				l.after_us = t;
		} else if (strcmp(key, "limit") == 0) {
			char *end;
			long lim = strtol(v, &end, 10);
			if ((bad = !*v || *end || lim < 1 || lim > PINSVC_LIMIT_MAX))
				fail(req, 400, "BAD_REQUEST", "limit: an integer from 1 to %d", PINSVC_LIMIT_MAX);
			else
				l.limit = (size_t)lim;
		} else if (strcmp(key, "meta") == 0 || strncmp(key, "meta[", 5) == 0) {
			/* ?meta={"k":"v"} as the spec; ?meta[k]=v as its generated clients send */
			if (!l.meta)
				l.meta = json_object();
			if (key[4] == '[') {
				size_t kl = strlen(key);
				if ((bad = key[kl - 1] != ']' || kl < 7))
					fail(req, 400, "BAD_REQUEST", "meta: '%.80s' is not meta[KEY]", key);
				else {
					key[kl - 1] = '\0';
					json_object_set_new(l.meta, key + 5, json_string(v));
				}
			} else {
				json_t *m = json_loads(v, 0, NULL);
				const char *k;
				json_t *mv;
				bad = !json_is_object(m);
				json_object_foreach(m, k, mv) {
					if (!json_is_string(mv))
						bad = 1;
				}
				if (!bad)
					json_object_update(l.meta, m);
				json_decref(m);
				if (bad)
					fail(req, 400, "BAD_REQUEST", "meta: a JSON object of strings");
			}
		}
		/* Other parameters are ignored, as the spec's additions may add some. */
		free(key);
		if (bad)
			goto done;
	}
	/* The spec: with no status filter, only successful pins are listed. */
	if (!l.statuses)
		l.statuses = 1u << PINREQ_PINNED;
	l.results = json_array();
	uint64_t start = l.before_us == INT64_MAX ? UINT64_MAX
	                 : l.before_us <= 0 ? 0 : (uint64_t)((l.before_us + 999) / 1000);
	if (!l.results || (start > 0 && pinreq_foreach(&n->repo, start, list_one, &l, err) < 0)) {
		fail(req, 500, "INTERNAL_SERVER_ERROR", "%s", l.results ? err : "out of memory");
		goto done;
	}
	if (l.oom) {
		fail(req, 500, "INTERNAL_SERVER_ERROR", "out of memory");
		goto done;
	}
	reply(req, 200, json_pack("{s:I, s:O}", "count", (json_int_t)l.count, "results", l.results));
done:
	json_decref(l.results);
	json_decref(l.meta);
	evhttp_clear_headers(&q);
}

/* GET, POST and DELETE on /pins/{id}. */
static void pin_one(struct http_req *req, node *n, const token *who, const char *idtext)
{
	enum http_method cmd = http_req_method(req);
	uint8_t id[PINREQ_ID_LEN];
	char err[CAIRN_ERR_MAX];
	pinreq r;

	if (cmd != HTTP_METHOD_GET && cmd != HTTP_METHOD_POST && cmd != HTTP_METHOD_DELETE) {
		evhttp_add_header(http_req_out(req), "Allow", "GET, POST, DELETE");
		fail(req, 405, "METHOD_NOT_ALLOWED", "use GET, POST or DELETE on /pins/{requestid}");
		return;
	}
	/* An id that is not one of ours is simply not found. */
	int rc = pinreq_id_parse(idtext, id) == 0 ? pinreq_get(&n->repo, id, &r, err) : 1;
	if (rc < 0) {
		fail_index(req, n, err);
		return;
	}
	if (rc == 0) {
		const char *owner = json_string_value(json_object_get(r.doc, "owner"));
		if (!owner || strcmp(owner, who->name) != 0) {
			json_decref(r.doc);
			rc = 1; /* someone else's: not found, not forbidden, so ids leak nothing */
		}
	}
	if (rc > 0) {
		fail(req, 404, "NOT_FOUND", "no pin request with that requestid");
		return;
	}
	if (cmd == HTTP_METHOD_GET) {
		reply(req, 200, status_json(n, &r));
		json_decref(r.doc);
		return;
	}
	json_decref(r.doc);
	if (cmd == HTTP_METHOD_POST) {
		pin_create(req, n, who, id);
		return;
	}
	rc = pinreq_del(&n->repo, id, err);
	if (rc < 0)
		fail_index(req, n, err);
	else if (rc > 0)
		fail(req, 404, "NOT_FOUND", "no pin request with that requestid");
	else
		http_reply(req, 202, "Accepted", NULL);
}

int pinsvc_handle(struct http_req *req, node *n)
{
	const char *path = http_req_path(req);
	token who;

	if (!path || strncmp(path, "/pins", 5) != 0 || (path[5] != '\0' && path[5] != '/'))
		return 0;
	if (authorize(req, n, &who) != 0)
		return 1;
	if (path[5] == '\0' || path[6] == '\0') {
		enum http_method cmd = http_req_method(req);
		if (cmd == HTTP_METHOD_GET)
			pin_list(req, n, &who);
		else if (cmd == HTTP_METHOD_POST)
			pin_create(req, n, &who, NULL);
		else {
			evhttp_add_header(http_req_out(req), "Allow", "GET, POST");
			fail(req, 405, "METHOD_NOT_ALLOWED", "use GET or POST on /pins");
		}
		return 1;
	}
	if (strchr(path + 6, '/')) {
		fail(req, 404, "NOT_FOUND", "no such resource: %.200s", path);
		return 1;
	}
	pin_one(req, n, &who, path + 6);
	return 1;
}

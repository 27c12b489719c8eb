#include "replicator.h"
#include "log.h"

#include "client.h"
#include "http_util.h"
#include "pinstore.h"

#include <event2/buffer.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct call;

typedef struct target {
	char url[HTTP_URL_MAX];  /* as given: its queue's id, and its name in logs */
	char base[HTTP_URL_MAX]; /* without a trailing '/': /pins goes after it */
	char auth[320];      /* "Authorization: Bearer TOKEN", or "" */
	uint8_t id[8];
	unsigned inflight;
	struct call *calls[REPLICATE_INFLIGHT]; /* in flight, so no entry is sent twice */
	uint64_t waiting;    /* entries seen at the last scan */
	uint64_t pinned, failures;
} target;

struct replicator {
	struct event_base *base;
	repo *r;
	struct http_client *http;
	char delegate[256]; /* the gateway as a multiaddr: the pins' origin */
	target t[REPLICATE_TARGETS_MAX];
	size_t count;
	struct event *tick;
};

/* One request in flight: for which entry, and what it was. */
struct call {
	replicator *rep;
	target *t;
	uint8_t key[8 + CAIRN_CID_MAX_BYTES];
	size_t klen;
	int poll; /* GET of a request's status, else POST of the Pin */
};

void replicator_target_id(const char *url, uint8_t id[8])
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (const unsigned char *p = (const unsigned char *)url; *p; p++)
		h = (h ^ *p) * 0x100000001b3ull;
	repo_put_be64(h, id);
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The entry of key, or NULL (gone, or unreadable). New reference. */
static json_t *entry_get(repo *r, const uint8_t *key, size_t klen)
{
	MDB_txn *txn;
	MDB_val k = {klen, (void *)key}, v;
	json_t *j = NULL;
	if (mdb_txn_begin(r->env, NULL, MDB_RDONLY, &txn) != 0)
		return NULL;
	if (mdb_get(txn, r->replicas, &k, &v) == 0)
		j = json_loadb(v.mv_data, v.mv_size, 0, NULL);
	mdb_txn_abort(txn);
	return j;
}

/* Store the entry (NULL: delete it, the target has the pin). */
static void entry_put(repo *r, const uint8_t *key, size_t klen, json_t *j)
{
	char err[CAIRN_ERR_MAX];
	MDB_val k = {klen, (void *)key};
	if (!j) {
		if (repo_index_del(r, r->replicas, &k, err) < 0)
			log_warn("replication: %s", err);
		return;
	}
	char *text = json_dumps(j, JSON_COMPACT);
	if (!text)
		return;
	MDB_val v = {strlen(text), text};
	if (repo_index_put(r, r->replicas, &k, &v, 0, err) < 0)
		log_warn("replication: %s", err);
	free(text);
}

/* Try again later: backoff doubling from 1 s to REPLICATE_BACKOFF_MAX_S. */
static void entry_retry(struct call *c, json_t *j, const char *state, const char *detail)
{
	json_int_t tries = json_integer_value(json_object_get(j, "tries")) + 1;
	uint64_t secs = 1;
	for (json_int_t i = 1; i < tries && secs < REPLICATE_BACKOFF_MAX_S; i++)
		secs *= 2;
	if (secs > REPLICATE_BACKOFF_MAX_S)
		secs = REPLICATE_BACKOFF_MAX_S;
	json_object_set_new(j, "state", json_string(state));
	json_object_set_new(j, "tries", json_integer(tries));
	json_object_set_new(j, "next", json_integer((json_int_t)(now_ms() + secs * 1000)));
	json_object_set_new(j, "detail", json_string(detail));
	if (strcmp(state, "queued") == 0)
		json_object_del(j, "requestid");
	c->t->failures++;
	if (tries == 1 || tries % 10 == 0)
		log_warn("replication to %s: %s; retrying in %" PRIu64 " s",
		         c->t->url, detail, secs);
}

static void on_reply(void *arg, const http_result *res)
{
	struct call *c = arg;
	repo *r = c->rep->r;
	int code = res->error == HTTP_CALL_OK ? (int)res->status : 0;
	char detail[600];
	json_t *body = NULL, *j = entry_get(r, c->key, c->klen);
	c->t->inflight--;
	for (size_t i = 0; i < REPLICATE_INFLIGHT; i++)
		if (c->t->calls[i] == c)
			c->t->calls[i] = NULL;
	if (!j)
		goto done; /* gone meanwhile */
	if (code > 0)
		body = json_loadb((const char *)evbuffer_pullup(res->body, -1), evbuffer_get_length(res->body),
		                  0, NULL);
	const char *status = json_string_value(json_object_get(body, "status"));
	if ((code == 200 || code == 202) && status) {
		if (strcmp(status, "pinned") == 0) {
			c->t->pinned++;
			entry_put(r, c->key, c->klen, NULL);
			goto done;
		}
		if (strcmp(status, "failed") == 0) {
			const char *why = json_string_value(json_object_get(json_object_get(body, "info"),
			                                                    "status_details"));
			snprintf(detail, sizeof detail, "the target failed to pin it: %.500s", why ? why : "");
			entry_retry(c, j, "queued", detail);
		} else {
			const char *id = json_string_value(json_object_get(body, "requestid"));
			if (!c->poll && id)
				json_object_set_new(j, "requestid", json_string(id));
			json_object_set_new(j, "state", json_string("requested"));
			json_object_set_new(j, "next", json_integer((json_int_t)(now_ms() + REPLICATE_POLL_MS)));
		}
	} else if (code == 404 && c->poll) {
		entry_retry(c, j, "queued", "the target forgot the request");
	} else {
		const char *reason = json_string_value(json_object_get(json_object_get(body, "error"), "reason"));
		if (code == 0)
			snprintf(detail, sizeof detail, "unreachable (%.500s)", res->why ? res->why : "?");
		else
			snprintf(detail, sizeof detail, "answered %d%s%s", code, reason ? " " : "",
			         reason ? reason : "");
		entry_retry(c, j, c->poll ? "requested" : "queued", detail);
	}
	entry_put(r, c->key, c->klen, j);
done:
	json_decref(body);
	json_decref(j);
	free(c);
}

/* Send the entry's next request. */
static void act(replicator *rep, target *t, const uint8_t *key, size_t klen, json_t *j)
{
	cairn_cid cid;
	char text[CAIRN_CID_TEXT_MAX], url[HTTP_URL_MAX + 600], err[CAIRN_ERR_MAX];
	const char *state = json_string_value(json_object_get(j, "state"));
	const char *rid = json_string_value(json_object_get(j, "requestid"));
	const char *headers[3] = {NULL};
	char *b = NULL;
	size_t nh = 0;
	int poll = state && strcmp(state, "requested") == 0 && rid;
	if (cairn_cid_decode(key + 8, klen - 8, &cid, NULL) != 0)
		return;
	cairn_cid_to_string(&cid, text, sizeof text, NULL);
	struct call *c = calloc(1, sizeof *c);
	if (!c)
		return;
	*c = (struct call){.rep = rep, .t = t, .klen = klen, .poll = poll};
	memcpy(c->key, key, klen);
	if (t->auth[0])
		headers[nh++] = t->auth;
	if (poll) {
		snprintf(url, sizeof url, "%s/pins/%s", t->base, rid);
	} else {
		pin p;
		json_t *pinj = json_pack("{s:s, s:[s]}", "cid", text, "origins", rep->delegate);
		if (pinj && pinstore_get(rep->r, &cid, &p, err) == 0 && p.name[0])
			json_object_set_new(pinj, "name", json_string(p.name));
		b = pinj ? json_dumps(pinj, JSON_COMPACT) : NULL;
		json_decref(pinj);
		headers[nh++] = "Content-Type: application/json";
		snprintf(url, sizeof url, "%s/pins", t->base);
	}
	http_call_opts o = {.method = poll ? "GET" : "POST", .url = url, .headers = headers,
	                    .body = b, .body_len = b ? strlen(b) : 0,
	                    .timeout_ms = REPLICATE_TIMEOUT_SECS * 1000, .on_done = on_reply, .arg = c};
	if ((!poll && !b) || !http_call_start(rep->http, &o, err)) {
		free(b);
		free(c);
		return;
	}
	free(b); /* (copied) */
	t->inflight++;
	for (size_t i = 0; i < REPLICATE_INFLIGHT; i++)
		if (!t->calls[i]) {
			t->calls[i] = c;
			break;
		}
}

static int busy(const target *t, const void *key, size_t klen)
{
	for (size_t i = 0; i < REPLICATE_INFLIGHT; i++)
		if (t->calls[i] && t->calls[i]->klen == klen && memcmp(t->calls[i]->key, key, klen) == 0)
			return 1;
	return 0;
}

/* Walk the queue: count what waits per target, start what is due. */
static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	replicator *rep = arg;
	repo *r = rep->r;
	MDB_txn *txn;
	MDB_cursor *cur;
	MDB_val k, v;
	uint64_t now = now_ms();
	(void)fd;
	(void)what;
	for (size_t i = 0; i < rep->count; i++)
		rep->t[i].waiting = 0;
	if (mdb_txn_begin(r->env, NULL, MDB_RDONLY, &txn) == 0) {
		if (mdb_cursor_open(txn, r->replicas, &cur) == 0) {
			for (int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
			     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
				target *t = NULL;
				for (size_t i = 0; i < rep->count && !t; i++)
					if (k.mv_size > 8 && memcmp(k.mv_data, rep->t[i].id, 8) == 0)
						t = &rep->t[i];
				if (!t || k.mv_size > 8 + CAIRN_CID_MAX_BYTES)
					continue;
				t->waiting++;
				if (t->inflight >= REPLICATE_INFLIGHT || busy(t, k.mv_data, k.mv_size))
					continue;
				json_t *j = json_loadb(v.mv_data, v.mv_size, 0, NULL);
				json_t *next = json_object_get(j, "next");
				if (j && (!next || (uint64_t)json_integer_value(next) <= now))
					act(rep, t, k.mv_data, k.mv_size, j);
				json_decref(j);
			}
			mdb_cursor_close(cur);
		}
		mdb_txn_abort(txn);
	}
	struct timeval tv = {0, REPLICATE_TICK_MS * 1000};
	evtimer_add(rep->tick, &tv);
}

replicator *replicator_new(struct event_base *base, repo *r, const char *delegate,
                           const char *const *specs, size_t count, const char *ca_file, char *err)
{
	if (count > REPLICATE_TARGETS_MAX || count > REPO_REPLICATE_MAX) {
		snprintf(err, CAIRN_ERR_MAX, "at most %d replication targets", REPLICATE_TARGETS_MAX);
		return NULL;
	}
	replicator *rep = calloc(1, sizeof *rep);
	if (!rep) {
		snprintf(err, CAIRN_ERR_MAX, "out of memory");
		return NULL;
	}
	rep->base = base;
	rep->r = r;
	snprintf(rep->delegate, sizeof rep->delegate, "%s", delegate);
	for (size_t i = 0; i < count; i++) {
		target *t = &rep->t[i];
		const char *comma = strchr(specs[i], ',');
		size_t ul = comma ? (size_t)(comma - specs[i]) : strlen(specs[i]);
		if (comma && strlen(comma + 1) > 256) {
			snprintf(err, CAIRN_ERR_MAX, "replication target '%.100s': the token is too long", specs[i]);
			goto fail;
		}
		if (ul >= sizeof t->url) {
			snprintf(err, CAIRN_ERR_MAX, "replication target '%.100s' is too long", specs[i]);
			goto fail;
		}
		memcpy(t->url, specs[i], ul);
		t->url[ul] = '\0';
		size_t bl = ul;
		while (bl > 0 && t->url[bl - 1] == '/')
			bl--;
		memcpy(t->base, t->url, bl);
		t->base[bl] = '\0';
		if (!http_url_ok(t->url) || strpbrk(t->url, "?#")) {
			char shown[256];
			http_url_redact(t->url, shown, sizeof shown);
			snprintf(err, CAIRN_ERR_MAX, "replication target '%s' is not http(s)://HOST[:PORT][/PREFIX]",
			         shown);
			goto fail;
		}
		if (comma && comma[1])
			snprintf(t->auth, sizeof t->auth, "Authorization: Bearer %s", comma + 1);
		replicator_target_id(t->url, t->id);
	}
	rep->count = count;
	http_client_opts ho = {.ca_file = ca_file};
	if (!(rep->http = http_client_new(base, &ho, err)))
		goto fail;
	if (!(rep->tick = evtimer_new(base, on_tick, rep))) {
		snprintf(err, CAIRN_ERR_MAX, "out of memory");
		goto fail;
	}
	/* from here on, new recursive pins are queued for each target */
	for (size_t i = 0; i < count; i++)
		if (pinstore_outbox_add_target(r, rep->t[i].id, err) != 0) {
			pinstore_outbox_clear_targets(r);
			event_free(rep->tick);
			goto fail;
		}
	struct timeval tv = {0, 0};
	evtimer_add(rep->tick, &tv);
	return rep;
fail:
	http_client_free(rep->http);
	free(rep);
	return NULL;
}

void replicator_free(replicator *rep)
{
	if (!rep)
		return;
	pinstore_outbox_clear_targets(rep->r);
	if (rep->tick)
		event_free(rep->tick);
	http_client_free(rep->http); /* the calls in flight are dropped: retried next run */
	for (size_t i = 0; i < rep->count; i++)
		for (size_t k = 0; k < REPLICATE_INFLIGHT; k++)
			free(rep->t[i].calls[k]);
	free(rep);
}

void replicator_metrics(replicator *rep, struct evbuffer *out)
{
	evbuffer_add_printf(out, "# HELP cairn_replication_waiting Pins not yet pinned by each target.\n"
	                         "# TYPE cairn_replication_waiting gauge\n");
	for (size_t i = 0; i < rep->count; i++)
		evbuffer_add_printf(out, "cairn_replication_waiting{target=\"%s\"} %" PRIu64 "\n", rep->t[i].url,
		                    rep->t[i].waiting);
	evbuffer_add_printf(out, "# HELP cairn_replication_pinned_total Pins each target confirmed.\n"
	                         "# TYPE cairn_replication_pinned_total counter\n");
	for (size_t i = 0; i < rep->count; i++)
		evbuffer_add_printf(out, "cairn_replication_pinned_total{target=\"%s\"} %" PRIu64 "\n",
		                    rep->t[i].url, rep->t[i].pinned);
	evbuffer_add_printf(out, "# HELP cairn_replication_failures_total Failed attempts, retried.\n"
	                         "# TYPE cairn_replication_failures_total counter\n");
	for (size_t i = 0; i < rep->count; i++)
		evbuffer_add_printf(out, "cairn_replication_failures_total{target=\"%s\"} %" PRIu64 "\n",
		                    rep->t[i].url, rep->t[i].failures);
}

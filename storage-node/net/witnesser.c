#include "witnesser.h"
#include "anchorlog.h"
#include "checkpoint.h"
#include "client.h"
#include "log.h"
#include "note.h"
#include "pgindex.h"

#include "cairn/multibase.h"

#include <event2/buffer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct wpeer {
	struct witnesser *w;
	char url[600];      /* URL/add-checkpoint */
	char shown[256];    /* the URL as logs may show it */
	note_vkey key;
	uint64_t known;     /* the size it last cosigned, as far as this node knows */
	uint64_t sent_size; /* the checkpoint in flight */
	int in_flight, failing;
	time_t retry_at;
	unsigned backoff;
	uint64_t cosigned, conflicts, failed; /* for /metrics */
};

struct witnesser {
	repo *r;
	struct event_base *base;
	struct http_client *http;
	struct event *timer;
	struct wpeer peers[WITNESSER_MAX];
	size_t n;
	unsigned quorum;
	unsigned newest_count; /* cosignatures on the newest checkpoint, for /metrics */
	uint64_t newest_size;
	checkpoint *cp;        /* the newest, as last read */
	/* With a cluster's index, one node asks for all: the holder of this
	 * lease (NULL: always this node). The cosignatures it gets go into the
	 * shared checkpoint rows, where every node's anchorer counts them. */
	pgindex_lease *lease;
	int leading;
	time_t lease_at; /* when the lease was last looked at */
};

static void arm(witnesser *w, unsigned ms)
{
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
	evtimer_add(w->timer, &tv);
}

unsigned witnesser_quorum(const witnesser *w)
{
	return w->quorum;
}

unsigned witnesser_count(const witnesser *w, const char *note, size_t len)
{
	unsigned c = 0;
	for (size_t i = 0; i < w->n; i++)
		c += note_cosig_find(note, len, &w->peers[i].key, NULL, NULL, NULL) == 0;
	return c;
}

/* A failed request: try again later, said once a spell. */
static void failed(struct wpeer *p, const char *why)
{
	p->failed++;
	p->backoff = p->backoff ? p->backoff * 2 : 1;
	if (p->backoff > WITNESSER_BACKOFF_MAX_SECS)
		p->backoff = WITNESSER_BACKOFF_MAX_SECS;
	p->retry_at = time(NULL) + p->backoff;
	if (!p->failing)
		log_warn("witness %s (%s): %s; asking again every %u s at most", p->key.name, p->shown, why,
		         WITNESSER_BACKOFF_MAX_SECS);
	p->failing = 1;
}

/* The cosignature line by p's key in body (a 200's), checked against the
 * stored checkpoint, added to it. */
static void take_cosignature(struct wpeer *p, const char *body, size_t len)
{
	witnesser *w = p->w;
	char err[CAIRN_ERR_MAX], *both = NULL;
	checkpoint *cp = malloc(sizeof *cp);
	size_t at, ll;
	if (!cp || checkpoint_get(w->r, p->sent_size, cp, err) != 0) {
		failed(p, cp ? "its checkpoint cannot be read back" : "out of memory");
		goto done;
	}
	size_t nl = strlen(cp->note);
	if (!(both = malloc(nl + len + 1))) {
		failed(p, "out of memory");
		goto done;
	}
	memcpy(both, cp->note, nl);
	memcpy(both + nl, body, len);
	both[nl + len] = '\0';
	if (len == 0 || body[len - 1] != '\n' ||
	    note_cosig_find(both, nl + len, &p->key, NULL, &at, &ll) != 0 || at < nl) {
		failed(p, "its answer holds no valid cosignature by its key");
		goto done;
	}
	int rc = checkpoint_cosign(w->r, p->sent_size, both + at, ll, err);
	if (rc < 0) {
		failed(p, err);
		goto done;
	}
	if (rc > 0)
		log_warn("witness %s: no room for its cosignature on checkpoint %llu", p->key.name,
		         (unsigned long long)p->sent_size);
	if (p->failing)
		log_info("witness %s (%s) cosigns again", p->key.name, p->shown);
	p->known = p->sent_size;
	p->cosigned++;
	p->failing = 0;
	p->backoff = 0;
	p->retry_at = 0;
done:
	free(both);
	free(cp);
}

static void on_done(void *arg, const http_result *res)
{
	struct wpeer *p = arg;
	size_t len = res->body ? evbuffer_get_length(res->body) : 0;
	const char *body = len ? (const char *)evbuffer_pullup(res->body, -1) : "";
	char why[400];
	p->in_flight = 0;
	if (res->error != HTTP_CALL_OK) {
		snprintf(why, sizeof why, "unreachable: %s", res->why ? res->why : "the call failed");
		failed(p, why);
	} else if (res->status == 200) {
		take_cosignature(p, body, len);
	} else if (res->status == 409) {
		/* its size for this log: the next request starts there */
		char *end;
		unsigned long long have = strtoull(body, &end, 10);
		if (end == body || *end != '\n' || have == p->known) {
			failed(p, "409 without a size this node can use");
		} else {
			p->conflicts++;
			p->known = have;
			p->retry_at = 0;
		}
	} else {
		snprintf(why, sizeof why, "HTTP %ld: %.*s", res->status, (int)(len > 200 ? 200 : len), body);
		for (char *c = why; *c; c++)
			if (*c == '\n')
				*c = ' ';
		failed(p, why);
	}
	arm(p->w, 0);
}

/* Ask p to cosign w->cp. */
static void ask(witnesser *w, struct wpeer *p)
{
	char err[CAIRN_ERR_MAX];
	const checkpoint *cp = w->cp;
	uint64_t old = p->known;
	if (old > cp->size) {
		/* it has seen a larger tree of this log (another node of the
		 * cluster's checkpoint): a newer checkpoint is needed */
		return;
	}
	struct evbuffer *b = evbuffer_new();
	if (!b)
		return;
	evbuffer_add_printf(b, "old %llu\n", (unsigned long long)old);
	if (old > 0 && old < cp->size) {
		uint8_t path[CAIRN_MERKLE_MAX_PATH][32];
		size_t np;
		if (anchorlog_consistency(w->r, old, cp->size, path, &np, err) != 0) {
			evbuffer_free(b);
			failed(p, err);
			return;
		}
		for (size_t i = 0; i < np; i++) {
			char h[48];
			cairn_base_encode(CAIRN_BASE64PAD, path[i], 32, h, sizeof h, NULL);
			evbuffer_add_printf(b, "%s\n", h);
		}
	}
	evbuffer_add_printf(b, "\n%s", cp->note);
	static const char *const headers[] = {"Content-Type: text/plain; charset=utf-8", NULL};
	size_t len = evbuffer_get_length(b);
	http_call_opts o = {.method = "POST", .url = p->url, .headers = headers,
	                    .body = evbuffer_pullup(b, -1), .body_len = len,
	                    .timeout_ms = WITNESSER_TIMEOUT_SECS * 1000, .on_done = on_done, .arg = p};
	p->sent_size = cp->size;
	if (http_call_start(w->http, &o, err))
		p->in_flight = 1;
	else
		failed(p, err);
	evbuffer_free(b);
}

/* 1 if this node asks the witnesses: always on its own; in a cluster,
 * while it holds the lease (looked at once a second, a round trip). */
static int lead(witnesser *w, time_t now)
{
	char err[CAIRN_ERR_MAX];
	if (!w->lease)
		return 1;
	if (now == w->lease_at)
		return w->leading;
	w->lease_at = now;
	int held = pgindex_lease_hold(w->lease, err);
	if (held == 1 && !w->leading) {
		/* what the other node learnt is not known here: each witness's
		 * 409 tells again */
		log_info("witnesses: this node asks them for the cluster now");
		for (size_t i = 0; i < w->n; i++)
			w->peers[i].known = 0;
	} else if (held != 1 && w->leading) {
		log_warn("witnesses: no longer the node that asks them (%s)",
		         held < 0 ? err : "another node holds the lease");
	}
	w->leading = held == 1;
	return w->leading;
}

static void tick(evutil_socket_t fd, short what, void *arg)
{
	witnesser *w = arg;
	char err[CAIRN_ERR_MAX];
	time_t now = time(NULL);
	(void)fd;
	(void)what;
	int rc = checkpoint_latest(w->r, w->cp, err);
	if (rc < 0)
		log_warn("witnesses: reading the newest checkpoint: %s", err);
	if (rc != 0) {
		arm(w, 1000);
		return;
	}
	int asking = lead(w, now);
	size_t nl = strlen(w->cp->note);
	w->newest_size = w->cp->size;
	w->newest_count = 0;
	for (size_t i = 0; i < w->n; i++) {
		struct wpeer *p = &w->peers[i];
		if (note_cosig_find(w->cp->note, nl, &p->key, NULL, NULL, NULL) == 0) {
			w->newest_count++;
			if (p->known < w->cp->size)
				p->known = w->cp->size;
			continue;
		}
		if (asking && !p->in_flight && now >= p->retry_at)
			ask(w, p);
	}
	arm(w, asking ? WITNESSER_TICK_MS : 1000);
}

witnesser *witnesser_new(struct event_base *base, repo *r, const char *const *specs, size_t n,
                         unsigned quorum, const char *ca_file, char *err)
{
	if (n == 0 || n > WITNESSER_MAX) {
		snprintf(err, CAIRN_ERR_MAX, "--witness: 1 to %d of them", WITNESSER_MAX);
		return NULL;
	}
	if (quorum < 1 || quorum > n) {
		snprintf(err, CAIRN_ERR_MAX, "--witness-quorum %u: between 1 and the %zu witnesses", quorum, n);
		return NULL;
	}
	witnesser *w = calloc(1, sizeof *w);
	if (!w || !(w->cp = malloc(sizeof *w->cp))) {
		free(w);
		snprintf(err, CAIRN_ERR_MAX, "out of memory");
		return NULL;
	}
	w->r = r;
	w->base = base;
	w->quorum = quorum;
	for (size_t i = 0; i < n; i++) {
		struct wpeer *p = &w->peers[w->n];
		const char *comma = strchr(specs[i], ',');
		char kerr[CAIRN_ERR_MAX];
		size_t ul = comma ? (size_t)(comma - specs[i]) : 0;
		while (ul > 0 && specs[i][ul - 1] == '/')
			ul--;
		if (!comma || ul == 0 || ul > 500 ||
		    (strncmp(specs[i], "http://", 7) != 0 && strncmp(specs[i], "https://", 8) != 0)) {
			snprintf(err, CAIRN_ERR_MAX, "--witness '%s': URL,VKEY (the witness's http:// or https:// "
			         "submission prefix, and its verifier key)", specs[i]);
			goto fail;
		}
		if (note_vkey_parse_as(comma + 1, NOTE_KEY_COSIGNATURE, &p->key, kerr) != 0) {
			snprintf(err, CAIRN_ERR_MAX, "--witness '%s': %s", specs[i], kerr);
			goto fail;
		}
		for (size_t j = 0; j < w->n; j++)
			if (!memcmp(w->peers[j].key.id, p->key.id, 4) && !strcmp(w->peers[j].key.name, p->key.name)) {
				snprintf(err, CAIRN_ERR_MAX, "--witness: %s is given twice", p->key.name);
				goto fail;
			}
		snprintf(p->url, sizeof p->url, "%.*s/add-checkpoint", (int)ul, specs[i]);
		http_url_redact(p->url, p->shown, sizeof p->shown);
		p->w = w;
		w->n++;
	}
	if (r->pg && !(w->lease = pgindex_lease_new(r->pg, PGINDEX_LOCK_WITNESSER))) {
		snprintf(err, CAIRN_ERR_MAX, "out of memory");
		goto fail;
	}
	http_client_opts ho = {.ca_file = ca_file, .timeout_ms = WITNESSER_TIMEOUT_SECS * 1000};
	if (!(w->http = http_client_new(base, &ho, err)) || !(w->timer = evtimer_new(base, tick, w)))
		goto fail;
	arm(w, 0);
	return w;
fail:
	witnesser_free(w);
	return NULL;
}

void witnesser_free(witnesser *w)
{
	if (!w)
		return;
	http_client_free(w->http);
	pgindex_lease_free(w->lease);
	if (w->timer)
		event_free(w->timer);
	free(w->cp);
	free(w);
}

void witnesser_metrics(const witnesser *w, struct evbuffer *b)
{
	evbuffer_add_printf(b, "# HELP cairn_witness_requests_total Requests to each witness, by result.\n"
	                       "# TYPE cairn_witness_requests_total counter\n");
	for (size_t i = 0; i < w->n; i++) {
		const struct wpeer *p = &w->peers[i];
		evbuffer_add_printf(b,
		                    "cairn_witness_requests_total{witness=\"%s\",result=\"cosigned\"} %llu\n"
		                    "cairn_witness_requests_total{witness=\"%s\",result=\"conflict\"} %llu\n"
		                    "cairn_witness_requests_total{witness=\"%s\",result=\"failed\"} %llu\n",
		                    p->key.name, (unsigned long long)p->cosigned, p->key.name,
		                    (unsigned long long)p->conflicts, p->key.name, (unsigned long long)p->failed);
	}
	evbuffer_add_printf(b,
	                    "# HELP cairn_witness_cosignatures Witnesses' cosignatures on the newest checkpoint.\n"
	                    "# TYPE cairn_witness_cosignatures gauge\ncairn_witness_cosignatures %u\n"
	                    "# HELP cairn_witness_quorum Cosignatures a checkpoint needs before it is anchored.\n"
	                    "# TYPE cairn_witness_quorum gauge\ncairn_witness_quorum %u\n"
	                    "# HELP cairn_witness_leader Whether this node asks the witnesses (1 on a "
	                    "single node; in a cluster, the holder of the lease).\n"
	                    "# TYPE cairn_witness_leader gauge\ncairn_witness_leader %d\n",
	                    w->newest_count, w->quorum, w->lease ? w->leading : 1);
}

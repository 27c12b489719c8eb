#include "tlog.h"

#include "anchorlog.h"
#include "checkpoint.h"
#include "tile.h"
#include "witness.h"
#include "http_util.h"

#include <event2/buffer.h>
#include <pthread.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/queue.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

struct tlog_slot {
	int level;
	uint64_t n;
	size_t len;      /* 0: empty */
	uint8_t *bytes;
	uint64_t used;   /* the cache's clock when last used */
};

struct tlog_cache {
	pthread_mutex_t mu; /* loops share it; held for a lookup or a copy */
	uint64_t clock;
	struct tlog_slot s[TLOG_CACHE_SLOTS];
};

struct tlog_cache *tlog_cache_new(void)
{
	struct tlog_cache *c = calloc(1, sizeof *c);
	if (c)
		pthread_mutex_init(&c->mu, NULL);
	return c;
}

void tlog_cache_free(struct tlog_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < TLOG_CACHE_SLOTS; i++)
		free(c->s[i].bytes);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

/* Two ways per set: a tile's set is a hash of (level, index). */
static struct tlog_slot *set_of(struct tlog_cache *c, const tile *t)
{
	uint64_t h = (t->n * 0x9e3779b97f4a7c15ull) ^ (uint64_t)(t->level + 1) * 0xc2b2ae3d27d4eb4full;
	return &c->s[2 * ((h >> 32) % (TLOG_CACHE_SLOTS / 2))];
}

/* A full tile from the cache into b: 1, or 0 (not there). */
static int cache_get(struct tlog_cache *c, const tile *t, struct evbuffer *b)
{
	int hit = 0;
	if (!c || t->width != TILE_WIDTH)
		return 0;
	pthread_mutex_lock(&c->mu);
	struct tlog_slot *set = set_of(c, t);
	for (int w = 0; w < 2 && !hit; w++)
		if (set[w].len && set[w].level == t->level && set[w].n == t->n) {
			hit = evbuffer_add(b, set[w].bytes, set[w].len) == 0;
			set[w].used = ++c->clock;
		}
	pthread_mutex_unlock(&c->mu);
	return hit;
}

/* Keep a full tile's bytes (those of b), in place of its set's least
 * recently used. */
static void cache_put(struct tlog_cache *c, const tile *t, struct evbuffer *b)
{
	size_t len = evbuffer_get_length(b);
	uint8_t *copy = c && t->width == TILE_WIDTH && len ? malloc(len) : NULL;
	if (!copy)
		return;
	evbuffer_copyout(b, copy, len);
	pthread_mutex_lock(&c->mu);
	struct tlog_slot *set = set_of(c, t), *s = set[0].used <= set[1].used ? &set[0] : &set[1];
	uint8_t *old = s->bytes;
	*s = (struct tlog_slot){t->level, t->n, len, copy, ++c->clock};
	pthread_mutex_unlock(&c->mu);
	free(old);
}

static void cache_for(struct http_req *req, int seconds)
{
	char cc[80];
	if (seconds >= TLOG_TTL_FULL)
		snprintf(cc, sizeof cc, "public, max-age=%d, immutable", seconds);
	else
		snprintf(cc, sizeof cc, "public, max-age=%d", seconds);
	evhttp_add_header(http_req_out(req), "Cache-Control", cc);
}

/* The newest checkpoint into cp: 0, or -1 with req answered. */
static int newest(struct http_req *req, node *n, checkpoint *cp)
{
	char err[CAIRN_ERR_MAX];
	int rc = checkpoint_latest(&n->repo, cp, err);
	if (rc < 0)
		http_reply_text(req, node_store_status(req, n), "%s", err);
	else if (rc == 1)
		http_reply_text(req, 404, "the log has no checkpoint yet (anchor/flush makes one)");
	return rc == 0 ? 0 : -1;
}

static void serve_checkpoint(struct http_req *req, node *n)
{
	checkpoint cp;
	if (newest(req, n, &cp) != 0)
		return;
	struct evbuffer *b = evbuffer_new();
	if (!b) {
		http_reply_text(req, 500, "out of memory");
		return;
	}
	evbuffer_add(b, cp.note, strlen(cp.note));
	evhttp_add_header(http_req_out(req), "Content-Type", "text/plain; charset=utf-8");
	cache_for(req, TLOG_TTL_CHECKPOINT);
	http_reply(req, 200, "OK", b);
	evbuffer_free(b);
}

/* An entry: uint16 length (big-endian) ‖ the CID's bytes. */
static int add_entry(void *ctx, const uint8_t *cid, size_t len)
{
	struct evbuffer *b = ctx;
	uint8_t be[2] = {(uint8_t)(len >> 8), (uint8_t)len};
	return len > 0xffff || evbuffer_add(b, be, 2) != 0 || evbuffer_add(b, cid, len) != 0 ? -1 : 0;
}

static void serve_tile(struct http_req *req, node *n, const char *tpath)
{
	char err[CAIRN_ERR_MAX];
	struct evbuffer *b = NULL;
	checkpoint cp;
	tile t;
	int rc;
	if (tile_parse(tpath, strlen(tpath), &t, err) != 0) {
		http_reply_text(req, 400, "%s", err);
		return;
	}
	uint64_t needs = tile_needs(&t);
	/* checkpoints stay once made: a tile under one seen before exists */
	if (needs == 0 || needs > __atomic_load_n(&n->log_covered, __ATOMIC_RELAXED)) {
		if (newest(req, n, &cp) != 0)
			return;
		uint64_t seen = __atomic_load_n(&n->log_covered, __ATOMIC_RELAXED);
		while (seen < cp.size &&
		       !__atomic_compare_exchange_n(&n->log_covered, &seen, cp.size, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
			;
		if (needs == 0 || needs > cp.size) {
			char p[TILE_PATH_MAX];
			tile_path(&t, p);
			http_reply_text(req, 404, "tile %s is not in the log's newest checkpoint (%llu leaves)", p,
			                (unsigned long long)cp.size);
			return;
		}
	}
	if (!(b = evbuffer_new())) {
		http_reply_text(req, 500, "out of memory");
		return;
	}
	int hit = cache_get(n->tile_cache, &t, b);
	err[0] = '\0';
	if (hit) {
		rc = 0;
	} else if (t.level == TILE_ENTRIES) {
		rc = anchorlog_entries(&n->repo, tile_first(&t), t.width, add_entry, b, err);
		if (rc == -1 && !err[0])
			snprintf(err, sizeof err, "out of memory");
	} else {
		uint8_t hashes[TILE_WIDTH][32];
		rc = anchorlog_nodes(&n->repo, tile_tree_level(&t), tile_first(&t), t.width, hashes, err);
		if (rc == 0 && evbuffer_add(b, hashes, (size_t)t.width * 32) != 0)
			rc = -1, snprintf(err, sizeof err, "out of memory");
	}
	if (rc == 1) /* the checkpoint covers it: the index lost what it held */
		snprintf(err, sizeof err, "the log's index lacks part of a tile its checkpoint covers");
	if (rc != 0) {
		http_reply_text(req, rc == 1 ? 500 : node_store_status(req, n), "%s", err);
		goto done;
	}
	if (!hit)
		cache_put(n->tile_cache, &t, b);
	evhttp_add_header(http_req_out(req), "Content-Type", "application/octet-stream");
	cache_for(req, t.width == TILE_WIDTH ? TLOG_TTL_FULL : TLOG_TTL_PARTIAL);
	http_reply(req, 200, "OK", b);
done:
	evbuffer_free(b);
}

/* POST /log/witness/add-checkpoint (witness.h). */
static void serve_witness(struct http_req *req, node *n)
{
	char out[WITNESS_REPLY_MAX];
	if (http_req_method(req) != HTTP_METHOD_POST) {
		evhttp_add_header(http_req_out(req), "Allow", "POST");
		http_reply_text(req, 405, "add-checkpoint is a POST");
		return;
	}
	if (!n->witness) {
		http_reply_text(req, 404, "this node witnesses no log (config Witness.Logs)");
		return;
	}
	struct evbuffer *in = http_req_body(req), *b = evbuffer_new();
	size_t len = evbuffer_get_length(in);
	const char *body = len ? (const char *)evbuffer_pullup(in, -1) : "";
	if (!b) {
		http_reply_text(req, 500, "out of memory");
		return;
	}
	int code = witness_add_checkpoint(n->witness, body, len, out, sizeof out);
	evbuffer_add(b, out, strlen(out));
	evhttp_add_header(http_req_out(req), "Content-Type",
	                  code == 409 ? "text/x.tlog.size" : "text/plain; charset=utf-8");
	evhttp_add_header(http_req_out(req), "Cache-Control", "no-store");
	http_reply(req, code, NULL, b);
	evbuffer_free(b);
}

int tlog_handle(struct http_req *req, node *n, const char *path)
{
	if (strncmp(path, TLOG_PREFIX, strlen(TLOG_PREFIX)) != 0)
		return 0;
	const char *rest = path + strlen(TLOG_PREFIX);
	enum http_method cmd = http_req_method(req);
	if (strcmp(rest, TLOG_WITNESS_PATH) == 0) {
		serve_witness(req, n);
	} else if (cmd != HTTP_METHOD_GET && cmd != HTTP_METHOD_HEAD) {
		evhttp_add_header(http_req_out(req), "Allow", "GET, HEAD");
		http_reply_text(req, 405, "method not allowed: the log is read-only here");
	} else if (strcmp(rest, "checkpoint") == 0) {
		serve_checkpoint(req, n);
	} else if (strncmp(rest, "tile/", 5) == 0) {
		serve_tile(req, n, rest + 5);
	} else {
		http_reply_text(req, 404, "not found: the log serves /log/checkpoint and /log/tile/...");
	}
	return 1;
}

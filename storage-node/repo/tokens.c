#include "tokens.h"

#include "cairn/hash.h"
#include "cairn/multibase.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ERR(...) snprintf(err, CAIRN_ERR_MAX, __VA_ARGS__)
#define VALUE_LEN_V1 (CAIRN_HASH_LEN + 8)
#define VALUE_LEN (CAIRN_HASH_LEN + 8 + 1)

const char *token_scope_name(int scope)
{
	return scope == TOKEN_SCOPE_API ? "api" : "pins";
}

int token_name_valid(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > TOKEN_NAME_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * The PostgreSQL index (pgindex.h): table cairn.tokens, the hash of each
 * secret in a UNIQUE column, so checking one is an index lookup. (The
 * lookup's timing can only tell whether some token's hash starts like the
 * hash of what was sent: nothing about a secret.)
 */
#define PG_MS(col) "(extract(epoch FROM " col ") * 1000)::bigint"

static int pg_add(repo *r, const char *name, const uint8_t *val, char *err)
{
	pgp a = {0};
	pgp_text(&a, name);
	pgp_bytes(&a, val, CAIRN_HASH_LEN);
	pgp_text(&a, token_scope_name(val[CAIRN_HASH_LEN + 8]));
	pgp_i64(&a, (int64_t)repo_get_be64(val + CAIRN_HASH_LEN));
	return pgindex_change(r->pg, "tokens",
	                      "INSERT INTO cairn.tokens (name, secret_sha256, scope, created_at)"
	                      " VALUES ($1, $2::bytea, $3,"
	                      " timestamptz 'epoch' + $4::bigint * interval '1 millisecond')"
	                      " ON CONFLICT (name) DO NOTHING",
	                      &a, err);
}

static int pg_rm(repo *r, const char *name, char *err)
{
	pgp a = {0};
	pgp_text(&a, name);
	return pgindex_change(r->pg, "tokens", "DELETE FROM cairn.tokens WHERE name = $1", &a, err);
}

/* Row i (name, created ms, scope) into t: 0, or -1 if it is not ours. */
static int pg_row(const PGresult *res, int i, token *t)
{
	size_t n, sn;
	const char *name = pgr_bytes(res, i, 0, &n), *scope = pgr_bytes(res, i, 2, &sn);
	if (n == 0 || n > TOKEN_NAME_MAX)
		return -1;
	memcpy(t->name, name, n);
	t->name[n] = '\0';
	t->created_ms = (uint64_t)pgr_i64(res, i, 1);
	t->scope = sn == 3 && memcmp(scope, "api", 3) == 0 ? TOKEN_SCOPE_API : TOKEN_SCOPE_PINS;
	return 0;
}

static int pg_foreach(repo *r, int (*fn)(void *ctx, const token *t), void *ctx, char *err)
{
	PGresult *res = pgindex_exec(r->pg, "tokens",
	                             "SELECT name, " PG_MS("created_at") ", scope FROM cairn.tokens"
	                             " ORDER BY name COLLATE \"C\"", NULL, err);
	int rc = 0;
	if (!res)
		return -1;
	for (int i = 0; i < PQntuples(res) && rc == 0; i++) {
		token t;
		if (pg_row(res, i, &t) == 0)
			rc = fn(ctx, &t);
	}
	PQclear(res);
	return rc;
}

static int pg_check(repo *r, const uint8_t hash[CAIRN_HASH_LEN], token *t, char *err)
{
	pgp a = {0};
	pgp_bytes(&a, hash, CAIRN_HASH_LEN);
	PGresult *res = pgindex_exec(r->pg, "tokens",
	                             "SELECT name, " PG_MS("created_at") ", scope FROM cairn.tokens"
	                             " WHERE secret_sha256 = $1::bytea", &a, err);
	if (!res)
		return -1;
	int rc = PQntuples(res) == 1 && pg_row(res, 0, t) == 0 ? 0 : 1;
	PQclear(res);
	return rc;
}

static int pg_any(repo *r, char *err)
{
	PGresult *res = pgindex_exec(r->pg, "tokens", "SELECT EXISTS (SELECT 1 FROM cairn.tokens)",
	                             NULL, err);
	if (!res)
		return -1;
	int rc = pgr_bool(res, 0, 0);
	PQclear(res);
	return rc;
}

/* PostgreSQL: checks answered lately, a slot per secret's hash (its first
 * bytes pick it), each kept TOKENS_CACHE_MS; and that some token exists. */
struct tokens_cache {
	pthread_mutex_t mu;
	struct {
		uint8_t hash[CAIRN_HASH_LEN];
		int64_t until; /* monotonic ms; 0: empty */
		int rc;        /* tokens_check's: 0 (t) or 1 */
		token t;
	} slot[TOKENS_CACHE_SLOTS];
	int64_t any_until;
	int any;
};

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* r's cache, made at the first use (NULL when out of memory: no cache).
 * The daemon checks tokens on loop 0 only; the lock is for any other. */
static struct tokens_cache *cache_of(repo *r)
{
	static pthread_mutex_t make = PTHREAD_MUTEX_INITIALIZER;
	pthread_mutex_lock(&make);
	if (!r->tokens_cache && (r->tokens_cache = calloc(1, sizeof *r->tokens_cache)))
		pthread_mutex_init(&r->tokens_cache->mu, NULL);
	pthread_mutex_unlock(&make);
	return r->tokens_cache;
}

/* Forget what was learnt: this process changed the tokens. */
static void cache_clear(repo *r)
{
	struct tokens_cache *tc = r->tokens_cache;
	if (!tc)
		return;
	pthread_mutex_lock(&tc->mu);
	for (size_t i = 0; i < TOKENS_CACHE_SLOTS; i++)
		tc->slot[i].until = 0;
	tc->any_until = 0;
	pthread_mutex_unlock(&tc->mu);
}

static int pg_check_cached(repo *r, const uint8_t hash[CAIRN_HASH_LEN], token *t, char *err)
{
	struct tokens_cache *tc = cache_of(r);
	if (!tc)
		return pg_check(r, hash, t, err);
	int64_t now = mono_ms();
	size_t i = ((size_t)hash[0] << 8 | hash[1]) % TOKENS_CACHE_SLOTS;
	pthread_mutex_lock(&tc->mu);
	if (tc->slot[i].until > now && CRYPTO_memcmp(tc->slot[i].hash, hash, CAIRN_HASH_LEN) == 0) {
		int rc = tc->slot[i].rc;
		if (rc == 0)
			*t = tc->slot[i].t;
		pthread_mutex_unlock(&tc->mu);
		return rc;
	}
	pthread_mutex_unlock(&tc->mu);
	int rc = pg_check(r, hash, t, err);
	if (rc < 0)
		return rc; /* a failure is not remembered */
	pthread_mutex_lock(&tc->mu);
	memcpy(tc->slot[i].hash, hash, CAIRN_HASH_LEN);
	tc->slot[i].rc = rc;
	if (rc == 0)
		tc->slot[i].t = *t;
	tc->slot[i].until = now + TOKENS_CACHE_MS;
	pthread_mutex_unlock(&tc->mu);
	return rc;
}

static int pg_any_cached(repo *r, char *err)
{
	struct tokens_cache *tc = cache_of(r);
	if (!tc)
		return pg_any(r, err);
	int64_t now = mono_ms();
	pthread_mutex_lock(&tc->mu);
	if (tc->any_until > now) {
		int any = tc->any;
		pthread_mutex_unlock(&tc->mu);
		return any;
	}
	pthread_mutex_unlock(&tc->mu);
	int any = pg_any(r, err);
	/* only "some": once a token exists, the API must ask for one at once
	 * (the other way, the API stays closed that much longer) */
	if (any != 1)
		return any;
	pthread_mutex_lock(&tc->mu);
	tc->any = any;
	tc->any_until = now + TOKENS_CACHE_MS;
	pthread_mutex_unlock(&tc->mu);
	return any;
}

int tokens_add(repo *r, const char *name, int scope, char *secret, char *err)
{
	uint8_t raw[TOKEN_SECRET_BYTES], val[VALUE_LEN];
	size_t plen = strlen(TOKEN_PREFIX), n;
	cache_clear(r);

	if (!token_name_valid(name)) {
		ERR("invalid token name '%.80s' (1 to %d characters of A-Z a-z 0-9 . _ -)", name,
		    TOKEN_NAME_MAX);
		return -1;
	}
	if (RAND_bytes(raw, sizeof raw) != 1) {
		ERR("no randomness for a token secret");
		return -1;
	}
	memcpy(secret, TOKEN_PREFIX, plen);
	if (cairn_base_encode(CAIRN_BASE32, raw, sizeof raw, secret + plen, TOKEN_SECRET_MAX - plen,
	                      &n) != 0) {
		ERR("cannot encode a token secret");
		return -1;
	}
	OPENSSL_cleanse(raw, sizeof raw);
	cairn_sha256(secret, plen + n, val);
	uint64_t t = now_ms();
	for (int i = 0; i < 8; i++)
		val[CAIRN_HASH_LEN + i] = (uint8_t)(t >> (56 - 8 * i));
	val[CAIRN_HASH_LEN + 8] = (uint8_t)scope;

	if (r->pg)
		return pg_add(r, name, val, err);
	MDB_val k = {strlen(name), (void *)name}, v = {sizeof val, val};
	return repo_index_put(r, r->tokens, &k, &v, MDB_NOOVERWRITE, err);
}

int tokens_rm(repo *r, const char *name, char *err)
{
	MDB_val k = {strlen(name), (void *)name};
	cache_clear(r);
	if (!token_name_valid(name))
		return 1;
	if (r->pg)
		return pg_rm(r, name, err);
	return repo_index_del(r, r->tokens, &k, err);
}

/* A record as stored; 0, or -1 for one that is not ours (skipped). */
static int decode(const MDB_val *k, const MDB_val *v, token *t, const uint8_t **hash)
{
	if (k->mv_size == 0 || k->mv_size > TOKEN_NAME_MAX ||
	    (v->mv_size != VALUE_LEN && v->mv_size != VALUE_LEN_V1))
		return -1;
	memcpy(t->name, k->mv_data, k->mv_size);
	t->name[k->mv_size] = '\0';
	const uint8_t *d = v->mv_data;
	t->created_ms = 0;
	for (int i = 0; i < 8; i++)
		t->created_ms = t->created_ms << 8 | d[CAIRN_HASH_LEN + i];
	t->scope = v->mv_size == VALUE_LEN_V1 ? TOKEN_SCOPE_PINS : d[CAIRN_HASH_LEN + 8];
	if (t->scope != TOKEN_SCOPE_API && t->scope != TOKEN_SCOPE_PINS)
		return -1;
	if (hash)
		*hash = d;
	return 0;
}

struct walk {
	int (*each)(void *, const token *, const uint8_t *);
	void *ctx;
};

static int visit_token(void *ctx, const MDB_val *k, const MDB_val *v)
{
	struct walk *w = ctx;
	token t;
	const uint8_t *h;
	return decode(k, v, &t, &h) == 0 ? w->each(w->ctx, &t, h) : 0;
}

/* Walk the tokens; each(ctx, token, hash) as tokens_foreach. */
static int walk(repo *r, int (*each)(void *, const token *, const uint8_t *), void *ctx, char *err)
{
	struct walk w = {each, ctx};
	return repo_index_foreach(r, r->tokens, REPO_FORWARD, NULL, visit_token, &w, err);
}

struct foreach_ctx {
	int (*fn)(void *, const token *);
	void *ctx;
};

static int foreach_one(void *ctx, const token *t, const uint8_t *hash)
{
	struct foreach_ctx *f = ctx;
	(void)hash;
	return f->fn(f->ctx, t);
}

int tokens_foreach(repo *r, int (*fn)(void *ctx, const token *t), void *ctx, char *err)
{
	struct foreach_ctx f = {fn, ctx};
	if (r->pg)
		return pg_foreach(r, fn, ctx, err);
	return walk(r, foreach_one, &f, err);
}

struct check_ctx {
	uint8_t hash[CAIRN_HASH_LEN];
	token *found;
	int hit;
};

/* Every token is compared, hit or not, so timing says nothing about which
 * (or whether one) matched. */
static int check_one(void *ctx, const token *t, const uint8_t *hash)
{
	struct check_ctx *c = ctx;
	if (CRYPTO_memcmp(hash, c->hash, CAIRN_HASH_LEN) == 0 && !c->hit) {
		*c->found = *t;
		c->hit = 1;
	}
	return 0;
}

int tokens_check(repo *r, const char *secret, size_t len, token *t, char *err)
{
	struct check_ctx c = {.found = t};
	cairn_sha256(secret, len, c.hash);
	if (r->pg)
		return pg_check_cached(r, c.hash, t, err);
	if (walk(r, check_one, &c, err) < 0)
		return -1;
	return c.hit ? 0 : 1;
}

static int any_one(void *ctx, const token *t, const uint8_t *hash)
{
	(void)ctx;
	(void)t;
	(void)hash;
	return 1;
}

int tokens_any(repo *r, char *err)
{
	if (r->pg)
		return pg_any_cached(r, err);
	return walk(r, any_one, NULL, err);
}

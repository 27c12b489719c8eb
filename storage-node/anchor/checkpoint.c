#include "checkpoint.h"

#include "anchorlog.h"
#include "proof_check.h"
#include "cairn/multibase.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ERR(...) snprintf(err, CAIRN_ERR_MAX, __VA_ARGS__)

void checkpoint_origin(const repo *r, char *out, size_t cap)
{
	snprintf(out, cap, "cairn/%s", r->log_id);
}

int checkpoint_vkey(const repo *r, char *out, char *err)
{
	char origin[160];
	uint8_t pub[32];
	if (proof_peer_key(r->log_id, pub) != 0) {
		ERR("the log's id %s is not an Ed25519 PeerID", r->log_id);
		return -1;
	}
	checkpoint_origin(r, origin, sizeof origin);
	note_verifier_key(origin, pub, out, CHECKPOINT_VKEY_MAX);
	return 0;
}

/*
 * The PostgreSQL index (pgindex.h): table cairn.checkpoints. The first
 * node to store a size's checkpoint wins (ON CONFLICT DO NOTHING); the
 * others read and use that one, so a size has one checkpoint cluster-wide.
 */
#define PG_COLS "tree_size, extract(epoch FROM made_at)::bigint, root, note"
#define PG_PAGE 500

static int pg_row(const PGresult *res, int i, checkpoint *cp)
{
	size_t rn, nn;
	const char *root = pgr_bytes(res, i, 2, &rn), *note = pgr_bytes(res, i, 3, &nn);
	if (rn != 32 || nn >= CHECKPOINT_NOTE_MAX)
		return -1;
	cp->size = (uint64_t)pgr_i64(res, i, 0);
	cp->time = pgr_i64(res, i, 1);
	memcpy(cp->root, root, 32);
	memcpy(cp->note, note, nn);
	cp->note[nn] = '\0';
	return 0;
}

/* The checkpoint of a size (latest: the newest). 0, 1, -1. */
static int pg_lookup(repo *r, int latest, uint64_t size, checkpoint *cp, char *err)
{
	pgp a = {0};
	if (!latest)
		pgp_i64(&a, (int64_t)size);
	PGresult *res = pgindex_exec(r->pg, "checkpoints",
	                             latest ? "SELECT " PG_COLS " FROM cairn.checkpoints"
	                                      " ORDER BY tree_size DESC LIMIT 1"
	                                    : "SELECT " PG_COLS " FROM cairn.checkpoints"
	                                      " WHERE tree_size = $1",
	                             &a, err);
	if (!res)
		return -1;
	int rc = PQntuples(res) == 0 ? 1 : pg_row(res, 0, cp) == 0 ? 0 : -1;
	if (rc < 0)
		ERR("checkpoints: a stored checkpoint does not decode");
	PQclear(res);
	return rc;
}

/* Store cp unless its size has one: 0 (stored), 1 (there was one), -1. */
static int pg_store(repo *r, const checkpoint *cp, char *err)
{
	pgp a = {0};
	pgp_i64(&a, (int64_t)cp->size);
	pgp_bytes(&a, cp->root, 32);
	pgp_i64(&a, cp->time);
	pgp_text(&a, cp->note);
	return pgindex_change(r->pg, "checkpoints",
	                      "INSERT INTO cairn.checkpoints VALUES ($1, $2::bytea,"
	                      " to_timestamp($3::bigint), $4) ON CONFLICT (tree_size) DO NOTHING",
	                      &a, err);
}

static int pg_foreach(repo *r, int (*fn)(void *ctx, const checkpoint *cp), void *ctx,
                      checkpoint *cp, char *err)
{
	int64_t after = -1;
	int rc = 0, more = 1;
	while (rc == 0 && more) {
		pgp a = {0};
		pgp_i64(&a, after);
		pgp_i64(&a, PG_PAGE);
		PGresult *res = pgindex_exec(r->pg, "checkpoints",
		                             "SELECT " PG_COLS " FROM cairn.checkpoints WHERE tree_size > $1"
		                             " ORDER BY tree_size LIMIT $2",
		                             &a, err);
		if (!res)
			return -1;
		more = PQntuples(res) == PG_PAGE;
		for (int i = 0; i < PQntuples(res) && rc == 0; i++) {
			after = pgr_i64(res, i, 0);
			if (pg_row(res, i, cp) == 0)
				rc = fn(ctx, cp);
		}
		PQclear(res);
	}
	return rc;
}

/* A stored record into cp: 0, or -1 if it does not decode. */
static int decode(const MDB_val *k, const MDB_val *v, checkpoint *cp)
{
	if (k->mv_size != 8 || v->mv_size < 40 || v->mv_size - 40 >= CHECKPOINT_NOTE_MAX)
		return -1;
	const uint8_t *d = v->mv_data;
	cp->size = repo_get_be64(k->mv_data);
	cp->time = (int64_t)repo_get_be64(d);
	memcpy(cp->root, d + 8, 32);
	memcpy(cp->note, d + 40, v->mv_size - 40);
	cp->note[v->mv_size - 40] = '\0';
	return 0;
}

/* Position a read: MDB_SET (size), MDB_LAST, or walk with fn. */
static int lookup(repo *r, MDB_cursor_op op, uint64_t size, checkpoint *cp, char *err)
{
	MDB_txn *txn;
	MDB_cursor *cur;
	uint8_t kb[8];
	MDB_val k = {8, kb}, v;
	int rc = mdb_txn_begin(r->env, NULL, MDB_RDONLY, &txn);
	if (rc != 0) {
		ERR("checkpoints: %s", mdb_strerror(rc));
		return -1;
	}
	repo_put_be64(size, kb);
	rc = mdb_cursor_open(txn, r->checkpoints, &cur);
	if (rc == 0) {
		rc = mdb_cursor_get(cur, &k, &v, op);
		if (rc == 0 && decode(&k, &v, cp) != 0)
			rc = MDB_CORRUPTED;
		mdb_cursor_close(cur);
	}
	mdb_txn_abort(txn);
	return repo_index_result(rc, MDB_NOTFOUND, "checkpoints", err);
}

int checkpoint_get(repo *r, uint64_t size, checkpoint *cp, char *err)
{
	if (r->pg)
		return pg_lookup(r, 0, size, cp, err);
	return lookup(r, MDB_SET_KEY, size, cp, err);
}

int checkpoint_latest(repo *r, checkpoint *cp, char *err)
{
	if (r->pg)
		return pg_lookup(r, 1, 0, cp, err);
	return lookup(r, MDB_LAST, 0, cp, err);
}

int checkpoint_make(repo *r, checkpoint *cp, int *fresh, char *err)
{
	uint64_t size;
	char origin[256], b64[64], when[32], text[512];
	if (fresh)
		*fresh = 0;
	if (anchorlog_size(r, &size, err) != 0)
		return -1;
	int rc = checkpoint_get(r, size, cp, err);
	if (rc <= 0)
		return rc; /* the log has not grown since: that one stands */
	cp->size = size;
	if (anchorlog_root(r, size, cp->root, err) != 0)
		return -1;
	cp->time = (int64_t)time(NULL);
	struct tm tm;
	time_t t = (time_t)cp->time;
	gmtime_r(&t, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	cairn_base_encode(CAIRN_BASE64PAD, cp->root, 32, b64, sizeof b64, NULL);
	checkpoint_origin(r, origin, sizeof origin);
	snprintf(text, sizeof text, "%s\n%llu\n%s\n%s\n", origin, (unsigned long long)size, b64, when);
	EVP_PKEY *key = repo_log_key(r, err);
	if (!key)
		return -1;
	char nerr[CAIRN_ERR_MAX];
	rc = note_sign(text, origin, key, cp->note, sizeof cp->note, nerr);
	EVP_PKEY_free(key);
	if (rc != 0) {
		ERR("signing the checkpoint: %s", nerr);
		return -1;
	}
	if (r->pg) {
		rc = pg_store(r, cp, err);
	} else {
		uint8_t kb[8], vb[40 + CHECKPOINT_NOTE_MAX];
		size_t nl = strlen(cp->note);
		repo_put_be64(size, kb);
		repo_put_be64((uint64_t)cp->time, vb);
		memcpy(vb + 8, cp->root, 32);
		memcpy(vb + 40, cp->note, nl);
		MDB_val k = {8, kb}, v = {40 + nl, vb};
		rc = repo_index_put(r, r->checkpoints, &k, &v, MDB_NOOVERWRITE, err);
	}
	if (rc < 0)
		return -1;
	if (rc > 0) /* made meanwhile by another writer: read that one */
		return checkpoint_get(r, size, cp, err) == 0 ? 0 : -1;
	if (fresh)
		*fresh = 1;
	return 0;
}

struct visit {
	int (*fn)(void *ctx, const checkpoint *cp);
	void *ctx;
	checkpoint cp; /* 1 KiB: on the heap with the walk, not on the stack of each call */
};

static int visit_checkpoint(void *ctx, const MDB_val *k, const MDB_val *v)
{
	struct visit *w = ctx;
	return decode(k, v, &w->cp) == 0 ? w->fn(w->ctx, &w->cp) : 0;
}

int checkpoint_foreach(repo *r, int (*fn)(void *ctx, const checkpoint *cp), void *ctx, char *err)
{
	struct visit *w = malloc(sizeof *w);
	if (!w) {
		ERR("checkpoints: out of memory");
		return -1;
	}
	w->fn = fn;
	w->ctx = ctx;
	int rc = r->pg ? pg_foreach(r, fn, ctx, &w->cp, err) : repo_index_foreach(r, r->checkpoints, REPO_FORWARD, NULL, visit_checkpoint, w, err);
	free(w);
	return rc;
}

/* The "\n— <name> " a cosignature line starts with, into out. */
static int line_name(const char *line, size_t len, char *out, size_t cap)
{
	const char *sp = len > 4 ? memchr(line + 4, ' ', len - 4) : NULL;
	if (!sp || memcmp(line, "\xe2\x80\x94 ", 4) != 0 || (size_t)(sp - line) + 2 > cap)
		return -1;
	out[0] = '\n';
	memcpy(out + 1, line, (size_t)(sp - line) + 1);
	out[sp - line + 2] = '\0';
	return 0;
}

/* Whether note (len bytes) holds prefix. */
static int has_line(const char *note, size_t len, const char *prefix)
{
	size_t pl = strlen(prefix);
	for (size_t i = 0; i + pl <= len; i++)
		if (note[i] == '\n' && memcmp(note + i, prefix, pl) == 0)
			return 1;
	return 0;
}

int checkpoint_cosign(repo *r, uint64_t size, const char *line, size_t len, char *err)
{
	char prefix[400];
	if (len == 0 || line[len - 1] != '\n' || memchr(line, '\0', len) ||
	    line_name(line, len, prefix, sizeof prefix) != 0) {
		ERR("checkpoints: not a signature line");
		return -1;
	}
	if (r->pg) {
		pgp a = {0};
		char *l = strndup(line, len);
		if (!l) {
			ERR("out of memory");
			return -1;
		}
		pgp_i64(&a, (int64_t)size);
		pgp_text(&a, l);
		pgp_text(&a, prefix);
		pgp_i64(&a, CHECKPOINT_NOTE_MAX);
		/* one statement: two nodes adding the same witness's line at once
		 * leave one */
		int rc = pgindex_change(r->pg, "checkpoints",
		                        "UPDATE cairn.checkpoints SET note = note || $2 WHERE tree_size = $1"
		                        " AND strpos(note, $3) = 0 AND octet_length(note) + octet_length($2) < $4",
		                        &a, err);
		free(l);
		if (rc != 1)
			return rc;
		checkpoint cp; /* nothing changed: there already, or no room? */
		int have = pg_lookup(r, 0, size, &cp, err);
		return have != 0 ? have : strstr(cp.note, prefix) ? 0 : 1;
	}
	MDB_txn *txn;
	uint8_t kb[8], *nv = NULL;
	MDB_val k = {8, kb}, v;
	repo_put_be64(size, kb);
	int rc = mdb_txn_begin(r->env, NULL, 0, &txn), out = -1;
	if (rc != 0)
		goto fail;
	rc = mdb_get(txn, r->checkpoints, &k, &v);
	if (rc == MDB_NOTFOUND || (rc == 0 && v.mv_size - 40 + len >= CHECKPOINT_NOTE_MAX)) {
		mdb_txn_abort(txn);
		return 1;
	}
	if (rc != 0)
		goto fail_txn;
	if (has_line((const char *)v.mv_data + 40, v.mv_size - 40, prefix)) {
		mdb_txn_abort(txn);
		return 0;
	}
	if (!(nv = malloc(v.mv_size + len))) {
		mdb_txn_abort(txn);
		ERR("out of memory");
		return -1;
	}
	memcpy(nv, v.mv_data, v.mv_size);
	memcpy(nv + v.mv_size, line, len);
	MDB_val w = {v.mv_size + len, nv};
	if ((rc = mdb_put(txn, r->checkpoints, &k, &w, 0)) != 0)
		goto fail_txn;
	if ((rc = mdb_txn_commit(txn)) != 0)
		goto fail;
	out = 0;
	goto done;
fail_txn:
	mdb_txn_abort(txn);
fail:
	ERR("checkpoints: %s", mdb_strerror(rc));
done:
	free(nv);
	return out;
}

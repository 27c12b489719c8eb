#include "pinreq.h"

#include "cairn/multibase.h"

#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ERR(...) snprintf(err, CAIRN_ERR_MAX, __VA_ARGS__)

static const char *const status_names[] = {NULL, "queued", "pinning", "pinned", "failed"};

const char *pinreq_status_name(pinreq_status s)
{
	return s >= PINREQ_QUEUED && s <= PINREQ_FAILED ? status_names[s] : NULL;
}

pinreq_status pinreq_status_parse(const char *s, size_t len)
{
	for (int i = PINREQ_QUEUED; i <= PINREQ_FAILED; i++)
		if (strlen(status_names[i]) == len && memcmp(status_names[i], s, len) == 0)
			return (pinreq_status)i;
	return 0;
}

void pinreq_id_text(const uint8_t id[PINREQ_ID_LEN], char *out)
{
	cairn_base_encode(CAIRN_BASE32, id, PINREQ_ID_LEN, out, PINREQ_ID_TEXT + 1, NULL);
}

int pinreq_id_parse(const char *text, uint8_t id[PINREQ_ID_LEN])
{
	uint8_t buf[PINREQ_ID_TEXT];
	size_t n;
	if (strlen(text) != PINREQ_ID_TEXT ||
	    cairn_base_decode(CAIRN_BASE32, text, PINREQ_ID_TEXT, buf, sizeof buf, &n) != 0 ||
	    n != PINREQ_ID_LEN)
		return -1;
	memcpy(id, buf, PINREQ_ID_LEN);
	return 0;
}

static uint64_t id_time(const uint8_t *id)
{
	return repo_get_be64(id);
}

/* A record from its id, status and JSON into r; 0, or -1 if it does not
 * decode (then skipped: a damaged record must not hide the others).
 * r->doc is new. */
static int decode_parts(const uint8_t *id, size_t idlen, int status, const char *doc, size_t len,
                        pinreq *r)
{
	if (idlen != PINREQ_ID_LEN || len < 1 || !pinreq_status_name(status))
		return -1;
	memcpy(r->id, id, PINREQ_ID_LEN);
	r->created_ms = id_time(r->id);
	r->status = status;
	r->doc = json_loadb(doc, len, 0, NULL);
	const char *cid = json_string_value(json_object_get(json_object_get(r->doc, "pin"), "cid"));
	if (!cid || cairn_cid_parse(cid, strlen(cid), &r->cid) != 0) {
		json_decref(r->doc);
		r->doc = NULL;
		return -1;
	}
	return 0;
}

/* A record as LMDB keeps it (pinreq.h). */
static int decode(const MDB_val *k, const MDB_val *v, pinreq *r)
{
	const uint8_t *d = v->mv_data;
	if (v->mv_size < 1)
		return -1;
	return decode_parts(k->mv_data, k->mv_size, d[0], (const char *)d + 1, v->mv_size - 1, r);
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * The PostgreSQL index (pgindex.h): table cairn.pin_requests. Ids are
 * made under an advisory lock, so creation times stay unique across the
 * nodes of a cluster as they do in one process; listings go newest first
 * by pages of ids.
 */
#define PG_PAGE 500
#define PG_COLS "id, status, doc::text"

/* Row i (id, status, doc) into r: 0, or -1 if it does not decode. r->doc is new. */
static int pg_row(const PGresult *res, int i, pinreq *r)
{
	size_t in, sn, dn;
	const char *id = pgr_bytes(res, i, 0, &in), *st = pgr_bytes(res, i, 1, &sn),
	           *doc = pgr_bytes(res, i, 2, &dn);
	return decode_parts((const uint8_t *)id, in, pinreq_status_parse(st, sn), doc, dn, r);
}

static int pg_create(repo *rp, pinreq *r, const uint8_t *replace, const char *json, char *err)
{
	PGconn *c = pgindex_take(rp->pg, err);
	PGresult *res = NULL;
	int rc = -1;
	if (!c)
		return -1;
	if (pgindex_begin_locked(rp->pg, c, PGINDEX_LOCK_PINREQ, "pin requests", err) != 0)
		goto done;
	if (!(res = pgindex_run(rp->pg, c, "pin requests",
	                        "SELECT id FROM cairn.pin_requests ORDER BY id DESC LIMIT 1", NULL, err)))
		goto done;
	uint64_t t = now_ms();
	size_t n;
	const char *last = PQntuples(res) == 1 ? pgr_bytes(res, 0, 0, &n) : NULL;
	if (last && n == PINREQ_ID_LEN && id_time((const uint8_t *)last) >= t)
		t = id_time((const uint8_t *)last) + 1;
	PQclear(res);
	res = NULL;
	repo_put_be64(t, r->id);
	if (RAND_bytes(r->id + 8, PINREQ_ID_LEN - 8) != 1) {
		ERR("no randomness for a request id");
		goto done;
	}
	r->created_ms = t;
	if (replace) {
		pgp d = {0};
		pgp_bytes(&d, replace, PINREQ_ID_LEN);
		if (!(res = pgindex_run(rp->pg, c, "pin requests",
		                        "DELETE FROM cairn.pin_requests WHERE id = $1::bytea", &d, err)))
			goto done;
		if (atoll(PQcmdTuples(res)) == 0) {
			rc = 1;
			goto done;
		}
		PQclear(res);
	}
	pgp w = {0};
	pgp_bytes(&w, r->id, PINREQ_ID_LEN);
	pgp_text(&w, pinreq_status_name(r->status));
	pgp_text(&w, json);
	pgp_i64(&w, (int64_t)t);
	if (!(res = pgindex_run(rp->pg, c, "pin requests",
	                        "INSERT INTO cairn.pin_requests (id, status, cid, doc, created_at)"
	                        " VALUES ($1::bytea, $2, ($3::jsonb->'pin'->>'cid')::ipfs_cid, $3::jsonb,"
	                        " timestamptz 'epoch' + $4::bigint * interval '1 millisecond')",
	                        &w, err)))
		goto done;
	PQclear(res);
	res = NULL;
	if (pgindex_script(rp->pg, c, "pin requests", "COMMIT", err) != 0)
		goto done;
	rc = 0;
done:
	PQclear(res);
	if (rc != 0)
		pgindex_rollback(c);
	pgindex_give(rp->pg, c);
	return rc;
}

static int pg_update(repo *rp, const uint8_t id[PINREQ_ID_LEN], pinreq_status status,
                     const char *json, char *err)
{
	pgp a = {0};
	pgp_bytes(&a, id, PINREQ_ID_LEN);
	pgp_text(&a, pinreq_status_name(status));
	pgp_text(&a, json);
	return pgindex_change(rp->pg, "pin requests",
	                      "UPDATE cairn.pin_requests SET status = $2, doc = $3::jsonb"
	                      " WHERE id = $1::bytea", &a, err);
}

static int pg_get(repo *rp, const uint8_t id[PINREQ_ID_LEN], pinreq *r, char *err)
{
	pgp a = {0};
	pgp_bytes(&a, id, PINREQ_ID_LEN);
	PGresult *res = pgindex_exec(rp->pg, "pin requests",
	                             "SELECT " PG_COLS " FROM cairn.pin_requests WHERE id = $1::bytea",
	                             &a, err);
	if (!res)
		return -1;
	int rc = PQntuples(res) == 1 && pg_row(res, 0, r) == 0 ? 0 : 1;
	PQclear(res);
	return rc;
}

static int pg_del(repo *rp, const uint8_t id[PINREQ_ID_LEN], char *err)
{
	pgp a = {0};
	pgp_bytes(&a, id, PINREQ_ID_LEN);
	return pgindex_change(rp->pg, "pin requests",
	                      "DELETE FROM cairn.pin_requests WHERE id = $1::bytea", &a, err);
}

/* Every node changes requests: the counts are the table's, not a process's. */
static int pg_counts(repo *rp, uint64_t n[5], char *err)
{
	PGresult *res = pgindex_exec(rp->pg, "pin requests",
	                             "SELECT status, count(*) FROM cairn.pin_requests GROUP BY status",
	                             NULL, err);
	if (!res)
		return -1;
	memset(n, 0, 5 * sizeof *n);
	for (int i = 0; i < PQntuples(res); i++) {
		size_t sl;
		const char *st = pgr_bytes(res, i, 0, &sl);
		int s = pinreq_status_parse(st, sl);
		if (s)
			n[s] = (uint64_t)pgr_i64(res, i, 1);
	}
	PQclear(res);
	return 0;
}

/* open: only the requests not settled (queued, pinning), through their
 * index (schema version 3) */
static int pg_foreach(repo *rp, uint64_t before_ms, int open, pinreq_fn fn, void *ctx, char *err)
{
	uint8_t bound[PINREQ_ID_LEN] = {0};
	/* UINT64_MAX: no bound on the first page (ids start with a time) */
	int rc = 0, more = 1, bounded = before_ms != UINT64_MAX;
	repo_put_be64(before_ms, bound);
	while (rc == 0 && more) {
		pgp a = {0};
		pgp_i64(&a, PG_PAGE);
		if (bounded)
			pgp_bytes(&a, bound, sizeof bound);
#define OPEN " status IN ('queued', 'pinning')" /* the index's predicate, word for word */
		static const char *const sql[2][2] = {
			{"SELECT " PG_COLS " FROM cairn.pin_requests ORDER BY id DESC LIMIT $1",
			 "SELECT " PG_COLS " FROM cairn.pin_requests WHERE id < $2::bytea ORDER BY id DESC LIMIT $1"},
			{"SELECT " PG_COLS " FROM cairn.pin_requests WHERE" OPEN " ORDER BY id DESC LIMIT $1",
			 "SELECT " PG_COLS " FROM cairn.pin_requests WHERE" OPEN " AND id < $2::bytea"
			 " ORDER BY id DESC LIMIT $1"}};
#undef OPEN
		PGresult *res = pgindex_exec(rp->pg, "pin requests", sql[open != 0][bounded], &a, err);
		bounded = 1;
		if (!res)
			return -1;
		int rows = PQntuples(res);
		more = rows == PG_PAGE;
		for (int i = 0; i < rows && rc == 0; i++) {
			pinreq r;
			size_t in;
			const char *id = pgr_bytes(res, i, 0, &in);
			if (in == PINREQ_ID_LEN)
				memcpy(bound, id, PINREQ_ID_LEN);
			if (pg_row(res, i, &r) != 0)
				continue;
			rc = fn(ctx, &r);
			json_decref(r.doc);
		}
		PQclear(res);
	}
	return rc;
}

/* A request moved from status from to status to (0: none), once counted. */
static void count_move(repo *rp, int from, int to)
{
	if (!__atomic_load_n(&rp->pinreq_counted, __ATOMIC_ACQUIRE))
		return;
	if (from >= PINREQ_QUEUED && from <= PINREQ_FAILED)
		__atomic_sub_fetch(&rp->pinreq_count[from], 1, __ATOMIC_RELAXED);
	if (to >= PINREQ_QUEUED && to <= PINREQ_FAILED)
		__atomic_add_fetch(&rp->pinreq_count[to], 1, __ATOMIC_RELAXED);
}

/* The status byte of a stored record (0 if it has none). */
static int stored_status(const MDB_val *v)
{
	return v->mv_size >= 1 ? ((const uint8_t *)v->mv_data)[0] : 0;
}

int pinreq_create(repo *rp, pinreq *r, const uint8_t *replace, char *err)
{
	int old_status = 0;
	MDB_txn *txn;
	MDB_cursor *cur;
	MDB_val k, v;
	int rc;

	char *json = json_dumps(r->doc, JSON_COMPACT);
	if (!json) {
		ERR("out of memory");
		return -1;
	}
	if (rp->pg) {
		/* pinned promises durable blocks: cached ones may not be yet */
		int rc = r->status == PINREQ_PINNED && blockstore_sync(&rp->bs, err) != 0
		             ? -1 : pg_create(rp, r, replace, json, err);
		free(json);
		return rc;
	}
	size_t jn = strlen(json);
	uint8_t *val = malloc(1 + jn);
	if (!val) {
		free(json);
		ERR("out of memory");
		return -1;
	}
	val[0] = (uint8_t)r->status;
	memcpy(val + 1, json, jn);
	free(json);
	/* pinned promises durable blocks: cached ones may not be yet */
	if (r->status == PINREQ_PINNED && blockstore_sync(&rp->bs, err) != 0) {
		free(val);
		return -1;
	}

	if ((rc = mdb_txn_begin(rp->env, NULL, 0, &txn)) != 0)
		goto fail;
	/* The newest key dates the last request: creation times stay unique
	 * and increasing even if the clock steps back. */
	uint64_t t = now_ms();
	if ((rc = mdb_cursor_open(txn, rp->pinreqs, &cur)) != 0)
		goto fail_txn;
	rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
	if (rc == 0 && k.mv_size == PINREQ_ID_LEN && id_time(k.mv_data) >= t)
		t = id_time(k.mv_data) + 1;
	mdb_cursor_close(cur);
	if (rc != 0 && rc != MDB_NOTFOUND)
		goto fail_txn;
	for (int i = 0; i < 8; i++)
		r->id[i] = (uint8_t)(t >> (56 - 8 * i));
	if (RAND_bytes(r->id + 8, PINREQ_ID_LEN - 8) != 1) {
		mdb_txn_abort(txn);
		free(val);
		ERR("no randomness for a request id");
		return -1;
	}
	r->created_ms = t;
	if (replace) {
		MDB_val old = {PINREQ_ID_LEN, (void *)replace}, ov;
		if (mdb_get(txn, rp->pinreqs, &old, &ov) == 0)
			old_status = stored_status(&ov);
		rc = mdb_del(txn, rp->pinreqs, &old, NULL);
		if (rc == MDB_NOTFOUND) {
			mdb_txn_abort(txn);
			free(val);
			return 1;
		}
		if (rc != 0)
			goto fail_txn;
	}
	k.mv_size = PINREQ_ID_LEN;
	k.mv_data = r->id;
	v.mv_size = 1 + jn;
	v.mv_data = val;
	if ((rc = mdb_put(txn, rp->pinreqs, &k, &v, MDB_NOOVERWRITE)) != 0)
		goto fail_txn;
	rc = mdb_txn_commit(txn);
	free(val);
	if (rc != 0) {
		ERR("index: %s", mdb_strerror(rc));
		return -1;
	}
	count_move(rp, old_status, r->status);
	return 0;
fail_txn:
	mdb_txn_abort(txn);
fail:
	free(val);
	ERR("index: %s", mdb_strerror(rc));
	return -1;
}

int pinreq_update(repo *rp, const uint8_t id[PINREQ_ID_LEN], pinreq_status status, json_t *doc,
                  char *err)
{
	MDB_txn *txn;
	MDB_val k = {PINREQ_ID_LEN, (void *)id}, v;
	int rc;
	char *json = json_dumps(doc, JSON_COMPACT);
	if (json && rp->pg) {
		rc = status == PINREQ_PINNED && blockstore_sync(&rp->bs, err) != 0
		         ? -1 : pg_update(rp, id, status, json, err);
		free(json);
		return rc;
	}
	size_t jn = json ? strlen(json) : 0;
	uint8_t *val = json ? malloc(1 + jn) : NULL;
	if (!val) {
		free(json);
		ERR("out of memory");
		return -1;
	}
	val[0] = (uint8_t)status;
	memcpy(val + 1, json, jn);
	free(json);
	if (status == PINREQ_PINNED && blockstore_sync(&rp->bs, err) != 0) {
		free(val);
		return -1;
	}
	if ((rc = mdb_txn_begin(rp->env, NULL, 0, &txn)) != 0)
		goto fail;
	/* only a request that still exists: a deleted one stays deleted */
	if ((rc = mdb_get(txn, rp->pinreqs, &k, &v)) != 0) {
		mdb_txn_abort(txn);
		if (rc == MDB_NOTFOUND) {
			free(val);
			return 1;
		}
		goto fail;
	}
	int old_status = stored_status(&v);
	v.mv_size = 1 + jn;
	v.mv_data = val;
	if ((rc = mdb_put(txn, rp->pinreqs, &k, &v, 0)) != 0) {
		mdb_txn_abort(txn);
		goto fail;
	}
	if ((rc = mdb_txn_commit(txn)) != 0)
		goto fail;
	free(val);
	count_move(rp, old_status, (int)status);
	return 0;
fail:
	free(val);
	ERR("index: %s", mdb_strerror(rc));
	return -1;
}

int pinreq_get(repo *rp, const uint8_t id[PINREQ_ID_LEN], pinreq *r, char *err)
{
	MDB_txn *txn;
	MDB_val k = {PINREQ_ID_LEN, (void *)id}, v;
	int rc;

	if (rp->pg)
		return pg_get(rp, id, r, err);
	if ((rc = mdb_txn_begin(rp->env, NULL, MDB_RDONLY, &txn)) != 0) {
		ERR("index: %s", mdb_strerror(rc));
		return -1;
	}
	rc = mdb_get(txn, rp->pinreqs, &k, &v);
	if (rc == 0 && decode(&k, &v, r) != 0)
		rc = MDB_NOTFOUND;
	mdb_txn_abort(txn);
	return repo_index_result(rc, MDB_NOTFOUND, "index", err);
}

int pinreq_del(repo *rp, const uint8_t id[PINREQ_ID_LEN], char *err)
{
	MDB_txn *txn;
	MDB_val k = {PINREQ_ID_LEN, (void *)id}, v;
	if (rp->pg)
		return pg_del(rp, id, err);
	int old_status = 0, rc = mdb_txn_begin(rp->env, NULL, 0, &txn);
	if (rc == 0) {
		if ((rc = mdb_get(txn, rp->pinreqs, &k, &v)) == 0) {
			old_status = stored_status(&v);
			rc = mdb_del(txn, rp->pinreqs, &k, NULL);
		}
		if (rc != 0)
			mdb_txn_abort(txn);
		else if ((rc = mdb_txn_commit(txn)) == 0)
			count_move(rp, old_status, 0);
	}
	return repo_index_result(rc, MDB_NOTFOUND, "index", err);
}

static int count_one(void *ctx, const MDB_val *k, const MDB_val *v)
{
	int64_t *n = ctx;
	int s = stored_status(v);
	(void)k;
	if (s >= PINREQ_QUEUED && s <= PINREQ_FAILED)
		n[s]++;
	return 0;
}

int pinreq_counts(repo *rp, uint64_t n[5], char *err)
{
	if (rp->pg)
		return pg_counts(rp, n, err);
	if (!__atomic_load_n(&rp->pinreq_counted, __ATOMIC_ACQUIRE)) {
		int64_t c[5] = {0};
		if (repo_index_foreach(rp, rp->pinreqs, REPO_FORWARD, NULL, count_one, c, err) < 0)
			return -1;
		for (int s = 0; s < 5; s++)
			__atomic_store_n(&rp->pinreq_count[s], c[s], __ATOMIC_RELAXED);
		__atomic_store_n(&rp->pinreq_counted, 1, __ATOMIC_RELEASE);
	}
	for (int s = 0; s < 5; s++) {
		int64_t x = __atomic_load_n(&rp->pinreq_count[s], __ATOMIC_RELAXED);
		n[s] = x > 0 ? (uint64_t)x : 0;
	}
	return 0;
}

struct visit {
	pinreq_fn fn;
	void *ctx;
};

static int visit_pinreq(void *ctx, const MDB_val *k, const MDB_val *v)
{
	struct visit *w = ctx;
	pinreq r;
	if (decode(k, v, &r) != 0)
		return 0;
	int stop = w->fn(w->ctx, &r);
	json_decref(r.doc);
	return stop;
}

int pinreq_foreach(repo *rp, uint64_t before_ms, pinreq_fn fn, void *ctx, char *err)
{
	if (rp->pg)
		return pg_foreach(rp, before_ms, 0, fn, ctx, err);
	struct visit w = {fn, ctx};
	uint8_t start[PINREQ_ID_LEN] = {0};
	MDB_val from = {sizeof start, start};
	/* keys begin with the creation time: everything before the first key
	 * at or after before_ms was created earlier */
	repo_put_be64(before_ms, start);
	return repo_index_foreach(rp, rp->pinreqs, REPO_BACKWARD, before_ms == UINT64_MAX ? NULL : &from,
	                          visit_pinreq, &w, err);
}

struct open_only {
	pinreq_fn fn;
	void *ctx;
};

static int if_open(void *ctx, const pinreq *r)
{
	struct open_only *o = ctx;
	return r->status == PINREQ_QUEUED || r->status == PINREQ_PINNING ? o->fn(o->ctx, r) : 0;
}

int pinreq_foreach_open(repo *rp, pinreq_fn fn, void *ctx, char *err)
{
	if (rp->pg)
		return pg_foreach(rp, UINT64_MAX, 1, fn, ctx, err);
	struct open_only o = {fn, ctx};
	return pinreq_foreach(rp, UINT64_MAX, if_open, &o, err);
}

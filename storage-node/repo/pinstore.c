#include "pinstore.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ERR(...) snprintf(err, CAIRN_ERR_MAX, __VA_ARGS__)

static void key_of(const cairn_cid *cid, uint8_t *buf, MDB_val *k)
{
	size_t n;
	cairn_cid_encode(cid, buf, CAIRN_CID_MAX_BYTES, &n);
	k->mv_data = buf;
	k->mv_size = n;
}

#define GEN_KEY "pin_gen"

/*
 * The PostgreSQL index (pgindex.h): table cairn.pins. Listing goes by
 * pages in key order, so it holds one page at a time however many pins
 * there are.
 */
#define PG_PAGE 1000

static const char *pg_type_name(char t)
{
	return t == PIN_DIRECT ? "direct" : "recursive";
}

/* A row (cid bytes, pin_type, name) into p: 0, or -1 if it does not decode. */
static int pg_row(const PGresult *res, int i, pin *p)
{
	size_t n, tn, nn;
	const char *c = pgr_bytes(res, i, 0, &n), *t = pgr_bytes(res, i, 1, &tn),
	           *name = pgr_bytes(res, i, 2, &nn);
	if (cairn_cid_decode((const uint8_t *)c, n, &p->cid, NULL) != 0)
		return -1;
	p->type = tn == 6 && memcmp(t, "direct", 6) == 0 ? PIN_DIRECT : PIN_RECURSIVE;
	if (nn > PIN_NAME_MAX)
		nn = PIN_NAME_MAX;
	memcpy(p->name, name, nn);
	p->name[nn] = '\0';
	return 0;
}

static int pg_put(repo *r, const pin *p, char *err)
{
	uint8_t kb[CAIRN_CID_MAX_BYTES];
	char name[PIN_NAME_MAX + 1];
	size_t kn;
	pgp a = {0};
	if (r->bs.be && blockstore_sync(&r->bs, err) != 0)
		return -1;
	cairn_cid_encode(&p->cid, kb, sizeof kb, &kn);
	snprintf(name, sizeof name, "%s", p->name);
	pgp_bytes(&a, kb, kn);
	pgp_text(&a, pg_type_name(p->type));
	pgp_text(&a, name);
	return pgindex_command(r->pg, "pins",
	                       "INSERT INTO cairn.pins (cid, pin_type, name)"
	                       " VALUES (ipfs_cid($1::bytea), $2, $3) ON CONFLICT (cid) DO UPDATE"
	                       " SET pin_type = EXCLUDED.pin_type, name = EXCLUDED.name",
	                       &a, err) < 0 ? -1 : 0;
}

static int pg_get(repo *r, const cairn_cid *cid, pin *p, char *err)
{
	uint8_t kb[CAIRN_CID_MAX_BYTES];
	size_t kn;
	pgp a = {0};
	cairn_cid_encode(cid, kb, sizeof kb, &kn);
	pgp_bytes(&a, kb, kn);
	PGresult *res = pgindex_exec(r->pg, "pins",
	                             "SELECT bytea(cid), pin_type, name FROM cairn.pins"
	                             " WHERE cid = ipfs_cid($1::bytea)", &a, err);
	if (!res)
		return -1;
	int rc = PQntuples(res) == 1 && pg_row(res, 0, p) == 0 ? 0 : 1;
	PQclear(res);
	return rc;
}

static int pg_del(repo *r, const cairn_cid *cid, char *err)
{
	uint8_t kb[CAIRN_CID_MAX_BYTES];
	size_t kn;
	pgp a = {0};
	cairn_cid_encode(cid, kb, sizeof kb, &kn);
	pgp_bytes(&a, kb, kn);
	return pgindex_change(r->pg, "pins", "DELETE FROM cairn.pins WHERE cid = ipfs_cid($1::bytea)",
	                      &a, err);
}

static int pg_page(repo *r, const cairn_cid *after, pin *out, size_t max, size_t *n, char *err)
{
	uint8_t kb[CAIRN_CID_MAX_BYTES];
	size_t kn;
	pgp a = {0};
	*n = 0;
	pgp_i64(&a, (int64_t)max);
	if (after) {
		cairn_cid_encode(after, kb, sizeof kb, &kn);
		pgp_bytes(&a, kb, kn);
	}
	PGresult *res = pgindex_exec(r->pg, "pins",
	                             after ? "SELECT bytea(cid), pin_type, name FROM cairn.pins"
	                                     " WHERE cid > ipfs_cid($2::bytea) ORDER BY cid LIMIT $1"
	                                   : "SELECT bytea(cid), pin_type, name FROM cairn.pins"
	                                     " ORDER BY cid LIMIT $1",
	                             &a, err);
	if (!res)
		return -1;
	for (int i = 0; i < PQntuples(res) && *n < max; i++)
		if (pg_row(res, i, &out[*n]) == 0)
			(*n)++;
	PQclear(res);
	return 0;
}

static int pg_foreach(repo *r, pinstore_fn fn, void *ctx, char *err)
{
	pin *page = malloc(PG_PAGE * sizeof *page);
	size_t n;
	int rc = 0;
	if (!page) {
		ERR("pins: out of memory");
		return -1;
	}
	cairn_cid last; /* the previous page's last key */
	for (int first = 1;; first = 0) {
		if ((rc = pg_page(r, first ? NULL : &last, page, PG_PAGE, &n, err)) != 0)
			break;
		for (size_t i = 0; i < n && rc == 0; i++)
			rc = fn(ctx, &page[i]);
		if (rc != 0 || n < PG_PAGE)
			break;
		last = page[n - 1].cid;
	}
	free(page);
	return rc;
}

static int pg_count(repo *r, uint64_t *n, char *err)
{
	PGresult *res = pgindex_exec(r->pg, "pins", "SELECT count(*) FROM cairn.pins", NULL, err);
	if (!res)
		return -1;
	*n = (uint64_t)pgr_i64(res, 0, 0);
	PQclear(res);
	return 0;
}

/* The pin generation and journal feed the mirror into PostgreSQL, which a
 * node whose index is PostgreSQL has no use for (its tables are read
 * directly): asking is a mistake of the caller's. */
static int pg_no_journal(char *err)
{
	ERR("pins: no pin journal with the index in PostgreSQL (its tables are the truth)");
	return -1;
}

/* Bump the generation and, when journaling, record the change, inside
 * txn. 0 or an LMDB error. */
static int count_change(repo *r, MDB_txn *txn, char op, const pin *p, const MDB_val *cidk)
{
	MDB_val gk = {sizeof GEN_KEY - 1, GEN_KEY}, gv;
	uint8_t gb[8], jb[3 + CAIRN_CID_MAX_BYTES + PIN_NAME_MAX];
	uint64_t gen = 0;
	int rc = mdb_get(txn, r->meta, &gk, &gv);
	if (rc == 0 && gv.mv_size == 8)
		gen = repo_get_be64(gv.mv_data);
	else if (rc != 0 && rc != MDB_NOTFOUND)
		return rc;
	repo_put_be64(++gen, gb);
	gv.mv_data = gb;
	gv.mv_size = 8;
	if ((rc = mdb_put(txn, r->meta, &gk, &gv, 0)) != 0)
		return rc;
	/* a new recursive pin is to be replicated (replicator.h) */
	for (size_t t = 0; op == '+' && p->type == PIN_RECURSIVE && t < r->outbox.ntargets; t++) {
		uint8_t rk[8 + CAIRN_CID_MAX_BYTES];
		static const char queued[] = "{\"state\":\"queued\"}";
		memcpy(rk, r->outbox.targets[t], 8);
		memcpy(rk + 8, cidk->mv_data, cidk->mv_size);
		MDB_val k = {8 + cidk->mv_size, rk}, v = {sizeof queued - 1, (void *)queued};
		rc = mdb_put(txn, r->replicas, &k, &v, MDB_NOOVERWRITE);
		if (rc != 0 && rc != MDB_KEYEXIST)
			return rc;
	}
	if (!r->outbox.journal)
		return 0;
	size_t nl = op == '+' ? strnlen(p->name, PIN_NAME_MAX) : 0;
	jb[0] = (uint8_t)op;
	jb[1] = op == '+' ? (uint8_t)p->type : 0;
	jb[2] = (uint8_t)cidk->mv_size;
	memcpy(jb + 3, cidk->mv_data, cidk->mv_size);
	memcpy(jb + 3 + cidk->mv_size, p ? p->name : "", nl);
	MDB_val jk = {8, gb}, jv = {3 + cidk->mv_size + nl, jb};
	return mdb_put(txn, r->pinjournal, &jk, &jv, MDB_APPEND);
}

/* A pin put ('+') or removed ('-') with its count, in one transaction.
 * 0, 1 (removing what is not pinned), -1 with err set. */
static int change(repo *r, char op, const pin *p, char *err)
{
	uint8_t kb[CAIRN_CID_MAX_BYTES], vb[1 + PIN_NAME_MAX];
	size_t nl = op == '+' ? strnlen(p->name, PIN_NAME_MAX) : 0;
	MDB_val k, v = {1 + nl, vb};
	MDB_txn *txn;
	int rc;

	key_of(&p->cid, kb, &k);
	vb[0] = (uint8_t)p->type;
	memcpy(vb + 1, p->name, nl);
	/* a pin promises its blocks are durable: cached ones may not be yet */
	if (op == '+' && r->bs.be && blockstore_sync(&r->bs, err) != 0)
		return -1;
	if ((rc = mdb_txn_begin(r->env, NULL, 0, &txn)) != 0)
		goto done;
	rc = op == '+' ? mdb_put(txn, r->pins, &k, &v, 0) : mdb_del(txn, r->pins, &k, NULL);
	if (rc == 0)
		rc = count_change(r, txn, op, p, &k);
	if (rc != 0)
		mdb_txn_abort(txn);
	else
		rc = mdb_txn_commit(txn); /* frees txn, also on failure */
done:
	return repo_index_result(rc, MDB_NOTFOUND, "index", err);
}

int pinstore_put(repo *r, const pin *p, char *err)
{
	if (r->pg)
		return pg_put(r, p, err);
	return change(r, '+', p, err) == 0 ? 0 : -1;
}

static void decode_value(const MDB_val *v, pin *p)
{
	const uint8_t *d = v->mv_data;
	size_t nl = v->mv_size > 0 ? v->mv_size - 1 : 0;
	if (nl > PIN_NAME_MAX)
		nl = PIN_NAME_MAX;
	p->type = v->mv_size > 0 ? (char)d[0] : PIN_RECURSIVE;
	memcpy(p->name, d + 1, nl);
	p->name[nl] = '\0';
}

int pinstore_get(repo *r, const cairn_cid *cid, pin *p, char *err)
{
	if (r->pg)
		return pg_get(r, cid, p, err);
	uint8_t kb[CAIRN_CID_MAX_BYTES];
	MDB_val k, v;
	MDB_txn *txn;
	int rc;

	key_of(cid, kb, &k);
	if ((rc = mdb_txn_begin(r->env, NULL, MDB_RDONLY, &txn)) != 0) {
		ERR("index: %s", mdb_strerror(rc));
		return -1;
	}
	rc = mdb_get(txn, r->pins, &k, &v);
	if (rc == 0) {
		p->cid = *cid;
		decode_value(&v, p);
	}
	mdb_txn_abort(txn);
	return repo_index_result(rc, MDB_NOTFOUND, "index", err);
}

int pinstore_del(repo *r, const cairn_cid *cid, char *err)
{
	if (r->pg)
		return pg_del(r, cid, err);
	pin p = {.cid = *cid};
	return change(r, '-', &p, err);
}

int pinstore_gen(repo *r, uint64_t *gen, char *err)
{
	if (r->pg)
		return pg_no_journal(err);
	MDB_val gk = {sizeof GEN_KEY - 1, GEN_KEY}, gv;
	MDB_txn *txn;
	int rc = mdb_txn_begin(r->env, NULL, MDB_RDONLY, &txn);
	*gen = 0;
	if (rc == 0) {
		rc = mdb_get(txn, r->meta, &gk, &gv);
		if (rc == 0 && gv.mv_size == 8)
			*gen = repo_get_be64(gv.mv_data);
		mdb_txn_abort(txn);
	}
	if (rc != 0 && rc != MDB_NOTFOUND) {
		ERR("index: %s", mdb_strerror(rc));
		return -1;
	}
	return 0;
}

int pinstore_journal_read(repo *r, uint64_t from, pin_change *out, size_t max, size_t *n,
                          char *err)
{
	if (r->pg)
		return pg_no_journal(err);
	MDB_txn *txn;
	MDB_cursor *cur;
	MDB_val k, v;
	uint8_t kb[8];
	int rc;

	*n = 0;
	if ((rc = mdb_txn_begin(r->env, NULL, MDB_RDONLY, &txn)) != 0 ||
	    (rc = mdb_cursor_open(txn, r->pinjournal, &cur)) != 0) {
		ERR("index: %s", mdb_strerror(rc));
		return -1;
	}
	repo_put_be64(from, kb);
	k.mv_data = kb;
	k.mv_size = 8;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0 && *n < max;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		const uint8_t *d = v.mv_data;
		pin_change *c = &out[*n];
		if (k.mv_size != 8 || repo_get_be64(k.mv_data) != from + *n)
			break; /* a gap: the caller resyncs from there */
		if (v.mv_size < 3 || v.mv_size < 3u + d[2] ||
		    cairn_cid_decode(d + 3, d[2], &c->p.cid, NULL) != 0) {
			rc = MDB_CORRUPTED;
			break;
		}
		size_t nl = v.mv_size - 3 - d[2];
		if (nl > PIN_NAME_MAX)
			nl = PIN_NAME_MAX;
		c->gen = from + *n;
		c->op = (char)d[0];
		c->p.type = (char)d[1];
		memcpy(c->p.name, d + 3 + d[2], nl);
		c->p.name[nl] = '\0';
		(*n)++;
	}
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	if (rc != 0 && rc != MDB_NOTFOUND && *n < max) {
		ERR("index: pin journal: %s", mdb_strerror(rc));
		return -1;
	}
	return 0;
}

int pinstore_journal_trim(repo *r, uint64_t upto, char *err)
{
	if (r->pg)
		return pg_no_journal(err);
	MDB_txn *txn;
	MDB_cursor *cur;
	MDB_val k, v;
	int rc;
	if ((rc = mdb_txn_begin(r->env, NULL, 0, &txn)) != 0)
		goto fail;
	if ((rc = mdb_cursor_open(txn, r->pinjournal, &cur)) != 0) {
		mdb_txn_abort(txn);
		goto fail;
	}
	while ((rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST)) == 0 && k.mv_size == 8 &&
	       repo_get_be64(k.mv_data) <= upto)
		if ((rc = mdb_cursor_del(cur, 0)) != 0)
			break;
	mdb_cursor_close(cur);
	if (rc != 0 && rc != MDB_NOTFOUND) {
		mdb_txn_abort(txn);
		goto fail;
	}
	if ((rc = mdb_txn_commit(txn)) != 0)
		goto fail;
	return 0;
fail:
	ERR("index: pin journal: %s", mdb_strerror(rc));
	return -1;
}

struct visit {
	pinstore_fn fn;
	void *ctx;
};

static int visit_pin(void *ctx, const MDB_val *k, const MDB_val *v)
{
	struct visit *w = ctx;
	pin p;
	if (cairn_cid_decode(k->mv_data, k->mv_size, &p.cid, NULL) != 0)
		return 0; /* not ours: skip rather than fail the listing */
	decode_value(v, &p);
	return w->fn(w->ctx, &p);
}

int pinstore_foreach(repo *r, pinstore_fn fn, void *ctx, char *err)
{
	if (r->pg)
		return pg_foreach(r, fn, ctx, err);
	struct visit w = {fn, ctx};
	return repo_index_foreach(r, r->pins, REPO_FORWARD, NULL, visit_pin, &w, err);
}

int pinstore_page(repo *r, const cairn_cid *after, pin *out, size_t max, size_t *n, char *err)
{
	if (r->pg)
		return pg_page(r, after, out, max, n, err);
	uint8_t kb[CAIRN_CID_MAX_BYTES];
	MDB_txn *txn;
	MDB_cursor *cur;
	MDB_val k, v;
	int rc;

	*n = 0;
	if ((rc = mdb_txn_begin(r->env, NULL, MDB_RDONLY, &txn)) != 0 ||
	    (rc = mdb_cursor_open(txn, r->pins, &cur)) != 0) {
		ERR("index: %s", mdb_strerror(rc));
		return -1;
	}
	if (after) {
		key_of(after, kb, &k);
		size_t alen = k.mv_size;
		rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
		/* the key itself (if still pinned) was in the last page */
		if (rc == 0 && k.mv_size == alen && memcmp(k.mv_data, kb, alen) == 0)
			rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	} else {
		rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	}
	for (; rc == 0 && *n < max; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (cairn_cid_decode(k.mv_data, k.mv_size, &out[*n].cid, NULL) != 0)
			continue;
		decode_value(&v, &out[*n]);
		(*n)++;
	}
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	if (rc != 0 && rc != MDB_NOTFOUND) {
		ERR("index: %s", mdb_strerror(rc));
		return -1;
	}
	return 0;
}

int pinstore_count(repo *r, uint64_t *n, char *err)
{
	if (r->pg)
		return pg_count(r, n, err);
	MDB_txn *txn;
	MDB_stat st;
	int rc = mdb_txn_begin(r->env, NULL, MDB_RDONLY, &txn);
	if (rc == 0) {
		rc = mdb_stat(txn, r->pins, &st);
		mdb_txn_abort(txn);
	}
	if (rc != 0) {
		ERR("index: %s", mdb_strerror(rc));
		return -1;
	}
	*n = st.ms_entries;
	return 0;
}

void pinstore_outbox_journal(repo *r)
{
	r->outbox.journal = 1;
}

int pinstore_outbox_add_target(repo *r, const uint8_t id[8], char *err)
{
	if (r->outbox.ntargets == REPO_REPLICATE_MAX) {
		ERR("at most %d replication targets", REPO_REPLICATE_MAX);
		return -1;
	}
	memcpy(r->outbox.targets[r->outbox.ntargets++], id, 8);
	return 0;
}

void pinstore_outbox_clear_targets(repo *r)
{
	r->outbox.ntargets = 0;
}

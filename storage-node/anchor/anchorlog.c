#include "anchorlog.h"

#include "cairn/error.h"
#include "cairn/multibase.h"

#include <stdio.h>
#include <string.h>

#define ERR(...) snprintf(err, CAIRN_ERR_MAX, __VA_ARGS__)

static void node_key(unsigned level, uint64_t index, uint8_t key[9])
{
	key[0] = (uint8_t)level;
	repo_put_be64(index, key + 1);
}

/* A read of the tree inside one transaction (LMDB) or on one connection
 * (PostgreSQL: the nodes a read asks for never change once written), for
 * core/merkle.c. */
struct reader {
	repo *r;
	MDB_txn *txn;
	PGconn *c;
	int rc;                   /* the first LMDB error */
	char pgerr[CAIRN_ERR_MAX]; /* the first PostgreSQL one */
};

/* PostgreSQL: one node's hash, 0 or -1 (with rd->pgerr set). */
static int pg_node(struct reader *rd, unsigned level, uint64_t index, uint8_t out[32])
{
	pgp a = {0};
	pgp_i64(&a, level);
	pgp_i64(&a, (int64_t)index);
	PGresult *res = pgindex_run(rd->r->pg, rd->c, "anchor log",
	                            "SELECT hash FROM cairn.log_nodes WHERE level = $1 AND idx = $2", &a,
	                            rd->pgerr);
	if (!res)
		return -1;
	size_t n = 0;
	const char *h = PQntuples(res) == 1 ? pgr_bytes(res, 0, 0, &n) : NULL;
	if (n == 32)
		memcpy(out, h, 32);
	else
		snprintf(rd->pgerr, sizeof rd->pgerr, "anchor log: node %u/%llu is missing", level,
		         (unsigned long long)index);
	PQclear(res);
	return n == 32 ? 0 : -1;
}

/* PostgreSQL: the leaf index of a CID (its binary bytes) on rd's
 * connection: 0, 1 (not in the log), or -1 with err set. */
static int pg_find(struct reader *rd, const uint8_t *cb, size_t cl, uint64_t *index, char *err)
{
	pgp a = {0};
	pgp_bytes(&a, cb, cl);
	PGresult *res = pgindex_run(rd->r->pg, rd->c, "anchor log",
	                            "SELECT leaf_index FROM cairn.log_leaves WHERE cid = ipfs_cid($1::bytea)",
	                            &a, err);
	int rc = !res ? -1 : PQntuples(res) == 1 ? 0 : 1;
	if (rc == 0)
		*index = (uint64_t)pgr_i64(res, 0, 0);
	PQclear(res);
	return rc;
}

/* PostgreSQL: the number of leaves, or -1 (with rd->pgerr set). */
static int64_t pg_count(struct reader *rd)
{
	PGresult *res = pgindex_run(rd->r->pg, rd->c, "anchor log",
	                            "SELECT coalesce(max(leaf_index) + 1, 0) FROM cairn.log_leaves", NULL,
	                            rd->pgerr);
	if (!res)
		return -1;
	int64_t n = pgr_i64(res, 0, 0);
	PQclear(res);
	return n;
}

static int read_node(void *ctx, unsigned level, uint64_t index, uint8_t out[32])
{
	struct reader *rd = ctx;
	if (rd->c)
		return pg_node(rd, level, index, out);
	uint8_t kb[9];
	node_key(level, index, kb);
	MDB_val k = {sizeof kb, kb}, v;
	int rc = mdb_get(rd->txn, rd->r->log_nodes, &k, &v);
	if (rc == 0 && v.mv_size != 32)
		rc = MDB_CORRUPTED;
	if (rc != 0) {
		if (!rd->rc)
			rd->rc = rc;
		return -1;
	}
	memcpy(out, v.mv_data, 32);
	return 0;
}

static uint64_t count(repo *r, MDB_txn *txn)
{
	MDB_stat st;
	return mdb_stat(txn, r->log_leaves, &st) == 0 ? st.ms_entries : 0;
}

/* PostgreSQL appends: a batch's CIDs, each once, keyed by their bytes. */
struct seen {
	const uint8_t *cid;
	size_t len;
	uint64_t index;
};

static uint64_t fnv(const uint8_t *b, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211ull;
	return h;
}

/* The slot of cid in t (cap slots, open addressing): its own, or the
 * empty one it goes in. */
static struct seen *seen_slot(struct seen *t, size_t cap, const uint8_t *cid, size_t len)
{
	for (size_t i = fnv(cid, len) % cap;; i = (i + 1) % cap)
		if (!t[i].cid || (t[i].len == len && memcmp(t[i].cid, cid, len) == 0))
			return &t[i];
}

/* b[0..n) in lower-case hex onto f (n <= CAIRN_CID_MAX_BYTES). */
static void hex_to(FILE *f, const uint8_t *b, size_t n)
{
	char h[2 * CAIRN_CID_MAX_BYTES + 1];
	cairn_base_encode(CAIRN_BASE16, b, n, h, sizeof h, NULL);
	fputs(h, f);
}

/* PostgreSQL: the append in one transaction, under the log's advisory
 * lock, so the nodes of a cluster append one after another and a CID
 * keeps the first index any of them gave it. A batch costs a handful of
 * statements, not some per leaf: one finds the CIDs already there; the
 * right edge of the tree (a stored hash per set bit of the size) is read
 * as far as the new leaves complete subtrees over it; every new subtree
 * hash is computed here; the leaves and the hashes go in with one INSERT
 * each (hex lists, unnested). */
static int pg_append(repo *r, const cairn_cid *cids, size_t n, uint64_t *index, size_t *added,
                     char *err)
{
	struct reader rd = {.r = r};
	PGresult *res = NULL;
	size_t fresh = 0, cap = 2 * n + 1, ll = 0, nl = 0;
	uint8_t(*cb)[CAIRN_CID_MAX_BYTES] = malloc(n * sizeof *cb);
	size_t *cl = malloc(n * sizeof *cl);
	struct seen *t = calloc(cap, sizeof *t);
	char *all = NULL, *leaves = NULL, *nodes = NULL;
	size_t al = 0;
	FILE *fa = NULL, *fl = NULL, *fn = NULL;
	uint8_t front[64][32]; /* per level, the newest complete subtree that is a left child */
	int rc = -1;
	if (!cb || !cl || !t || !(fa = open_memstream(&all, &al)) || !(fl = open_memstream(&leaves, &ll)) ||
	    !(fn = open_memstream(&nodes, &nl))) {
		ERR("out of memory");
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		cairn_cid_encode(&cids[i], cb[i], sizeof cb[i], &cl[i]);
		if (i)
			fputc(',', fa);
		hex_to(fa, cb[i], cl[i]);
	}
	if (fclose(fa) != 0) {
		fa = NULL;
		ERR("out of memory");
		goto done;
	}
	fa = NULL;
	if (!(rd.c = pgindex_take(r->pg, err)))
		goto done;
	if (pgindex_begin_locked(r->pg, rd.c, PGINDEX_LOCK_LOG, "anchor log", err) != 0)
		goto done;
	int64_t size = pg_count(&rd);
	if (size < 0)
		goto pgfail;
	/* the CIDs of the batch the log has already */
	pgp a = {0};
	pgp_text(&a, all);
	if (!(res = pgindex_run(r->pg, rd.c, "anchor log",
	                        "SELECT leaf_index, bytea(cid) FROM cairn.log_leaves WHERE cid = ANY"
	                        " (SELECT ipfs_cid(decode(x, 'hex')) FROM unnest(string_to_array($1, ',')) x)",
	                        &a, err)))
		goto done;
	/* the batch's CIDs, each once, without an index yet; then those found */
	for (size_t i = 0; i < n; i++) {
		struct seen *sl = seen_slot(t, cap, cb[i], cl[i]);
		if (!sl->cid)
			*sl = (struct seen){cb[i], cl[i], UINT64_MAX};
	}
	for (int i = 0; i < PQntuples(res); i++) {
		size_t len;
		const uint8_t *c = (const uint8_t *)pgr_bytes(res, i, 1, &len);
		struct seen *sl = seen_slot(t, cap, c, len);
		if (sl->cid)
			sl->index = (uint64_t)pgr_i64(res, i, 0);
	}
	PQclear(res);
	res = NULL;
	uint64_t first = (uint64_t)size, have = 0; /* have: bit l, front[l] is known */
	for (size_t i = 0; i < n; i++) {
		struct seen *sl = seen_slot(t, cap, cb[i], cl[i]);
		if (sl->index != UINT64_MAX) { /* in the log, or earlier in the batch */
			if (index)
				index[i] = sl->index;
			continue;
		}
		uint64_t at = (uint64_t)size++, idx = at;
		uint8_t h[32];
		unsigned l = 0;
		sl->index = at;
		if (fresh++)
			fputc(',', fl);
		hex_to(fl, cb[i], cl[i]);
		cairn_merkle_leaf_hash(cb[i], cl[i], h);
		fprintf(fn, "%s0:%llu:", ftell(fn) > 0 ? "," : "", (unsigned long long)at);
		hex_to(fn, h, 32);
		/* a right child completes its parent, one level up, and so on */
		while (idx & 1) {
			/* the left sibling: made in this batch, or else the right edge of
			 * the tree as it was, node (l, (first >> l) - 1), read once */
			if (!(have >> l & 1) && pg_node(&rd, l, (first >> l) - 1, front[l]) != 0)
				goto pgfail;
			cairn_merkle_node_hash(front[l], h, h);
			idx >>= 1;
			l++;
			fprintf(fn, ",%u:%llu:", l, (unsigned long long)idx);
			hex_to(fn, h, 32);
		}
		memcpy(front[l], h, 32);
		have |= 1ull << l;
		if (index)
			index[i] = at;
	}
	if (fclose(fl) != 0 || fclose(fn) != 0) {
		fl = fn = NULL;
		ERR("out of memory");
		goto done;
	}
	fl = fn = NULL;
	if (fresh) {
		pgp w = {0};
		pgp_text(&w, leaves);
		pgp_i64(&w, (int64_t)first);
		if (!(res = pgindex_run(r->pg, rd.c, "anchor log",
		                        "INSERT INTO cairn.log_leaves (leaf_index, cid) SELECT $2::bigint + o - 1,"
		                        " ipfs_cid(decode(x, 'hex')) FROM unnest(string_to_array($1, ','))"
		                        " WITH ORDINALITY AS t(x, o)",
		                        &w, err)))
			goto done;
		PQclear(res);
		pgp v = {0};
		pgp_text(&v, nodes);
		if (!(res = pgindex_run(r->pg, rd.c, "anchor log",
		                        "INSERT INTO cairn.log_nodes (level, idx, hash) SELECT split_part(x, ':', 1)::int,"
		                        " split_part(x, ':', 2)::bigint, decode(split_part(x, ':', 3), 'hex')"
		                        " FROM unnest(string_to_array($1, ',')) x",
		                        &v, err)))
			goto done;
		PQclear(res);
		res = NULL;
	}
	if (pgindex_script(r->pg, rd.c, "anchor log", "COMMIT", err) != 0)
		goto done;
	if (added)
		*added = fresh;
	rc = 0;
	goto done;
pgfail:
	snprintf(err, CAIRN_ERR_MAX, "%s", rd.pgerr);
done:
	PQclear(res);
	if (rd.c) {
		if (rc != 0)
			pgindex_rollback(rd.c);
		pgindex_give(r->pg, rd.c);
	}
	if (fa)
		fclose(fa);
	if (fl)
		fclose(fl);
	if (fn)
		fclose(fn);
	free(all);
	free(leaves);
	free(nodes);
	free(t);
	free(cl);
	free(cb);
	return rc;
}

int anchorlog_append(repo *r, const cairn_cid *cids, size_t n, uint64_t *index, size_t *added,
                     char *err)
{
	if (r->pg)
		return pg_append(r, cids, n, index, added, err);
	MDB_txn *txn;
	int rc = mdb_txn_begin(r->env, NULL, 0, &txn);
	size_t fresh = 0;
	if (rc != 0)
		goto fail;
	uint64_t size = count(r, txn);
	struct reader rd = {.r = r, .txn = txn};
	for (size_t i = 0; i < n; i++) {
		uint8_t cb[CAIRN_CID_MAX_BYTES], ib[8], kb[9], h[32];
		size_t cl;
		cairn_cid_encode(&cids[i], cb, sizeof cb, &cl);
		MDB_val ck = {cl, cb}, iv;
		rc = mdb_get(txn, r->log_cids, &ck, &iv);
		if (rc == 0 && iv.mv_size == 8) {
			if (index)
				index[i] = repo_get_be64(iv.mv_data);
			continue;
		}
		if (rc != MDB_NOTFOUND)
			goto fail_txn;
		uint64_t at = size++;
		repo_put_be64(at, ib);
		MDB_val lk = {8, ib}, lv = {cl, cb}, civ = {8, ib};
		if ((rc = mdb_put(txn, r->log_leaves, &lk, &lv, MDB_APPEND)) != 0 ||
		    (rc = mdb_put(txn, r->log_cids, &ck, &civ, MDB_NOOVERWRITE)) != 0)
			goto fail_txn;
		cairn_merkle_leaf_hash(cb, cl, h);
		node_key(0, at, kb);
		MDB_val nk = {9, kb}, nv = {32, h};
		if ((rc = mdb_put(txn, r->log_nodes, &nk, &nv, 0)) != 0)
			goto fail_txn;
		/* each trailing 1 bit of at completes a perfect subtree one level up */
		for (unsigned level = 1; level < 64 && ((at + 1) & ((1ull << level) - 1)) == 0; level++) {
			uint8_t left[32];
			uint64_t idx = ((at + 1) >> level) - 1;
			if (read_node(&rd, level - 1, 2 * idx, left) != 0) {
				rc = rd.rc;
				goto fail_txn;
			}
			cairn_merkle_node_hash(left, h, h);
			node_key(level, idx, kb);
			if ((rc = mdb_put(txn, r->log_nodes, &nk, &nv, 0)) != 0)
				goto fail_txn;
		}
		if (index)
			index[i] = at;
		fresh++;
	}
	if ((rc = mdb_txn_commit(txn)) != 0)
		goto fail;
	if (added)
		*added = fresh;
	return 0;
fail_txn:
	mdb_txn_abort(txn);
fail:
	ERR("anchor log: %s", mdb_strerror(rc));
	return -1;
}

/* Open a read transaction into rd (or take a connection). 0 or -1. */
static int begin(repo *r, struct reader *rd, char *err)
{
	rd->r = r;
	rd->rc = 0;
	rd->c = NULL;
	rd->txn = NULL;
	rd->pgerr[0] = '\0';
	if (r->pg)
		return (rd->c = pgindex_take(r->pg, err)) ? 0 : -1;
	int rc = mdb_txn_begin(r->env, NULL, MDB_RDONLY, &rd->txn);
	if (rc != 0) {
		ERR("anchor log: %s", mdb_strerror(rc));
		return -1;
	}
	return 0;
}

static void finish(struct reader *rd)
{
	if (rd->c)
		pgindex_give(rd->r->pg, rd->c);
	else
		mdb_txn_abort(rd->txn);
}

/* Close rd; turn a core result into 0 or -1 with err. */
static int end(struct reader *rd, int core_rc, char *err)
{
	finish(rd);
	if (core_rc == CAIRN_OK)
		return 0;
	if (rd->pgerr[0])
		snprintf(err, CAIRN_ERR_MAX, "%s", rd->pgerr);
	else if (rd->rc)
		ERR("anchor log: %s", mdb_strerror(rd->rc));
	else
		ERR("anchor log: %s", cairn_strerror(core_rc));
	return -1;
}

int anchorlog_size(repo *r, uint64_t *size, char *err)
{
	struct reader rd;
	if (begin(r, &rd, err) != 0)
		return -1;
	if (rd.c) {
		int64_t n = pg_count(&rd);
		*size = n > 0 ? (uint64_t)n : 0;
		return end(&rd, n < 0 ? CAIRN_E_INVAL : CAIRN_OK, err);
	}
	*size = count(r, rd.txn);
	return end(&rd, CAIRN_OK, err);
}

int anchorlog_find(repo *r, const cairn_cid *cid, uint64_t *index, char *err)
{
	struct reader rd;
	uint8_t cb[CAIRN_CID_MAX_BYTES];
	size_t cl;
	if (begin(r, &rd, err) != 0)
		return -1;
	cairn_cid_encode(cid, cb, sizeof cb, &cl);
	if (rd.c) {
		int rc = pg_find(&rd, cb, cl, index, err);
		finish(&rd);
		return rc;
	}
	MDB_val k = {cl, cb}, v;
	int rc = mdb_get(rd.txn, r->log_cids, &k, &v);
	if (rc == 0 && v.mv_size == 8)
		*index = repo_get_be64(v.mv_data);
	mdb_txn_abort(rd.txn);
	return repo_index_result(rc, MDB_NOTFOUND, "anchor log", err);
}

int anchorlog_leaf(repo *r, uint64_t index, cairn_cid *cid, char *err)
{
	struct reader rd;
	uint8_t kb[8];
	if (begin(r, &rd, err) != 0)
		return -1;
	if (rd.c) {
		pgp a = {0};
		pgp_i64(&a, (int64_t)index);
		PGresult *res = pgindex_run(r->pg, rd.c, "anchor log",
		                            "SELECT bytea(cid) FROM cairn.log_leaves WHERE leaf_index = $1",
		                            &a, err);
		int rc = !res ? -1 : PQntuples(res) == 1 ? 0 : 1;
		size_t n;
		const char *b = rc == 0 ? pgr_bytes(res, 0, 0, &n) : NULL;
		if (b && cairn_cid_decode((const uint8_t *)b, n, cid, NULL) != CAIRN_OK) {
			snprintf(err, CAIRN_ERR_MAX, "anchor log: leaf %llu is not a CID",
			         (unsigned long long)index);
			rc = -1;
		}
		PQclear(res);
		finish(&rd);
		return rc;
	}
	repo_put_be64(index, kb);
	MDB_val k = {8, kb}, v;
	int rc = mdb_get(rd.txn, r->log_leaves, &k, &v);
	if (rc == 0 && cairn_cid_decode(v.mv_data, v.mv_size, cid, NULL) != CAIRN_OK)
		rc = MDB_CORRUPTED;
	mdb_txn_abort(rd.txn);
	return repo_index_result(rc, MDB_NOTFOUND, "anchor log", err);
}

/* Open a read of a tree of size leaves, which the log must have. */
static int begin_tree(repo *r, struct reader *rd, uint64_t size, char *err)
{
	if (begin(r, rd, err) != 0)
		return -1;
	int64_t have = rd->c ? pg_count(rd) : (int64_t)count(r, rd->txn);
	if (have < 0) {
		snprintf(err, CAIRN_ERR_MAX, "%s", rd->pgerr);
		finish(rd);
		return -1;
	}
	if (size > (uint64_t)have) {
		finish(rd);
		ERR("the log has fewer than %llu leaves", (unsigned long long)size);
		return -1;
	}
	return 0;
}

int anchorlog_root(repo *r, uint64_t size, uint8_t root[32], char *err)
{
	struct reader rd;
	if (begin_tree(r, &rd, size, err) != 0)
		return -1;
	return end(&rd, cairn_merkle_range_hash(0, size, read_node, &rd, root), err);
}

int anchorlog_inclusion(repo *r, uint64_t index, uint64_t size, uint8_t (*path)[32], size_t *n,
                        char *err)
{
	struct reader rd;
	if (begin_tree(r, &rd, size, err) != 0)
		return -1;
	return end(&rd, cairn_merkle_inclusion_proof(index, size, read_node, &rd, path,
	                                             CAIRN_MERKLE_MAX_PATH, n), err);
}

/* The nodes a run of inclusion paths reads: at each level L the stored
 * subtree hashes [lo[L], lo[L] + cnt[L]) that the run's leaves and their
 * siblings lie in, fetched at once; and the few others (the tree's right
 * edge, where imperfect subtrees are hashed) remembered as they are read,
 * since every path of the run asks for the same ones. */
#define RUN_MEMO 128
struct run_nodes {
	struct reader *rd;
	uint64_t lo[64];
	size_t cnt[64];
	uint8_t (*h[64])[32];
	size_t nmemo;
	struct {
		unsigned level;
		uint64_t index;
		uint8_t hash[32];
	} memo[RUN_MEMO];
};

static int read_run_node(void *ctx, unsigned level, uint64_t index, uint8_t out[32])
{
	struct run_nodes *rn = ctx;
	if (level < 64 && index >= rn->lo[level] && index - rn->lo[level] < rn->cnt[level]) {
		memcpy(out, rn->h[level][index - rn->lo[level]], 32);
		return 0;
	}
	for (size_t i = 0; i < rn->nmemo; i++)
		if (rn->memo[i].level == level && rn->memo[i].index == index) {
			memcpy(out, rn->memo[i].hash, 32);
			return 0;
		}
	if (read_node(rn->rd, level, index, out) != 0)
		return -1;
	if (rn->nmemo < RUN_MEMO) {
		rn->memo[rn->nmemo].level = level;
		rn->memo[rn->nmemo].index = index;
		memcpy(rn->memo[rn->nmemo++].hash, out, 32);
	}
	return 0;
}

/* PostgreSQL: fill rn's ranges for the leaves [first, last] of a tree of
 * size leaves, in one query. 0 or -1 with rd->pgerr set. */
static int pg_run_nodes(struct run_nodes *rn, uint64_t first, uint64_t last, uint64_t size,
                        uint8_t (*store)[32], size_t cap)
{
	/* three array literals, up to 64 levels of up to 20 digits each */
	char ls[64 * 4 + 3], los[64 * 21 + 3], his[64 * 21 + 3];
	size_t a = 0, b = 0, c = 0, at = 0;
	ls[a++] = los[b++] = his[c++] = '{';
	for (unsigned L = 0; L < 64 && (size >> L) > 0; L++) {
		uint64_t lo = (first >> L) & ~1ull, hi = (last >> L) | 1, top = (size >> L) - 1;
		if (hi > top)
			hi = top;
		if (lo > hi || hi - lo >= cap - at)
			continue; /* (never short of room: see the caller) */
		rn->lo[L] = lo;
		rn->cnt[L] = (size_t)(hi - lo + 1);
		rn->h[L] = store + at;
		at += rn->cnt[L];
		a += (size_t)snprintf(ls + a, sizeof ls - a, "%s%u", a > 1 ? "," : "", L);
		b += (size_t)snprintf(los + b, sizeof los - b, "%s%llu", b > 1 ? "," : "", (unsigned long long)lo);
		c += (size_t)snprintf(his + c, sizeof his - c, "%s%llu", c > 1 ? "," : "", (unsigned long long)hi);
	}
	ls[a++] = los[b++] = his[c++] = '}';
	ls[a] = los[b] = his[c] = '\0';
	pgp p = {0};
	pgp_text(&p, ls);
	pgp_text(&p, los);
	pgp_text(&p, his);
	PGresult *res = pgindex_run(rn->rd->r->pg, rn->rd->c, "anchor log",
	                            "SELECT n.level::bigint, n.idx, n.hash FROM unnest($1::int[], $2::bigint[],"
	                            " $3::bigint[]) AS r(l, lo, hi) JOIN cairn.log_nodes n ON n.level = r.l"
	                            " AND n.idx BETWEEN r.lo AND r.hi",
	                            &p, rn->rd->pgerr);
	if (!res)
		return -1;
	size_t got = 0;
	for (int i = 0; i < PQntuples(res); i++) {
		int64_t L = pgr_i64(res, i, 0), idx = pgr_i64(res, i, 1);
		size_t hl = 0;
		const char *h = pgr_bytes(res, i, 2, &hl);
		if (L < 0 || L >= 64 || idx < 0 || (uint64_t)idx < rn->lo[L] ||
		    (uint64_t)idx - rn->lo[L] >= rn->cnt[L] || hl != 32)
			continue;
		memcpy(rn->h[L][(uint64_t)idx - rn->lo[L]], h, 32);
		got++;
	}
	PQclear(res);
	if (got != at) {
		snprintf(rn->rd->pgerr, sizeof rn->rd->pgerr,
		         "anchor log: %zu of the %zu nodes of leaves %llu-%llu are missing", at - got, at,
		         (unsigned long long)first, (unsigned long long)last);
		return -1;
	}
	return 0;
}

int anchorlog_inclusions(repo *r, uint64_t first, size_t n, uint64_t size,
                         uint8_t (*paths)[CAIRN_MERKLE_MAX_PATH][32], size_t *np, char *err)
{
	struct reader rd;
	struct run_nodes *rn = NULL;
	uint8_t (*store)[32] = NULL;
	int core = CAIRN_OK;
	if (n == 0)
		return 0;
	if (first + n > size || first + n < first) {
		ERR("leaves %llu-%llu are not all in a tree of %llu", (unsigned long long)first,
		    (unsigned long long)(first + n - 1), (unsigned long long)size);
		return -1;
	}
	if (begin_tree(r, &rd, size, err) != 0)
		return -1;
	/* level L's range holds at most (n - 1) / 2^L + 4 nodes: 2n + 256 in
	 * all (a level left out would only be read node by node) */
	size_t cap = 2 * n + 256;
	if (!(rn = calloc(1, sizeof *rn)) || (rd.c && !(store = malloc(cap * 32)))) {
		finish(&rd);
		free(rn);
		ERR("out of memory");
		return -1;
	}
	rn->rd = &rd;
	if (rd.c && pg_run_nodes(rn, first, first + n - 1, size, store, cap) != 0)
		core = CAIRN_E_CALLBACK;
	for (size_t i = 0; i < n && core == CAIRN_OK; i++)
		core = cairn_merkle_inclusion_proof(first + i, size, read_run_node, rn, paths[i],
		                                    CAIRN_MERKLE_MAX_PATH, &np[i]);
	free(store);
	free(rn);
	return end(&rd, core, err);
}

int anchorlog_consistency(repo *r, uint64_t m, uint64_t size, uint8_t (*path)[32], size_t *n,
                          char *err)
{
	struct reader rd;
	if (begin_tree(r, &rd, size, err) != 0)
		return -1;
	return end(&rd, cairn_merkle_consistency_proof(m, size, read_node, &rd, path,
	                                               CAIRN_MERKLE_MAX_PATH, n), err);
}

/* A run of stored values, in order: the leaves [first, first + n)
 * (leaves), or the subtree hashes of that level at those indexes; each to
 * fn. 0, 1 (the run stops short: not all of it is stored), fn's non-zero
 * value, or -1 with err. */
static int stored_run(repo *r, int leaves, unsigned level, uint64_t first, size_t n,
                      int (*fn)(void *ctx, const uint8_t *v, size_t len), void *ctx, char *err)
{
	struct reader rd;
	size_t got = 0;
	int rc = 0;
	if (begin(r, &rd, err) != 0)
		return -1;
	if (rd.c) {
		pgp a = {0};
		if (!leaves)
			pgp_i64(&a, level);
		pgp_i64(&a, (int64_t)first);
		pgp_i64(&a, (int64_t)(first + n));
		PGresult *res = pgindex_run(r->pg, rd.c, "anchor log",
		                            leaves ? "SELECT bytea(cid) FROM cairn.log_leaves WHERE leaf_index >= $1"
		                                     " AND leaf_index < $2 ORDER BY leaf_index"
		                                   : "SELECT hash FROM cairn.log_nodes WHERE level = $1 AND idx >= $2"
		                                     " AND idx < $3 ORDER BY idx",
		                            &a, err);
		if (!res) {
			finish(&rd);
			return -1;
		}
		/* indexes are dense: the rows are the run or a prefix of it */
		for (int i = 0; i < PQntuples(res) && got < n && rc == 0; i++, got++) {
			size_t vl = 0;
			const char *v = pgr_bytes(res, i, 0, &vl);
			rc = fn(ctx, (const uint8_t *)v, vl);
		}
		PQclear(res);
		finish(&rd);
		return rc ? rc : got == n ? 0 : 1;
	}
	/* keys sort by index (nodes: by level, then index): a cursor walks the run */
	MDB_cursor *cur;
	uint8_t kb[9];
	size_t kl = leaves ? 8 : 9;
	if (leaves)
		repo_put_be64(first, kb);
	else
		node_key(level, first, kb);
	MDB_val k = {kl, kb}, v;
	int mrc = mdb_cursor_open(rd.txn, leaves ? r->log_leaves : r->log_nodes, &cur);
	if (mrc != 0)
		goto fail;
	mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_KEY);
	while (mrc == 0 && got < n && rc == 0) {
		const uint8_t *kp = k.mv_data;
		if (k.mv_size != kl || (!leaves && kp[0] != level) || repo_get_be64(kp + kl - 8) != first + got)
			break; /* a gap: the rest is not stored yet */
		rc = fn(ctx, v.mv_data, v.mv_size);
		got++;
		mrc = got < n && rc == 0 ? mdb_cursor_get(cur, &k, &v, MDB_NEXT) : 0;
	}
	mdb_cursor_close(cur);
	if (mrc != 0 && mrc != MDB_NOTFOUND)
		goto fail;
	mdb_txn_abort(rd.txn);
	return rc ? rc : got == n ? 0 : 1;
fail:
	mdb_txn_abort(rd.txn);
	ERR("anchor log: %s", mdb_strerror(mrc));
	return -1;
}

struct hashes {
	uint8_t (*out)[32];
	size_t at;
};

static int take_hash(void *ctx, const uint8_t *v, size_t len)
{
	struct hashes *h = ctx;
	if (len != 32)
		return -2;
	memcpy(h->out[h->at++], v, 32);
	return 0;
}

int anchorlog_nodes(repo *r, unsigned level, uint64_t first, size_t n, uint8_t (*out)[32], char *err)
{
	struct hashes h = {out, 0};
	int rc = stored_run(r, 0, level, first, n, take_hash, &h, err);
	if (rc == -2)
		ERR("anchor log: node %u/%llu is not a hash", level, (unsigned long long)(first + h.at));
	return rc < 0 ? -1 : rc;
}

int anchorlog_entries(repo *r, uint64_t first, size_t n,
                      int (*fn)(void *ctx, const uint8_t *cid, size_t len), void *ctx, char *err)
{
	return stored_run(r, 1, 0, first, n, fn, ctx, err);
}

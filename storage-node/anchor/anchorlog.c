#include "anchorlog.h"

#include "cairn/error.h"

#include <stdio.h>
#include <string.h>

#define ERR(...) snprintf(err, CAIRN_ERR_MAX, __VA_ARGS__)

static void node_key(unsigned level, uint64_t index, uint8_t key[9])
{
	key[0] = (uint8_t)level;
	repo_put_be64(index, key + 1);
}

/* A read of the tree inside one transaction, for core/merkle.c. */
struct reader {
	repo *r;
	MDB_txn *txn;
	int rc; /* the first LMDB error */
};

static int read_node(void *ctx, unsigned level, uint64_t index, uint8_t out[32])
{
	struct reader *rd = ctx;
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

int anchorlog_append(repo *r, const cairn_cid *cids, size_t n, uint64_t *index, size_t *added,
                     char *err)
{
	MDB_txn *txn;
	int rc = mdb_txn_begin(r->env, NULL, 0, &txn);
	size_t fresh = 0;
	if (rc != 0)
		goto fail;
	uint64_t size = count(r, txn);
	struct reader rd = {r, txn, 0};
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

/* Open a read transaction into rd. 0 or -1. */
static int begin(repo *r, struct reader *rd, char *err)
{
	rd->r = r;
	rd->rc = 0;
	int rc = mdb_txn_begin(r->env, NULL, MDB_RDONLY, &rd->txn);
	if (rc != 0) {
		ERR("anchor log: %s", mdb_strerror(rc));
		return -1;
	}
	return 0;
}

/* Close rd; turn a core result into 0 or -1 with err. */
static int end(struct reader *rd, int core_rc, char *err)
{
	mdb_txn_abort(rd->txn);
	if (core_rc == CAIRN_OK)
		return 0;
	if (rd->rc)
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
	if (size > count(r, rd->txn)) {
		mdb_txn_abort(rd->txn);
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

int anchorlog_consistency(repo *r, uint64_t m, uint64_t size, uint8_t (*path)[32], size_t *n,
                          char *err)
{
	struct reader rd;
	if (begin_tree(r, &rd, size, err) != 0)
		return -1;
	return end(&rd, cairn_merkle_consistency_proof(m, size, read_node, &rd, path,
	                                               CAIRN_MERKLE_MAX_PATH, n), err);
}

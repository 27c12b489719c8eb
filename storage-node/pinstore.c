#include "pinstore.h"

#include <stdio.h>
#include <string.h>

#define ERR(...) snprintf(err, REPO_ERR_MAX, __VA_ARGS__)

static void key_of(const cairn_cid *cid, uint8_t *buf, MDB_val *k)
{
	size_t n;
	cairn_cid_encode(cid, buf, CAIRN_CID_MAX_BYTES, &n);
	k->mv_data = buf;
	k->mv_size = n;
}

int pinstore_put(repo *r, const pin *p, char *err)
{
	uint8_t kb[CAIRN_CID_MAX_BYTES], vb[1 + PIN_NAME_MAX];
	size_t nl = strnlen(p->name, PIN_NAME_MAX);
	MDB_val k, v = {1 + nl, vb};

	key_of(&p->cid, kb, &k);
	vb[0] = (uint8_t)p->type;
	memcpy(vb + 1, p->name, nl);
	return repo_index_put(r, r->pins, &k, &v, 0, err) == 0 ? 0 : -1;
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
	if (rc == MDB_NOTFOUND)
		return 1;
	if (rc != 0) {
		ERR("index: %s", mdb_strerror(rc));
		return -1;
	}
	return 0;
}

int pinstore_del(repo *r, const cairn_cid *cid, char *err)
{
	uint8_t kb[CAIRN_CID_MAX_BYTES];
	MDB_val k;
	key_of(cid, kb, &k);
	return repo_index_del(r, r->pins, &k, err);
}

int pinstore_foreach(repo *r, pinstore_fn fn, void *ctx, char *err)
{
	MDB_txn *txn;
	MDB_cursor *cur;
	MDB_val k, v;
	int rc, ret = 0;

	if ((rc = mdb_txn_begin(r->env, NULL, MDB_RDONLY, &txn)) != 0 ||
	    (rc = mdb_cursor_open(txn, r->pins, &cur)) != 0) {
		ERR("index: %s", mdb_strerror(rc));
		return -1;
	}
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		pin p;
		if (cairn_cid_decode(k.mv_data, k.mv_size, &p.cid, NULL) != 0)
			continue; /* not ours: skip rather than fail the listing */
		decode_value(&v, &p);
		if ((ret = fn(ctx, &p)) != 0)
			break;
	}
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	if (ret == 0 && rc != MDB_NOTFOUND) {
		ERR("index: %s", mdb_strerror(rc));
		return -1;
	}
	return ret;
}

int pinstore_count(repo *r, uint64_t *n, char *err)
{
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

#include "witness.h"
#include "checkpoint.h"
#include "log.h"

#include "cairn/hash.h"
#include "cairn/multibase.h"
#include "cairn/multihash.h"
#include "cairn/tlog.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define ERR(...) snprintf(err, CAIRN_ERR_MAX, __VA_ARGS__)
#define REPLY(code, ...) (snprintf(out, cap, __VA_ARGS__), (code))

static int key_of(repo *r, const char *name, EVP_PKEY **key, uint8_t pub[32], char *out, size_t cap,
                  char *err)
{
	size_t pl = 32;
	if (!(*key = repo_witness_key(r, 1, err)))
		return -1;
	if (EVP_PKEY_get_raw_public_key(*key, pub, &pl) != 1 || pl != 32) {
		ERR("witness.key is not an Ed25519 key");
		EVP_PKEY_free(*key);
		*key = NULL;
		return -1;
	}
	char id[64];
	if (name && *name)
		snprintf(out, cap, "%s", name);
	else if (repo_key_peer_id(*key, id, sizeof id) == 0)
		snprintf(out, cap, "cairn-witness/%s", id);
	return 0;
}

int witness_key_text(repo *r, const char *name, char *vkey, size_t cap, char *err)
{
	EVP_PKEY *key;
	uint8_t pub[32];
	char nm[301];
	if (key_of(r, name, &key, pub, nm, sizeof nm, err) != 0)
		return -1;
	EVP_PKEY_free(key);
	note_vkey_text(nm, NOTE_KEY_COSIGNATURE, pub, vkey, cap);
	return 0;
}

int witness_open(witness *w, repo *r, const json_t *cfg, char *err)
{
	memset(w, 0, sizeof *w);
	w->r = r;
	json_t *logs = json_object_get(cfg, "Logs"), *l;
	size_t i;
	if (!logs || json_array_size(logs) == 0)
		return 0;
	if (!json_is_array(logs) || json_array_size(logs) > WITNESS_LOGS_MAX) {
		ERR("config Witness.Logs: a list of at most %d {\"Key\": \"<verifier key>\", \"Origin\": ...}",
		    WITNESS_LOGS_MAX);
		return -1;
	}
	json_array_foreach(logs, i, l) {
		const char *vk = json_string_value(json_object_get(l, "Key"));
		const char *origin = json_string_value(json_object_get(l, "Origin"));
		witness_log *wl = &w->logs[w->nlogs];
		char kerr[CAIRN_ERR_MAX];
		if (!vk || note_vkey_parse_as(vk, NOTE_KEY_ED25519, &wl->key, kerr) != 0) {
			ERR("config Witness.Logs[%zu].Key: %s", i, vk ? kerr : "missing");
			return -1;
		}
		snprintf(wl->origin, sizeof wl->origin, "%s", origin && *origin ? origin : wl->key.name);
		for (size_t j = 0; j < w->nlogs; j++)
			if (!strcmp(w->logs[j].origin, wl->origin)) {
				ERR("config Witness.Logs: origin %s is listed twice", wl->origin);
				return -1;
			}
		w->nlogs++;
	}
	const char *name = json_string_value(json_object_get(cfg, "Name"));
	if (key_of(r, name, &w->key, w->pub, w->name, sizeof w->name, err) != 0)
		return -1;
	note_vkey k;
	char vk[CHECKPOINT_VKEY_MAX], kerr[CAIRN_ERR_MAX];
	note_vkey_text(w->name, NOTE_KEY_COSIGNATURE, w->pub, vk, sizeof vk);
	if (note_vkey_parse(vk, &k, kerr) != 0) {
		ERR("config Witness.Name '%s': a key name has no spaces or '+'", w->name);
		witness_close(w);
		return -1;
	}
	return 0;
}

void witness_close(witness *w)
{
	EVP_PKEY_free(w->key);
	w->key = NULL;
	w->nlogs = 0;
}

void witness_vkey(const witness *w, char *out, size_t cap)
{
	note_vkey_text(w->name, NOTE_KEY_COSIGNATURE, w->pub, out, cap);
}

/* --- state: the newest cosigned size and root of each origin ----------- */

/* 0 with *size, root (0 and zeros: none yet), or -1 with err. */
static int state_get(repo *r, const char *origin, uint64_t *size, uint8_t root[32], char *err)
{
	*size = 0;
	memset(root, 0, 32);
	if (r->pg) {
		pgp a = {0};
		pgp_text(&a, origin);
		PGresult *res = pgindex_exec(r->pg, "witness", "SELECT tree_size, root FROM cairn.witness_state"
		                             " WHERE origin = $1", &a, err);
		if (!res)
			return -1;
		if (PQntuples(res) == 1) {
			size_t n = 0;
			const char *h = pgr_bytes(res, 0, 1, &n);
			*size = (uint64_t)pgr_i64(res, 0, 0);
			if (n == 32)
				memcpy(root, h, 32);
		}
		PQclear(res);
		return 0;
	}
	MDB_txn *txn;
	MDB_val k = {strlen(origin), (void *)origin}, v;
	int rc = mdb_txn_begin(r->env, NULL, MDB_RDONLY, &txn);
	if (rc == 0) {
		rc = mdb_get(txn, r->witness, &k, &v);
		if (rc == 0 && v.mv_size == 40) {
			*size = repo_get_be64(v.mv_data);
			memcpy(root, (uint8_t *)v.mv_data + 8, 32);
		}
		mdb_txn_abort(txn);
	}
	return repo_index_result(rc, MDB_NOTFOUND, "witness state", err) < 0 ? -1 : 0;
}

/* If origin's stored size is still old, store (size, root): 0; 1 if it
 * is not (another request moved it: *have is what it is now); -1. */
static int state_swap(repo *r, const char *origin, uint64_t old, uint64_t size, const uint8_t root[32],
                      uint64_t *have, char *err)
{
	uint8_t dummy[32];
	if (r->pg) {
		pgp a = {0};
		pgp_text(&a, origin);
		pgp_i64(&a, (int64_t)old);
		pgp_i64(&a, (int64_t)size);
		pgp_bytes(&a, root, 32);
		int rc = pgindex_change(r->pg, "witness",
		                        "INSERT INTO cairn.witness_state (origin, tree_size, root) VALUES ($1, $3, $4)"
		                        " ON CONFLICT (origin) DO UPDATE SET tree_size = $3, root = $4, updated_at = now()"
		                        " WHERE cairn.witness_state.tree_size = $2", &a, err);
		if (rc == 1 && state_get(r, origin, have, dummy, err) != 0)
			return -1;
		return rc;
	}
	MDB_txn *txn;
	MDB_val k = {strlen(origin), (void *)origin}, v;
	uint8_t val[40];
	int rc = mdb_txn_begin(r->env, NULL, 0, &txn);
	if (rc != 0)
		goto fail;
	rc = mdb_get(txn, r->witness, &k, &v);
	uint64_t now = rc == 0 && v.mv_size == 40 ? repo_get_be64(v.mv_data) : 0;
	if (rc != 0 && rc != MDB_NOTFOUND)
		goto fail_txn;
	if (now != old) {
		mdb_txn_abort(txn);
		*have = now;
		return 1;
	}
	repo_put_be64(size, val);
	memcpy(val + 8, root, 32);
	v = (MDB_val){sizeof val, val};
	if ((rc = mdb_put(txn, r->witness, &k, &v, 0)) != 0 || (rc = mdb_txn_commit(txn)) != 0)
		goto fail;
	return 0;
fail_txn:
	mdb_txn_abort(txn);
fail:
	ERR("witness state: %s", mdb_strerror(rc));
	return -1;
}

/* --- add-checkpoint ----------------------------------------------------- */

static void b64(const uint8_t h[32], char out[48])
{
	cairn_base_encode(CAIRN_BASE64PAD, h, 32, out, 48, NULL);
}

int witness_add_checkpoint(witness *w, const char *body, size_t len, char *out, size_t cap)
{
	cairn_tlog_witness_req q;
	uint8_t root[32], have_root[32];
	size_t ol, tl;
	const char *origin;
	uint64_t size, have;
	char err[CAIRN_ERR_MAX], o[301];

	if (cairn_tlog_witness_parse(body, len, &q) != 0)
		return REPLY(400, "%s\n", q.why);
	uint64_t old = q.old;
	size_t np = q.nproof;
	const char *note = q.note;
	size_t note_len = q.note_len;
	if (cairn_tlog_checkpoint_parse(note, note_len, &origin, &ol, &size, root) != 0 || ol >= sizeof o)
		return REPLY(400, "the checkpoint does not start with origin, size and base64 root\n");
	memcpy(o, origin, ol);
	o[ol] = '\0';
	const witness_log *wl = NULL;
	for (size_t i = 0; i < w->nlogs && !wl; i++)
		if (!strcmp(w->logs[i].origin, o))
			wl = &w->logs[i];
	if (!wl)
		return REPLY(404, "this witness does not follow the log %s\n", o);
	int v = note_verify(note, note_len, wl->key.name, wl->key.pub, &tl, err);
	if (v < 0)
		return REPLY(400, "the checkpoint is not a signed note: %s\n", err);
	if (v > 0)
		return REPLY(403, "no valid signature by %s's key on the checkpoint\n", o);
	if (old > size)
		return REPLY(400, "old %llu is larger than the checkpoint's size %llu\n", (unsigned long long)old,
		             (unsigned long long)size);
	if (state_get(w->r, o, &have, have_root, err) != 0)
		return REPLY(503, "the witness's state cannot be read: %s\n", err);
	if (old != have)
		return REPLY(409, "%llu\n", (unsigned long long)have);
	if (size == 0) {
		uint8_t empty[32];
		cairn_sha256("", 0, empty);
		if (memcmp(root, empty, 32) != 0)
			return REPLY(422, "a tree of size 0 has the empty tree's root\n");
	}
	if (old == 0 && np > 0)
		return REPLY(422, "from old 0 the consistency proof is empty\n");
	int consistent = old == 0 ||
	                 (old == size ? CRYPTO_memcmp(root, have_root, 32) == 0
	                              : cairn_merkle_verify_consistency(old, size, have_root, root,
	                                                                (const uint8_t(*)[32])q.proof, np) == 0);
	if (!consistent) {
		char r1[48], r2[48];
		b64(have_root, r1);
		b64(root, r2);
		/* a log that signed this contradicts what it showed before */
		log_warn("witness: split view of %s: it signed size %llu root %s, inconsistent with the size "
		         "%llu root %s this witness cosigned (%s)", o, (unsigned long long)size, r2,
		         (unsigned long long)old, r1, old == size ? "same size, another root" : "the proof fails");
		return REPLY(422, "the checkpoint is not consistent with size %llu, which this witness cosigned "
		             "(%s)\n", (unsigned long long)old, old == size ? "same size, another root"
		                                                           : "the consistency proof does not verify");
	}
	int swapped = state_swap(w->r, o, have, size, root, &have, err);
	if (swapped < 0)
		return REPLY(503, "the witness's state cannot be written: %s\n", err);
	if (swapped > 0)
		return REPLY(409, "%llu\n", (unsigned long long)have);
	if (note_cosign(note, note_len, w->name, w->key, (uint64_t)time(NULL), out, cap, err) != 0)
		return REPLY(500, "%s\n", err);
	return 200;
}

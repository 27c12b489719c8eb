#include "proof.h"
#include "cairn/multibase.h"

#include "anchors.h"
#include "anchorlog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

json_t *proof_checkpoint_json(const checkpoint *cp)
{
	char root[65], when[32];
	struct tm tm;
	time_t t = (time_t)cp->time;
	cairn_base_encode(CAIRN_BASE16, cp->root, 32, root, sizeof root, NULL);
	gmtime_r(&t, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_pack("{s:I, s:s, s:s, s:s}", "size", (json_int_t)cp->size, "root", root, "time",
	                 when, "checkpoint", cp->note);
}

int proof_checkpoint_anchored(repo *r, const checkpoint *cp, json_t **out, char *err)
{
	json_t *a, *j;
	if (anchors_confirmed(r, cp->size, &a, err) < 0)
		return -1;
	if (!(j = proof_checkpoint_json(cp))) {
		json_decref(a);
		snprintf(err, CAIRN_ERR_MAX, "out of memory");
		return -1;
	}
	if (a)
		json_object_set_new(j, "anchor", a);
	*out = j;
	return 0;
}

struct newest {
	repo *r;
	uint64_t index;
	checkpoint *best;
	int anchored, found;
	char *err;
};

static int consider(void *ctx, const checkpoint *cp)
{
	struct newest *w = ctx;
	if (cp->size <= w->index)
		return 0;
	json_t *rec;
	int anchored = anchors_confirmed(w->r, cp->size, &rec, w->err);
	if (anchored < 0)
		return -1;
	anchored = anchored == 0;
	json_decref(rec);
	/* an anchored checkpoint beats any unanchored one; newer beats older
	 * (they come oldest first) */
	if (anchored || !w->anchored) {
		*w->best = *cp;
		w->anchored = anchored;
		w->found = 1;
	}
	return 0;
}

/* The checkpoint a proof of leaf index is best made against: the newest
 * anchored one that covers it, else the newest. 0, 1 (none), -1. */
static int newest_anchored(repo *r, uint64_t index, checkpoint *cp, char *err)
{
	if (r->pg) {
		/* one query, not one per checkpoint: a cluster makes many */
		pgp a = {0};
		pgp_i64(&a, (int64_t)index);
		PGresult *res = pgindex_exec(r->pg, "checkpoints",
		                             "SELECT c.tree_size FROM cairn.checkpoints c"
		                             " JOIN cairn.chain_anchors a USING (tree_size)"
		                             " WHERE c.tree_size > $1 AND a.confirmed"
		                             " ORDER BY c.tree_size DESC LIMIT 1", &a, err);
		if (!res)
			return -1;
		int have = PQntuples(res) == 1;
		uint64_t size = have ? (uint64_t)pgr_i64(res, 0, 0) : 0;
		PQclear(res);
		return have ? checkpoint_get(r, size, cp, err) : checkpoint_latest(r, cp, err);
	}
	struct newest w = {r, index, cp, 0, 0, err};
	int rc = checkpoint_foreach(r, consider, &w, err);
	if (rc < 0)
		return -1;
	if (!w.found)
		return checkpoint_latest(r, cp, err);
	return 0;
}

int proof_build(repo *r, const cairn_cid *cid, int has_size, uint64_t size, json_t **out, char *msg)
{
	char text[CAIRN_CID_TEXT_MAX];
	uint64_t index;
	int rc;
	cairn_cid_to_string(cid, text, sizeof text, NULL);
	rc = anchorlog_find(r, cid, &index, msg);
	if (rc != 0) {
		if (rc > 0)
			snprintf(msg, CAIRN_ERR_MAX, "%s is not in the anchoring log (anchor/add it)", text);
		return rc > 0 ? PROOF_NOT_LOGGED : -1;
	}
	checkpoint *cp = malloc(sizeof *cp);
	if (!cp) {
		snprintf(msg, CAIRN_ERR_MAX, "out of memory");
		return -1;
	}
	rc = has_size ? checkpoint_get(r, size, cp, msg) : newest_anchored(r, index, cp, msg);
	if (rc < 0)
		goto done;
	if (rc > 0 && has_size) {
		snprintf(msg, CAIRN_ERR_MAX, "no checkpoint of size %llu", (unsigned long long)size);
		rc = PROOF_NO_CHECKPOINT;
		goto done;
	}
	if (rc > 0 || index >= cp->size) {
		snprintf(msg, CAIRN_ERR_MAX, "%s (leaf %llu) is in no checkpoint yet: 'cairn anchor flush' (api/v0/anchor/flush) makes one",
		         text, (unsigned long long)index);
		rc = PROOF_PENDING;
		goto done;
	}
	uint8_t path[CAIRN_MERKLE_MAX_PATH][32];
	size_t np;
	if (anchorlog_inclusion(r, index, cp->size, path, &np, msg) != 0) {
		rc = -1;
		goto done;
	}
	json_t *j = proof_checkpoint_json(cp), *pa = json_array();
	for (size_t i = 0; i < np; i++) {
		char h[65];
		cairn_base_encode(CAIRN_BASE16, path[i], 32, h, sizeof h, NULL);
		json_array_append_new(pa, json_string(h));
	}
	json_t *rec;
	if (anchors_confirmed(r, cp->size, &rec, msg) < 0) {
		json_decref(j);
		json_decref(pa);
		rc = -1;
		goto done;
	}
	if (rec) /* chain, tx, block, block_hash, time: where the root is on chain */
		json_object_update(j, rec);
	json_decref(rec);
	json_object_set_new(j, "cid", json_string(text));
	json_object_set_new(j, "index", json_integer((json_int_t)index));
	json_object_set_new(j, "path", pa);
	if (!json_object_get(j, "tx"))
		json_object_del(j, "time"); /* unanchored: no chain time to give */
	*out = j;
	rc = 0;
done:
	free(cp);
	return rc;
}

int proof_publish(repo *r, uint64_t size, size_t max, size_t *written, char *err)
{
	*written = 0;
	if (!r->pg)
		return 0;
	PGresult *res = pgindex_exec(r->pg, "anchor proofs",
	                             "SELECT coalesce(max(leaf_index) + 1, 0) FROM cairn.anchor_proofs",
	                             NULL, err);
	if (!res)
		return -1;
	uint64_t next = (uint64_t)pgr_i64(res, 0, 0);
	PQclear(res);
	for (; next < size && *written < max; next++) {
		cairn_cid cid;
		json_t *j = NULL;
		char *text = NULL;
		if (anchorlog_leaf(r, next, &cid, err) != 0 || proof_build(r, &cid, 1, size, &j, err) != 0 ||
		    !(text = json_dumps(j, JSON_COMPACT))) {
			json_decref(j);
			if (!text && j)
				snprintf(err, CAIRN_ERR_MAX, "out of memory");
			return -1;
		}
		json_decref(j);
		pgp a = {0};
		pgp_i64(&a, (int64_t)next);
		pgp_text(&a, text);
		/* another node's publisher may have written it meanwhile: the
		 * same proof, kept */
		int64_t n = pgindex_command(r->pg, "anchor proofs",
		                            "INSERT INTO cairn.anchor_proofs VALUES ($1, $2::anchored_cid)"
		                            " ON CONFLICT (leaf_index) DO NOTHING", &a, err);
		free(text);
		if (n < 0)
			return -1;
		(*written)++;
	}
	return 0;
}

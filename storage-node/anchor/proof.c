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

/* What a proof holds besides its leaf (new object, or NULL when out of
 * memory): cp's fields, then rec's (the confirmed anchor: chain, tx,
 * block, block_hash, time; may be NULL). */
static json_t *proof_head(const checkpoint *cp, const json_t *rec)
{
	json_t *j = proof_checkpoint_json(cp);
	if (j && rec) /* chain, tx, block, block_hash, time: where the root is on chain */
		json_object_update(j, (json_t *)rec);
	if (j && !json_object_get(j, "tx"))
		json_object_del(j, "time"); /* unanchored: no chain time to give */
	return j;
}

/* A proof as JSON (new object, or NULL when out of memory): its head,
 * then the leaf's cid, index and path. */
static json_t *proof_json(const checkpoint *cp, const json_t *rec, const char *cid, uint64_t index,
                          uint8_t (*path)[32], size_t np)
{
	json_t *j = proof_head(cp, rec), *pa = json_array();
	if (!j || !pa)
		goto fail;
	for (size_t i = 0; i < np; i++) {
		char h[65];
		cairn_base_encode(CAIRN_BASE16, path[i], 32, h, sizeof h, NULL);
		if (json_array_append_new(pa, json_string(h)) != 0)
			goto fail;
	}
	json_object_set_new(j, "cid", json_string(cid));
	json_object_set_new(j, "index", json_integer((json_int_t)index));
	json_object_set_new(j, "path", pa);
	return j;
fail:
	json_decref(j);
	json_decref(pa);
	return NULL;
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
	json_t *rec;
	if (anchorlog_inclusion(r, index, cp->size, path, &np, msg) != 0 ||
	    anchors_confirmed(r, cp->size, &rec, msg) < 0) {
		rc = -1;
		goto done;
	}
	*out = proof_json(cp, rec, text, index, path, np);
	json_decref(rec);
	rc = *out ? 0 : -1;
	if (rc)
		snprintf(msg, CAIRN_ERR_MAX, "out of memory");
done:
	free(cp);
	return rc;
}

/* The CIDs of a run of leaves, as text, for proof_publish. */
struct leaf_texts {
	char (*text)[CAIRN_CID_TEXT_MAX];
	size_t n;
};

static int take_leaf(void *ctx, const uint8_t *b, size_t len)
{
	struct leaf_texts *lt = ctx;
	cairn_cid cid;
	if (cairn_cid_decode(b, len, &cid, NULL) != CAIRN_OK)
		return -2;
	cairn_cid_to_string(&cid, lt->text[lt->n++], CAIRN_CID_TEXT_MAX, NULL);
	return 0;
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
	if (next >= size || max == 0)
		return 0;
	size_t n = size - next < max ? (size_t)(size - next) : max;
	/* the run's proofs share their checkpoint, its anchor and most of
	 * their paths: each is read once, then one INSERT of them all */
	int rc = -1;
	checkpoint *cp = malloc(sizeof *cp);
	struct leaf_texts lt = {malloc(n * sizeof *lt.text), 0};
	uint8_t (*paths)[CAIRN_MERKLE_MAX_PATH][32] = malloc(n * sizeof *paths);
	size_t *np = malloc(n * sizeof *np);
	json_t *rec = NULL, *head = NULL;
	char *ht = NULL, *body = NULL;
	if (!cp || !lt.text || !paths || !np) {
		snprintf(err, CAIRN_ERR_MAX, "out of memory");
		goto done;
	}
	int got = checkpoint_get(r, size, cp, err);
	if (got > 0)
		snprintf(err, CAIRN_ERR_MAX, "no checkpoint of size %llu", (unsigned long long)size);
	if (got != 0 || anchors_confirmed(r, size, &rec, err) < 0)
		goto done;
	got = anchorlog_entries(r, next, n, take_leaf, &lt, err);
	if (got != 0) {
		if (got > 0 || got == -2)
			snprintf(err, CAIRN_ERR_MAX, "anchor log: leaves %llu-%llu are %s",
			         (unsigned long long)next, (unsigned long long)(next + n - 1),
			         got == -2 ? "not all CIDs" : "not all stored");
		goto done;
	}
	if (anchorlog_inclusions(r, next, n, size, paths, np, err) != 0)
		goto done;
	/* Each proof's text is the head's (compact, so it ends in '}') with
	 * the leaf's members put before that brace: the same members, in the
	 * same order, as proof_json gives the API. Compact JSON has no raw
	 * newline, so the proofs go as one parameter, a line each. */
	if (!(head = proof_head(cp, rec)) || !(ht = json_dumps(head, JSON_COMPACT))) {
		snprintf(err, CAIRN_ERR_MAX, "out of memory");
		goto done;
	}
	size_t hl = strlen(ht) - 1, each = hl + CAIRN_CID_TEXT_MAX + 64 + CAIRN_MERKLE_MAX_PATH * 67, at = 0;
	if (!(body = malloc(n * each + 1))) {
		snprintf(err, CAIRN_ERR_MAX, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		if (i)
			body[at++] = '\n';
		memcpy(body + at, ht, hl);
		at += hl;
		at += (size_t)sprintf(body + at, ",\"cid\":\"%s\",\"index\":%llu,\"path\":[", lt.text[i],
		                      (unsigned long long)(next + i));
		for (size_t k = 0; k < np[i]; k++) {
			body[at++] = k ? ',' : '"';
			if (k)
				body[at++] = '"';
			cairn_base_encode(CAIRN_BASE16, paths[i][k], 32, body + at, 65, NULL);
			at += 64;
			body[at++] = '"';
		}
		body[at++] = ']';
		body[at++] = '}';
	}
	body[at] = '\0';
	pgp a = {0};
	pgp_i64(&a, (int64_t)next);
	pgp_text(&a, body);
	/* another node's publisher may have written some meanwhile: the same
	 * proofs, kept */
	if (pgindex_command(r->pg, "anchor proofs",
	                    "INSERT INTO cairn.anchor_proofs SELECT $1 + o - 1, p::anchored_cid FROM"
	                    " unnest(string_to_array($2, E'\\n')) WITH ORDINALITY AS t(p, o)"
	                    " ON CONFLICT (leaf_index) DO NOTHING",
	                    &a, err) < 0)
		goto done;
	*written = n;
	rc = 0;
done:
	free(body);
	free(ht);
	json_decref(head);
	json_decref(rec);
	free(np);
	free(paths);
	free(lt.text);
	free(cp);
	return rc;
}

#include "anchors.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The PostgreSQL index (pgindex.h): table cairn.chain_anchors, record as
 * jsonb and a generated column "confirmed" for the searches.
 */
static int pg_put(repo *r, uint64_t size, const char *json, char *err)
{
	pgp a = {0};
	pgp_i64(&a, (int64_t)size);
	pgp_text(&a, json);
	return pgindex_command(r->pg, "anchors",
	                       "INSERT INTO cairn.chain_anchors (tree_size, record) VALUES ($1, $2::jsonb)"
	                       " ON CONFLICT (tree_size) DO UPDATE SET record = EXCLUDED.record",
	                       &a, err) < 0 ? -1 : 0;
}

/* One record (newest: the last one, size ignored) as JSON. 0, 1, -1. */
static int pg_get(repo *r, int newest, uint64_t *size, json_t **out, char *err)
{
	pgp a = {0};
	*out = NULL;
	if (!newest)
		pgp_i64(&a, (int64_t)*size);
	PGresult *res = pgindex_exec(r->pg, "anchors",
	                             newest ? "SELECT tree_size, record::text FROM cairn.chain_anchors"
	                                      " ORDER BY tree_size DESC LIMIT 1"
	                                    : "SELECT tree_size, record::text FROM cairn.chain_anchors"
	                                      " WHERE tree_size = $1",
	                             &a, err);
	if (!res)
		return -1;
	int rc = PQntuples(res) == 1 ? 0 : 1;
	if (rc == 0) {
		size_t n;
		const char *t = pgr_bytes(res, 0, 1, &n);
		*size = (uint64_t)pgr_i64(res, 0, 0);
		if (!(*out = json_loadb(t, n, 0, NULL))) {
			snprintf(err, CAIRN_ERR_MAX, "anchors: out of memory");
			rc = -1;
		}
	}
	PQclear(res);
	return rc;
}

static int pg_newest_confirmed(repo *r, uint64_t *size, char *err)
{
	PGresult *res = pgindex_exec(r->pg, "anchors",
	                             "SELECT max(tree_size) FROM cairn.chain_anchors WHERE confirmed",
	                             NULL, err);
	if (!res)
		return -1;
	int rc = PQgetisnull(res, 0, 0) ? 1 : 0;
	if (rc == 0)
		*size = (uint64_t)pgr_i64(res, 0, 0);
	PQclear(res);
	return rc;
}

int anchors_put(repo *r, uint64_t size, const json_t *rec, char *err)
{
	uint8_t kb[8];
	char *t = json_dumps(rec, JSON_COMPACT);
	if (!t) {
		snprintf(err, CAIRN_ERR_MAX, "anchors: out of memory");
		return -1;
	}
	repo_put_be64(size, kb);
	MDB_val k = {8, kb}, v = {strlen(t), t};
	int rc = r->pg ? pg_put(r, size, t, err) : repo_index_put(r, r->anchors, &k, &v, 0, err);
	free(t);
	return rc;
}

int anchors_confirmed(repo *r, uint64_t size, json_t **rec, char *err)
{
	uint8_t kb[8];
	repo_put_be64(size, kb);
	MDB_val k = {8, kb};
	json_t *j;
	int rc = r->pg ? pg_get(r, 0, &size, &j, err) : repo_index_get_json(r, r->anchors, &k, &j, err);
	*rec = NULL;
	if (rc != 0)
		return rc;
	if (!json_is_true(json_object_get(j, "confirmed"))) {
		json_decref(j);
		return 1;
	}
	json_object_del(j, "confirmed");
	*rec = j;
	return 0;
}

/* The newest record (from the last key back) that a predicate accepts. */
struct newest {
	int confirmed;    /* look for: 1 the newest confirmed, 0 a pending last one */
	int found;
	int corrupt;      /* a record is not JSON: an error, never "none" */
	uint64_t size;
	json_t *rec;      /* the pending one's */
};

static int visit_newest(void *ctx, const MDB_val *k, const MDB_val *v)
{
	struct newest *w = ctx;
	json_t *j = json_loadb(v->mv_data, v->mv_size, 0, NULL);
	int confirmed = json_is_true(json_object_get(j, "confirmed"));
	const char *tx = json_string_value(json_object_get(j, "tx"));
	if (k->mv_size == 8 && !j) {
		w->corrupt = 1;
		w->size = repo_get_be64(k->mv_data);
		return 1;
	}
	if (k->mv_size == 8) {
		if (w->confirmed && confirmed) {
			w->size = repo_get_be64(k->mv_data);
			w->found = 1;
		} else if (!w->confirmed && !confirmed && tx) {
			w->size = repo_get_be64(k->mv_data);
			w->rec = json_incref(j);
			w->found = 1;
		}
	}
	json_decref(j);
	/* a pending record only counts as the last one */
	return w->found || !w->confirmed;
}

/* A record that does not parse stops the search: anchoring from a guess
 * could send a second transaction for a checkpoint already sent. */
static int newest(repo *r, struct newest *w, char *err)
{
	if (repo_index_foreach(r, r->anchors, REPO_BACKWARD, NULL, visit_newest, w, err) < 0)
		return -1;
	if (w->corrupt) {
		snprintf(err, CAIRN_ERR_MAX, "anchors: the record of checkpoint %llu is not JSON",
		         (unsigned long long)w->size);
		return -1;
	}
	return w->found ? 0 : 1;
}

int anchors_newest_confirmed(repo *r, uint64_t *size, char *err)
{
	if (r->pg)
		return pg_newest_confirmed(r, size, err);
	struct newest w = {.confirmed = 1};
	int rc = newest(r, &w, err);
	if (rc == 0)
		*size = w.size;
	return rc;
}

int anchors_pending(repo *r, uint64_t *size, json_t **rec, char *err)
{
	if (r->pg) {
		/* only the last record can be pending, as below */
		json_t *j;
		int rc = pg_get(r, 1, size, &j, err);
		*rec = NULL;
		if (rc != 0)
			return rc;
		if (json_is_true(json_object_get(j, "confirmed")) ||
		    !json_string_value(json_object_get(j, "tx"))) {
			json_decref(j);
			return 1;
		}
		*rec = j;
		return 0;
	}
	struct newest w = {.confirmed = 0};
	int rc = newest(r, &w, err);
	*rec = NULL;
	if (rc == 0) {
		*size = w.size;
		*rec = w.rec;
	} else {
		json_decref(w.rec);
	}
	return rc;
}

int anchors_want(repo *r, uint64_t size, char *err)
{
	char v[24];
	if (!r->pg)
		return 0;
	snprintf(v, sizeof v, "%llu", (unsigned long long)size);
	pgp a = {0};
	pgp_text(&a, v);
	return pgindex_command(r->pg, "anchors",
	                       "INSERT INTO cairn.index_meta VALUES ('anchor_wanted', $1)"
	                       " ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value"
	                       " WHERE index_meta.value::numeric < EXCLUDED.value::numeric",
	                       &a, err) < 0 ? -1 : 0;
}

int anchors_wanted(repo *r, uint64_t *size, char *err)
{
	if (!r->pg)
		return 1;
	PGresult *res = pgindex_exec(r->pg, "anchors",
	                             "SELECT value FROM cairn.index_meta WHERE key = 'anchor_wanted'",
	                             NULL, err);
	if (!res)
		return -1;
	int rc = PQntuples(res) == 1 ? 0 : 1;
	if (rc == 0) {
		size_t n;
		*size = strtoull(pgr_bytes(res, 0, 0, &n), NULL, 10);
	}
	PQclear(res);
	return rc;
}

#include "anchors.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	int rc = repo_index_put(r, r->anchors, &k, &v, 0, err);
	free(t);
	return rc;
}

int anchors_confirmed(repo *r, uint64_t size, json_t **rec, char *err)
{
	uint8_t kb[8];
	repo_put_be64(size, kb);
	MDB_val k = {8, kb};
	json_t *j;
	int rc = repo_index_get_json(r, r->anchors, &k, &j, err);
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
	struct newest w = {.confirmed = 1};
	int rc = newest(r, &w, err);
	if (rc == 0)
		*size = w.size;
	return rc;
}

int anchors_pending(repo *r, uint64_t *size, json_t **rec, char *err)
{
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

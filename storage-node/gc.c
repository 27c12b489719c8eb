#include "gc.h"

#include "dag.h"
#include "pinstore.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The mark set: encoded multihashes, sorted once marking is done, then
 * searched with bsearch. About 40 bytes a live block. */
typedef struct mark {
	uint8_t len;
	uint8_t mh[CAIRN_IMPORTER_CID_MAX];
} mark;

struct gc {
	repo *r;
	mark *m;
	size_t n, cap;
	gc_result *res;
	void (*on_removed)(void *, const cairn_multihash *);
	void *ctx;
	char *err;
};

static int mark_cmp(const void *a, const void *b)
{
	const mark *x = a, *y = b;
	int c = memcmp(x->mh, y->mh, x->len < y->len ? x->len : y->len);
	return c ? c : (x->len > y->len) - (x->len < y->len);
}

static int to_mark(const cairn_multihash *mh, mark *out)
{
	size_t n;
	if (cairn_mh_encode(mh, out->mh, sizeof out->mh, &n) != 0)
		return -1; /* larger than any stored block's multihash: never stored */
	out->len = (uint8_t)n;
	return 0;
}

static int add_mark(void *ctx, const cairn_cid *cid, const uint8_t *data, size_t len)
{
	struct gc *g = ctx;
	(void)data;
	(void)len;
	if (cid->mh.code == CAIRN_MH_IDENTITY)
		return 0;
	if (g->n == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 4096;
		mark *m = realloc(g->m, cap * sizeof *m);
		if (!m) {
			snprintf(g->err, REPO_ERR_MAX, "out of memory marking live blocks");
			return -1;
		}
		g->m = m;
		g->cap = cap;
	}
	if (to_mark(&cid->mh, &g->m[g->n]) == 0)
		g->n++;
	return 0;
}

static int mark_pin(void *ctx, const pin *p)
{
	struct gc *g = ctx;
	unsigned flags = DAG_SKIP_MISSING | (p->type == PIN_RECURSIVE ? DAG_RECURSIVE : 0);
	int rc = dag_walk(&g->r->bs, &p->cid, flags, add_mark, g, NULL, &g->res->missing, g->err);
	/* A pinned DAG that does not decode is kept as far as it was walked. */
	return rc == DAG_INVALID || rc == DAG_NOT_FILE ? 0 : rc;
}

static int sweep(void *ctx, const cairn_multihash *mh, uint64_t size)
{
	struct gc *g = ctx;
	mark k;
	if (to_mark(mh, &k) == 0 && bsearch(&k, g->m, g->n, sizeof k, mark_cmp)) {
		g->res->kept++;
		return 0;
	}
	int rc = blockstore_delete(&g->r->bs, mh, g->err);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		g->res->removed++;
		g->res->freed_bytes += size;
		if (g->on_removed)
			g->on_removed(g->ctx, mh);
	}
	return 0;
}

int repo_gc(repo *r, void (*on_removed)(void *ctx, const cairn_multihash *mh), void *ctx,
            gc_result *res, char *err)
{
	struct gc g = {r, NULL, 0, 0, res, on_removed, ctx, err};
	int rc;

	memset(res, 0, sizeof *res);
	rc = pinstore_foreach(r, mark_pin, &g, err);
	if (rc == 0) {
		qsort(g.m, g.n, sizeof *g.m, mark_cmp);
		rc = blockstore_foreach(&r->bs, sweep, &g, err);
	}
	/* The repo is locked, so no writer is active: any temp file is debris. */
	if (rc == 0)
		blockstore_clean_temp(&r->bs);
	free(g.m);
	return rc == 0 ? 0 : -1;
}

#include "gc.h"

#include "dag.h"
#include "mhset.h"
#include "pinreq.h"
#include "pinstore.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

struct gc {
	repo *r;
	mhset live;
	gc_result *res;
	void (*on_removed)(void *, const cairn_multihash *);
	void (*on_progress)(void *, uint64_t, uint64_t);
	void *ctx;
	char *err;
	int64_t older_than; /* the grace window's start (0: none) */
};

int64_t gc_grace_seconds(const repo *r)
{
	json_t *v = json_object_get(json_object_get(r->config, "Datastore"), "GCGraceSeconds");
	if (json_is_integer(v) && json_integer_value(v) >= 0)
		return (int64_t)json_integer_value(v);
	return r->pg ? GC_GRACE_CLUSTER : 0;
}

static int add_mark(void *ctx, const cairn_cid *cid, const uint8_t *data, size_t len)
{
	struct gc *g = ctx;
	(void)data;
	(void)len;
	if (cid->mh.code == CAIRN_MH_IDENTITY)
		return 0;
	if (mhset_add(&g->live, &cid->mh) < 0) {
		snprintf(g->err, CAIRN_ERR_MAX, "out of memory marking live blocks");
		return -1;
	}
	if (g->on_progress)
		g->on_progress(g->ctx, g->live.n, 0);
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

/* Pinning service requests that are pinned hold their DAGs like recursive pins. */
static int mark_request(void *ctx, const pinreq *r)
{
	if (r->status != PINREQ_PINNED)
		return 0;
	pin p = {.cid = r->cid, .type = PIN_RECURSIVE};
	return mark_pin(ctx, &p);
}

static int sweep(void *ctx, const cairn_multihash *mh, uint64_t size)
{
	struct gc *g = ctx;
	if (g->on_progress)
		g->on_progress(g->ctx, 0, g->res->kept + g->res->removed + 1);
	if (mhset_has(&g->live, mh)) {
		g->res->kept++;
		return 0;
	}
	int rc = blockstore_delete(&g->r->bs, mh, g->older_than, g->err);
	if (rc < 0)
		return -1;
	if (rc == BS_YOUNG)
		g->res->young++;
	if (rc == 0) {
		g->res->removed++;
		g->res->freed_bytes += size;
		if (g->on_removed)
			g->on_removed(g->ctx, mh);
	}
	return 0;
}

int repo_gc(repo *r, void (*on_removed)(void *ctx, const cairn_multihash *mh),
            void (*on_progress)(void *ctx, uint64_t marked, uint64_t swept), void *ctx,
            gc_result *res, char *err)
{
	struct gc g = {r, {NULL, 0, 0}, res, on_removed, on_progress, ctx, err, 0};
	pgindex_lease *lease = NULL;
	int rc;

	memset(res, 0, sizeof *res);
	int64_t grace = gc_grace_seconds(r);
	if (grace > 0)
		g.older_than = (int64_t)time(NULL) - grace;
	/* a cluster: one GC at a time, whichever node runs it */
	if (r->pg) {
		char lerr[CAIRN_ERR_MAX];
		int held = (lease = pgindex_lease_new(r->pg, PGINDEX_LOCK_GC)) ? pgindex_lease_hold(lease, lerr) : -1;
		if (held != 1) {
			if (held == 0)
				snprintf(err, CAIRN_ERR_MAX, "another node of the cluster is collecting garbage");
			else
				snprintf(err, CAIRN_ERR_MAX, "%s", lease ? lerr : "out of memory");
			int e = held == 0 ? EBUSY : errno;
			pgindex_lease_free(lease);
			errno = e;
			return -1;
		}
	}
	mhset_init(&g.live);
	rc = pinstore_foreach(r, mark_pin, &g, err);
	if (rc == 0)
		rc = pinreq_foreach(r, UINT64_MAX, mark_request, &g, err);
	if (rc == 0)
		rc = blockstore_foreach(&r->bs, sweep, &g, err);
	/* The repo is locked: another process's temp file is debris. */
	if (rc == 0)
		blockstore_clean_temp(&r->bs, &res->temp_files, &res->temp_bytes);
	mhset_free(&g.live);
	pgindex_lease_free(lease);
	return rc == 0 ? 0 : -1;
}

#include "dag.h"

#include "dagpb.h"
#include "error.h"
#include "unixfs.h"

#include <stdlib.h>

struct walk {
	blockstore *bs;
	unsigned flags;
	uint64_t *missing;
	dag_block_fn block;
	dag_bytes_fn bytes; /* set for dag_cat */
	void *ctx;
	cairn_cid *where;
	char *err;
};

static int fail(struct walk *w, const cairn_cid *cid, int rc)
{
	if (w->where)
		*w->where = *cid;
	return rc;
}

/* A UnixFS node's own bytes come before its children's (the spec's order). */
static int emit_unixfs(struct walk *w, const cairn_cid *cid, const cairn_pbnode *node)
{
	cairn_unixfs u;

	if (!node->has_data || cairn_unixfs_decode(node->data, node->data_len, &u) != CAIRN_OK)
		return fail(w, cid, DAG_INVALID);
	if (u.type != CAIRN_UNIXFS_FILE && u.type != CAIRN_UNIXFS_RAW)
		return fail(w, cid, DAG_NOT_FILE);
	if (u.data_len)
		return w->bytes(w->ctx, u.data, u.data_len);
	return 0;
}

static int visit(struct walk *w, const cairn_cid *cid, int depth)
{
	uint8_t *data;
	size_t len;
	int rc;

	if (depth > DAG_MAX_DEPTH)
		return fail(w, cid, DAG_INVALID);
	rc = blockstore_get(w->bs, cid, &data, &len, w->err);
	if ((rc == BS_NOT_FOUND || rc == BS_CORRUPT) && (w->flags & DAG_SKIP_MISSING)) {
		if (w->missing)
			(*w->missing)++;
		return 0;
	}
	if (rc == BS_NOT_FOUND || rc == BS_CORRUPT)
		return fail(w, cid, DAG_MISSING);
	if (rc != 0)
		return -1;
	if (w->block && (rc = w->block(w->ctx, cid, data, len)) != 0)
		goto done;
	if (cid->codec == CAIRN_CODEC_RAW) {
		rc = w->bytes ? w->bytes(w->ctx, data, len) : 0;
		goto done;
	}
	if (cid->codec != CAIRN_CODEC_DAG_PB) {
		rc = w->bytes ? fail(w, cid, DAG_NOT_FILE) : 0;
		goto done;
	}
	cairn_pbnode node;
	if (cairn_pbnode_decode(data, len, &node) != CAIRN_OK) {
		rc = fail(w, cid, DAG_INVALID);
		goto done;
	}
	if (w->bytes && (rc = emit_unixfs(w, cid, &node)) != 0)
		goto done;
	if (!(w->flags & DAG_RECURSIVE))
		goto done;
	size_t cur = 0;
	cairn_pblink l;
	while (cairn_pbnode_next_link(&node, &cur, &l)) {
		cairn_cid child;
		cairn_cid_decode(l.hash, l.hash_len, &child, NULL); /* validated by decode */
		if ((rc = visit(w, &child, depth + 1)) != 0)
			break;
	}
done:
	free(data);
	return rc;
}

int dag_walk(blockstore *bs, const cairn_cid *root, unsigned flags, dag_block_fn fn, void *ctx,
             cairn_cid *where, uint64_t *missing, char *err)
{
	struct walk w = {bs, flags, missing, fn, NULL, ctx, where, err};
	return visit(&w, root, 0);
}

int dag_cat(blockstore *bs, const cairn_cid *root, dag_bytes_fn fn, void *ctx,
            cairn_cid *where, char *err)
{
	struct walk w = {bs, DAG_RECURSIVE, NULL, NULL, fn, ctx, where, err};
	return visit(&w, root, 0);
}

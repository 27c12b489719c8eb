#include "dag.h"
#include "mhset.h"

#include "cairn/dagcbor.h"
#include "cairn/dagjson.h"
#include "cairn/dagpb.h"
#include "cairn/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* dag_links for dag-cbor and dag-json: each binary CID the codec reports,
 * as a cairn_cid; `stopped` tells the caller's own non-zero apart from a
 * block that does not decode. */
struct links {
	dag_link_fn fn;
	void *ctx;
	int stopped;
};

static int relay_link(void *ctx, const uint8_t *bytes, size_t n)
{
	struct links *l = ctx;
	cairn_cid c;
	if (cairn_cid_decode(bytes, n, &c, NULL) != CAIRN_OK)
		return 0; /* a link this node cannot hold: nothing to walk */
	int rc = l->fn ? l->fn(l->ctx, &c) : 0;
	if (rc)
		l->stopped = rc;
	return rc;
}

int dag_links(const cairn_cid *cid, const uint8_t *data, size_t len, dag_link_fn fn, void *ctx)
{
	struct links l = {fn, ctx, 0};
	cairn_ipld_opts o = {.on_link = relay_link, .ctx = &l};
	size_t n;
	int rc;
	switch (cid->codec) {
	case CAIRN_CODEC_DAG_PB: {
		cairn_pbnode node;
		cairn_pblink link;
		size_t cur = 0;
		if (cairn_pbnode_decode(data, len, &node) != CAIRN_OK)
			return DAG_INVALID;
		while (cairn_pbnode_next_link(&node, &cur, &link) == 1) {
			cairn_cid child;
			cairn_cid_decode(link.hash, link.hash_len, &child, NULL); /* checked by decode */
			if (fn && (rc = fn(ctx, &child)) != 0)
				return rc;
		}
		return 0;
	}
	case CAIRN_CODEC_DAG_CBOR:
		rc = cairn_dagcbor_check(data, len, &o);
		break;
	case CAIRN_CODEC_DAG_JSON:
		rc = cairn_dagjson_decode((const char *)data, len, NULL, 0, &n, &o);
		break;
	default:
		return 0; /* raw, json, identity: leaves */
	}
	if (l.stopped)
		return l.stopped;
	return rc == CAIRN_OK ? 0 : DAG_INVALID;
}

struct walk {
	blockstore *bs;
	unsigned flags;
	uint64_t *missing;
	dag_bad_fn bad;         /* told each block skipped (dag_check) */
	dag_block_fn block;
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

static int visit(struct walk *w, const cairn_cid *cid, int depth);

/* Before a dag-pb node's child is loaded (link_index links taken before
 * it, link_cursor past its link): have it and the ones after it,
 * DAG_READ_AHEAD in all, read ahead, where the blockstore hides latency
 * that way. In order, so the next one needed is always the oldest.
 * *ahead_index, *ahead_cursor: how far reads were started (0, 0 at first). */
static void links_ahead(blockstore *bs, const cairn_pbnode *node, size_t link_index,
                        size_t link_cursor, size_t *ahead_index, size_t *ahead_cursor)
{
	cairn_pblink l;
	cairn_cid c;
	if (!blockstore_reads_ahead(bs))
		return;
	if (*ahead_index < link_index) {
		/* a range skipped past them: from the one after this child (which
		 * is read the plain way) */
		*ahead_index = link_index + 1;
		*ahead_cursor = link_cursor;
	}
	while (*ahead_index < link_index + DAG_READ_AHEAD &&
	       cairn_pbnode_next_link(node, ahead_cursor, &l)) {
		(*ahead_index)++;
		if (cairn_cid_decode(l.hash, l.hash_len, &c, NULL) == CAIRN_OK)
			blockstore_prefetch(bs, &c);
	}
}

/* One level down from a block, for dag_links. */
struct visit_down {
	struct walk *w;
	int depth;
	int below;  /* a child's own outcome is being returned */
	/* a dag-pb node's children read ahead (links_ahead), where the
	 * blockstore does that: the node, and how far */
	int ahead;
	cairn_pbnode node;
	size_t index, ahead_index, ahead_cursor;
};

static int visit_link(void *ctx, const cairn_cid *child)
{
	struct visit_down *d = ctx;
	if (d->ahead) {
		/* the walk skips no child, so links_ahead never needs the cursor
		 * past this one */
		links_ahead(d->w->bs, &d->node, d->index, 0, &d->ahead_index, &d->ahead_cursor);
		d->index++;
	}
	int rc = visit(d->w, child, d->depth + 1);
	if (rc)
		d->below = 1;
	return rc;
}

static int visit(struct walk *w, const cairn_cid *cid, int depth)
{
	uint8_t *data;
	size_t len;
	int rc;

	if (depth > DAG_MAX_DEPTH)
		return fail(w, cid, DAG_INVALID);
	rc = blockstore_get_scan(w->bs, cid, &data, &len, w->err);
	if ((rc == BS_NOT_FOUND || rc == BS_CORRUPT) && (w->flags & DAG_SKIP_MISSING)) {
		if (w->missing)
			(*w->missing)++;
		if (w->bad)
			w->bad(w->ctx, cid, rc == BS_CORRUPT ? "corrupt: its bytes do not hash to its CID" : "missing");
		return 0;
	}
	if (rc == BS_NOT_FOUND || rc == BS_CORRUPT)
		return fail(w, cid, DAG_MISSING);
	if (rc != 0)
		return -1;
	if (w->block && (rc = w->block(w->ctx, cid, data, len)) != 0)
		goto done;
	struct visit_down down = {.w = w, .depth = depth};
	down.ahead = (w->flags & DAG_RECURSIVE) && cid->codec == CAIRN_CODEC_DAG_PB &&
	             blockstore_reads_ahead(w->bs) && cairn_pbnode_decode(data, len, &down.node) == CAIRN_OK;
	rc = dag_links(cid, data, len, (w->flags & DAG_RECURSIVE) ? visit_link : NULL, &down);
	if (rc == DAG_INVALID && !down.below)
		rc = fail(w, cid, DAG_INVALID); /* this block, not one below it */
done:
	free(data);
	return rc;
}

int dag_walk(blockstore *bs, const cairn_cid *root, unsigned flags, dag_block_fn fn, void *ctx,
             cairn_cid *where, uint64_t *missing, char *err)
{
	struct walk w = {bs, flags, missing, NULL, fn, ctx, where, err};
	return visit(&w, root, 0);
}

/* Load a block into frame f: raw blocks are all file bytes; dag-pb nodes
 * carry UnixFS file data and children. */
static int frame_load(dag_reader *r, struct dag_frame *f, const cairn_cid *cid, cairn_cid *where,
                      char *err)
{
	int rc;

	memset(f, 0, sizeof *f);
	rc = blockstore_get(r->bs, cid, &f->data, &f->len, err);
	if (rc == BS_NOT_FOUND || rc == BS_CORRUPT)
		goto missing;
	if (rc != 0)
		return -1;
	if (cid->codec == CAIRN_CODEC_RAW) {
		f->own = f->data;
		f->own_len = f->len;
		return 0;
	}
	rc = DAG_NOT_FILE;
	if (cid->codec != CAIRN_CODEC_DAG_PB)
		goto bad;
	rc = DAG_INVALID;
	if (cairn_pbnode_decode(f->data, f->len, &f->node) != CAIRN_OK || !f->node.has_data ||
	    cairn_unixfs_decode(f->node.data, f->node.data_len, &f->u) != CAIRN_OK)
		goto bad;
	rc = DAG_NOT_FILE;
	if (f->u.type != CAIRN_UNIXFS_FILE && f->u.type != CAIRN_UNIXFS_RAW)
		goto bad;
	f->is_pb = 1;
	f->own = f->u.data;
	f->own_len = f->u.data_len;
	return 0;
missing:
	rc = DAG_MISSING;
bad:
	free(f->data);
	f->data = NULL;
	if (where)
		*where = *cid;
	return rc;
}

int dag_reader_open(dag_reader *r, blockstore *bs, const cairn_cid *root, cairn_cid *where, char *err)
{
	r->bs = bs;
	r->waker = NULL;
	r->depth = -1;
	r->last = -1;
	int rc = frame_load(r, &r->st[0], root, where, err);
	if (rc != 0)
		return rc;
	r->depth = 0;
	struct dag_frame *f = &r->st[0];
	if (!f->is_pb) {
		r->size = f->len;
	} else if (f->u.has_filesize) {
		r->size = f->u.filesize;
	} else {
		/* No filesize field: own bytes plus the children's blocksizes. */
		uint64_t s = f->own_len, v;
		size_t cur = 0;
		while (cairn_unixfs_next_blocksize(&f->u, &cur, &v))
			s += v;
		r->size = s;
	}
	r->skip = 0;
	r->remaining = r->size;
	return 0;
}

void dag_reader_wake_with(dag_reader *r, const prefetch_waker *w)
{
	r->waker = w;
}

void dag_reader_range(dag_reader *r, uint64_t offset, uint64_t length)
{
	if (offset > r->size)
		offset = r->size;
	if (length > r->size - offset)
		length = r->size - offset;
	r->skip = offset;
	r->remaining = length;
}

int dag_reader_next(dag_reader *r, const uint8_t **p, size_t *n, cairn_cid *where, char *err)
{
	while (r->depth >= 0 && r->remaining > 0) {
		struct dag_frame *f = &r->st[r->depth];
		if (!f->own_done) {
			f->own_done = 1;
			uint64_t len = f->own_len;
			if (r->skip >= len) {
				r->skip -= len;
				continue;
			}
			len -= r->skip;
			if (len > r->remaining)
				len = r->remaining;
			*p = f->own + r->skip;
			*n = (size_t)len;
			r->last = r->depth;
			r->skip = 0;
			r->remaining -= len;
			if (len)
				return 0;
			continue;
		}
		cairn_pblink l;
		/* kept, so that a missing child is asked for again by the next
		 * call (once a peer has provided it) rather than skipped */
		size_t link_at = f->link_cursor, size_at = f->size_cursor;
		if (f->is_pb && cairn_pbnode_next_link(&f->node, &f->link_cursor, &l)) {
			uint64_t bsz;
			int known = cairn_unixfs_next_blocksize(&f->u, &f->size_cursor, &bsz);
			if (known && r->skip >= bsz) {
				r->skip -= bsz; /* the whole subtree is before the range */
				continue;
			}
			cairn_cid child;
			cairn_cid_decode(l.hash, l.hash_len, &child, NULL);
			links_ahead(r->bs, &f->node, f->link_index, f->link_cursor, &f->ahead_index,
			            &f->ahead_cursor);
			f->link_index++;
			if (r->depth >= DAG_MAX_DEPTH) {
				if (where)
					*where = child;
				return DAG_INVALID;
			}
			int rc = r->waker && blockstore_watch(r->bs, &child, r->waker)
			       ? DAG_AGAIN
			       : frame_load(r, &r->st[r->depth + 1], &child, where, err);
			if (rc == DAG_AGAIN && where)
				*where = child;
			if (rc != 0) {
				f->link_cursor = link_at;
				f->size_cursor = size_at;
				f->link_index--;
				return rc;
			}
			r->depth++;
			continue;
		}
		free(f->data);
		f->data = NULL;
		r->depth--;
	}
	return DAG_END;
}

uint8_t *dag_reader_take(dag_reader *r)
{
	if (r->last < 0 || r->last > r->depth)
		return NULL;
	struct dag_frame *f = &r->st[r->last];
	/* A leaf's bytes are all handed out once own_done is set; an inner
	 * node's links are still to be read from its block. */
	if (!f->own_done || (f->is_pb && f->node.nlinks > 0))
		return NULL;
	uint8_t *d = f->data;
	f->data = NULL;
	return d;
}

void dag_reader_close(dag_reader *r)
{
	for (int i = 0; i <= r->depth; i++)
		free(r->st[i].data);
	r->depth = -1;
}

int dag_cat(blockstore *bs, const cairn_cid *root, dag_bytes_fn fn, void *ctx,
            cairn_cid *where, char *err)
{
	dag_reader r;
	const uint8_t *p;
	size_t n;
	int rc = dag_reader_open(&r, bs, root, where, err);

	while (rc == 0 && (rc = dag_reader_next(&r, &p, &n, where, err)) == 0)
		rc = fn(ctx, p, n) ? -1 : 0;
	dag_reader_close(&r);
	return rc == DAG_END ? 0 : rc;
}

void dag_iter_open(dag_iter *it, blockstore *bs, const cairn_cid *root, int scope,
                   uint64_t from, uint64_t to, struct mhset *seen)
{
	it->bs = bs;
	it->scope = scope;
	it->from = from;
	it->to = to;
	it->depth = -1;
	it->started = 0;
	it->root = *root;
	it->seen = seen;
}

/* A growing array of CIDs, for dag_links. */
struct cid_list {
	cairn_cid *v;
	size_t n, cap;
};

static int cid_list_add(void *ctx, const cairn_cid *cid)
{
	struct cid_list *l = ctx;
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 8;
		cairn_cid *v = realloc(l->v, cap * sizeof *v);
		if (!v)
			return -1;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = *cid;
	return 0;
}

/* Load cid as the next frame and hand its block out. */
static int iter_push(dag_iter *it, const cairn_cid *cid, uint64_t offset, cairn_cid *out,
                     const uint8_t **data, size_t *len, char *err)
{
	if (it->depth + 1 > DAG_MAX_DEPTH) {
		*out = *cid;
		return DAG_INVALID;
	}
	struct dag_iter_frame *f = &it->st[it->depth + 1];
	memset(f, 0, sizeof *f);
	int rc = blockstore_get(it->bs, cid, &f->data, &f->len, err);
	if (rc == BS_NOT_FOUND || rc == BS_CORRUPT) {
		*out = *cid;
		return DAG_MISSING;
	}
	if (rc != 0)
		return -1;
	if (cid->codec == CAIRN_CODEC_DAG_PB) {
		if (cairn_pbnode_decode(f->data, f->len, &f->node) != CAIRN_OK) {
			free(f->data);
			*out = *cid;
			return DAG_INVALID;
		}
		/* Range pruning needs UnixFS file sizes; other nodes keep all links. */
		f->is_file = f->node.has_data &&
		             cairn_unixfs_decode(f->node.data, f->node.data_len, &f->u) == CAIRN_OK &&
		             (f->u.type == CAIRN_UNIXFS_FILE || f->u.type == CAIRN_UNIXFS_RAW);
		f->next_offset = offset + (f->is_file ? f->u.data_len : 0);
		f->is_hamt = f->node.has_data && !f->is_file && f->u.type == CAIRN_UNIXFS_HAMTSHARD &&
		             f->u.has_fanout && f->u.fanout >= 2;
		if (f->is_hamt)
			for (uint64_t m = f->u.fanout - 1; m; m >>= 4)
				f->hamt_width++;
	} else {
		f->node.links_len = 0; /* no dag-pb links to follow */
		if (cid->codec == CAIRN_CODEC_DAG_CBOR || cid->codec == CAIRN_CODEC_DAG_JSON) {
			/* a record's links, collected now: the walk resumes between them */
			struct cid_list l = {NULL, 0, 0};
			rc = dag_links(cid, f->data, f->len, cid_list_add, &l);
			if (rc != 0) {
				free(l.v);
				free(f->data);
				*out = *cid;
				if (rc == -1)
					snprintf(err, CAIRN_ERR_MAX, "out of memory");
				return rc == -1 ? -1 : DAG_INVALID;
			}
			f->ipld = l.v;
			f->n_ipld = l.n;
		}
	}
	it->depth++;
	*out = *cid;
	*data = f->data;
	*len = f->len;
	return 0;
}

int dag_iter_next(dag_iter *it, cairn_cid *cid, const uint8_t **data, size_t *len, char *err)
{
	if (!it->started) {
		it->started = 1;
		if (mhset_add(it->seen, &it->root.mh) < 0)
			return -1;
		return iter_push(it, &it->root, 0, cid, data, len, err);
	}
	if (it->scope == DAG_SCOPE_BLOCK)
		return DAG_END;
	while (it->depth >= 0) {
		struct dag_iter_frame *f = &it->st[it->depth];
		cairn_pblink l = {0};
		int more = f->ipld ? f->link_cursor < f->n_ipld
		                   : f->node.links_len && cairn_pbnode_next_link(&f->node, &f->link_cursor, &l);
		if (more) {
			cairn_cid child;
			uint64_t start = f->next_offset, bsz;
			if (f->ipld) {
				child = f->ipld[f->link_cursor++];
			} else {
				cairn_cid_decode(l.hash, l.hash_len, &child, NULL);
				/* a whole file's blocks all go out: read them ahead */
				if (f->is_file && it->from == 0 && it->to == UINT64_MAX)
					links_ahead(it->bs, &f->node, f->link_index, f->link_cursor,
					            &f->ahead_index, &f->ahead_cursor);
				f->link_index++;
			}
			if (f->is_file && cairn_unixfs_next_blocksize(&f->u, &f->size_cursor, &bsz)) {
				f->next_offset += bsz;
				if (start + bsz <= it->from || start >= it->to)
					continue; /* entirely outside the requested bytes */
			}
			if (it->scope == DAG_SCOPE_ENTITY && !f->is_file &&
			    !(f->is_hamt && l.name_len == f->hamt_width))
				continue; /* a directory's entries are not part of it */
			if (child.mh.code == CAIRN_MH_IDENTITY)
				continue; /* the trustless gateway spec: never in a CAR */
			int fresh = mhset_add(it->seen, &child.mh);
			if (fresh < 0)
				return -1;
			if (!fresh)
				continue; /* sent already, with everything below it */
			return iter_push(it, &child, start, cid, data, len, err);
		}
		free(f->data);
		f->data = NULL;
		free(f->ipld);
		f->ipld = NULL;
		it->depth--;
	}
	return DAG_END;
}

void dag_iter_close(dag_iter *it)
{
	for (int i = 0; i <= it->depth; i++) {
		free(it->st[i].data);
		free(it->st[i].ipld);
	}
	it->depth = -1;
}

int dag_find_missing(blockstore *bs, const cairn_cid *root, unsigned flags, cairn_cid *where,
                     char *err)
{
	return dag_walk(bs, root, flags & DAG_RECURSIVE, NULL, NULL, where, NULL, err);
}

struct touch {
	blockstore *bs;
	char *err;
};

int dag_mark(blockstore *bs, const cairn_cid *cid, char *err)
{
	int rc = blockstore_touch(bs, &cid->mh, err);
	if (rc == BS_NOT_FOUND)
		snprintf(err, CAIRN_ERR_MAX, "a block of the DAG was removed (by a GC) as it was pinned: "
		         "add it again");
	return rc == 0 ? 0 : -1;
}

static int touch_block(void *ctx, const cairn_cid *cid, const uint8_t *data, size_t len)
{
	struct touch *t = ctx;
	(void)data;
	(void)len;
	return dag_mark(t->bs, cid, t->err);
}

int dag_touch(blockstore *bs, const cairn_cid *root, unsigned flags, cairn_cid *where, char *err)
{
	struct touch t = {bs, err};
	return dag_walk(bs, root, flags & DAG_RECURSIVE, touch_block, &t, where, NULL, err);
}

struct refs {
	int started;            /* the walk's first block is the root itself */
	int unique;
	mhset seen;
	dag_ref_fn fn;
	void *ctx;
	char *err;
};

/* Each block the walk reaches below the root is a link met on the way. */
static int ref_block(void *ctx, const cairn_cid *cid, const uint8_t *data, size_t len)
{
	struct refs *r = ctx;
	(void)data;
	(void)len;
	if (!r->started) {
		r->started = 1;
		return 0;
	}
	if (r->unique) {
		int fresh = mhset_add(&r->seen, &cid->mh);
		if (fresh < 0) {
			snprintf(r->err, CAIRN_ERR_MAX, "out of memory");
			return -1;
		}
		if (!fresh)
			return 0;
	}
	return r->fn(r->ctx, cid);
}

static int ref_link(void *ctx, const cairn_cid *to)
{
	return ref_block(ctx, to, NULL, 0);
}

/* The root's own links, from its block. */
static int ref_links(void *ctx, const cairn_cid *cid, const uint8_t *data, size_t len)
{
	struct refs *r = ctx;
	r->started = 1; /* every link below is one */
	return dag_links(cid, data, len, ref_link, r);
}

int dag_refs(blockstore *bs, const cairn_cid *root, int recursive, int unique, dag_ref_fn fn, void *ctx,
             cairn_cid *where, char *err)
{
	struct refs r = {0, unique, {0}, fn, ctx, err};
	mhset_init(&r.seen);
	int rc = dag_walk(bs, root, recursive ? DAG_RECURSIVE : 0, recursive ? ref_block : ref_links, &r, where,
	                  NULL, err);
	if (rc == DAG_INVALID && where && !recursive)
		*where = *root;
	mhset_free(&r.seen);
	return rc;
}

/* dag_check: blocks counted, and what is skipped told to the caller */
struct check {
	uint64_t *blocks;
	dag_bad_fn bad;
	void *ctx;
};

static int count_block(void *ctx, const cairn_cid *cid, const uint8_t *data, size_t len)
{
	struct check *c = ctx;
	(void)cid;
	(void)data;
	(void)len;
	(*c->blocks)++;
	return 0;
}

static void relay_bad(void *ctx, const cairn_cid *cid, const char *why)
{
	struct check *c = ctx;
	if (c->bad)
		c->bad(c->ctx, cid, why);
}

int dag_check(blockstore *bs, const cairn_cid *root, int recursive, dag_bad_fn bad, void *ctx, uint64_t *blocks,
              uint64_t *damaged, char *err)
{
	struct check c = {blocks, bad, ctx};
	*blocks = 0;
	*damaged = 0;
	cairn_cid at;
	struct walk w = {bs, DAG_SKIP_MISSING | (recursive ? DAG_RECURSIVE : 0), damaged, relay_bad, count_block,
	                 &c, &at, err};
	int rc = visit(&w, root, 0);
	if (rc == DAG_INVALID) { /* what hangs below it cannot be reached: the walk ends there */
		relay_bad(&c, &at, "does not decode");
		(*damaged)++;
		rc = 0;
	}
	return rc;
}

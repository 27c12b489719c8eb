#include "cairn/importer.h"
#include "cairn/dagpb.h"
#include "cairn/error.h"
#include "cairn/unixfs.h"

#include <string.h>

/* Largest UnixFS message of a parent: Type (2) + filesize (11) + 11 a link. */
#define UNIXFS_PARENT_MAX (13 + 11 * CAIRN_IMPORTER_LINKS_MAX)

cairn_importer_opts cairn_importer_defaults(void)
{
	cairn_importer_opts o = {
		.cid_version = 1,
		.hash = CAIRN_MH_BLAKE3,
		.chunk_size = CAIRN_CHUNK_SIZE_DEFAULT,
		.max_links = CAIRN_IMPORTER_LINKS_DEFAULT,
		.raw_leaves = 1,
		.layout = CAIRN_LAYOUT_BALANCED,
	};
	return o;
}

int cairn_importer_init(cairn_importer *im, const cairn_importer_opts *opts,
                        uint8_t *chunk_buf, size_t chunk_cap,
                        cairn_block_fn block, void *ctx)
{
	if (opts->cid_version > 1)
		return CAIRN_E_CID_VERSION;
	if (opts->hash != CAIRN_MH_SHA2_256 && opts->hash != CAIRN_MH_BLAKE3)
		return CAIRN_E_MH_UNKNOWN;
	if (opts->cid_version == 0 && opts->hash != CAIRN_MH_SHA2_256)
		return CAIRN_E_CID_V0;
	if (opts->max_links < 2 || opts->max_links > CAIRN_IMPORTER_LINKS_MAX)
		return CAIRN_E_LIMIT;
	if (opts->layout != CAIRN_LAYOUT_BALANCED && opts->layout != CAIRN_LAYOUT_TRICKLE)
		return CAIRN_E_INVAL;
	int rc = cairn_chunker_init(&im->chunker, opts->chunk_size, chunk_buf, chunk_cap);
	if (rc)
		return rc;
	im->o = *opts;
	im->block = block;
	im->ctx = ctx;
	im->bytes = 0;
	im->leaves = 0;
	im->dag_size = 0;
	im->max_leaves = 1;
	for (int i = 0; i < CAIRN_IMPORTER_MAX_DEPTH; i++)
		im->max_leaves = im->max_leaves > UINT64_MAX / opts->max_links
		                 ? UINT64_MAX : im->max_leaves * opts->max_links;
	im->failed = 0;
	im->nlevels = 1;
	im->level[0].n = 0;
	im->level[0].depth = 0;
	im->level[0].max_depth = -1;
	im->level[0].repeat = 0;
	im->par = NULL;
	im->par_ctx = NULL;
	return CAIRN_OK;
}

void cairn_importer_parallel(cairn_importer *im, cairn_parallel_fn run, void *ctx)
{
	im->par = run;
	im->par_ctx = ctx;
}

uint64_t cairn_importer_dag_size(const cairn_importer *im)
{
	return im->dag_size;
}

uint64_t cairn_importer_bytes(const cairn_importer *im)
{
	return im->bytes;
}

/* Hash a block given as pieces into cid (its version and codec given). */
static void name_block(const cairn_importer_opts *o, unsigned version, uint64_t codec,
                       const cairn_iov *iov, size_t n, cairn_cid *cid)
{
	cairn_hasher h;
	cairn_hasher_init(&h, o->hash);
	for (size_t i = 0; i < n; i++)
		cairn_hasher_update(&h, iov[i].base, iov[i].len);
	cid->version = version;
	cid->codec = codec;
	cid->mh.code = o->hash;
	cid->mh.len = CAIRN_HASH_LEN;
	cairn_hasher_final(&h, cid->mh.digest);
}

/* Hand a named block to the callback and make its link. */
static int emit_named(cairn_importer *im, const cairn_cid *cid, const cairn_iov *iov, size_t n,
                      uint64_t fsize, struct cairn_importer_link *out)
{
	uint64_t total = 0;
	for (size_t i = 0; i < n; i++)
		total += iov[i].len;
	if (im->block && im->block(im->ctx, cid, iov, n) != 0)
		return CAIRN_E_CALLBACK;
	size_t len;
	cairn_cid_encode(cid, out->cid, sizeof out->cid, &len);
	out->cid_len = (uint8_t)len;
	out->tsize = total;
	out->fsize = fsize;
	return CAIRN_OK;
}

/* Hash a block given as pieces, name it, hand it to the callback. */
static int emit(cairn_importer *im, unsigned version, uint64_t codec,
                const cairn_iov *iov, size_t n, uint64_t fsize,
                struct cairn_importer_link *out, cairn_cid *cid_out)
{
	cairn_cid cid;
	name_block(&im->o, version, codec, iov, n, &cid);
	int rc = emit_named(im, &cid, iov, n, fsize, out);
	if (rc == CAIRN_OK && cid_out)
		*cid_out = cid;
	return rc;
}

/* A leaf's pieces: the chunk, framed as a UnixFS dag-pb node unless raw
 * leaves (head and tail: CAIRN_UNIXFS_FRAME_MAX bytes each). How many. */
static size_t leaf_iov(const cairn_importer_opts *o, const uint8_t *chunk, size_t len,
                       uint8_t *head, uint8_t *tail, cairn_iov iov[3])
{
	if (o->raw_leaves) {
		iov[0] = (cairn_iov){chunk, len};
		return 1;
	}
	unsigned type = o->layout == CAIRN_LAYOUT_TRICKLE ? CAIRN_UNIXFS_RAW : CAIRN_UNIXFS_FILE;
	size_t hl, tl;
	cairn_unixfs_leaf_frame(type, len, head, &hl, tail, &tl);
	iov[0] = (cairn_iov){head, hl};
	iov[1] = (cairn_iov){chunk, len};
	iov[2] = (cairn_iov){tail, tl};
	return 3;
}

/* A leaf's CID: what is computed in parallel. */
static void leaf_name(const cairn_importer_opts *o, const uint8_t *chunk, size_t len,
                      cairn_cid *cid)
{
	uint8_t head[CAIRN_UNIXFS_FRAME_MAX], tail[CAIRN_UNIXFS_FRAME_MAX];
	cairn_iov iov[3];
	size_t n = leaf_iov(o, chunk, len, head, tail, iov);
	name_block(o, o->raw_leaves ? 1 : o->cid_version,
	           o->raw_leaves ? CAIRN_CODEC_RAW : CAIRN_CODEC_DAG_PB, iov, n, cid);
}

/* The leaf's block to the callback, its link made. cid: the leaf's name if
 * already computed, else NULL. */
static int make_leaf(cairn_importer *im, const uint8_t *chunk, size_t len, const cairn_cid *cid,
                     struct cairn_importer_link *out)
{
	uint8_t head[CAIRN_UNIXFS_FRAME_MAX], tail[CAIRN_UNIXFS_FRAME_MAX];
	cairn_iov iov[3];
	cairn_cid own;
	size_t n = leaf_iov(&im->o, chunk, len, head, tail, iov);
	if (!cid) {
		leaf_name(&im->o, chunk, len, &own);
		cid = &own;
	}
	return emit_named(im, cid, iov, n, len, out);
}

/* Encode level @p i as a UnixFS File parent, emit it, and reset the level. */
static int commit(cairn_importer *im, int i, struct cairn_importer_link *out, cairn_cid *cid_out)
{
	struct cairn_importer_level *lv = &im->level[i];
	uint64_t sizes[CAIRN_IMPORTER_LINKS_MAX];
	cairn_pblink links[CAIRN_IMPORTER_LINKS_MAX];
	uint8_t ufs[UNIXFS_PARENT_MAX];
	uint64_t fsize = 0, tsize = 0;
	for (size_t k = 0; k < lv->n; k++) {
		const struct cairn_importer_link *l = &lv->links[k];
		sizes[k] = l->fsize;
		fsize += l->fsize;
		tsize += l->tsize;
		links[k] = (cairn_pblink){
			.hash = l->cid, .hash_len = l->cid_len,
			.name = "", .name_len = 0, .has_name = 1,
			.tsize = l->tsize, .has_tsize = 1,
		};
	}
	size_t ulen, nlen;
	int rc = cairn_unixfs_encode_file(CAIRN_UNIXFS_FILE, NULL, 0, fsize, sizes, lv->n,
	                                  ufs, sizeof ufs, &ulen);
	if (rc == CAIRN_OK)
		rc = cairn_pbnode_encode(links, lv->n, ufs, ulen, 1, im->node, sizeof im->node, &nlen);
	if (rc)
		return rc; /* cannot happen: buffers are sized for LINKS_MAX */
	cairn_iov iov = {im->node, nlen};
	rc = emit(im, im->o.cid_version, CAIRN_CODEC_DAG_PB, &iov, 1, fsize, out, cid_out);
	out->tsize += tsize;
	lv->n = 0;
	return rc;
}

/* Balanced: append a link at level i, first pushing a full level upward. */
static int balanced_add(cairn_importer *im, int i, const struct cairn_importer_link *l)
{
	struct cairn_importer_level *lv = &im->level[i];
	if (lv->n == im->o.max_links) {
		if (i + 1 >= CAIRN_IMPORTER_MAX_DEPTH)
			return CAIRN_E_LIMIT;
		struct cairn_importer_link up;
		int rc = commit(im, i, &up, NULL);
		if (rc)
			return rc;
		if (i + 1 >= im->nlevels) {
			im->level[i + 1].n = 0;
			im->nlevels = i + 2;
		}
		rc = balanced_add(im, i + 1, &up);
		if (rc)
			return rc;
	}
	lv->links[lv->n++] = *l;
	return CAIRN_OK;
}

static void trickle_push(cairn_importer *im, int max_depth)
{
	struct cairn_importer_level *lv = &im->level[im->nlevels++];
	lv->n = 0;
	lv->depth = 0;
	lv->max_depth = max_depth;
	lv->repeat = 0;
}

/* Pop the top trickle node into its parent's link list. */
static int trickle_pop(cairn_importer *im)
{
	struct cairn_importer_link l;
	int top = im->nlevels - 1;
	int rc = commit(im, top, &l, NULL);
	if (rc)
		return rc;
	im->nlevels--;
	struct cairn_importer_level *p = &im->level[top - 1];
	p->links[p->n++] = l;
	if (++p->repeat == CAIRN_TRICKLE_REPEAT) {
		p->repeat = 0;
		p->depth++;
	}
	return CAIRN_OK;
}

/*
 * Trickle: boxo builds it recursively while pulling chunks; with pushed
 * chunks the recursion becomes this stack. Each node first takes max_links
 * leaves (depth 0), then CAIRN_TRICKLE_REPEAT subtrees of depth 1, 2, ...
 * up to its own max_depth (exclusive; -1 = unbounded for the root). A
 * node is only closed when the next leaf needs a place outside it, so no
 * empty subtree is ever created.
 */
static int trickle_add(cairn_importer *im, const struct cairn_importer_link *leaf)
{
	for (;;) {
		struct cairn_importer_level *lv = &im->level[im->nlevels - 1];
		if (lv->depth == 0) {
			if (lv->n < im->o.max_links) {
				lv->links[lv->n++] = *leaf;
				return CAIRN_OK;
			}
			lv->depth = 1;
			lv->repeat = 0;
		}
		if (lv->max_depth != -1 && lv->depth >= lv->max_depth) {
			int rc = trickle_pop(im);
			if (rc)
				return rc;
			continue;
		}
		if (im->nlevels >= CAIRN_IMPORTER_MAX_DEPTH)
			return CAIRN_E_LIMIT;
		trickle_push(im, lv->depth);
	}
}

/* A leaf (named already, or cid NULL) into the tree. */
static int add_chunk(cairn_importer *im, const uint8_t *chunk, size_t len, const cairn_cid *cid)
{
	struct cairn_importer_link l;
	/* Refuse the leaf that would need a level above the last one, rather
	 * than accept it and fail only when final() builds the top. */
	if (im->o.layout == CAIRN_LAYOUT_BALANCED && im->leaves >= im->max_leaves)
		return CAIRN_E_LIMIT;
	int rc = make_leaf(im, chunk, len, cid, &l);
	if (rc)
		return rc;
	im->leaves++;
	if (im->o.layout == CAIRN_LAYOUT_TRICKLE)
		return trickle_add(im, &l);
	return balanced_add(im, 0, &l);
}

static void batch_job(void *arg, size_t i)
{
	cairn_importer *im = arg;
	struct cairn_importer_leaf *b = &im->batch[i];
	leaf_name(&im->o, b->chunk, b->len, &b->cid);
}

/* n whole chunks in place at p: named in parallel, then added in order. */
static int add_batch(cairn_importer *im, const uint8_t *p, size_t n)
{
	size_t cs = im->o.chunk_size;
	for (size_t i = 0; i < n; i++)
		im->batch[i] = (struct cairn_importer_leaf){.chunk = p + i * cs, .len = cs};
	im->par(im->par_ctx, n, batch_job, im);
	for (size_t i = 0; i < n; i++) {
		int rc = add_chunk(im, im->batch[i].chunk, cs, &im->batch[i].cid);
		if (rc)
			return rc;
	}
	return CAIRN_OK;
}

int cairn_importer_update(cairn_importer *im, const void *data, size_t len)
{
	if (im->failed)
		return CAIRN_E_STATE;
	const uint8_t *p = data;
	const uint8_t *chunk;
	size_t clen, cs = im->o.chunk_size;
	while (len) {
		int rc;
		if (im->par && im->chunker.pending == 0 && len >= 2 * cs) {
			/* whole chunks in place: a batch at once */
			size_t n = len / cs < CAIRN_IMPORTER_BATCH ? len / cs : CAIRN_IMPORTER_BATCH;
			rc = add_batch(im, p, n);
			p += n * cs;
			len -= n * cs;
		} else if (cairn_chunker_push(&im->chunker, &p, &len, &chunk, &clen)) {
			rc = add_chunk(im, chunk, clen, NULL);
		} else {
			break; /* all of it buffered, short of a chunk */
		}
		if (rc) {
			im->failed = 1;
			return rc;
		}
	}
	im->bytes = im->bytes + (size_t)(p - (const uint8_t *)data);
	return CAIRN_OK;
}

static int finish(cairn_importer *im, cairn_cid *root, uint64_t *dag_size)
{
	const uint8_t *chunk;
	size_t clen;
	struct cairn_importer_link l;
	int rc;
	if (cairn_chunker_finish(&im->chunker, &chunk, &clen)) {
		rc = add_chunk(im, chunk, clen, NULL);
		if (rc)
			return rc;
	}
	if (im->o.layout == CAIRN_LAYOUT_TRICKLE) {
		while (im->nlevels > 1) {
			rc = trickle_pop(im);
			if (rc)
				return rc;
		}
		rc = commit(im, 0, &l, root);
		*dag_size = l.tsize;
		return rc;
	}
	if (im->leaves == 0) {
		/* Empty file: one empty leaf, as boxo's balanced builder makes. */
		if (im->o.raw_leaves) {
			cairn_iov iov = {"", 0};
			*dag_size = 0;
			return emit(im, 1, CAIRN_CODEC_RAW, &iov, 1, 0, &l, root);
		}
		uint8_t ufs[16];
		size_t n;
		cairn_unixfs_encode_file(CAIRN_UNIXFS_FILE, NULL, 0, 0, NULL, 0, ufs, sizeof ufs, &n);
		cairn_pbnode_encode(NULL, 0, ufs, n, 1, im->node, sizeof im->node, &n);
		cairn_iov iov = {im->node, n};
		*dag_size = n;
		return emit(im, im->o.cid_version, CAIRN_CODEC_DAG_PB, &iov, 1, 0, &l, root);
	}
	if (im->leaves == 1) {
		/* A one-chunk file is its leaf. */
		*dag_size = im->level[0].links[0].tsize;
		return cairn_cid_decode(im->level[0].links[0].cid, im->level[0].links[0].cid_len,
		                        root, NULL);
	}
	/* Close each level into the one above; the top level is the root. */
	for (int i = 0; i < im->nlevels - 1; i++) {
		if (im->level[i].n == 0)
			continue;
		rc = commit(im, i, &l, NULL);
		if (rc == CAIRN_OK)
			rc = balanced_add(im, i + 1, &l);
		if (rc)
			return rc;
	}
	rc = commit(im, im->nlevels - 1, &l, root);
	*dag_size = l.tsize;
	return rc;
}

int cairn_importer_final(cairn_importer *im, cairn_cid *root, uint64_t *filesize)
{
	if (im->failed)
		return CAIRN_E_STATE;
	int rc = finish(im, root, &im->dag_size);
	im->failed = 1; /* an import is finished exactly once */
	if (rc)
		return rc;
	if (filesize)
		*filesize = im->bytes;
	return CAIRN_OK;
}

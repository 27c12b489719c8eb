#include "blockstore.h"
#include "log.h"

#include "bcache.h"
#include "mhset.h"
#include "prefetch.h"

#include "cairn/error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#define ERR(...) snprintf(err, CAIRN_ERR_MAX, __VA_ARGS__)
/* Level 1: the point is saving space on compressible blocks cheaply, and
 * zstd gives up on incompressible input quickly at low levels. */
#define ZSTD_LEVEL 1
/* Blocks are compressed only if a sample of this size shrinks below 7/8:
 * trying zstd on incompressible data costs as much as hashing it. */
#define ZSTD_SAMPLE 4096

int blockstore_open(blockstore *bs, bs_backend *be, int compress, char *err)
{
	memset(bs, 0, sizeof *bs);
	if (bs_batch_init(&bs->batch) != 0) {
		be->ops->close(be);
		ERR("out of memory");
		return -1;
	}
	bs->be = be;
	bs->compress = compress;
	if (be->ops->read_ahead && !(bs->prefetch = prefetch_new(be))) {
		blockstore_close(bs);
		ERR("out of memory");
		return -1;
	}
	return 0;
}

int bs_batch_init(bs_batch *b)
{
	memset(b, 0, sizeof *b);
	if (!(b->set = malloc(sizeof *b->set)))
		return -1;
	mhset_init(b->set);
	return 0;
}

/* Forget a batch's entries (after a commit or an abort). */
static void batch_reset(blockstore *bs, bs_batch *b)
{
	__atomic_fetch_sub(&bs->npending, b->npending, __ATOMIC_RELAXED);
	b->npending = 0;
	if (b->set) {
		mhset_free(b->set);
		mhset_init(b->set);
	}
}

void blockstore_abort_batch(blockstore *bs, bs_batch *b)
{
	if (b->npending)
		bs->be->ops->abort(bs->be, b->pending, b->npending);
	batch_reset(bs, b);
}

void blockstore_abort(blockstore *bs)
{
	blockstore_abort_batch(bs, &bs->batch);
}

void bs_batch_free(blockstore *bs, bs_batch *b)
{
	blockstore_abort_batch(bs, b);
	free(b->pending);
	b->pending = NULL;
	b->cap_pending = 0;
	free(b->set);
	b->set = NULL;
}

void blockstore_close(blockstore *bs)
{
	if (!bs->be)
		return;
	bs_batch_free(bs, &bs->batch);
	prefetch_free(bs->prefetch); /* waits for reads in flight */
	bs->prefetch = NULL;
	bs->be->ops->close(bs->be);
	bs->be = NULL;
}

/* Is compressing this block worth it? Try a sample from its middle. */
static int worth_compressing(const cairn_iov *iov, size_t n, size_t total)
{
	uint8_t sample[ZSTD_SAMPLE], out[ZSTD_COMPRESSBOUND(ZSTD_SAMPLE)];
	size_t want = total < ZSTD_SAMPLE ? total : ZSTD_SAMPLE, skip = (total - want) / 2, got = 0;
	for (size_t i = 0; i < n && got < want; i++) {
		const uint8_t *p = iov[i].base;
		size_t len = iov[i].len;
		if (skip >= len) {
			skip -= len;
			continue;
		}
		p += skip;
		len -= skip;
		skip = 0;
		size_t take = len < want - got ? len : want - got;
		memcpy(sample + got, p, take);
		got += take;
	}
	size_t z = ZSTD_compress(out, sizeof out, sample, got, ZSTD_LEVEL);
	return !ZSTD_isError(z) && z < got - got / 8;
}

/* Room for one more entry in b. 0, or -1 when out of memory. */
static int batch_grow(bs_batch *b)
{
	if (b->npending < b->cap_pending)
		return 0;
	size_t cap = b->cap_pending ? b->cap_pending * 2 : 256;
	bs_pending *p = realloc(b->pending, cap * sizeof *p);
	if (!p)
		return -1;
	b->pending = p;
	b->cap_pending = cap;
	return 0;
}

int blockstore_put(blockstore *bs, const cairn_cid *cid, const cairn_iov *iov, size_t n, char *err)
{
	return blockstore_put_in(bs, &bs->batch, cid, iov, n, err);
}

int blockstore_put_in(blockstore *bs, bs_batch *b, const cairn_cid *cid, const cairn_iov *iov,
                      size_t n, char *err)
{
	uint8_t *flat = NULL, *z = NULL;
	size_t total = 0, zlen = 0;
	int rc = -1;
	uint8_t format = BS_FORMAT_PLAIN;
	const bs_backend_ops *ops = bs->be->ops;

	if (cid->mh.code == CAIRN_MH_IDENTITY)
		return 0; /* the CID is the data: nothing to store */
	for (size_t i = 0; i < n; i++)
		total += iov[i].len;
	if (total > BLOCK_MAX) {
		errno = EFBIG;
		ERR("block of %zu bytes exceeds the %u-byte limit", total, BLOCK_MAX);
		return -1;
	}
	if (mhset_has(b->set, &cid->mh) || (ops->known && ops->known(bs->be, &cid->mh)))
		return 0;
	if (b->npending >= BS_BATCH_MAX && blockstore_commit_batch(bs, b, err) != 0)
		return -1;
	if (batch_grow(b) != 0) {
		errno = ENOMEM;
		ERR("out of memory");
		return -1;
	}
	if (bs->compress && total >= 64 && worth_compressing(iov, n, total)) {
		flat = malloc(total ? total : 1);
		z = malloc(ZSTD_compressBound(total));
		if (!flat || !z) {
			errno = ENOMEM;
			ERR("out of memory");
			goto done;
		}
		size_t o = 0;
		for (size_t i = 0; i < n; i++) {
			memcpy(flat + o, iov[i].base, iov[i].len);
			o += iov[i].len;
		}
		zlen = ZSTD_compress(z, ZSTD_compressBound(total), flat, total, ZSTD_LEVEL);
		if (!ZSTD_isError(zlen) && zlen < total)
			format = BS_FORMAT_ZSTD;
	}
	/* the object: the format byte, then the payload (at most n pieces) */
	cairn_iov stack[9], *obj = n < 9 ? stack : malloc((n + 1) * sizeof *obj);
	if (!obj) {
		errno = ENOMEM;
		ERR("out of memory");
		goto done;
	}
	size_t nobj = 1;
	obj[0].base = &format;
	obj[0].len = 1;
	if (format == BS_FORMAT_ZSTD) {
		obj[nobj].base = z;
		obj[nobj++].len = zlen;
	} else {
		for (size_t i = 0; i < n; i++)
			obj[nobj++] = iov[i];
	}
	bs_pending *pe = &b->pending[b->npending];
	memset(pe, 0, sizeof *pe);
	pe->mh = cid->mh;
	pe->size = 1 + (format == BS_FORMAT_ZSTD ? zlen : total);
	rc = ops->put(bs->be, pe, obj, nobj, err);
	if (obj != stack)
		free(obj);
	if (rc != 0)
		goto done;
	if (mhset_add(b->set, &cid->mh) < 0) {
		ops->abort(bs->be, pe, 1);
		errno = ENOMEM;
		ERR("out of memory");
		rc = -1;
		goto done;
	}
	b->npending++;
	__atomic_fetch_add(&bs->npending, 1, __ATOMIC_RELAXED);
done:
	free(flat);
	free(z);
	return rc;
}

/* Store a batch's entries; durable says whether they reach stable
 * storage before this returns. */
static int commit(blockstore *bs, bs_batch *b, int durable, char *err)
{
	if (b->npending == 0)
		return 0;
	int saved = 0, rc = bs->be->ops->commit(bs->be, b->pending, b->npending, durable, err);
	if (rc != 0)
		saved = errno;
	for (size_t i = 0; i < b->npending; i++) {
		/* counted only now: an aborted batch never existed */
		if (b->pending[i].state != BS_PENDING_ADDED)
			continue;
		__atomic_fetch_add(&bs->added_blocks, 1, __ATOMIC_RELAXED);
		__atomic_fetch_add(&bs->added_bytes, b->pending[i].size, __ATOMIC_RELAXED);
	}
	batch_reset(bs, b);
	if (rc != 0)
		errno = saved;
	return rc;
}

int blockstore_commit(blockstore *bs, char *err)
{
	return commit(bs, &bs->batch, 1, err);
}

int blockstore_commit_cache(blockstore *bs, char *err)
{
	return commit(bs, &bs->batch, 0, err);
}

int blockstore_commit_batch(blockstore *bs, bs_batch *b, char *err)
{
	return commit(bs, b, 1, err);
}

int blockstore_commit_cache_batch(blockstore *bs, bs_batch *b, char *err)
{
	return commit(bs, b, 0, err);
}

int blockstore_sync(blockstore *bs, char *err)
{
	return bs->be->ops->sync(bs->be, err);
}

/* Past the cache: the read started ahead, if this block's was, else one
 * now. */
static int get_uncached(blockstore *bs, const cairn_cid *cid, uint8_t **data, size_t *len,
                        char *err)
{
	uint8_t format, *raw;
	size_t rlen;
	if (bs->prefetch && cid->mh.code != CAIRN_MH_IDENTITY &&
	    prefetch_take(bs->prefetch, &cid->mh, &format, &raw, &rlen))
		return blockstore_decode(bs, cid, 0, format, raw, rlen, data, len);
	return blockstore_get_disk(bs, cid, data, len, err);
}

int blockstore_get(blockstore *bs, const cairn_cid *cid, uint8_t **data, size_t *len, char *err)
{
	if (bs->cache && cid->mh.code != CAIRN_MH_IDENTITY && bcache_get(bs->cache, &cid->mh, data, len))
		return 0;
	int rc = get_uncached(bs, cid, data, len, err);
	if (rc == 0 && bs->cache && cid->mh.code != CAIRN_MH_IDENTITY)
		bcache_put(bs->cache, &cid->mh, *data, *len);
	return rc;
}

int blockstore_get_scan(blockstore *bs, const cairn_cid *cid, uint8_t **data, size_t *len,
                        char *err)
{
	if (bs->cache && cid->mh.code != CAIRN_MH_IDENTITY && bcache_get(bs->cache, &cid->mh, data, len))
		return 0;
	return get_uncached(bs, cid, data, len, err);
}

int blockstore_decode(blockstore *bs, const cairn_cid *cid, int rc, uint8_t format, uint8_t *raw,
                      size_t rlen, uint8_t **data, size_t *len)
{
	uint8_t *out = NULL;
	size_t olen = 0;

	if (rc != 0 && rc != BS_CORRUPT)
		return rc;
	if (rc == 0 && format == BS_FORMAT_PLAIN) {
		out = raw;
		olen = rlen;
	} else if (rc == 0 && format == BS_FORMAT_ZSTD) {
		unsigned long long size = ZSTD_getFrameContentSize(raw, rlen);
		if (size <= BLOCK_MAX) {
			out = malloc(size + 1);
			if (out) {
				olen = ZSTD_decompress(out, size, raw, rlen);
				if (ZSTD_isError(olen) || olen != size)
					olen = (size_t)-1;
			}
		}
		free(raw);
	} else {
		free(raw);
	}
	if (out && olen != (size_t)-1 && cairn_cid_check_block(cid, out, olen) == CAIRN_OK) {
		*data = out;
		*len = olen;
		return 0;
	}
	free(out);
	char text[CAIRN_CID_TEXT_MAX], key[256];
	cairn_cid_to_string(cid, text, sizeof text, NULL);
	bs_backend_key(&cid->mh, key, sizeof key);
	__atomic_fetch_add(&bs->corrupt, 1, __ATOMIC_RELAXED);
	log_error("block %s (%s object %s) is corrupt; treating it as missing", text,
	          bs->be->ops->name, key);
	return BS_CORRUPT;
}

int blockstore_get_disk(blockstore *bs, const cairn_cid *cid, uint8_t **data, size_t *len,
                        char *err)
{
	uint8_t *raw = NULL, format = 0;
	size_t rlen = 0;

	if (cid->mh.code == CAIRN_MH_IDENTITY) {
		*data = malloc(cid->mh.len + 1);
		if (!*data)
			return -1;
		memcpy(*data, cid->mh.digest, cid->mh.len);
		*len = cid->mh.len;
		return 0;
	}
	int rc = bs->be->ops->read(bs->be, &cid->mh, &format, &raw, &rlen, err);
	return blockstore_decode(bs, cid, rc, format, raw, rlen, data, len);
}

int blockstore_has(blockstore *bs, const cairn_cid *cid)
{
	char err[CAIRN_ERR_MAX];

	if (cid->mh.code == CAIRN_MH_IDENTITY)
		return 1;
	/* a cached block is in the store (removal drops it from the cache) */
	if (bs->cache && bcache_has(bs->cache, &cid->mh))
		return 1;
	return bs->be->ops->stat(bs->be, &cid->mh, NULL, err);
}

void blockstore_prefetch(blockstore *bs, const cairn_cid *cid)
{
	if (!bs->prefetch || cid->mh.code == CAIRN_MH_IDENTITY ||
	    (bs->cache && bcache_has(bs->cache, &cid->mh)))
		return;
	prefetch_start(bs->prefetch, &cid->mh);
}

int blockstore_watch(blockstore *bs, const cairn_cid *cid, const prefetch_waker *w)
{
	return bs->prefetch && cid->mh.code != CAIRN_MH_IDENTITY && prefetch_watch(bs->prefetch, &cid->mh, w);
}

void blockstore_forget(blockstore *bs, const prefetch_waker *w)
{
	if (bs->prefetch)
		prefetch_forget(bs->prefetch, w);
}

int blockstore_reads_ahead(const blockstore *bs)
{
	return bs->prefetch != NULL;
}

int blockstore_available(const blockstore *bs)
{
	return !bs->be->ops->available || bs->be->ops->available(bs->be);
}

int blockstore_delete(blockstore *bs, const cairn_multihash *mh, int64_t older_than, char *err)
{
	uint64_t size = 0;
	int rc = bs->be->ops->remove(bs->be, mh, older_than, &size, err);
	if (rc != 0)
		return rc;
	__atomic_fetch_add(&bs->removed_blocks, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&bs->removed_bytes, size, __ATOMIC_RELAXED);
	if (bs->cache)
		bcache_drop(bs->cache, mh);
	return 0;
}

int blockstore_touch(blockstore *bs, const cairn_multihash *mh, char *err)
{
	if (mh->code == CAIRN_MH_IDENTITY)
		return 0;
	return bs->be->ops->touch(bs->be, mh, err);
}

void blockstore_iter_init(blockstore_iter *it, blockstore *bs)
{
	it->bs = bs;
	it->it = NULL;
	it->done = 0;
}

void blockstore_iter_close(blockstore_iter *it)
{
	if (it->it)
		it->bs->be->ops->list_close(it->it);
	it->it = NULL;
	it->done = 1;
}

int blockstore_iter_next(blockstore_iter *it, cairn_multihash *mh, uint64_t *disk_size, char *err)
{
	if (it->done)
		return 0;
	if (!it->it && !(it->it = it->bs->be->ops->list_open(it->bs->be, err)))
		return -1;
	int rc = it->bs->be->ops->list_next(it->it, mh, disk_size, err);
	if (rc == 0)
		blockstore_iter_close(it);
	return rc;
}

int blockstore_foreach(blockstore *bs, blockstore_fn fn, void *ctx, char *err)
{
	blockstore_iter it;
	cairn_multihash mh;
	uint64_t size;
	int rc;

	blockstore_iter_init(&it, bs);
	while ((rc = blockstore_iter_next(&it, &mh, &size, err)) == 1) {
		int r = fn(ctx, &mh, size);
		if (r) {
			blockstore_iter_close(&it);
			return r;
		}
	}
	blockstore_iter_close(&it);
	return rc;
}

void blockstore_clean_temp(blockstore *bs, uint64_t *files, uint64_t *bytes)
{
	uint64_t f = 0, b = 0;
	bs->be->ops->clean(bs->be, &f, &b);
	if (files)
		*files = f;
	if (bytes)
		*bytes = b;
}

struct totals {
	uint64_t blocks, bytes;
};

static int add_total(void *ctx, const cairn_multihash *mh, uint64_t size)
{
	struct totals *t = ctx;
	(void)mh;
	t->blocks++;
	t->bytes += size;
	return 0;
}

int blockstore_totals(blockstore *bs, uint64_t *blocks, uint64_t *bytes, char *err)
{
	struct totals t = {0, 0};
	int rc = blockstore_foreach(bs, add_total, &t, err);
	*blocks = t.blocks;
	*bytes = t.bytes;
	return rc;
}

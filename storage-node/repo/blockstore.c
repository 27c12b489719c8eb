/* syncfs() is Linux's; the durability scheme relies on it. */
#define _GNU_SOURCE 1

#include "blockstore.h"
#include "log.h"

#include "bcache.h"
#include "mhset.h"

#include "cairn/error.h"
#include "cairn/multibase.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#define ERR(...) snprintf(err, CAIRN_ERR_MAX, __VA_ARGS__)
/* Level 1: the point is saving space on compressible blocks cheaply, and
 * zstd gives up on incompressible input quickly at low levels. */
#define ZSTD_LEVEL 1
/* Blocks are compressed only if a sample of this size shrinks below 7/8:
 * trying zstd on incompressible data costs as much as hashing it. */
#define ZSTD_SAMPLE 4096

struct bs_pending {
	uint64_t seq;   /* temporary file .tmp-<pid>-<seq> */
	uint64_t disk_size;
	int shard;
	char key[120];
};

static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";

void blockstore_key(const cairn_multihash *mh, char *out, size_t cap)
{
	uint8_t buf[CAIRN_MH_MAX_BYTES];
	size_t n;

	cairn_mh_encode(mh, buf, sizeof buf, &n);
	cairn_base_encode(CAIRN_BASE32, buf, n, out, cap, NULL);
}

/* Shard number (0..1023) of a key: its next-to-last two characters. */
static int shard_of(const char *key)
{
	size_t n = strlen(key);
	return (int)((strchr(b32, key[n - 3]) - b32) * 32 + (strchr(b32, key[n - 2]) - b32));
}

static void shard_dir(const blockstore *bs, int shard, char *out, size_t cap)
{
	snprintf(out, cap, "%s/%c%c", bs->root, b32[shard / 32], b32[shard % 32]);
}

static void block_path(const blockstore *bs, const cairn_multihash *mh, char *out, size_t cap)
{
	char key[256], dir[4200];

	blockstore_key(mh, key, sizeof key);
	shard_dir(bs, shard_of(key), dir, sizeof dir);
	snprintf(out, cap, "%s/%s.data", dir, key);
}

/* The BS_DIRTY_MARK file of the blockstore. */
static void mark_path(const blockstore *bs, char *out, size_t cap)
{
	snprintf(out, cap, "%s/%s", bs->root, BS_DIRTY_MARK);
}

int blockstore_open(blockstore *bs, const char *root, int compress, char *err)
{
	struct stat st;

	if (stat(root, &st) != 0 || !S_ISDIR(st.st_mode)) {
		ERR("blockstore %s: %s", root, strerror(errno ? errno : ENOTDIR));
		return -1;
	}
	memset(bs, 0, sizeof *bs);
	snprintf(bs->root, sizeof bs->root, "%s", root);
	bs->compress = compress;
	if (bs_batch_init(&bs->batch) != 0) {
		ERR("out of memory");
		return -1;
	}
	/* The last writer did not close cleanly (interrupted, killed): its
	 * temporary files are debris now that we hold the repo. */
	char mark[4200];
	mark_path(bs, mark, sizeof mark);
	if (access(mark, F_OK) == 0) {
		uint64_t files, bytes;
		blockstore_clean_temp(bs, &files, &bytes);
		if (files)
			log_info("removed %llu temporary files (%llu bytes) left by an interrupted "
			         "write", (unsigned long long)files, (unsigned long long)bytes);
		unlink(mark);
	}
	return 0;
}

/* Before the first temporary file of this process: the mark that says
 * writes may be in flight (blockstore_open cleans up after a writer that
 * never closed; blockstore_close removes it). */
static void mark_dirty(blockstore *bs)
{
	char mark[4200];
	if (__atomic_exchange_n(&bs->dirty, 1, __ATOMIC_ACQ_REL))
		return;
	mark_path(bs, mark, sizeof mark);
	int fd = open(mark, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0)
		close(fd);
}

int bs_batch_init(bs_batch *b)
{
	memset(b, 0, sizeof *b);
	if (!(b->set = malloc(sizeof *b->set)))
		return -1;
	mhset_init(b->set);
	return 0;
}

static void tmp_path(const blockstore *bs, int shard, uint64_t seq, char *out, size_t cap)
{
	char dir[4200];
	shard_dir(bs, shard, dir, sizeof dir);
	snprintf(out, cap, "%s/.tmp-%ld-%llu", dir, (long)getpid(), (unsigned long long)seq);
}

void blockstore_abort_batch(blockstore *bs, bs_batch *b)
{
	char tmp[4400];
	for (size_t i = 0; i < b->npending; i++) {
		tmp_path(bs, b->pending[i].shard, b->pending[i].seq, tmp, sizeof tmp);
		unlink(tmp);
	}
	__atomic_fetch_sub(&bs->npending, b->npending, __ATOMIC_RELAXED);
	b->npending = 0;
	if (b->set) {
		mhset_free(b->set);
		mhset_init(b->set);
	}
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
	bs_batch_free(bs, &bs->batch);
	/* no write left in flight: nothing for the next open to clean */
	if (__atomic_load_n(&bs->dirty, __ATOMIC_ACQUIRE) && __atomic_load_n(&bs->npending, __ATOMIC_RELAXED) == 0) {
		char mark[4200];
		mark_path(bs, mark, sizeof mark);
		unlink(mark);
		bs->dirty = 0;
	}
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

static int write_all(int fd, const void *p, size_t n)
{
	const uint8_t *c = p;
	while (n) {
		ssize_t w = write(fd, c, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

int blockstore_put(blockstore *bs, const cairn_cid *cid, const cairn_iov *iov, size_t n, char *err)
{
	return blockstore_put_in(bs, &bs->batch, cid, iov, n, err);
}

int blockstore_put_in(blockstore *bs, bs_batch *b, const cairn_cid *cid, const cairn_iov *iov,
                      size_t n, char *err)
{
	char key[256], dir[4200], path[4400], tmp[4400];
	uint8_t *flat = NULL, *z = NULL;
	size_t total = 0, zlen = 0;
	int fd = -1, rc = -1, shard;
	uint8_t format = BS_FORMAT_PLAIN;

	if (cid->mh.code == CAIRN_MH_IDENTITY)
		return 0; /* the CID is the data: nothing to store */
	for (size_t i = 0; i < n; i++)
		total += iov[i].len;
	if (total > BLOCK_MAX) {
		errno = EFBIG;
		ERR("block of %zu bytes exceeds the %u-byte limit", total, BLOCK_MAX);
		return -1;
	}
	blockstore_key(&cid->mh, key, sizeof key);
	shard = shard_of(key);
	shard_dir(bs, shard, dir, sizeof dir);
	snprintf(path, sizeof path, "%s/%s.data", dir, key);
	if (mhset_has(b->set, &cid->mh) || access(path, F_OK) == 0)
		return 0;
	if (b->npending >= BS_BATCH_MAX && blockstore_commit_batch(bs, b, err) != 0)
		return -1;
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
	mark_dirty(bs);
	uint64_t seq = __atomic_fetch_add(&bs->tmp_seq, 1, __ATOMIC_RELAXED);
	tmp_path(bs, shard, seq, tmp, sizeof tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	/* Shards are made at init; a missing one (a hand-made repo) on demand. */
	if (fd < 0 && errno == ENOENT && (mkdir(dir, 0755) == 0 || errno == EEXIST))
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		ERR("create %s: %s", tmp, strerror(errno));
		goto done;
	}
	if (write_all(fd, &format, 1) != 0)
		goto write_failed;
	if (format == BS_FORMAT_ZSTD) {
		if (write_all(fd, z, zlen) != 0)
			goto write_failed;
	} else {
		for (size_t i = 0; i < n; i++)
			if (write_all(fd, iov[i].base, iov[i].len) != 0)
				goto write_failed;
	}
	if (close(fd) != 0) {
		fd = -1;
		goto write_failed;
	}
	fd = -1;
	/* Named at commit, after the data is synced. */
	if (b->npending == b->cap_pending) {
		size_t cap = b->cap_pending ? b->cap_pending * 2 : 256;
		struct bs_pending *p = realloc(b->pending, cap * sizeof *p);
		if (!p) {
			errno = ENOMEM;
			goto write_failed;
		}
		b->pending = p;
		b->cap_pending = cap;
	}
	if (mhset_add(b->set, &cid->mh) < 0) {
		errno = ENOMEM;
		goto write_failed;
	}
	struct bs_pending *pe = &b->pending[b->npending++];
	__atomic_fetch_add(&bs->npending, 1, __ATOMIC_RELAXED);
	pe->seq = seq;
	pe->shard = shard;
	snprintf(pe->key, sizeof pe->key, "%s", key);
	pe->disk_size = 1 + (format == BS_FORMAT_ZSTD ? zlen : total);
	rc = 0;
	goto done;
write_failed:
	ERR("write %s: %s", path, strerror(errno));
	{
		int saved = errno;
		if (fd >= 0)
			close(fd);
		fd = -1;
		unlink(tmp);
		errno = saved;
	}
done:
	if (fd >= 0)
		close(fd);
	free(flat);
	free(z);
	return rc;
}

/* syncfs() on the filesystem holding the blockstore. */
static int sync_fs(blockstore *bs, char *err)
{
	int fd = open(bs->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || syncfs(fd) != 0) {
		ERR("sync %s: %s", bs->root, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* Rename the batch's files to their names; durable says whether the data
 * is flushed first and the names after. */
static int commit(blockstore *bs, bs_batch *b, int durable, char *err)
{
	char dir[4200], tmp[4400], path[4400];
	int rc = 0;

	if (b->npending == 0)
		return 0;
	/* 1. the data, in one flush, before any name appears */
	if (durable && sync_fs(bs, err) != 0) {
		blockstore_abort_batch(bs, b);
		return -1;
	}
	/* 2. the names */
	for (size_t i = 0; i < b->npending; i++) {
		struct bs_pending *p = &b->pending[i];
		tmp_path(bs, p->shard, p->seq, tmp, sizeof tmp);
		shard_dir(bs, p->shard, dir, sizeof dir);
		snprintf(path, sizeof path, "%s/%s.data", dir, p->key);
		if (rename(tmp, path) != 0) {
			ERR("rename %s: %s", tmp, strerror(errno));
			rc = -1;
			unlink(tmp);
		} else {
			/* counted only now: an aborted batch never existed */
			__atomic_fetch_add(&bs->added_blocks, 1, __ATOMIC_RELAXED);
			__atomic_fetch_add(&bs->added_bytes, p->disk_size, __ATOMIC_RELAXED);
		}
	}
	__atomic_fetch_sub(&bs->npending, b->npending, __ATOMIC_RELAXED);
	b->npending = 0;
	mhset_free(b->set);
	mhset_init(b->set);
	if (!durable) {
		__atomic_store_n(&bs->unsynced, 1, __ATOMIC_RELAXED);
		return rc;
	}
	/* 3. the renames, in one more flush (one journal commit instead of a
	 * directory fsync per shard touched) */
	if (sync_fs(bs, err) != 0)
		rc = -1;
	else
		__atomic_store_n(&bs->unsynced, 0, __ATOMIC_RELAXED);
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
	if (!__atomic_load_n(&bs->unsynced, __ATOMIC_RELAXED))
		return 0;
	if (sync_fs(bs, err) != 0)
		return -1;
	__atomic_store_n(&bs->unsynced, 0, __ATOMIC_RELAXED);
	return 0;
}

/* Read a block file: the format byte, then the payload straight into a
 * buffer of its own (no second copy for plain blocks). On 0, *payload and
 * *len hold it (malloc'd) and *format the format byte. */
static int read_block_file(const char *path, uint8_t *format, uint8_t **payload, size_t *len,
                           char *err)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		if (errno == ENOENT)
			return BS_NOT_FOUND;
		ERR("open %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || st.st_size < 1 || st.st_size > (off_t)BLOCK_MAX + 64) {
		close(fd);
		return BS_CORRUPT; /* no block file is empty or that large */
	}
	size_t n = (size_t)st.st_size - 1, got = 0;
	uint8_t *buf = malloc(n + 1);
	int ok = buf && pread(fd, format, 1, 0) == 1;
	while (ok && got < n) {
		ssize_t r = pread(fd, buf + got, n - got, (off_t)(1 + got));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			ok = 0;
		else
			got += (size_t)r;
	}
	close(fd);
	if (!ok) {
		free(buf);
		ERR("read %s: %s", path, buf ? "short read" : "out of memory");
		return -1;
	}
	*payload = buf;
	*len = n;
	return 0;
}

int blockstore_get(blockstore *bs, const cairn_cid *cid, uint8_t **data, size_t *len, char *err)
{
	if (bs->cache && cid->mh.code != CAIRN_MH_IDENTITY && bcache_get(bs->cache, &cid->mh, data, len))
		return 0;
	int rc = blockstore_get_disk(bs, cid, data, len, err);
	if (rc == 0 && bs->cache && cid->mh.code != CAIRN_MH_IDENTITY)
		bcache_put(bs->cache, &cid->mh, *data, *len);
	return rc;
}

int blockstore_get_scan(blockstore *bs, const cairn_cid *cid, uint8_t **data, size_t *len,
                        char *err)
{
	if (bs->cache && cid->mh.code != CAIRN_MH_IDENTITY && bcache_get(bs->cache, &cid->mh, data, len))
		return 0;
	return blockstore_get_disk(bs, cid, data, len, err);
}

int blockstore_get_disk(blockstore *bs, const cairn_cid *cid, uint8_t **data, size_t *len,
                        char *err)
{
	char path[4400];
	uint8_t *raw, *out = NULL, format;
	size_t rlen, olen = 0;
	int rc;

	if (cid->mh.code == CAIRN_MH_IDENTITY) {
		*data = malloc(cid->mh.len + 1);
		if (!*data)
			return -1;
		memcpy(*data, cid->mh.digest, cid->mh.len);
		*len = cid->mh.len;
		return 0;
	}
	block_path(bs, &cid->mh, path, sizeof path);
	rc = read_block_file(path, &format, &raw, &rlen, err);
	if (rc != 0)
		goto report;
	rc = BS_CORRUPT;
	if (format == BS_FORMAT_PLAIN) {
		out = raw;
		olen = rlen;
	} else if (format == BS_FORMAT_ZSTD) {
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
report:
	if (rc == BS_CORRUPT)
		log_error("block %s is corrupt; treating it as missing", path);
	return rc;
}

int blockstore_has(blockstore *bs, const cairn_cid *cid)
{
	char path[4400];

	if (cid->mh.code == CAIRN_MH_IDENTITY)
		return 1;
	/* a cached block is in the store (removal drops it from the cache):
	 * no path to build and look up */
	if (bs->cache && bcache_has(bs->cache, &cid->mh))
		return 1;
	block_path(bs, &cid->mh, path, sizeof path);
	return access(path, F_OK) == 0;
}

int blockstore_delete(blockstore *bs, const cairn_multihash *mh, char *err)
{
	char path[4400];

	struct stat st;
	block_path(bs, mh, path, sizeof path);
	uint64_t size = stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
	if (unlink(path) != 0) {
		if (errno == ENOENT)
			return BS_NOT_FOUND;
		ERR("unlink %s: %s", path, strerror(errno));
		return -1;
	}
	__atomic_fetch_add(&bs->removed_blocks, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&bs->removed_bytes, size, __ATOMIC_RELAXED);
	if (bs->cache)
		bcache_drop(bs->cache, mh);
	return 0;
}

void blockstore_iter_init(blockstore_iter *it, blockstore *bs)
{
	it->bs = bs;
	it->shard = 0;
	it->dir = NULL;
}

void blockstore_iter_close(blockstore_iter *it)
{
	if (it->dir)
		closedir(it->dir);
	it->dir = NULL;
	it->shard = 1024;
}

int blockstore_iter_next(blockstore_iter *it, cairn_multihash *mh, uint64_t *disk_size, char *err)
{
	char dir[4200];
	while (it->shard < 1024) {
		shard_dir(it->bs, it->shard, dir, sizeof dir);
		if (!it->dir) {
			it->dir = opendir(dir);
			if (!it->dir) {
				if (errno == ENOENT) {
					it->shard++;
					continue;
				}
				ERR("opendir %s: %s", dir, strerror(errno));
				return -1;
			}
		}
		struct dirent *e;
		while ((e = readdir(it->dir)) != NULL) {
			size_t l = strlen(e->d_name);
			if (l < 6 || strcmp(e->d_name + l - 5, ".data") != 0)
				continue;
			uint8_t buf[CAIRN_MH_MAX_BYTES + 8];
			size_t n;
			if (cairn_base_decode(CAIRN_BASE32, e->d_name, l - 5, buf, sizeof buf, &n) != 0 ||
			    cairn_mh_decode(buf, n, mh, NULL) != 0)
				continue; /* not a block file */
			struct stat st;
			*disk_size = fstatat(dirfd(it->dir), e->d_name, &st, 0) == 0 ? (uint64_t)st.st_size : 0;
			return 1;
		}
		closedir(it->dir);
		it->dir = NULL;
		it->shard++;
	}
	return 0;
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
	char own[32];
	size_t ol = (size_t)snprintf(own, sizeof own, ".tmp-%ld-", (long)getpid());
	uint64_t nf = 0, nb = 0;
	for (int s = 0; s < 1024; s++) {
		char dir[4200];
		shard_dir(bs, s, dir, sizeof dir);
		DIR *d = opendir(dir);
		if (!d)
			continue;
		struct dirent *e;
		while ((e = readdir(d)) != NULL) {
			/* this process's own are writes in flight (an upload between
			 * two reads, a fetch's writer): never debris */
			if (strncmp(e->d_name, ".tmp-", 5) != 0 || strncmp(e->d_name, own, ol) == 0)
				continue;
			char p[4500];
			struct stat st;
			snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
			if (stat(p, &st) == 0 && unlink(p) == 0) {
				nf++;
				nb += (uint64_t)st.st_size;
			}
		}
		closedir(d);
	}
	if (files)
		*files = nf;
	if (bytes)
		*bytes = nb;
}

int blockstore_create_shards(const char *root, char *err)
{
	char dir[4200];
	for (int s = 0; s < 1024; s++) {
		snprintf(dir, sizeof dir, "%s/%c%c", root, b32[s / 32], b32[s % 32]);
		if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
			ERR("mkdir %s: %s", dir, strerror(errno));
			return -1;
		}
	}
	return 0;
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

/* syncfs() is Linux's; the durability scheme relies on it. */
#define _GNU_SOURCE 1

#include "bs_flatfs.h"
#include "blockstore.h" /* BS_NOT_FOUND, BS_CORRUPT, BLOCK_MAX */
#include "log.h"

#include "cairn/error.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#define ERR(...) snprintf(err, CAIRN_ERR_MAX, __VA_ARGS__)
#define NSHARDS 1024

typedef struct flatfs {
	bs_backend base;
	char root[4096];
	uint64_t tmp_seq; /* these four: relaxed atomics (any thread writes) */
	uint64_t staged;  /* temporary files in flight */
	int unsynced;     /* objects were committed without a flush */
	int dirty;        /* BS_DIRTY_MARK was made by this process */
} flatfs;

static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";

/* Shard number (0..1023) of a key: its next-to-last two characters. */
static int shard_of(const char *key)
{
	size_t n = strlen(key);
	return (int)((strchr(b32, key[n - 3]) - b32) * 32 + (strchr(b32, key[n - 2]) - b32));
}

static void shard_dir(const flatfs *fs, int shard, char *out, size_t cap)
{
	snprintf(out, cap, "%s/%c%c", fs->root, b32[shard / 32], b32[shard % 32]);
}

static void object_path(const flatfs *fs, const cairn_multihash *mh, char *out, size_t cap)
{
	char key[256], dir[4200];

	bs_backend_key(mh, key, sizeof key);
	shard_dir(fs, shard_of(key), dir, sizeof dir);
	snprintf(out, cap, "%s/%s.data", dir, key);
}

static void tmp_path(const flatfs *fs, const cairn_multihash *mh, uint64_t seq, char *out,
                     size_t cap)
{
	char key[256], dir[4200];

	bs_backend_key(mh, key, sizeof key);
	shard_dir(fs, shard_of(key), dir, sizeof dir);
	snprintf(out, cap, "%s/.tmp-%ld-%llu", dir, (long)getpid(), (unsigned long long)seq);
}

static void mark_path(const flatfs *fs, char *out, size_t cap)
{
	snprintf(out, cap, "%s/%s", fs->root, BS_DIRTY_MARK);
}

/* Before the first temporary file of this process: the mark that says
 * writes may be in flight (open cleans up after a writer that never
 * closed; close removes it). */
static void mark_dirty(flatfs *fs)
{
	char mark[4200];
	if (__atomic_exchange_n(&fs->dirty, 1, __ATOMIC_ACQ_REL))
		return;
	mark_path(fs, mark, sizeof mark);
	int fd = open(mark, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0)
		close(fd);
}

/* A block stored already: its file's mtime becomes now, as a put's
 * would, so a GC with a grace window (gc.h) keeps it for the writer that
 * met it. */
static int ff_known(bs_backend *be, const cairn_multihash *mh)
{
	char path[4400];
	object_path((flatfs *)be, mh, path, sizeof path);
	return utimensat(AT_FDCWD, path, NULL, 0) == 0;
}

static int ff_touch(bs_backend *be, const cairn_multihash *mh, char *err)
{
	char path[4400];
	object_path((flatfs *)be, mh, path, sizeof path);
	if (utimensat(AT_FDCWD, path, NULL, 0) == 0)
		return 0;
	if (errno == ENOENT)
		return BS_NOT_FOUND;
	ERR("touch %s: %s", path, strerror(errno));
	return -1;
}

static int write_all(int fd, const cairn_iov *obj, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const uint8_t *c = obj[i].base;
		size_t left = obj[i].len;
		while (left) {
			ssize_t w = write(fd, c, left);
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				return -1;
			c += w;
			left -= (size_t)w;
		}
	}
	return 0;
}

static int ff_put(bs_backend *be, bs_pending *p, const cairn_iov *obj, size_t n, char *err)
{
	flatfs *fs = (flatfs *)be;
	char tmp[4400];

	mark_dirty(fs);
	p->seq = __atomic_fetch_add(&fs->tmp_seq, 1, __ATOMIC_RELAXED);
	tmp_path(fs, &p->mh, p->seq, tmp, sizeof tmp);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	/* Shards are made at init; a missing one (a hand-made repo) on demand. */
	if (fd < 0 && errno == ENOENT) {
		char *slash = strrchr(tmp, '/');
		*slash = '\0';
		int made = mkdir(tmp, 0755) == 0 || errno == EEXIST;
		*slash = '/';
		if (made)
			fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	}
	if (fd < 0) {
		ERR("create %s: %s", tmp, strerror(errno));
		return -1;
	}
	if (write_all(fd, obj, n) != 0 || close(fd) != 0) {
		int saved = errno;
		char path[4400];
		object_path(fs, &p->mh, path, sizeof path);
		ERR("write %s: %s", path, strerror(saved));
		close(fd); /* EBADF after a failed close: harmless */
		unlink(tmp);
		errno = saved;
		return -1;
	}
	__atomic_fetch_add(&fs->staged, 1, __ATOMIC_RELAXED);
	p->state = BS_PENDING_STAGED;
	return 0;
}

/* syncfs() on the filesystem holding the store. */
static int sync_fs(flatfs *fs, char *err)
{
	int fd = open(fs->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || syncfs(fd) != 0) {
		int saved = errno;
		ERR("sync %s: %s", fs->root, strerror(saved));
		if (fd >= 0)
			close(fd);
		errno = saved;
		return -1;
	}
	close(fd);
	return 0;
}

static void ff_abort(bs_backend *be, bs_pending *p, size_t n)
{
	flatfs *fs = (flatfs *)be;
	char tmp[4400];
	for (size_t i = 0; i < n; i++) {
		if (p[i].state != BS_PENDING_STAGED)
			continue;
		tmp_path(fs, &p[i].mh, p[i].seq, tmp, sizeof tmp);
		unlink(tmp);
		p[i].state = BS_PENDING_FAILED;
		__atomic_fetch_sub(&fs->staged, 1, __ATOMIC_RELAXED);
	}
}

static int ff_commit(bs_backend *be, bs_pending *p, size_t n, int durable, char *err)
{
	flatfs *fs = (flatfs *)be;
	char tmp[4400], path[4400];
	int rc = 0;

	/* 1. the data, in one flush, before any name appears */
	if (durable && sync_fs(fs, err) != 0) {
		ff_abort(be, p, n);
		return -1;
	}
	/* 2. the names */
	for (size_t i = 0; i < n; i++) {
		if (p[i].state != BS_PENDING_STAGED)
			continue;
		tmp_path(fs, &p[i].mh, p[i].seq, tmp, sizeof tmp);
		object_path(fs, &p[i].mh, path, sizeof path);
		if (rename(tmp, path) != 0) {
			if (rc == 0)
				ERR("rename %s: %s", tmp, strerror(errno));
			rc = -1;
			unlink(tmp);
			p[i].state = BS_PENDING_FAILED;
		} else {
			p[i].state = BS_PENDING_ADDED;
		}
		__atomic_fetch_sub(&fs->staged, 1, __ATOMIC_RELAXED);
	}
	if (!durable) {
		__atomic_store_n(&fs->unsynced, 1, __ATOMIC_RELAXED);
		return rc;
	}
	/* 3. the renames, in one more flush (one journal commit instead of a
	 * directory fsync per shard touched) */
	char later[CAIRN_ERR_MAX]; /* err keeps the first failure's reason */
	if (sync_fs(fs, rc ? later : err) != 0)
		rc = -1;
	else
		__atomic_store_n(&fs->unsynced, 0, __ATOMIC_RELAXED);
	return rc;
}

static int ff_sync(bs_backend *be, char *err)
{
	flatfs *fs = (flatfs *)be;
	if (!__atomic_load_n(&fs->unsynced, __ATOMIC_RELAXED))
		return 0;
	if (sync_fs(fs, err) != 0)
		return -1;
	__atomic_store_n(&fs->unsynced, 0, __ATOMIC_RELAXED);
	return 0;
}

/* The format byte, then the payload straight into a buffer of its own
 * (no second copy for plain blocks). */
static int ff_read(bs_backend *be, const cairn_multihash *mh, uint8_t *format, uint8_t **payload,
                   size_t *len, char *err)
{
	char path[4400];
	struct stat st;

	object_path((flatfs *)be, mh, path, sizeof path);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return BS_NOT_FOUND;
		ERR("open %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || st.st_size < 1 || st.st_size > (off_t)BLOCK_MAX + 64) {
		close(fd);
		return BS_CORRUPT; /* no object is empty or that large */
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
		ERR("read %s: %s", path, buf ? "short read" : "out of memory");
		free(buf);
		return -1;
	}
	*payload = buf;
	*len = n;
	return 0;
}

/* Nothing to wait on but the disk: done before it returns. */
static int ff_read_async(bs_backend *be, const cairn_multihash *mh, bs_read_fn fn, void *arg,
                         char *err)
{
	uint8_t format = 0, *payload = NULL;
	size_t len = 0;
	int rc = ff_read(be, mh, &format, &payload, &len, err);
	fn(arg, rc, format, payload, len, err);
	return 0;
}

static int ff_stat(bs_backend *be, const cairn_multihash *mh, uint64_t *size, char *err)
{
	char path[4400];
	struct stat st;

	object_path((flatfs *)be, mh, path, sizeof path);
	if (stat(path, &st) != 0) {
		if (errno == ENOENT)
			return 0;
		ERR("stat %s: %s", path, strerror(errno));
		return -1;
	}
	if (size)
		*size = (uint64_t)st.st_size;
	return 1;
}

static int ff_remove(bs_backend *be, const cairn_multihash *mh, int64_t older_than, uint64_t *size,
                     char *err)
{
	char path[4400];
	struct stat st;

	object_path((flatfs *)be, mh, path, sizeof path);
	int have = stat(path, &st) == 0;
	*size = have ? (uint64_t)st.st_size : 0;
	/* (a put between this stat and the unlink is not excluded here: one
	 * node's GC and writers are kept apart by the daemon itself) */
	if (have && older_than > 0 && st.st_mtim.tv_sec >= older_than)
		return BS_YOUNG;
	if (unlink(path) != 0) {
		if (errno == ENOENT)
			return BS_NOT_FOUND;
		ERR("unlink %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

typedef struct ff_iter {
	flatfs *fs;
	int shard;
	DIR *dir;
} ff_iter;

static void *ff_list_open(bs_backend *be, char *err)
{
	ff_iter *it = calloc(1, sizeof *it);
	if (!it) {
		ERR("out of memory");
		return NULL;
	}
	it->fs = (flatfs *)be;
	return it;
}

static int ff_list_next(void *arg, cairn_multihash *mh, uint64_t *size, char *err)
{
	ff_iter *it = arg;
	char dir[4200];
	while (it->shard < NSHARDS) {
		shard_dir(it->fs, it->shard, dir, sizeof dir);
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
			if (l < 6 || strcmp(e->d_name + l - 5, ".data") != 0 ||
			    bs_backend_key_parse(e->d_name, l - 5, mh) != 0)
				continue; /* not an object */
			struct stat st;
			*size = fstatat(dirfd(it->dir), e->d_name, &st, 0) == 0 ? (uint64_t)st.st_size : 0;
			return 1;
		}
		closedir(it->dir);
		it->dir = NULL;
		it->shard++;
	}
	return 0;
}

static void ff_list_close(void *arg)
{
	ff_iter *it = arg;
	if (!it)
		return;
	if (it->dir)
		closedir(it->dir);
	free(it);
}

static void ff_clean(bs_backend *be, uint64_t *files, uint64_t *bytes)
{
	flatfs *fs = (flatfs *)be;
	char own[32];
	size_t ol = (size_t)snprintf(own, sizeof own, ".tmp-%ld-", (long)getpid());
	uint64_t nf = 0, nb = 0;
	for (int s = 0; s < NSHARDS; s++) {
		char dir[4200];
		shard_dir(fs, s, dir, sizeof dir);
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

static void ff_close(bs_backend *be)
{
	flatfs *fs = (flatfs *)be;
	/* no write left in flight: nothing for the next open to clean */
	if (__atomic_load_n(&fs->dirty, __ATOMIC_ACQUIRE) &&
	    __atomic_load_n(&fs->staged, __ATOMIC_RELAXED) == 0) {
		char mark[4200];
		mark_path(fs, mark, sizeof mark);
		unlink(mark);
	}
	free(fs);
}

static const bs_backend_ops flatfs_ops = {
	.name = "flatfs",
	.known = ff_known,
	.put = ff_put,
	.commit = ff_commit,
	.abort = ff_abort,
	.sync = ff_sync,
	.read = ff_read,
	.read_async = ff_read_async,
	.stat = ff_stat,
	.remove = ff_remove,
	.list_open = ff_list_open,
	.list_next = ff_list_next,
	.touch = ff_touch,
	.list_close = ff_list_close,
	.clean = ff_clean,
	.close = ff_close,
};

bs_backend *bs_flatfs_open(const char *root, char *err)
{
	struct stat st;

	if (stat(root, &st) != 0 || !S_ISDIR(st.st_mode)) {
		ERR("blockstore %s: %s", root, strerror(errno ? errno : ENOTDIR));
		return NULL;
	}
	flatfs *fs = calloc(1, sizeof *fs);
	if (!fs) {
		ERR("out of memory");
		return NULL;
	}
	fs->base.ops = &flatfs_ops;
	snprintf(fs->root, sizeof fs->root, "%s", root);
	/* The last writer did not close cleanly (interrupted, killed): its
	 * temporary files are debris now that we hold the repo. */
	char mark[4200];
	mark_path(fs, mark, sizeof mark);
	if (access(mark, F_OK) == 0) {
		uint64_t files, bytes;
		ff_clean(&fs->base, &files, &bytes);
		if (files)
			log_info("removed %llu temporary files (%llu bytes) left by an interrupted "
			         "write", (unsigned long long)files, (unsigned long long)bytes);
		unlink(mark);
	}
	return &fs->base;
}

int bs_flatfs_create(const char *root, char *err)
{
	char dir[4200];
	for (int s = 0; s < NSHARDS; s++) {
		snprintf(dir, sizeof dir, "%s/%c%c", root, b32[s / 32], b32[s % 32]);
		if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
			ERR("mkdir %s: %s", dir, strerror(errno));
			return -1;
		}
	}
	return 0;
}

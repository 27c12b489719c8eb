#include "bs_rados.h"
#include "blockstore.h" /* BS_NOT_FOUND, BS_CORRUPT, BLOCK_MAX */
#include "log.h"

#include "cairn/error.h"

#include <errno.h>
#include <pthread.h>
#include <rados/librados.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ERR(...) snprintf(err, CAIRN_ERR_MAX, __VA_ARGS__)
/* base32 of the longest multihash, and its NUL */
#define OID_MAX 128
/* the largest object a block makes: a format byte and a zstd frame of
 * at most BLOCK_MAX bytes (zstd is kept only when smaller), or the block */
#define OBJECT_MAX (BLOCK_MAX + 64)
/* On a full pool or cluster, librados holds writes until there is room;
 * with this it fails them at once (ENOSPC, or EDQUOT at a pool quota), so
 * an upload gets its 507 instead of a timeout, and lets removals (GC, the
 * way out of a full pool) through. */
#define FULL_TRY LIBRADOS_OPERATION_FULL_TRY

typedef struct rados_store {
	bs_backend base;
	rados_t cluster;
	rados_ioctx_t io;
	char pool[256];
	pthread_mutex_t mu;
	pthread_cond_t room;
	unsigned inflight;   /* writes started, not completed (under mu) */
	int64_t down_until;  /* monotonic ms: fail at once before this (atomic) */
} rados_store;

/* A write in flight: what a pending entry's op points at. */
typedef struct wr {
	rados_store *rs;
	rados_write_op_t op;
	rados_completion_t c;
} wr;

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* 1 while the cluster is known to be away: the back-off of bs_rados.h. */
static int away(rados_store *rs)
{
	int64_t until = __atomic_load_n(&rs->down_until, __ATOMIC_RELAXED);
	return until != 0 && now_ms() < until;
}

/* Fail at once while the cluster is away. 0 to go on, or -1 with err and
 * errno (ETIMEDOUT) set. */
static int gone(rados_store *rs, char *err)
{
	if (!away(rs))
		return 0;
	ERR("ceph cluster unreachable (an operation on pool %s timed out; retrying shortly)",
	    rs->pool);
	errno = ETIMEDOUT;
	return -1;
}

/* Learn from an operation's outcome: a timeout trips the back-off, any
 * answer from the cluster clears it. */
static void outcome(rados_store *rs, int rv)
{
	if (rv == -ETIMEDOUT) {
		if (__atomic_load_n(&rs->down_until, __ATOMIC_RELAXED) == 0)
			log_error("ceph: an operation on pool %s timed out; failing operations for %d ms",
			          rs->pool, BS_RADOS_BACKOFF_MS);
		__atomic_store_n(&rs->down_until, now_ms() + BS_RADOS_BACKOFF_MS, __ATOMIC_RELAXED);
	} else if (__atomic_load_n(&rs->down_until, __ATOMIC_RELAXED) != 0) {
		__atomic_store_n(&rs->down_until, 0, __ATOMIC_RELAXED);
		log_warn("ceph: pool %s answers again", rs->pool);
	}
}

/* An error from librados (rv < 0) into err and errno. */
static void rados_err(rados_store *rs, int rv, const char *what, const char *oid, char *err)
{
	ERR("ceph %s %s/%s: %s", what, rs->pool, oid, strerror(-rv));
	errno = -rv;
}

/* On librados's callback thread. The outcome is learnt here, not only
 * when commit() settles the batch: with the cluster gone, the writes of a
 * large upload would otherwise go out BS_RADOS_INFLIGHT at a time, each
 * round a timeout long, until the batch's commit; a timeout now trips the
 * back-off and the next put fails at once. */
static void write_done(rados_completion_t c, void *arg)
{
	wr *w = arg;
	outcome(w->rs, rados_aio_get_return_value(c));
	pthread_mutex_lock(&w->rs->mu);
	w->rs->inflight--;
	pthread_cond_signal(&w->rs->room);
	pthread_mutex_unlock(&w->rs->mu);
}

/* The "seen" mark (bs_rados.h) for now: Unix seconds, SEEN_LEN decimal
 * digits with leading zeros, so that the OSD's string comparison of two
 * marks orders them by time. */
#define SEEN_LEN 12
static void seen_at(int64_t t, char out[SEEN_LEN + 1])
{
	snprintf(out, SEEN_LEN + 1, "%012lld", (long long)(t > 0 ? t : 0));
}

static void seen_now(char out[SEEN_LEN + 1])
{
	seen_at((int64_t)time(NULL), out);
}

/* An op that marks a stored object as seen now (it fails with ENOENT if
 * the object is gone); the caller releases it. NULL when out of memory. */
static rados_write_op_t mark_op(void)
{
	char seen[SEEN_LEN + 1];
	rados_write_op_t op = rados_create_write_op();
	if (op) {
		seen_now(seen);
		rados_write_op_assert_exists(op);
		rados_write_op_setxattr(op, BS_RADOS_XATTR_SEEN, seen, SEEN_LEN);
	}
	return op;
}

static int rs_put(bs_backend *be, bs_pending *p, const cairn_iov *obj, size_t n, char *err)
{
	rados_store *rs = (rados_store *)be;
	char oid[OID_MAX];

	if (gone(rs, err) != 0)
		return -1;
	bs_backend_key(&p->mh, oid, sizeof oid);
	wr *w = calloc(1, sizeof *w);
	if (!w || !(w->op = rados_create_write_op())) {
		free(w);
		errno = ENOMEM;
		ERR("out of memory");
		return -1;
	}
	w->rs = rs;
	/* One op, applied whole or not at all: fails with EEXIST if the
	 * object is there, else writes it. The pieces are copied into the
	 * op here, so the caller's buffers are free on return. */
	char seen[SEEN_LEN + 1];
	seen_now(seen);
	rados_write_op_create(w->op, LIBRADOS_CREATE_EXCLUSIVE, NULL);
	rados_write_op_write_full(w->op, (const char *)obj[0].base, obj[0].len);
	for (size_t i = 1; i < n; i++)
		rados_write_op_append(w->op, (const char *)obj[i].base, obj[i].len);
	rados_write_op_setxattr(w->op, BS_RADOS_XATTR_SEEN, seen, SEEN_LEN);
	pthread_mutex_lock(&rs->mu);
	while (rs->inflight >= BS_RADOS_INFLIGHT)
		pthread_cond_wait(&rs->room, &rs->mu);
	/* the write this one waited for may have timed out */
	if (gone(rs, err) != 0) {
		pthread_mutex_unlock(&rs->mu);
		rados_release_write_op(w->op);
		free(w);
		return -1;
	}
	rs->inflight++;
	pthread_mutex_unlock(&rs->mu);
	int rv = rados_aio_create_completion2(w, write_done, &w->c);
	if (rv == 0)
		rv = rados_aio_write_op_operate(w->op, rs->io, w->c, oid, NULL, FULL_TRY);
	if (rv < 0) {
		pthread_mutex_lock(&rs->mu);
		rs->inflight--;
		pthread_cond_signal(&rs->room);
		pthread_mutex_unlock(&rs->mu);
		if (w->c)
			rados_aio_release(w->c);
		rados_release_write_op(w->op);
		free(w);
		rados_err(rs, rv, "write", oid, err);
		return -1;
	}
	p->op = w;
	p->state = BS_PENDING_STAGED;
	return 0;
}

/* Wait for an entry's write; its outcome into p->state. The librados
 * return value (0 when created). */
static int settle(bs_pending *p)
{
	wr *w = p->op;
	rados_aio_wait_for_complete_and_cb(w->c); /* write_done has run: w is ours */
	int rv = rados_aio_get_return_value(w->c);
	outcome(w->rs, rv);
	rados_aio_release(w->c);
	rados_release_write_op(w->op);
	free(w);
	p->op = NULL;
	p->state = rv == 0 ? BS_PENDING_ADDED : rv == -EEXIST ? BS_PENDING_KNOWN : BS_PENDING_FAILED;
	return rv;
}

/* RADOS acknowledges a write once it is durable on every replica: waiting
 * for the acks is the flush. durable changes nothing. */
/* Mark objects that puts found stored (KNOWN) as seen now, all in
 * flight at once, so that a GC with a grace window keeps them for the
 * writer that acknowledged them (its conditional remove and this mark
 * are each one op on the object: whichever comes first wins). An object
 * removed in between fails its entry: the writer must store it again. */
static int touch_known(rados_store *rs, bs_pending *p, size_t n, char *err)
{
	char oid[OID_MAX];
	rados_completion_t c[64];
	rados_write_op_t ops[64];
	size_t idx[64];
	int rc = 0;
	for (size_t i = 0; i < n;) {
		size_t k = 0;
		for (; i < n && k < 64; i++) {
			if (p[i].state != BS_PENDING_KNOWN)
				continue;
			rados_write_op_t op = mark_op();
			if (!op || rados_aio_create_completion2(NULL, NULL, &c[k]) != 0) {
				if (op)
					rados_release_write_op(op);
				p[i].state = BS_PENDING_FAILED;
				continue;
			}
			bs_backend_key(&p[i].mh, oid, sizeof oid);
			int rv = rados_aio_write_op_operate(op, rs->io, c[k], oid, NULL, FULL_TRY);
			if (rv < 0) {
				rados_release_write_op(op);
				rados_aio_release(c[k]);
				p[i].state = BS_PENDING_FAILED;
				continue;
			}
			ops[k] = op;
			idx[k++] = i;
		}
		for (size_t j = 0; j < k; j++) {
			rados_aio_wait_for_complete(c[j]);
			int rv = rados_aio_get_return_value(c[j]);
			rados_aio_release(c[j]);
			rados_release_write_op(ops[j]);
			outcome(rs, rv);
			if (rv < 0) {
				p[idx[j]].state = BS_PENDING_FAILED;
				if (rc == 0) {
					bs_backend_key(&p[idx[j]].mh, oid, sizeof oid);
					if (rv == -ENOENT) {
						ERR("block %s was removed by a GC as this write found it: store it again", oid);
						errno = EAGAIN;
					} else {
						rados_err(rs, rv, "mark", oid, err);
					}
					rc = -1;
				}
			}
		}
	}
	return rc;
}

static int rs_commit(bs_backend *be, bs_pending *p, size_t n, int durable, char *err)
{
	rados_store *rs = (rados_store *)be;
	int rc = 0, saved = 0, known = 0;
	(void)durable;
	for (size_t i = 0; i < n; i++) {
		if (p[i].state != BS_PENDING_STAGED || !p[i].op)
			continue;
		int rv = settle(&p[i]);
		known |= p[i].state == BS_PENDING_KNOWN;
		if (p[i].state == BS_PENDING_FAILED && rc == 0) {
			char oid[OID_MAX];
			bs_backend_key(&p[i].mh, oid, sizeof oid);
			rados_err(rs, rv, "write", oid, err);
			saved = errno;
			rc = -1;
		}
	}
	if (rc == 0 && known && touch_known(rs, p, n, err) != 0) {
		saved = errno;
		rc = -1;
	}
	if (rc)
		errno = saved;
	return rc;
}

/* Writes cannot be called back: wait for them. What was created stays,
 * unpinned, for GC; removing it here could take a block another writer
 * was told exists (KNOWN) and acknowledged. */
static void rs_abort(bs_backend *be, bs_pending *p, size_t n)
{
	(void)be;
	for (size_t i = 0; i < n; i++)
		if (p[i].state == BS_PENDING_STAGED && p[i].op) {
			settle(&p[i]);
			p[i].state = BS_PENDING_FAILED;
		}
}

static int rs_sync(bs_backend *be, char *err)
{
	(void)be;
	(void)err;
	return 0; /* every commit was durable */
}

/* A read: one op asks for the size, the format byte and the payload up
 * to BS_RADOS_READ_HINT; a larger object costs one more read. */
typedef struct rd_job {
	rados_store *rs;
	char oid[OID_MAX];
	rados_read_op_t op;
	uint64_t size;
	time_t mtime;
	int rv_stat, rv_fmt, rv_pay;
	size_t n_fmt, n_pay;
	uint8_t format;
	uint8_t *buf;
	size_t have;
	int second;
	bs_read_fn fn;
	void *arg;
} rd_job;

static void job_finish(rd_job *j, int rc, const char *msg)
{
	if (rc != 0) {
		free(j->buf);
		j->buf = NULL;
	}
	j->fn(j->arg, rc, j->format, j->buf, rc == 0 ? j->have : 0, msg ? msg : "");
	free(j);
}

static void read_done(rados_completion_t c, void *arg)
{
	rd_job *j = arg;
	char err[CAIRN_ERR_MAX];
	int rv = rados_aio_get_return_value(c);
	rados_aio_release(c);
	outcome(j->rs, rv);
	if (j->op) {
		rados_release_read_op(j->op);
		j->op = NULL;
	}
	if (rv == -ENOENT) {
		job_finish(j, BS_NOT_FOUND, NULL);
		return;
	}
	if (rv < 0) {
		rados_err(j->rs, rv, "read", j->oid, err);
		job_finish(j, -1, err);
		return;
	}
	if (!j->second) {
		if (j->size < 1 || j->size > OBJECT_MAX || j->n_fmt != 1) {
			job_finish(j, BS_CORRUPT, NULL); /* no object is empty or that large */
			return;
		}
		j->have = j->n_pay;
		if (j->have >= j->size - 1) {
			job_finish(j, 0, NULL);
			return;
		}
		uint8_t *more = realloc(j->buf, j->size);
		if (!more) {
			job_finish(j, -1, "out of memory");
			return;
		}
		j->buf = more;
		j->second = 1;
		rados_completion_t c2 = NULL;
		rv = rados_aio_create_completion2(j, read_done, &c2);
		if (rv == 0)
			rv = rados_aio_read(j->rs->io, j->oid, c2, (char *)j->buf + j->have,
			                    j->size - 1 - j->have, 1 + j->have);
		if (rv < 0) {
			if (c2)
				rados_aio_release(c2);
			rados_err(j->rs, rv, "read", j->oid, err);
			job_finish(j, -1, err);
		}
		return;
	}
	j->have += (size_t)rv;
	if (j->have != j->size - 1) {
		ERR("ceph read %s/%s: object changed while read", j->rs->pool, j->oid);
		errno = EIO;
		job_finish(j, -1, err);
		return;
	}
	job_finish(j, 0, NULL);
}

static int rs_read_async(bs_backend *be, const cairn_multihash *mh, bs_read_fn fn, void *arg,
                         char *err)
{
	rados_store *rs = (rados_store *)be;
	rados_completion_t c = NULL;

	if (gone(rs, err) != 0)
		return -1;
	rd_job *j = calloc(1, sizeof *j);
	if (!j || !(j->buf = malloc(BS_RADOS_READ_HINT + 1)) || !(j->op = rados_create_read_op())) {
		if (j)
			free(j->buf);
		free(j);
		errno = ENOMEM;
		ERR("out of memory");
		return -1;
	}
	j->rs = rs;
	j->fn = fn;
	j->arg = arg;
	bs_backend_key(mh, j->oid, sizeof j->oid);
	rados_read_op_stat(j->op, &j->size, &j->mtime, &j->rv_stat);
	rados_read_op_read(j->op, 0, 1, (char *)&j->format, &j->n_fmt, &j->rv_fmt);
	rados_read_op_read(j->op, 1, BS_RADOS_READ_HINT, (char *)j->buf, &j->n_pay, &j->rv_pay);
	int rv = rados_aio_create_completion2(j, read_done, &c);
	if (rv == 0)
		rv = rados_aio_read_op_operate(j->op, rs->io, c, j->oid, 0);
	if (rv < 0) {
		if (c)
			rados_aio_release(c);
		rados_release_read_op(j->op);
		rados_err(rs, rv, "read", j->oid, err);
		free(j->buf);
		free(j);
		return -1;
	}
	return 0;
}

/* A synchronous read: the asynchronous one, waited for. */
typedef struct rd_wait {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int done, rc, saved;
	uint8_t format;
	uint8_t *payload;
	size_t len;
	char err[CAIRN_ERR_MAX];
} rd_wait;

static void read_waited(void *arg, int rc, uint8_t format, uint8_t *payload, size_t len,
                        const char *err)
{
	rd_wait *w = arg;
	pthread_mutex_lock(&w->mu);
	w->rc = rc;
	w->saved = errno;
	w->format = format;
	w->payload = payload;
	w->len = len;
	snprintf(w->err, sizeof w->err, "%s", err);
	w->done = 1;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

static int rs_read(bs_backend *be, const cairn_multihash *mh, uint8_t *format, uint8_t **payload,
                   size_t *len, char *err)
{
	rd_wait w = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
	if (rs_read_async(be, mh, read_waited, &w, err) != 0)
		return -1;
	pthread_mutex_lock(&w.mu);
	while (!w.done)
		pthread_cond_wait(&w.cv, &w.mu);
	pthread_mutex_unlock(&w.mu);
	pthread_mutex_destroy(&w.mu);
	pthread_cond_destroy(&w.cv);
	if (w.rc == 0) {
		*format = w.format;
		*payload = w.payload;
		*len = w.len;
	} else if (w.rc == -1) {
		snprintf(err, CAIRN_ERR_MAX, "%s", w.err);
		errno = w.saved;
	}
	return w.rc;
}

static int rs_stat(bs_backend *be, const cairn_multihash *mh, uint64_t *size, char *err)
{
	rados_store *rs = (rados_store *)be;
	char oid[OID_MAX];
	uint64_t sz;
	time_t mt;

	if (gone(rs, err) != 0)
		return -1;
	bs_backend_key(mh, oid, sizeof oid);
	int rv = rados_stat(rs->io, oid, &sz, &mt);
	outcome(rs, rv);
	if (rv == -ENOENT)
		return 0;
	if (rv < 0) {
		rados_err(rs, rv, "stat", oid, err);
		return -1;
	}
	if (size)
		*size = sz;
	return 1;
}

static int rs_remove(bs_backend *be, const cairn_multihash *mh, int64_t older_than, uint64_t *size,
                     char *err)
{
	rados_store *rs = (rados_store *)be;
	char oid[OID_MAX], cutoff[SEEN_LEN + 1];

	int st = rs_stat(be, mh, size, err);
	if (st <= 0)
		return st == 0 ? BS_NOT_FOUND : -1;
	bs_backend_key(mh, oid, sizeof oid);
	rados_write_op_t op = rados_create_write_op();
	if (!op) {
		errno = ENOMEM;
		ERR("out of memory");
		return -1;
	}
	if (older_than > 0) {
		/* removed only if cutoff > its mark, in the same op: the OSD
		 * compares the op's value with the object's (GT: value > mark).
		 * An object with no mark (stored before marks) compares as
		 * empty: old. */
		seen_at(older_than, cutoff);
		rados_write_op_cmpxattr(op, BS_RADOS_XATTR_SEEN, LIBRADOS_CMPXATTR_OP_GT, cutoff, SEEN_LEN);
	}
	rados_write_op_remove(op);
	int rv = rados_write_op_operate2(op, rs->io, oid, NULL, FULL_TRY);
	rados_release_write_op(op);
	if (rv == -ECANCELED)
		return BS_YOUNG;
	outcome(rs, rv);
	if (rv == -ENOENT)
		return BS_NOT_FOUND;
	if (rv < 0) {
		rados_err(rs, rv, "remove", oid, err);
		return -1;
	}
	return 0;
}

static int rs_touch(bs_backend *be, const cairn_multihash *mh, char *err)
{
	rados_store *rs = (rados_store *)be;
	char oid[OID_MAX];
	if (gone(rs, err) != 0)
		return -1;
	rados_write_op_t op = mark_op();
	if (!op) {
		errno = ENOMEM;
		ERR("out of memory");
		return -1;
	}
	bs_backend_key(mh, oid, sizeof oid);
	int rv = rados_write_op_operate2(op, rs->io, oid, NULL, FULL_TRY);
	rados_release_write_op(op);
	outcome(rs, rv);
	if (rv == -ENOENT)
		return BS_NOT_FOUND;
	if (rv < 0) {
		rados_err(rs, rv, "mark", oid, err);
		return -1;
	}
	return 0;
}

/* Listing: names from rados_nobjects_list, each object's size by a stat
 * of its own, LIST_AHEAD of them in flight, so a pool of a million
 * objects costs a million stats overlapped rather than one after another. */
#define LIST_AHEAD 64

typedef struct ls_entry {
	cairn_multihash mh;
	rados_completion_t c;
	uint64_t size;
	time_t mtime;
} ls_entry;

typedef struct rs_iter {
	rados_store *rs;
	rados_list_ctx_t ctx;
	int listed_all;
	ls_entry e[LIST_AHEAD];
	size_t head, n; /* a ring: e[head] is the oldest of n */
} rs_iter;

static void *rs_list_open(bs_backend *be, char *err)
{
	rados_store *rs = (rados_store *)be;
	if (gone(rs, err) != 0)
		return NULL;
	rs_iter *it = calloc(1, sizeof *it);
	if (!it) {
		errno = ENOMEM;
		ERR("out of memory");
		return NULL;
	}
	it->rs = rs;
	int rv = rados_nobjects_list_open(rs->io, &it->ctx);
	if (rv < 0) {
		ERR("ceph list %s: %s", rs->pool, strerror(-rv));
		errno = -rv;
		free(it);
		return NULL;
	}
	return it;
}

/* Start stats until LIST_AHEAD are in flight or the listing ends. 0, or
 * -1 with err set. Objects whose names are not keys (another user of the
 * pool) are skipped. */
static int list_fill(rs_iter *it, char *err)
{
	while (!it->listed_all && it->n < LIST_AHEAD) {
		const char *entry;
		size_t len;
		char oid[OID_MAX];
		int rv = rados_nobjects_list_next2(it->ctx, &entry, NULL, NULL, &len, NULL, NULL);
		if (rv == -ENOENT) {
			it->listed_all = 1;
			break;
		}
		outcome(it->rs, rv);
		if (rv < 0) {
			ERR("ceph list %s: %s", it->rs->pool, strerror(-rv));
			errno = -rv;
			return -1;
		}
		ls_entry *e = &it->e[(it->head + it->n) % LIST_AHEAD];
		if (len >= OID_MAX || bs_backend_key_parse(entry, len, &e->mh) != 0)
			continue;
		memcpy(oid, entry, len);
		oid[len] = '\0';
		e->c = NULL;
		rv = rados_aio_create_completion2(NULL, NULL, &e->c);
		if (rv == 0)
			rv = rados_aio_stat(it->rs->io, oid, e->c, &e->size, &e->mtime);
		if (rv < 0) {
			if (e->c)
				rados_aio_release(e->c);
			rados_err(it->rs, rv, "stat", oid, err);
			return -1;
		}
		it->n++;
	}
	return 0;
}

static int rs_list_next(void *arg, cairn_multihash *mh, uint64_t *size, char *err)
{
	rs_iter *it = arg;
	for (;;) {
		if (list_fill(it, err) != 0)
			return -1;
		if (it->n == 0)
			return 0;
		ls_entry *e = &it->e[it->head];
		rados_aio_wait_for_complete(e->c);
		int rv = rados_aio_get_return_value(e->c);
		rados_aio_release(e->c);
		it->head = (it->head + 1) % LIST_AHEAD;
		it->n--;
		outcome(it->rs, rv);
		if (rv == -ENOENT)
			continue; /* removed since it was listed */
		if (rv < 0) {
			char oid[OID_MAX];
			bs_backend_key(&e->mh, oid, sizeof oid);
			rados_err(it->rs, rv, "stat", oid, err);
			return -1;
		}
		*mh = e->mh;
		*size = e->size;
		return 1;
	}
}

static void rs_list_close(void *arg)
{
	rs_iter *it = arg;
	if (!it)
		return;
	for (; it->n; it->n--, it->head = (it->head + 1) % LIST_AHEAD) {
		rados_aio_wait_for_complete(it->e[it->head].c);
		rados_aio_release(it->e[it->head].c);
	}
	rados_nobjects_list_close(it->ctx);
	free(it);
}

static void rs_clean(bs_backend *be, uint64_t *files, uint64_t *bytes)
{
	(void)be;
	*files = 0; /* a write is whole or absent: no debris */
	*bytes = 0;
}

static int rs_available(bs_backend *be)
{
	return !away((rados_store *)be);
}

static void rs_close(bs_backend *be)
{
	rados_store *rs = (rados_store *)be;
	rados_ioctx_destroy(rs->io);
	rados_shutdown(rs->cluster);
	pthread_mutex_destroy(&rs->mu);
	pthread_cond_destroy(&rs->room);
	free(rs);
}

static const bs_backend_ops rados_ops = {
	.name = "rados",
	.read_ahead = 1,
	.known = NULL, /* only a round trip can tell */
	.put = rs_put,
	.commit = rs_commit,
	.abort = rs_abort,
	.sync = rs_sync,
	.read = rs_read,
	.read_async = rs_read_async,
	.stat = rs_stat,
	.remove = rs_remove,
	.touch = rs_touch,
	.list_open = rs_list_open,
	.list_next = rs_list_next,
	.list_close = rs_list_close,
	.clean = rs_clean,
	.available = rs_available,
	.close = rs_close,
};

bs_backend *bs_rados_open(const bs_rados_conf *c, char *err)
{
	char timeout[16];
	const char *client = c->client ? c->client : BS_RADOS_DEFAULT_CLIENT;
	int rv, t = c->timeout_s > 0 ? c->timeout_s : BS_RADOS_DEFAULT_TIMEOUT;

	rados_store *rs = calloc(1, sizeof *rs);
	if (!rs) {
		errno = ENOMEM;
		ERR("out of memory");
		return NULL;
	}
	rs->base.ops = &rados_ops;
	snprintf(rs->pool, sizeof rs->pool, "%s", c->pool);
	pthread_mutex_init(&rs->mu, NULL);
	pthread_cond_init(&rs->room, NULL);
	snprintf(timeout, sizeof timeout, "%d", t);
	if ((rv = rados_create2(&rs->cluster, "ceph", client, 0)) < 0) {
		ERR("ceph: client %s: %s", client, strerror(-rv));
		goto fail;
	}
	/* bounded: connecting, and every operation after. The default goes
	 * before the file (which may set its own), a TimeoutSeconds after. */
	static const char *const timeouts[] = {"client_mount_timeout", "rados_mon_op_timeout",
	                                       "rados_osd_op_timeout"};
	for (size_t i = 0; c->timeout_s <= 0 && i < 3; i++)
		rados_conf_set(rs->cluster, timeouts[i], timeout);
	if ((rv = rados_conf_read_file(rs->cluster, c->conf_file)) < 0) {
		ERR("ceph: read %s: %s", c->conf_file, strerror(-rv));
		goto shutdown;
	}
	for (size_t i = 0; c->timeout_s > 0 && i < 3; i++)
		rados_conf_set(rs->cluster, timeouts[i], timeout);
	if ((rv = rados_connect(rs->cluster)) < 0) {
		ERR("ceph: connect to the monitors of %s as %s: %s", c->conf_file, client,
		    rv == -ETIMEDOUT ? "no monitor answered" : strerror(-rv));
		goto shutdown;
	}
	if ((rv = rados_ioctx_create(rs->cluster, c->pool, &rs->io)) < 0) {
		ERR("ceph: pool %s: %s", c->pool, rv == -ENOENT ? "no such pool" : strerror(-rv));
		goto shutdown;
	}
	return &rs->base;
shutdown:
	rados_shutdown(rs->cluster);
fail:
	pthread_mutex_destroy(&rs->mu);
	pthread_cond_destroy(&rs->room);
	free(rs);
	errno = -rv;
	return NULL;
}

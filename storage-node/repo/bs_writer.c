#include "bs_writer.h"
#include "log.h"

#include "cairn/error.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <unistd.h>

block_buf *block_buf_new(size_t len)
{
	block_buf *b = malloc(sizeof *b + (len ? len : 1));
	if (b) {
		b->refs = 1;
		b->len = len;
	}
	return b;
}

block_buf *block_buf_ref(block_buf *b)
{
	__atomic_fetch_add(&b->refs, 1, __ATOMIC_RELAXED);
	return b;
}

void block_buf_unref(block_buf *b)
{
	/* acq_rel: the last owner sees every other owner's use finished */
	if (b && __atomic_sub_fetch(&b->refs, 1, __ATOMIC_ACQ_REL) == 0)
		free(b);
}

enum { JOB_PUT, JOB_COMMIT, JOB_CLOSE, JOB_STOP };

struct job {
	int type;
	bs_wstream *s;
	/* JOB_PUT */
	cairn_cid cid;
	block_buf *buf;
	const uint8_t *data;
	size_t len;
	/* JOB_COMMIT */
	int durable;
	bs_written_fn fn;
	void *arg;
	int rc;
	char err[CAIRN_ERR_MAX];
	struct job *next;
};

struct bs_wstream {
	bs_writer *w;
	bs_batch batch;
	int failed;                /* atomic: a put failed */
	char err[CAIRN_ERR_MAX];   /* why (the writer's, until a commit copies it) */
	struct job *close_job;     /* made at open, so closing cannot fail */
};

struct bs_writer {
	blockstore *bs;
	pthread_t tid;
	int efd;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct job *head, *tail;   /* to do, in order */
	struct job *done;          /* completions to reap (any order: each is alone) */
	size_t queued;             /* atomic: bytes of queued puts */
	size_t low_water;
	int want_low;              /* atomic: a reader waits for the queue to fall */
};

static void push(bs_writer *w, struct job *j)
{
	j->next = NULL;
	pthread_mutex_lock(&w->mu);
	if (w->tail)
		w->tail->next = j;
	else
		w->head = j;
	w->tail = j;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

static void wake(bs_writer *w)
{
	uint64_t one = 1;
	/* an eventfd counter cannot overflow at this rate; EAGAIN is harmless */
	if (write(w->efd, &one, sizeof one) < 0 && errno != EAGAIN)
		log_error("writer wake-up: %s", strerror(errno));
}

static void complete(bs_writer *w, struct job *j)
{
	pthread_mutex_lock(&w->mu);
	j->next = w->done;
	w->done = j;
	pthread_mutex_unlock(&w->mu);
	wake(w);
}

/* Set s's error (once: later puts are skipped), then publish it. */
static void fail(bs_wstream *s, const char *why)
{
	if (why != s->err)
		snprintf(s->err, sizeof s->err, "%s", why);
	__atomic_store_n(&s->failed, 1, __ATOMIC_RELEASE);
}

/* One job, off the loops. */
static int run(bs_writer *w, struct job *j)
{
	bs_wstream *s = j->s;
	switch (j->type) {
	case JOB_PUT: {
		if (!__atomic_load_n(&s->failed, __ATOMIC_RELAXED)) {
			cairn_iov iov = {j->data, j->len};
			if (blockstore_put_in(w->bs, &s->batch, &j->cid, &iov, 1, s->err) != 0)
				fail(s, s->err);
		}
		/* seq_cst with bs_writer_wait_low(): each side stores, then reads
		 * the other's (neither misses the other's change) */
		size_t left = __atomic_sub_fetch(&w->queued, j->len, __ATOMIC_SEQ_CST);
		if (left <= w->low_water && __atomic_exchange_n(&w->want_low, 0, __ATOMIC_SEQ_CST))
			wake(w);
		block_buf_unref(j->buf);
		free(j);
		return 0;
	}
	case JOB_COMMIT:
		if (__atomic_load_n(&s->failed, __ATOMIC_RELAXED)) {
			j->rc = -1;
			snprintf(j->err, sizeof j->err, "%s", s->err);
		} else {
			j->rc = j->durable ? blockstore_commit_batch(w->bs, &s->batch, j->err)
			                   : blockstore_commit_cache_batch(w->bs, &s->batch, j->err);
			if (j->rc != 0)
				fail(s, j->err);
		}
		if (j->fn)
			complete(w, j);
		else
			free(j);
		return 0;
	case JOB_CLOSE:
		bs_batch_free(w->bs, &s->batch); /* removes uncommitted temporary files */
		free(s);
		free(j);
		return 0;
	default: /* JOB_STOP */
		free(j);
		return 1;
	}
}

static void *thread_main(void *arg)
{
	bs_writer *w = arg;
	prctl(PR_SET_NAME, "cairn-writer"); /* for top -H and perf */
	for (;;) {
		pthread_mutex_lock(&w->mu);
		while (!w->head)
			pthread_cond_wait(&w->cv, &w->mu);
		struct job *j = w->head;
		w->head = j->next;
		if (!w->head)
			w->tail = NULL;
		pthread_mutex_unlock(&w->mu);
		if (run(w, j))
			return NULL;
	}
}

bs_writer *bs_writer_new(blockstore *bs, size_t low_water, char *err)
{
	bs_writer *w = calloc(1, sizeof *w);
	int e;
	if (!w) {
		snprintf(err, CAIRN_ERR_MAX, "out of memory");
		return NULL;
	}
	w->bs = bs;
	w->low_water = low_water;
	if ((w->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0) {
		snprintf(err, CAIRN_ERR_MAX, "eventfd: %s", strerror(errno));
		free(w);
		return NULL;
	}
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	if ((e = pthread_create(&w->tid, NULL, thread_main, w)) != 0) {
		snprintf(err, CAIRN_ERR_MAX, "block writer thread: %s", strerror(e));
		pthread_cond_destroy(&w->cv);
		pthread_mutex_destroy(&w->mu);
		close(w->efd);
		free(w);
		return NULL;
	}
	return w;
}

int bs_writer_fd(const bs_writer *w)
{
	return w->efd;
}

void bs_writer_reap(bs_writer *w)
{
	uint64_t n;
	if (read(w->efd, &n, sizeof n) < 0 && errno != EAGAIN)
		log_error("writer wake-up: %s", strerror(errno));
	pthread_mutex_lock(&w->mu);
	struct job *j = w->done;
	w->done = NULL;
	pthread_mutex_unlock(&w->mu);
	while (j) {
		struct job *next = j->next;
		j->fn(j->arg, j->rc, j->err);
		free(j);
		j = next;
	}
}

size_t bs_writer_queued(const bs_writer *w)
{
	return __atomic_load_n(&w->queued, __ATOMIC_RELAXED);
}

int bs_writer_wait_low(bs_writer *w)
{
	__atomic_store_n(&w->want_low, 1, __ATOMIC_SEQ_CST);
	/* checked after asking, so a fall in between is not missed */
	if (__atomic_load_n(&w->queued, __ATOMIC_SEQ_CST) > w->low_water)
		return 1;
	__atomic_store_n(&w->want_low, 0, __ATOMIC_RELAXED);
	return 0;
}

void bs_writer_free(bs_writer *w)
{
	if (!w)
		return;
	struct job *stop = calloc(1, sizeof *stop);
	if (stop) {
		stop->type = JOB_STOP;
		push(w, stop);
	} else {
		/* no memory for the stop job: the thread is left, never joined */
		return;
	}
	pthread_join(w->tid, NULL);
	for (struct job *j = w->done, *next; j; j = next) {
		next = j->next;
		free(j);
	}
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	close(w->efd);
	free(w);
}

bs_wstream *bs_wstream_open(bs_writer *w)
{
	bs_wstream *s = calloc(1, sizeof *s);
	if (!s || !(s->close_job = calloc(1, sizeof *s->close_job)) || bs_batch_init(&s->batch) != 0) {
		if (s)
			free(s->close_job);
		free(s);
		return NULL;
	}
	s->w = w;
	return s;
}

int bs_wstream_put(bs_wstream *s, const cairn_cid *cid, block_buf *b, const uint8_t *data,
                   size_t len)
{
	struct job *j = calloc(1, sizeof *j);
	if (!j)
		return -1;
	j->type = JOB_PUT;
	j->s = s;
	j->cid = *cid;
	j->buf = block_buf_ref(b);
	j->data = data;
	j->len = len;
	__atomic_fetch_add(&s->w->queued, len, __ATOMIC_RELAXED);
	push(s->w, j);
	return 0;
}

int bs_wstream_commit(bs_wstream *s, int durable, bs_written_fn fn, void *arg)
{
	struct job *j = calloc(1, sizeof *j);
	if (!j)
		return -1;
	j->type = JOB_COMMIT;
	j->s = s;
	j->durable = durable;
	j->fn = fn;
	j->arg = arg;
	push(s->w, j);
	return 0;
}

const char *bs_wstream_error(const bs_wstream *s)
{
	return __atomic_load_n(&s->failed, __ATOMIC_ACQUIRE) ? s->err : NULL;
}

void bs_wstream_close(bs_wstream *s)
{
	if (!s)
		return;
	struct job *j = s->close_job;
	j->type = JOB_CLOSE;
	j->s = s;
	push(s->w, j);
}

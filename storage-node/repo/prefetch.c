#include "prefetch.h"

#include "cairn/error.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct pf_entry {
	prefetch *pf;
	cairn_multihash mh;
	uint64_t seq;  /* order of starting: the oldest result goes first */
	int done, rc;
	int taken; /* a taker waits for it: no one else finds it */
	const prefetch_waker *wakers[PREFETCH_WAKERS];
	uint8_t format;
	uint8_t *raw;
	size_t len;
} pf_entry;

struct prefetch {
	bs_backend *be;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pf_entry *e[PREFETCH_MAX];
	size_t n;
	size_t inflight; /* entries not done, in the table or not */
	uint64_t seq, started, waited;
};

static int same_mh(const cairn_multihash *a, const cairn_multihash *b)
{
	return a->code == b->code && a->len == b->len && memcmp(a->digest, b->digest, a->len) == 0;
}

/* The index of mh's entry (not taken), or -1. Under mu. */
static int find(prefetch *pf, const cairn_multihash *mh)
{
	for (size_t i = 0; i < pf->n; i++)
		if (!pf->e[i]->taken && same_mh(&pf->e[i]->mh, mh))
			return (int)i;
	return -1;
}

static void drop_at(prefetch *pf, size_t i)
{
	pf->e[i] = pf->e[--pf->n];
}

static void drop(prefetch *pf, const pf_entry *x)
{
	for (size_t i = 0; i < pf->n; i++)
		if (pf->e[i] == x) {
			drop_at(pf, i);
			return;
		}
}

prefetch *prefetch_new(bs_backend *be)
{
	prefetch *pf = calloc(1, sizeof *pf);
	if (!pf)
		return NULL;
	pf->be = be;
	pthread_mutex_init(&pf->mu, NULL);
	pthread_cond_init(&pf->cv, NULL);
	return pf;
}

/* On the backend's thread. */
static void done(void *arg, int rc, uint8_t format, uint8_t *payload, size_t len, const char *err)
{
	pf_entry *x = arg;
	prefetch *pf = x->pf;
	pthread_mutex_lock(&pf->mu);
	(void)err; /* a failure is not kept (prefetch_take) */
	x->rc = rc;
	x->format = format;
	x->raw = rc == 0 ? payload : NULL;
	x->len = len;
	x->done = 1;
	pf->inflight--;
	for (size_t i = 0; i < PREFETCH_WAKERS; i++)
		if (x->wakers[i]) {
			x->wakers[i]->fn(x->wakers[i]->arg);
			x->wakers[i] = NULL;
		}
	pthread_cond_broadcast(&pf->cv);
	pthread_mutex_unlock(&pf->mu);
}

void prefetch_start(prefetch *pf, const cairn_multihash *mh)
{
	char err[CAIRN_ERR_MAX];
	pthread_mutex_lock(&pf->mu);
	int had = find(pf, mh);
	if (had >= 0 && !(pf->e[had]->done && pf->e[had]->rc != 0))
		goto out; /* read, or being read */
	if (had >= 0) { /* failed before: try again */
		free(pf->e[had]);
		drop_at(pf, (size_t)had);
	}
	if (pf->n == PREFETCH_MAX) {
		/* room: the oldest result nobody took */
		int old = -1;
		for (size_t i = 0; i < pf->n; i++)
			if (pf->e[i]->done && !pf->e[i]->taken && (old < 0 || pf->e[i]->seq < pf->e[old]->seq))
				old = (int)i;
		if (old < 0)
			goto out; /* all in flight: this one is read when asked for */
		free(pf->e[old]->raw);
		free(pf->e[old]);
		drop_at(pf, (size_t)old);
	}
	pf_entry *x = calloc(1, sizeof *x);
	if (!x)
		goto out;
	x->pf = pf;
	x->mh = *mh;
	x->seq = ++pf->seq;
	pf->e[pf->n++] = x;
	pf->inflight++;
	pf->started++;
	pthread_mutex_unlock(&pf->mu);
	/* Outside the lock: a backend may complete before it returns. One
	 * that could not start ends as a failed read does, since a taker or a
	 * watcher may have found it meanwhile. */
	if (pf->be->ops->read_async(pf->be, mh, done, x, err) != 0)
		done(x, -1, 0, NULL, 0, err);
	return;
out:
	pthread_mutex_unlock(&pf->mu);
}

int prefetch_take(prefetch *pf, const cairn_multihash *mh, uint8_t *format, uint8_t **raw,
                  size_t *len)
{
	pthread_mutex_lock(&pf->mu);
	int i = find(pf, mh);
	if (i < 0) {
		pthread_mutex_unlock(&pf->mu);
		return 0;
	}
	pf_entry *x = pf->e[i];
	/* ours now: no one else finds it, but it stays in the table until
	 * done, so that prefetch_forget still reaches its wakers */
	x->taken = 1;
	if (!x->done)
		pf->waited++;
	while (!x->done)
		pthread_cond_wait(&pf->cv, &pf->mu);
	drop(pf, x);
	pthread_mutex_unlock(&pf->mu);
	if (x->rc != 0) {
		/* a read that failed (the cluster away, then) says nothing of
		 * now: the caller reads again */
		free(x->raw);
		free(x);
		return 0;
	}
	*format = x->format;
	*raw = x->raw;
	*len = x->len;
	free(x);
	return 1;
}

int prefetch_watch(prefetch *pf, const cairn_multihash *mh, const prefetch_waker *w)
{
	int watching = 0;
	pthread_mutex_lock(&pf->mu);
	int i = find(pf, mh);
	if (i >= 0 && !pf->e[i]->done) {
		pf_entry *x = pf->e[i];
		int free_slot = -1;
		for (int k = 0; k < PREFETCH_WAKERS && !watching; k++) {
			if (x->wakers[k] == w)
				watching = 1;
			else if (!x->wakers[k] && free_slot < 0)
				free_slot = k;
		}
		if (!watching && free_slot >= 0) {
			x->wakers[free_slot] = w;
			watching = 1;
		}
	}
	pthread_mutex_unlock(&pf->mu);
	return watching;
}

void prefetch_forget(prefetch *pf, const prefetch_waker *w)
{
	pthread_mutex_lock(&pf->mu);
	for (size_t i = 0; i < pf->n; i++)
		for (size_t k = 0; k < PREFETCH_WAKERS; k++)
			if (pf->e[i]->wakers[k] == w)
				pf->e[i]->wakers[k] = NULL;
	pthread_mutex_unlock(&pf->mu);
}

void prefetch_stats(prefetch *pf, uint64_t *started, uint64_t *waited)
{
	pthread_mutex_lock(&pf->mu);
	*started = pf->started;
	*waited = pf->waited;
	pthread_mutex_unlock(&pf->mu);
}

void prefetch_free(prefetch *pf)
{
	if (!pf)
		return;
	pthread_mutex_lock(&pf->mu);
	while (pf->inflight)
		pthread_cond_wait(&pf->cv, &pf->mu);
	pthread_mutex_unlock(&pf->mu);
	for (size_t i = 0; i < pf->n; i++) {
		free(pf->e[i]->raw);
		free(pf->e[i]);
	}
	pthread_mutex_destroy(&pf->mu);
	pthread_cond_destroy(&pf->cv);
	free(pf);
}

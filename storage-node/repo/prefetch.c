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

/* The index of mh's entry, or -1. Under mu. */
static int find(prefetch *pf, const cairn_multihash *mh)
{
	for (size_t i = 0; i < pf->n; i++)
		if (same_mh(&pf->e[i]->mh, mh))
			return (int)i;
	return -1;
}

static void drop_at(prefetch *pf, size_t i)
{
	pf->e[i] = pf->e[--pf->n];
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
	pthread_cond_broadcast(&pf->cv);
	pthread_mutex_unlock(&pf->mu);
}

void prefetch_start(prefetch *pf, const cairn_multihash *mh)
{
	char err[CAIRN_ERR_MAX];
	pthread_mutex_lock(&pf->mu);
	if (find(pf, mh) >= 0)
		goto out;
	if (pf->n == PREFETCH_MAX) {
		/* room: the oldest result nobody took */
		int old = -1;
		for (size_t i = 0; i < pf->n; i++)
			if (pf->e[i]->done && (old < 0 || pf->e[i]->seq < pf->e[old]->seq))
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
	/* outside the lock: a backend may complete before it returns */
	if (pf->be->ops->read_async(pf->be, mh, done, x, err) != 0) {
		pthread_mutex_lock(&pf->mu);
		int i = find(pf, mh);
		if (i >= 0 && pf->e[i] == x)
			drop_at(pf, (size_t)i);
		pf->inflight--;
		pthread_cond_broadcast(&pf->cv);
		free(x);
		goto out;
	}
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
	drop_at(pf, (size_t)i); /* ours now: no one else finds it */
	if (!x->done)
		pf->waited++;
	while (!x->done)
		pthread_cond_wait(&pf->cv, &pf->mu);
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

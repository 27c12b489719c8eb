#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#include "parfor.h"

#include <pthread.h>
#include <signal.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

struct parfor {
	pthread_mutex_t mu;
	pthread_cond_t go, idle;
	pthread_t *threads;
	unsigned nthreads;
	/* the job: published under mu with a new generation */
	unsigned long gen;
	void (*fn)(void *arg, size_t i);
	void *arg;
	size_t n;
	atomic_size_t next;   /* the next index to take */
	unsigned busy;        /* threads still on the current job */
	int stop;
};

/* Take indices until none is left. */
static void drain(parfor *p, void (*fn)(void *, size_t), void *arg, size_t n)
{
	for (size_t i; (i = atomic_fetch_add(&p->next, 1)) < n;)
		fn(arg, i);
}

static void *worker(void *arg)
{
	parfor *p = arg;
	unsigned long seen = 0;
	sigset_t all;
	/* signals are the calling thread's to take (a Ctrl-C must interrupt
	 * its read, not land here) */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (p->gen == seen && !p->stop)
			pthread_cond_wait(&p->go, &p->mu);
		if (p->stop)
			break;
		seen = p->gen;
		void (*fn)(void *, size_t) = p->fn;
		void *farg = p->arg;
		size_t n = p->n;
		pthread_mutex_unlock(&p->mu);
		drain(p, fn, farg, n);
		pthread_mutex_lock(&p->mu);
		if (--p->busy == 0)
			pthread_cond_signal(&p->idle);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

parfor *parfor_new(unsigned threads)
{
	parfor *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->go, NULL);
	pthread_cond_init(&p->idle, NULL);
	atomic_init(&p->next, 0);
	if (threads && !(p->threads = calloc(threads, sizeof *p->threads))) {
		parfor_free(p);
		return NULL;
	}
	for (; p->nthreads < threads; p->nthreads++)
		if (pthread_create(&p->threads[p->nthreads], NULL, worker, p) != 0) {
			parfor_free(p);
			return NULL;
		}
	return p;
}

void parfor_run(void *pool, size_t n, void (*fn)(void *arg, size_t i), void *arg)
{
	parfor *p = pool;
	if (!p || p->nthreads == 0 || n < 2) {
		for (size_t i = 0; i < n; i++)
			fn(arg, i);
		return;
	}
	pthread_mutex_lock(&p->mu);
	p->fn = fn;
	p->arg = arg;
	p->n = n;
	atomic_store(&p->next, 0);
	p->busy = p->nthreads;
	p->gen++;
	pthread_cond_broadcast(&p->go);
	pthread_mutex_unlock(&p->mu);
	drain(p, fn, arg, n);
	/* every worker has left this job before the next may be published */
	pthread_mutex_lock(&p->mu);
	while (p->busy)
		pthread_cond_wait(&p->idle, &p->mu);
	pthread_mutex_unlock(&p->mu);
}

void parfor_free(parfor *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = 1;
	pthread_cond_broadcast(&p->go);
	pthread_mutex_unlock(&p->mu);
	for (unsigned i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	pthread_cond_destroy(&p->go);
	pthread_cond_destroy(&p->idle);
	pthread_mutex_destroy(&p->mu);
	free(p->threads);
	free(p);
}

unsigned parfor_cpus(void)
{
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
		return (unsigned)CPU_COUNT(&set);
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (unsigned)n : 1;
}

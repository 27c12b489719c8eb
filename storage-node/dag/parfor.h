/*
 * A parallel for over a few threads: what the importer hashes leaves on
 * (cairn_importer_parallel). The caller's thread takes part, so a pool of
 * N - 1 threads keeps N cores busy, and a pool of none runs everything on
 * the caller's thread.
 */
#ifndef CAIRN_PARFOR_H
#define CAIRN_PARFOR_H

#include <stddef.h>

typedef struct parfor parfor;

/* A pool of threads besides the caller's (0: none). NULL when out of
 * memory or threads (the caller then runs without one). */
parfor *parfor_new(unsigned threads);

/* Run fn(arg, i) for every i in [0, n) on the pool and the caller's
 * thread, and return once every call has returned. pool is a parfor, or
 * NULL (all on the caller's thread). One caller at a time per pool. The
 * signature is cairn_parallel_fn's. */
void parfor_run(void *pool, size_t n, void (*fn)(void *arg, size_t i), void *arg);

/* Stop the threads and free the pool (NULL: nothing). */
void parfor_free(parfor *p);

/* The CPUs this process may run on (at least 1). */
unsigned parfor_cpus(void);

#endif

/*
 * The daemon's event loops beyond the first (Daemon.Threads), each on its
 * own thread, and the one way they reach the first.
 *
 * Loop 0 is the daemon's main loop: both listeners, and every background
 * service (anchorer, peers, replicator, PostgreSQL mirror, pin requests),
 * whose state is touched from there only. Loops 1..N-1 serve the gateway
 * listener beside it (a shared address, SO_REUSEPORT: server.h's groups):
 * what they do there reads blocks, which the repo layer makes safe from
 * any thread (the verified block cache has its lock; the blockstore's
 * files are read with plain syscalls; metrics are atomic counters). The
 * rare gateway request that needs loop 0's state (/metrics) runs that
 * part there through loops_call_main, and answers on its own loop.
 *
 * Ownership: loops_start's result is the caller's (loops_free); each
 * worker's base and server are its own, and are freed once its thread
 * has ended.
 */
#ifndef CAIRN_LOOPS_H
#define CAIRN_LOOPS_H

#include <event2/event.h>

#include "server.h"

/* Daemon.Threads: at most this many loops. */
#define LOOPS_MAX 64

struct loops;

/* Make threads possible: libevent's locks and cross-thread wake-ups
 * (evthread_use_pthreads), before any event base is made. 0, or -1. */
int loops_init(void);

/* An event base as every loop of the daemon has it. NULL when out of
 * memory. */
struct event_base *loops_new_base(void);

/* With main as loop 0, start n - 1 worker loops (n counts loop 0), each
 * with a server made by make(base, loop number, arg) and run until
 * loops_stop. unmake(base, loop number, arg), if not NULL, runs when the
 * loop is freed, after its server and before its base: what make set up
 * on the base goes then. NULL with errno if a loop or its server could
 * not be made (none is left running). */
struct loops *loops_start(struct event_base *main, unsigned n,
                          struct http_server *(*make)(struct event_base *, unsigned, void *),
                          void (*unmake)(struct event_base *, unsigned, void *), void *arg);

/* The workers' servers (for /metrics): how many were put in out. */
size_t loops_servers(const struct loops *l, struct http_server **out, size_t max);

/* From loop 0: each worker stops accepting and ends once grace seconds
 * have passed (replies in flight go on until then). */
void loops_stop(struct loops *l, int grace);

/* Wait for the workers to end, then free them and their servers (their
 * connections' close hooks run here, on the caller's thread). */
void loops_free(struct loops *l);

/* Run fn(arg) on loop 0 and return once it has: at once when called from
 * loop 0. 0, or -1 if loop 0 has stopped (fn did not run). */
int loops_call_main(void (*fn)(void *arg), void *arg);

/* Loop 0 has stopped dispatching: calls waiting for it fail, and so do
 * those to come. */
void loops_main_stopped(void);

#endif

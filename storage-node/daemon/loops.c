#include "loops.h"

#include <errno.h>
#include <event2/thread.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <stdlib.h>

struct worker {
	pthread_t tid;
	int running;                 /* the thread was started */
	struct event_base *base;
	struct http_server *srv;
	struct event *stop;          /* activated from loop 0 */
	int grace;
	unsigned loop;
	void (*unmake)(struct event_base *, unsigned, void *);
	void *arg;
};

struct loops {
	struct worker w[LOOPS_MAX];
	unsigned n;                  /* workers */
};

/* A call waiting for loop 0 (on its caller's stack). */
struct call {
	void (*fn)(void *);
	void *arg;
	int done, failed;
	struct call *next;
};

/* One daemon per process: loop 0 and the calls queued for it. */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct event_base *base;
	pthread_t tid;
	struct event *wake;          /* runs the queue on loop 0 */
	struct call *queue;
	int stopped;
} main_loop = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL, 0, NULL, NULL, 0};

static void run_calls(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	pthread_mutex_lock(&main_loop.lock);
	struct call *q = main_loop.queue;
	main_loop.queue = NULL;
	pthread_mutex_unlock(&main_loop.lock);
	for (struct call *c = q, *next; c; c = next) {
		next = c->next; /* c is gone once done is seen */
		c->fn(c->arg);
		pthread_mutex_lock(&main_loop.lock);
		c->done = 1;
		pthread_cond_broadcast(&main_loop.cond);
		pthread_mutex_unlock(&main_loop.lock);
	}
}

int loops_init(void)
{
	return evthread_use_pthreads();
}

/* epoll's changelist folds the read/write interest changes made around
 * every request into one epoll_ctl, or none: they were a tenth of the
 * time spent on small GETs. */
struct event_base *loops_new_base(void)
{
	struct event_config *ecfg = event_config_new();
	struct event_base *base;
	if (ecfg)
		event_config_set_flag(ecfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
	base = ecfg ? event_base_new_with_config(ecfg) : event_base_new();
	if (ecfg)
		event_config_free(ecfg);
	return base;
}

int loops_call_main(void (*fn)(void *arg), void *arg)
{
	struct call c = {fn, arg, 0, 0, NULL};
	pthread_mutex_lock(&main_loop.lock);
	if (!main_loop.base || pthread_equal(pthread_self(), main_loop.tid)) {
		/* on loop 0, or no loop was started: nobody else runs */
		pthread_mutex_unlock(&main_loop.lock);
		fn(arg);
		return 0;
	}
	if (main_loop.stopped) {
		pthread_mutex_unlock(&main_loop.lock);
		return -1;
	}
	c.next = main_loop.queue;
	main_loop.queue = &c;
	/* libevent's own lock makes this safe from another thread, and wakes
	 * loop 0 out of its epoll_wait */
	event_active(main_loop.wake, EV_TIMEOUT, 0);
	while (!c.done)
		pthread_cond_wait(&main_loop.cond, &main_loop.lock);
	pthread_mutex_unlock(&main_loop.lock);
	return c.failed ? -1 : 0;
}

void loops_main_stopped(void)
{
	pthread_mutex_lock(&main_loop.lock);
	main_loop.stopped = 1;
	for (struct call *c = main_loop.queue; c; c = c->next)
		c->done = c->failed = 1;
	main_loop.queue = NULL;
	pthread_cond_broadcast(&main_loop.cond);
	struct event *wake = main_loop.wake;
	main_loop.wake = NULL;
	pthread_mutex_unlock(&main_loop.lock);
	if (wake)
		event_free(wake);
}

static void *run_worker(void *arg)
{
	struct worker *w = arg;
	sigset_t all;
	char name[16];
	/* named, so top -H and perf tell the loops apart */
	snprintf(name, sizeof name, "cairn-loop%u", w->loop);
	prctl(PR_SET_NAME, name);
	/* signals are loop 0's to take */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	event_base_dispatch(w->base);
	return NULL;
}

static void on_stop(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	struct timeval grace = {__atomic_load_n(&w->grace, __ATOMIC_RELAXED), 0};
	(void)fd;
	(void)what;
	http_server_close_listener(w->srv);
	event_base_loopexit(w->base, &grace);
}

static void free_worker(struct worker *w)
{
	if (w->running)
		pthread_join(w->tid, NULL);
	http_server_free(w->srv);
	if (w->unmake && w->base)
		w->unmake(w->base, w->loop, w->arg);
	if (w->stop)
		event_free(w->stop);
	if (w->base)
		event_base_free(w->base);
	*w = (struct worker){0};
}

struct loops *loops_start(struct event_base *main, unsigned n,
                          struct http_server *(*make)(struct event_base *, unsigned, void *),
                          void (*unmake)(struct event_base *, unsigned, void *), void *arg)
{
	struct loops *l = calloc(1, sizeof *l);
	int e = ENOMEM;
	if (!l)
		return NULL;
	pthread_mutex_lock(&main_loop.lock);
	main_loop.tid = pthread_self();
	main_loop.stopped = 0;
	main_loop.base = main;
	main_loop.wake = event_new(main, -1, 0, run_calls, NULL);
	pthread_mutex_unlock(&main_loop.lock);
	if (!main_loop.wake) {
		free(l);
		errno = ENOMEM;
		return NULL;
	}
	for (unsigned i = 1; i < n && i < LOOPS_MAX; i++) {
		struct worker *w = &l->w[l->n++];
		w->loop = i;
		w->unmake = unmake;
		w->arg = arg;
		if (!(w->base = loops_new_base()) ||
		    !(w->stop = event_new(w->base, -1, 0, on_stop, w)))
			goto fail;
		if (!(w->srv = make(w->base, i, arg))) {
			e = errno;
			goto fail;
		}
		if ((e = pthread_create(&w->tid, NULL, run_worker, w)) != 0)
			goto fail;
		w->running = 1;
	}
	return l;
fail:
	loops_stop(l, 0);
	loops_free(l);
	errno = e;
	return NULL;
}

size_t loops_servers(const struct loops *l, struct http_server **out, size_t max)
{
	size_t k = 0;
	for (unsigned i = 0; l && i < l->n && k < max; i++)
		if (l->w[i].srv)
			out[k++] = l->w[i].srv;
	return k;
}

void loops_stop(struct loops *l, int grace)
{
	for (unsigned i = 0; l && i < l->n; i++) {
		struct worker *w = &l->w[i];
		if (!w->stop)
			continue;
		/* a second stop (at the end, with no grace) may meet the first */
		__atomic_store_n(&w->grace, grace, __ATOMIC_RELAXED);
		if (w->running)
			event_active(w->stop, EV_TIMEOUT, 0); /* on_stop, on its own loop */
		else
			http_server_close_listener(w->srv);
	}
}

void loops_free(struct loops *l)
{
	if (!l)
		return;
	for (unsigned i = 0; i < l->n; i++)
		free_worker(&l->w[i]);
	free(l);
}

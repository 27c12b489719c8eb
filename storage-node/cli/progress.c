#define _GNU_SOURCE 1 /* fopencookie */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

/* Inputs smaller than this finish before a bar would be worth drawing. */
#define PROGRESS_MIN_BYTES (8u << 20)
#define PROGRESS_INTERVAL_NS 100000000ull

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void human(uint64_t n, char *buf, size_t cap)
{
	static const char *unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	double v = (double)n;
	unsigned u = 0;
	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	snprintf(buf, cap, u ? "%.1f %s" : "%.0f %s", v, unit[u]);
}

void progress_start(progress *p, const char *label, uint64_t total, int allowed)
{
	*p = (progress){.label = label, .total = total};
	/* Unknown size (a pipe) may be large: show progress for it too. */
	p->enabled = allowed && isatty(STDERR_FILENO) &&
	             (total == 0 || total >= PROGRESS_MIN_BYTES);
}

void progress_start_count(progress *p, const char *label, const char *unit, uint64_t total,
                          int allowed)
{
	*p = (progress){.label = label, .unit = unit, .total = total};
	p->enabled = allowed && isatty(STDERR_FILENO);
}

void progress_update(progress *p, uint64_t done)
{
	if (!p->enabled)
		return;
	uint64_t t = now_ns();
	if (t - p->last_ns < PROGRESS_INTERVAL_NS)
		return;
	p->last_ns = t;
	char a[32], b[32];
	if (p->unit) {
		snprintf(a, sizeof a, "%llu", (unsigned long long)done);
		snprintf(b, sizeof b, "%llu %s", (unsigned long long)p->total, p->unit);
	} else {
		human(done, a, sizeof a);
		human(p->total, b, sizeof b);
	}
	if (p->total)
		fprintf(stderr, "\r\033[K%s %s / %s (%3.0f%%)", p->label, a, b,
		        done >= p->total ? 100.0 : 100.0 * (double)done / (double)p->total);
	else
		fprintf(stderr, "\r\033[K%s %s%s%s", p->label, a, p->unit ? " " : "", p->unit ? p->unit : "");
	fflush(stderr);
}

struct wrapped {
	progress *p;
	FILE *out;
};

static ssize_t wrapped_write(void *cookie, const char *buf, size_t size)
{
	struct wrapped *w = cookie;
	size_t n = fwrite(buf, 1, size, w->out);
	w->p->done += n;
	progress_update(w->p, w->p->done);
	return n == size ? (ssize_t)n : -1;
}

static int wrapped_close(void *cookie)
{
	struct wrapped *w = cookie;
	int rc = fflush(w->out);
	free(w);
	return rc == 0 ? 0 : -1;
}

FILE *progress_wrap(progress *p, FILE *out)
{
	struct wrapped *w = malloc(sizeof *w);
	cookie_io_functions_t io = {.write = wrapped_write, .close = wrapped_close};
	FILE *f = w ? fopencookie(w, "w", io) : NULL;
	if (!f) {
		free(w);
		return NULL;
	}
	*w = (struct wrapped){p, out};
	return f;
}

void progress_end(progress *p)
{
	if (p->enabled && p->last_ns)
		fprintf(stderr, "\r\033[K");
	p->last_ns = 0; /* erased once */
}

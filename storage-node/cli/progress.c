#include "cli.h"

#include <stdio.h>
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
	p->label = label;
	p->total = total;
	p->last_ns = 0;
	/* Unknown size (a pipe) may be large: show progress for it too. */
	p->enabled = allowed && isatty(STDERR_FILENO) &&
	             (total == 0 || total >= PROGRESS_MIN_BYTES);
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
	human(done, a, sizeof a);
	if (p->total) {
		human(p->total, b, sizeof b);
		fprintf(stderr, "\r\033[K%s %s / %s (%3.0f%%)", p->label, a, b,
		        100.0 * (double)done / (double)p->total);
	} else {
		fprintf(stderr, "\r\033[K%s %s", p->label, a);
	}
	fflush(stderr);
}

void progress_end(progress *p)
{
	if (p->enabled && p->last_ns)
		fprintf(stderr, "\r\033[K");
}

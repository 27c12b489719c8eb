#include "log.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static enum log_format format = LOG_FORMAT_PLAIN;

static const char *const level_name[] = {"debug", "info", "warn", "error"};

int log_format_parse(const char *s, enum log_format *f)
{
	if (!strcmp(s, "text"))
		*f = LOG_FORMAT_TEXT;
	else if (!strcmp(s, "json"))
		*f = LOG_FORMAT_JSON;
	else
		return -1;
	return 0;
}

void log_setup(enum log_format f)
{
	format = f;
}

/* A record being built: bytes past cap are dropped (the record is cut). */
struct rec {
	char b[LOG_RECORD_MAX];
	size_t n;
};

static void put(struct rec *r, const char *s, size_t n)
{
	if (n > sizeof r->b - r->n)
		n = sizeof r->b - r->n;
	memcpy(r->b + r->n, s, n);
	r->n += n;
}

static void puts_(struct rec *r, const char *s)
{
	put(r, s, strlen(s));
}

/* The length of the valid UTF-8 sequence at s (at most n bytes), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len;
	uint32_t c;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] < 0xe0)
		len = 2, c = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] < 0xf0)
		len = 3, c = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] < 0xf5)
		len = 4, c = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	/* no overlong forms, no surrogates, nothing past U+10FFFF */
	if ((len == 3 && (c < 0x800 || (c >= 0xd800 && c < 0xe000))) || (len == 4 && (c < 0x10000 || c > 0x10ffff)))
		return 0;
	return len;
}

/* s as a quoted string with JSON's escapes (which logfmt readers take
 * too). Line breaks, with the blanks that indent the next line, become
 * "; " (joined); trailing ones are dropped. A byte that is not UTF-8 is
 * U+FFFD, so a JSON record is always valid JSON. */
static void quoted(struct rec *r, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);
	while (n && (p[n - 1] == '\n' || p[n - 1] == '\r'))
		n--;
	put(r, "\"", 1);
	for (size_t i = 0; i < n;) {
		/* a run that needs no escape goes in at once */
		size_t run = i;
		while (run < n && p[run] >= 0x20 && p[run] < 0x7f && p[run] != '"' && p[run] != '\\')
			run++;
		if (run > i) {
			put(r, (const char *)p + i, run - i);
			i = run;
			continue;
		}
		unsigned char c = p[i];
		char esc[8];
		if (c == '\n' || c == '\r') {
			while (i < n && (p[i] == '\n' || p[i] == '\r' || p[i] == ' ' || p[i] == '\t'))
				i++;
			put(r, "; ", 2);
			continue;
		}
		if (c == '"' || c == '\\') {
			esc[0] = '\\', esc[1] = (char)c;
			put(r, esc, 2);
		} else if (c == '\t') {
			put(r, "\\t", 2);
		} else if (c < 0x20 || c == 0x7f) {
			snprintf(esc, sizeof esc, "\\u%04x", c);
			put(r, esc, 6);
		} else {
			size_t l = utf8_len(p + i, n - i);
			if (l) {
				put(r, (const char *)p + i, l);
				i += l;
				continue;
			}
			put(r, "\xef\xbf\xbd", 3);
		}
		i++;
	}
	put(r, "\"", 1);
}

/* A text value: bare when it is a plain word, else quoted. */
static void text_value(struct rec *r, const char *s)
{
	int bare = *s != '\0';
	for (const char *p = s; *p && bare; p++)
		bare = (unsigned char)*p > ' ' && *p != '"' && *p != '=' && *p != '\\' && (unsigned char)*p < 0x7f;
	if (bare)
		puts_(r, s);
	else
		quoted(r, s);
}

static void field(struct rec *r, const char *key, const char *s, double num, int prec)
{
	char nb[64];
	if (!s && prec == 0 && num >= 0 && num < 1e18) { /* a count: digits by hand */
		unsigned long long v = (unsigned long long)num;
		size_t k = sizeof nb - 1;
		nb[k] = '\0';
		do
			nb[--k] = (char)('0' + v % 10);
		while ((v /= 10) != 0);
		memmove(nb, nb + k, sizeof nb - k);
	} else if (!s) {
		snprintf(nb, sizeof nb, "%.*f", prec, num);
	}
	if (format == LOG_FORMAT_JSON) {
		put(r, ",\"", 2);
		puts_(r, key);
		put(r, "\":", 2);
		if (s)
			quoted(r, s);
		else
			puts_(r, nb);
	} else {
		put(r, " ", 1);
		puts_(r, key);
		put(r, "=", 1);
		text_value(r, s ? s : nb);
	}
}

static void begin(struct rec *r, enum log_level lv)
{
	/* the date and time to the second change once a second: formatted
	 * then, per thread; a record adds its milliseconds by hand (the log is
	 * on every request's path) */
	static _Thread_local time_t last = -1;
	static _Thread_local char t[40];
	static _Thread_local size_t k;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	if (ts.tv_sec != last) {
		struct tm tm;
		gmtime_r(&ts.tv_sec, &tm);
		k = strftime(t, sizeof t - 6, "%Y-%m-%dT%H:%M:%S", &tm);
		last = ts.tv_sec;
	}
	unsigned ms = (unsigned)(ts.tv_nsec / 1000000);
	t[k] = '.';
	t[k + 1] = (char)('0' + ms / 100);
	t[k + 2] = (char)('0' + ms / 10 % 10);
	t[k + 3] = (char)('0' + ms % 10);
	t[k + 4] = 'Z';
	t[k + 5] = '\0';
	r->n = 0;
	if (format == LOG_FORMAT_JSON) {
		puts_(r, "{\"time\":\"");
		puts_(r, t);
		puts_(r, "\",\"level\":\"");
		puts_(r, level_name[lv]);
		put(r, "\"", 1);
	} else {
		puts_(r, "time=");
		puts_(r, t);
		puts_(r, " level=");
		puts_(r, level_name[lv]);
	}
}

static void end(struct rec *r, enum log_level lv)
{
	/* a cut record still ends its line (and its object) */
	size_t tail = format == LOG_FORMAT_JSON ? 2 : 1;
	if (r->n > sizeof r->b - tail)
		r->n = sizeof r->b - tail;
	if (format == LOG_FORMAT_JSON)
		r->b[r->n++] = '}';
	r->b[r->n++] = '\n';
	flockfile(stderr);
	fwrite(r->b, 1, r->n, stderr);
	if (lv >= LOG_LEVEL_WARN)
		fflush(stderr);
	funlockfile(stderr);
}

void log_fields(enum log_level lv, const char *msg, const struct log_field *f, size_t n)
{
	struct rec r;
	begin(&r, lv);
	if (msg)
		field(&r, "msg", msg, 0, 0);
	for (size_t i = 0; i < n; i++)
		field(&r, f[i].key, f[i].s, f[i].num, f[i].prec);
	end(&r, lv);
}

void log_msg(enum log_level lv, const char *fmt, ...)
{
	char m[LOG_RECORD_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m, sizeof m, fmt, ap);
	va_end(ap);
	if (format == LOG_FORMAT_PLAIN) {
		size_t n = strlen(m);
		while (n && m[n - 1] == '\n')
			m[--n] = '\0';
		fprintf(stderr, "cairn: %s%s\n", lv == LOG_LEVEL_WARN ? "warning: " : "", m);
		return;
	}
	log_fields(lv, m, NULL, 0);
}

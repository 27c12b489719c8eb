/*
 * The node's log, on stderr: one record per line, each with an RFC 3339
 * time (UTC, milliseconds) and a level (docs/http-api.md, "Logs").
 *
 *   text  key=value pairs, as Go's slog TextHandler writes them:
 *         time=2026-11-30T12:00:00.123Z level=info msg="pg mirror: connected"
 *   json  one object per line, the same keys:
 *         {"time":"2026-11-30T12:00:00.123Z","level":"info","msg":"..."}
 *
 * Before log_setup() (the CLI's commands, which share repo/ with the
 * daemon) a record is "cairn: message", as the CLI's own errors are.
 * A message's line breaks (libpq's errors span lines) are joined with
 * "; ", so a record stays one line and its parts stay readable. Records
 * are written whole under stderr's lock: any thread may log. Warnings and
 * errors are flushed at once; the rest go out when stderr's buffer is
 * flushed (the daemon buffers it and flushes a few times a second).
 */
#ifndef CAIRN_LOG_H
#define CAIRN_LOG_H

#include <stddef.h>

enum log_level { LOG_LEVEL_DEBUG, LOG_LEVEL_INFO, LOG_LEVEL_WARN, LOG_LEVEL_ERROR };
enum log_format { LOG_FORMAT_PLAIN, LOG_FORMAT_TEXT, LOG_FORMAT_JSON };

/* A record is cut at this many bytes (a request's path is at most
 * Limits.MaxURLBytes, 32 KiB by default, and is cut first). */
#define LOG_RECORD_MAX 8192

/* "text" or "json": 0 and *f set, or -1. */
int log_format_parse(const char *s, enum log_format *f);

/* Records from now on are in format f. Call before other threads log. */
void log_setup(enum log_format f);

/* One record: the message (printf format). */
void log_msg(enum log_level lv, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define log_info(...) log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)

/* A field of a structured record: a string (s), or when s is NULL a
 * number (num, printed with the fewest digits that keep prec decimals). */
struct log_field {
	const char *key;
	const char *s;
	double num;
	int prec;
};

/* One record with a message (may be NULL) and n fields after it, in
 * order. Keys are plain words (borrowed); values are escaped. */
void log_fields(enum log_level lv, const char *msg, const struct log_field *f, size_t n);

#endif

/*
 * Shared pieces of the `cairn` command line: subcommand entry points, exit
 * codes and error reporting. Every subcommand returns its exit status.
 */
#ifndef CAIRN_CLI_H
#define CAIRN_CLI_H

#include <stdint.h>
#include <stdio.h>

#define CAIRN_VERSION "0.1.0"

/* Exit codes: 0 success, 1 the work failed (I/O, bad data), 2 usage. */
#define EXIT_FAIL 1
#define EXIT_USAGE 2

int cmd_add(int argc, char **argv);
int cmd_cid(int argc, char **argv);

/* "cairn <cmd>: <message>\n" on stderr. */
void cli_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Parse a Kubo-style boolean ("true"/"false", also 1/0, yes/no). */
int cli_parse_bool(const char *s, int *out);

/*
 * Progress on stderr, only when stderr is a terminal: a single line
 * redrawn at most ten times a second, erased at the end.
 */
typedef struct progress {
	int enabled;
	const char *label;
	uint64_t total; /* 0 if unknown */
	uint64_t last_ns;
} progress;

void progress_start(progress *p, const char *label, uint64_t total, int allowed);
void progress_update(progress *p, uint64_t done);
void progress_end(progress *p);

#endif

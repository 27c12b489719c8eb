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
int cmd_init(int argc, char **argv);
int cmd_repo(int argc, char **argv);
int cmd_pin(int argc, char **argv);
int cmd_block(int argc, char **argv);
int cmd_cat(int argc, char **argv);
int cmd_get(int argc, char **argv);
int cmd_daemon(int argc, char **argv);
int cmd_dag(int argc, char **argv);
int cmd_token(int argc, char **argv);
int cmd_anchor(int argc, char **argv);
int cmd_audit(int argc, char **argv);

/* "cairn <cmd>: <message>\n" on stderr. */
void cli_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

struct repo;
/* Open the repo at $CAIRN_PATH (or ~/.cairn) for command cmd, printing why
 * not on failure. Returns 0 or EXIT_FAIL. */
int cli_repo_open(struct repo *r, const char *cmd);

/* Like cli_repo_open, but when a daemon holds the repo, fill *c with its
 * API address and return CLI_USE_DAEMON instead of failing: the command
 * then goes through the API, as `ipfs` does with a running Kubo. With c
 * NULL this is cli_repo_open. */
#define CLI_USE_DAEMON (-1)
struct api_client;
int cli_repo_open_or_daemon(struct repo *r, struct api_client *c, const char *cmd);

/* One API call for command cmd. The body goes to out if not NULL, else is
 * captured into *body (malloc'd, NUL-terminated; caller frees). A non-2xx
 * answer is printed as "cairn <cmd>: <daemon's message>". Returns 0 or
 * EXIT_FAIL. */
struct api_upload;
int cli_api(const struct api_client *c, const char *cmd, const char *endpoint, const char *query,
            const struct api_upload *up, FILE *out, char **body);

/* Parse a CID argument; prints an error and returns EXIT_FAIL if bad. */
struct cairn_cid;
int cli_parse_cid(const char *cmd, const char *text, struct cairn_cid *cid);

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

/*
 * Shared pieces of the `cairn` command line: subcommand entry points, exit
 * codes and error reporting. Every subcommand returns its exit status.
 */
#ifndef CAIRN_CLI_H
#define CAIRN_CLI_H

#include <stdint.h>
#include <jansson.h>
#include <stdio.h>

#include "cairn/version.h"

/* SIGINT or SIGTERM received since cli_catch_stop() (0: none): long
 * commands check it and stop cleanly, leaving nothing half-written, then
 * exit 128 + the signal, as the shell expects. */
#include <signal.h>
extern volatile sig_atomic_t cli_stop;
void cli_catch_stop(void);

/* Exit codes: 0 success, 1 the work failed (I/O, bad data), 2 usage. */
#define EXIT_FAIL 1
#define EXIT_USAGE 2
/* cairn audit: the chain could not be reached, so nothing was checked */
#define EXIT_UNCHECKED 3

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
int cmd_witness(int argc, char **argv);
int cmd_chain(int argc, char **argv);
int cmd_id(int argc, char **argv);
int cmd_ls(int argc, char **argv);
int cmd_config(int argc, char **argv);
int cmd_refs(int argc, char **argv);

/*
 * A (sub)command table: `cairn pin add ...` runs pin's entry "add" with
 * argv[0] = "add". cli_dispatch answers --help at every level itself, so
 * asking for help never opens a repo, reaches a daemon or reads a file.
 */
typedef struct cli_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage; /* printed for `... NAME --help`; NULL: fn answers --help itself */
} cli_cmd;

/* Run the entry of cmds (n of them) that argv[0] names, for command cmd
 * ("pin"; "" at the top level). No name: usage on stderr, EXIT_USAGE.
 * --help or -h as the name: usage on stdout, 0. --help or -h anywhere
 * among the entry's arguments (before a "--"): the entry's usage, 0. An
 * unknown name: a usage error. Otherwise the entry's exit status. */
int cli_dispatch(const char *cmd, const char *usage, const cli_cmd *cmds, size_t n, int argc,
                 char **argv);

/* Is --help or -h among argv[1..argc-1] (before a "--")? */
int cli_wants_help(int argc, char **argv);

/* A query string built from key=value pairs, each value %-escaped, on the
 * heap: as long as the arguments are (Kubo clients put every argument in
 * the URL). */
typedef struct cli_query {
	char *s;
	size_t len, cap;
	int failed; /* out of memory: cli_query_str is NULL */
} cli_query;

/* Append key=value (value escaped). Failure shows in cli_query_str. */
void cli_query_add(cli_query *q, const char *key, const char *value);
/* The query ("" if empty), or NULL when out of memory (say so and fail). */
const char *cli_query_str(const cli_query *q);
void cli_query_free(cli_query *q);

/* PATH (CID[/a/b] or /ipfs/CID[/a/b]) split, not resolved: its CID into
 * *root, the path after it (a view into arg) into *rest. 0, or EXIT_FAIL
 * after saying why for cmd. */
struct cairn_cid;
int cli_parse_root(const char *cmd, const char *arg, struct cairn_cid *root, const char **rest);

/* PATH (CID[/a/b] or /ipfs/CID[/a/b]) resolved in the repo into *out: 0,
 * or EXIT_FAIL after saying why for cmd. */
struct repo;
struct cairn_cid;
int cli_resolve_path(struct repo *r, const char *cmd, const char *arg, struct cairn_cid *out);
/* What a DAG walk's outcome (rc: DAG_* / DIR_*, or -1 with err) means,
 * said for cmd and arg; where is the block concerned. */
void cli_dag_error(const char *cmd, const char *arg, int rc, const struct cairn_cid *where, const char *err);

/* j (borrowed; any JSON) on standard output, indented, with a newline;
 * flags: jansson's (JSON_SORT_KEYS, JSON_PRESERVE_ORDER). 0, or EXIT_FAIL
 * after saying so for cmd. */
int cli_print_json(const char *cmd, const json_t *j, size_t flags);

/* A stream for a streamed (ndjson) answer: each line written to it is
 * handed to fn (without its newline, NUL-terminated, cut at
 * CLI_LINE_MAX - 1 bytes) as it arrives; closing it hands on a last line
 * that has no newline. NULL when out of memory. */
#define CLI_LINE_MAX 16384
FILE *cli_line_stream(void (*fn)(void *ctx, char *line), void *ctx);

/* cli_api with the query "arg=<arg, escaped>" (see cli_api). */
struct api_client;
int cli_api_arg(const struct api_client *c, const char *cmd, const char *endpoint, const char *arg,
                FILE *out, char **body);

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
/* The daemon to use instead, given by the user (`cairn --api ADDR …`
 * sets it too): then the repo is not looked at. Otherwise the daemon is
 * found through the repo (its api file, else its config), and refused
 * unless its PeerID is the repo's. */
#define CLI_API_ENV "CAIRN_API"
struct api_client;
int cli_repo_open_or_daemon(struct repo *r, struct api_client *c, const char *cmd);

/* One API call for command cmd. The body goes to out if not NULL, else is
 * captured into *body (malloc'd, NUL-terminated; caller frees). A non-2xx
 * answer is printed as "cairn <cmd>: <daemon's message>". Returns 0 or
 * EXIT_FAIL. */
struct api_upload;
int cli_api(const struct api_client *c, const char *cmd, const char *endpoint, const char *query,
            const struct api_upload *up, FILE *out, char **body);

/* Read all of fd into *out (malloc'd; the caller frees it), *len bytes,
 * at most max: 0, or -1 with errno (EFBIG when larger). */
int cli_read_all(int fd, size_t max, uint8_t **out, size_t *len);

/* cairn dag put|get|stat (cmd_ipld.c), under cmd_dag's dispatch. */
extern const char ipld_usage[];
int ipld_run(int argc, char **argv);

/* Parse a CID argument; prints an error and returns EXIT_FAIL if bad. */
struct cairn_cid;
int cli_parse_cid(const char *cmd, const char *text, struct cairn_cid *cid);


/*
 * Progress on stderr, only when stderr is a terminal: a single line
 * redrawn at most ten times a second, erased at the end.
 */
typedef struct progress {
	int enabled;
	const char *label;
	const char *unit; /* NULL: bytes (shown in KiB, MiB, ...) */
	uint64_t total;   /* 0 if unknown */
	uint64_t done;    /* for progress_wrap */
	uint64_t last_ns;
} progress;

/* Bytes: shown for inputs of PROGRESS_MIN_BYTES or more, or of unknown
 * size. allowed: the command's own condition (not -q, output not on the
 * terminal, ...). */
void progress_start(progress *p, const char *label, uint64_t total, int allowed);
/* A count of unit ("blocks"; total 0 if unknown): shown whatever the size. */
void progress_start_count(progress *p, const char *label, const char *unit, uint64_t total,
                          int allowed);
void progress_update(progress *p, uint64_t done);
void progress_end(progress *p);
/* A stream writing through to out that adds what it writes to p->done
 * and shows it. Closing it flushes but does not close out. NULL when out
 * of memory. */
FILE *progress_wrap(progress *p, FILE *out);

#endif

/*
 * Helpers every subcommand uses: error messages, booleans, opening the
 * repo, parsing CID arguments.
 */
#define _GNU_SOURCE 1 /* fopencookie */
#include "cli.h"

#include "api_client.h"
#include "cairn/cid.h"
#include "cairn/error.h"
#include "repo.h"
#include "dag.h"
#include "dir.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

void cli_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "cairn %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int cli_wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return 0;
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return 1;
	}
	return 0;
}

int cli_dispatch(const char *cmd, const char *usage, const cli_cmd *cmds, size_t n, int argc,
                 char **argv)
{
	const char *name = argc > 0 ? argv[0] : NULL;
	if (!name) {
		fputs(usage, stderr);
		return EXIT_USAGE;
	}
	if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
		fputs(usage, stdout);
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		if (strcmp(name, cmds[i].name) != 0)
			continue;
		if (cmds[i].usage && cli_wants_help(argc, argv)) {
			fputs(cmds[i].usage, stdout);
			return 0;
		}
		return cmds[i].fn(argc, argv);
	}
	if (cmd[0])
		cli_error(cmd, "unknown subcommand '%s'\n\n%s", name, usage);
	else
		fprintf(stderr, "cairn: unknown command '%s'\n\n%s", name, usage);
	return EXIT_USAGE;
}

void cli_query_add(cli_query *q, const char *key, const char *value)
{
	size_t need = q->len + strlen(key) + 3 * strlen(value) + 3;
	if (q->failed)
		return;
	if (need > q->cap) {
		size_t cap = need * 2;
		char *s = realloc(q->s, cap);
		if (!s) {
			q->failed = 1;
			return;
		}
		q->s = s;
		q->cap = cap;
	}
	q->len += (size_t)sprintf(q->s + q->len, "%s%s=", q->len ? "&" : "", key);
	/* room for the worst case was made above: it always fits */
	api_client_escape(value, q->s + q->len, q->cap - q->len);
	q->len += strlen(q->s + q->len);
}

const char *cli_query_str(const cli_query *q)
{
	return q->failed ? NULL : q->s ? q->s : "";
}

void cli_query_free(cli_query *q)
{
	free(q->s);
	*q = (cli_query){0};
}

int cli_api_arg(const struct api_client *c, const char *cmd, const char *endpoint, const char *arg,
                FILE *out, char **body)
{
	cli_query q = {0};
	cli_query_add(&q, "arg", arg);
	int rc = cli_query_str(&q) ? cli_api(c, cmd, endpoint, cli_query_str(&q), NULL, out, body)
	                           : (cli_error(cmd, "out of memory"), EXIT_FAIL);
	cli_query_free(&q);
	return rc;
}

volatile sig_atomic_t cli_stop;

static void on_stop(int sig)
{
	cli_stop = sig;
}

void cli_catch_stop(void)
{
	struct sigaction sa = {0};
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	/* no SA_RESTART: a read waiting on standard input returns EINTR */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* Why the repo could not be opened, for when its daemon does not answer. */
static char lock_msg[CAIRN_ERR_MAX];

/* This repo's PeerID, from its config (readable while a daemon holds
 * the repo): 0, or -1. */
static int repo_peer_id(const char *path, char *out, size_t cap)
{
	char file[4200];
	snprintf(file, sizeof file, "%s/config", path);
	json_t *cfg = json_load_file(file, 0, NULL);
	const char *id = json_string_value(json_object_get(json_object_get(cfg, "Identity"), "PeerID"));
	int rc = id && strlen(id) < cap ? 0 : -1;
	if (rc == 0)
		snprintf(out, cap, "%s", id);
	json_decref(cfg);
	return rc;
}

/* Is the daemon at c the one that holds the repo at path? 0 if so; else
 * an exit status, with the reason printed. Nothing else is sent before
 * this answers: a command never lands in another node's repo. */
static int same_repo(const struct api_client *c, const char *path, const char *from, const char *cmd)
{
	char want[128], err[CAIRN_ERR_MAX];
	char *buf = NULL;
	size_t len = 0;
	int status = 0;
	if (repo_peer_id(path, want, sizeof want) != 0)
		return 0; /* an old repo without one: nothing to compare */
	FILE *mem = open_memstream(&buf, &len);
	if (!mem) {
		cli_error(cmd, "out of memory");
		return EXIT_FAIL;
	}
	int rc = api_client_post(c, "id", NULL, NULL, mem, mem, &status, err, sizeof err);
	fclose(mem);
	if (rc != 0 || status != 200) {
		/* unreachable, or refused (a token): the command's own call says it */
		free(buf);
		return 0;
	}
	json_t *j = json_loadb(buf ? buf : "", len, 0, NULL);
	const char *got = json_string_value(json_object_get(j, "ID"));
	rc = got && strcmp(got, want) == 0 ? 0 : EXIT_FAIL;
	if (rc)
		cli_error(cmd, "the daemon at %s:%u (from %s) holds another repo (PeerID %s), not %s (PeerID %s): "
		          "nothing was sent. Is this repo's daemon running? Give its address with --api or $CAIRN_API",
		          c->host, c->port, from, got ? got : "?", path, want);
	json_decref(j);
	free(buf);
	return rc;
}

int cli_repo_open_or_daemon(struct repo *r, struct api_client *c, const char *cmd)
{
	char path[4096], err[CAIRN_ERR_MAX], cerr[CAIRN_ERR_MAX];
	const char *explicit = getenv(CLI_API_ENV), *from = NULL;
	int holder, rc;

	/* an address the user gave: that daemon, whatever repo it holds */
	if (c && explicit && *explicit) {
		if (api_client_from_addr(c, explicit, cerr, sizeof cerr) != 0) {
			cli_error(cmd, "--api/$%s: %s", CLI_API_ENV, cerr);
			return EXIT_USAGE;
		}
		return CLI_USE_DAEMON;
	}
	if (repo_default_path(path, sizeof path) != 0) {
		cli_error(cmd, "set CAIRN_PATH or HOME to locate the repo");
		return EXIT_FAIL;
	}
	if ((rc = repo_open(r, path, &holder, err)) == 0)
		return 0;
	if (rc == REPO_E_DATASTORE) { /* its config, or its cluster: not this command's fault */
		cli_error(cmd, "%s", err);
		return EXIT_USAGE;
	}
	if (c && holder > 0 && api_client_from_repo(c, path, &from, cerr, sizeof cerr) == 0) {
		if ((rc = same_repo(c, path, from, cmd)) != 0)
			return rc;
		snprintf(lock_msg, sizeof lock_msg, "%s", err);
		return CLI_USE_DAEMON;
	}
	cli_error(cmd, "%s", err);
	return EXIT_FAIL;
}

int cli_api(const struct api_client *c, const char *cmd, const char *endpoint, const char *query,
            const struct api_upload *up, FILE *out, char **body)
{
	char err[CAIRN_ERR_MAX];
	char *buf = NULL;
	size_t len = 0;
	int status = 0;
	FILE *mem = NULL;

	/* Errors come back as a JSON body: capture it even when streaming. */
	mem = open_memstream(&buf, &len);
	if (!mem) {
		cli_error(cmd, "out of memory");
		return EXIT_FAIL;
	}
	int rc = api_client_post(c, endpoint, query, up, out ? out : mem, mem, &status, err, sizeof err);
	fclose(mem);
	if (rc != 0) {
		if (lock_msg[0])
			cli_error(cmd, "%s, and %s", lock_msg, err);
		else
			cli_error(cmd, "%s", err);
		free(buf);
		return EXIT_FAIL;
	}
	if (status < 200 || status > 299) {
		json_t *j = json_loads(buf ? buf : "", 0, NULL);
		const char *msg = json_string_value(json_object_get(j, "Message"));
		cli_error(cmd, "%s", msg ? msg : "the daemon refused the request");
		json_decref(j);
		free(buf);
		return EXIT_FAIL;
	}
	if (body)
		*body = buf;
	else
		free(buf);
	return 0;
}

int cli_repo_open(struct repo *r, const char *cmd)
{
	return cli_repo_open_or_daemon(r, NULL, cmd);
}

int cli_parse_cid(const char *cmd, const char *text, struct cairn_cid *cid)
{
	/* Accept /ipfs/CID as Kubo does. */
	if (strncmp(text, "/ipfs/", 6) == 0)
		text += 6;
	int rc = cairn_cid_parse(text, strlen(text), cid);
	if (rc) {
		cli_error(cmd, "invalid CID '%s': %s", text, cairn_strerror(rc));
		return EXIT_FAIL;
	}
	return 0;
}

struct line_stream {
	void (*fn)(void *ctx, char *line);
	void *ctx;
	size_t len;
	char line[CLI_LINE_MAX];
};

static ssize_t line_write(void *cookie, const char *buf, size_t size)
{
	struct line_stream *ls = cookie;
	for (size_t i = 0; i < size; i++) {
		if (buf[i] == '\n') {
			ls->line[ls->len] = '\0';
			ls->len = 0;
			ls->fn(ls->ctx, ls->line);
		} else if (ls->len < sizeof ls->line - 1) {
			ls->line[ls->len++] = buf[i];
		}
	}
	return (ssize_t)size;
}

static int line_close(void *cookie)
{
	struct line_stream *ls = cookie;
	if (ls->len) {
		ls->line[ls->len] = '\0';
		ls->fn(ls->ctx, ls->line);
	}
	free(ls);
	return 0;
}

FILE *cli_line_stream(void (*fn)(void *ctx, char *line), void *ctx)
{
	struct line_stream *ls = malloc(sizeof *ls);
	cookie_io_functions_t io = {.write = line_write, .close = line_close};
	FILE *f = ls ? fopencookie(ls, "w", io) : NULL;
	if (!f) {
		free(ls);
		return NULL;
	}
	ls->fn = fn;
	ls->ctx = ctx;
	ls->len = 0;
	return f;
}

int cli_print_json(const char *cmd, const json_t *j, size_t flags)
{
	char *t = j ? json_dumps(j, JSON_INDENT(2) | JSON_ENCODE_ANY | flags) : NULL;
	if (!t) {
		cli_error(cmd, "out of memory");
		return EXIT_FAIL;
	}
	printf("%s\n", t);
	free(t);
	return 0;
}

void cli_dag_error(const char *cmd, const char *arg, int rc, const cairn_cid *where, const char *err)
{
	char text[CAIRN_CID_TEXT_MAX] = "";
	if (rc > 0 && where)
		cairn_cid_to_string(where, text, sizeof text, NULL);
	if (rc == DIR_NOT_FOUND || rc == DIR_NOT_DIR)
		cli_error(cmd, "%s: no such path (under %s)", arg, text);
	else if (rc == DAG_MISSING)
		cli_error(cmd, "%s: block %s is not in the repo", arg, text);
	else if (rc == DAG_INVALID)
		cli_error(cmd, "%s: block %s does not decode", arg, text);
	else
		cli_error(cmd, "%s: %s", arg, err && err[0] ? err : "failed");
}

int cli_parse_root(const char *cmd, const char *arg, cairn_cid *root, const char **rest)
{
	const char *a = strncmp(arg, "/ipfs/", 6) == 0 ? arg + 6 : arg;
	size_t clen = strcspn(a, "/");
	int rc = cairn_cid_parse(a, clen, root);
	if (rc != 0) {
		cli_error(cmd, "invalid CID '%.*s': %s", (int)clen, a, cairn_strerror(rc));
		return EXIT_FAIL;
	}
	*rest = a + clen;
	return 0;
}

int cli_resolve_path(struct repo *r, const char *cmd, const char *arg, cairn_cid *out)
{
	cairn_cid root, where;
	char err[CAIRN_ERR_MAX] = "";
	const char *rest;
	if (cli_parse_root(cmd, arg, &root, &rest) != 0)
		return EXIT_FAIL;
	int rc = dir_resolve(&r->bs, &root, rest, out, NULL, &where, err);
	if (rc == 0)
		return 0;
	cli_dag_error(cmd, arg, rc, &where, err);
	return EXIT_FAIL;
}

/* Read all of fd, up to max bytes; -1 with errno EFBIG if larger. */
int cli_read_all(int fd, size_t max, uint8_t **out, size_t *len)
{
	size_t cap = 65536, n = 0;
	uint8_t *buf = malloc(cap);
	while (buf) {
		if (n == cap) {
			if (cap > max) {
				free(buf);
				errno = EFBIG;
				return -1;
			}
			uint8_t *nb = realloc(buf, cap * 2);
			if (!nb)
				break;
			buf = nb;
			cap *= 2;
		}
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			free(buf);
			return -1;
		}
		if (r == 0) {
			if (n > max) {
				free(buf);
				errno = EFBIG;
				return -1;
			}
			*out = buf;
			*len = n;
			return 0;
		}
		n += (size_t)r;
	}
	free(buf);
	errno = ENOMEM;
	return -1;
}

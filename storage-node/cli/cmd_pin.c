/*
 * cairn pin add|ls|rm|verify: keep DAGs from garbage collection. The options are
 * parsed once (pin_parse); then the repo or the daemon that holds it does
 * the work.
 */
#include "api_client.h"
#include "cli.h"
#include "http_util.h"
#include "dag.h"
#include "pinstore.h"

#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char pin_usage[] =
	"usage: cairn pin add [--recursive=BOOL] [--name NAME] [--progress[=BOOL]] CID...\n"
	"       cairn pin ls [--type recursive|direct|all] [-q] [CID...]\n"
	"       cairn pin rm CID...\n"
	"       cairn pin verify [--verbose] [-q]   read and check every block of every\n"
	"                                  pin: the broken ones and their bad blocks\n"
	"\n"
	"A recursive pin (the default) keeps a whole DAG, a direct pin one block.\n"
	"On the repo, every block must already be in it; through a daemon with\n"
	"peers, what is missing is fetched first (--progress, the default on a\n"
	"terminal, counts the blocks on standard error).\n";

struct pin_args {
	const char *sub;   /* "add", "ls" or "rm": the cli name too ("pin add") */
	const char *cmd;
	int recursive;     /* add, rm */
	int progress;      /* add through a daemon: fetch progress on stderr */
	const char *name;  /* add: NULL if none */
	char type;         /* ls: PIN_RECURSIVE, PIN_DIRECT, or 0 for all */
	int quiet;         /* ls */
	char **cids;
	int ncids;
};

/* The options of pin SUB (argv[0] = SUB): 0, or EXIT_USAGE (said why). */
static int pin_parse(int argc, char **argv, struct pin_args *a)
{
	enum { OPT_NAME = 256, OPT_PROGRESS, OPT_TYPE };
	static const struct option opts[] = {
		{"recursive", optional_argument, NULL, 'r'},
		{"name", required_argument, NULL, OPT_NAME},
		{"progress", optional_argument, NULL, OPT_PROGRESS},
		{"type", required_argument, NULL, OPT_TYPE},
		{"quiet", no_argument, NULL, 'q'},
		{NULL, 0, NULL, 0},
	};
	int add = !strcmp(argv[0], "add"), ls = !strcmp(argv[0], "ls"), c;
	*a = (struct pin_args){.sub = argv[0], .recursive = 1, .progress = isatty(STDERR_FILENO)};
	a->cmd = add ? "pin add" : ls ? "pin ls" : "pin rm";
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":rq", opts, NULL)) != -1) {
		int *flag = c == 'r' && !ls ? &a->recursive : c == OPT_PROGRESS && add ? &a->progress : NULL;
		if (flag) {
			/* booleans take an optional =BOOL, as in Kubo */
			if (!optarg)
				*flag = 1;
			else if (http_parse_bool(optarg, flag) != 0) {
				cli_error(a->cmd, "'%s' is not a boolean (true or false)", optarg);
				return EXIT_USAGE;
			}
		} else if (c == OPT_NAME && add) {
			if (strlen(optarg) > PIN_NAME_MAX) {
				cli_error(a->cmd, "pin name longer than %d bytes", PIN_NAME_MAX);
				return EXIT_USAGE;
			}
			a->name = optarg;
		} else if (c == OPT_TYPE && ls) {
			if (!strcmp(optarg, "recursive"))
				a->type = PIN_RECURSIVE;
			else if (!strcmp(optarg, "direct"))
				a->type = PIN_DIRECT;
			else if (strcmp(optarg, "all") != 0) {
				cli_error(a->cmd, "unknown pin type '%s' (recursive, direct or all)", optarg);
				return EXIT_USAGE;
			}
		} else if (c == 'q' && ls) {
			a->quiet = 1;
		} else if (c == ':') {
			cli_error(a->cmd, "option '%s' needs a value", argv[optind - 1]);
			return EXIT_USAGE;
		} else {
			cli_error(a->cmd, "unknown option '%s' (see 'cairn pin --help')", argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	a->cids = argv + optind;
	a->ncids = argc - optind;
	if (!ls && a->ncids == 0) {
		cli_error(a->cmd, "no CID given");
		return EXIT_USAGE;
	}
	return 0;
}

static void print_pin(const char *cid, const char *type, const char *name, int quiet)
{
	if (quiet)
		printf("%s\n", cid);
	else
		printf("%s %s%s%s\n", cid, type, name && *name ? " " : "", name && *name ? name : "");
}

/* --- on the repo ---------------------------------------------------------- */

static int add_local(repo *r, const struct pin_args *a)
{
	int rc = 0;
	for (int i = 0; i < a->ncids; i++) {
		pin p = {.type = a->recursive ? PIN_RECURSIVE : PIN_DIRECT};
		char err[CAIRN_ERR_MAX], text[CAIRN_CID_TEXT_MAX];
		cairn_cid where;
		if (cli_parse_cid(a->cmd, a->cids[i], &p.cid)) {
			rc = EXIT_FAIL;
			continue;
		}
		snprintf(p.name, sizeof p.name, "%s", a->name ? a->name : "");
		/* Pin only what is complete: a pin promises the data is here. */
		int w = dag_find_missing(&r->bs, &p.cid, a->recursive ? DAG_RECURSIVE : 0, &where, err);
		if (w != 0) {
			cairn_cid_to_string(&where, text, sizeof text, NULL);
			if (w == DAG_MISSING)
				cli_error(a->cmd, "%s: block %s is not in the repo", a->cids[i], text);
			else if (w == DAG_INVALID)
				cli_error(a->cmd, "%s: block %s does not decode", a->cids[i], text);
			else
				cli_error(a->cmd, "%s: %s", a->cids[i], err);
			rc = EXIT_FAIL;
			continue;
		}
		if (pinstore_put(r, &p, err) != 0) {
			cli_error(a->cmd, "%s", err);
			rc = EXIT_FAIL;
			continue;
		}
		cairn_cid_to_string(&p.cid, text, sizeof text, NULL);
		printf("pinned %s %s\n", text, a->recursive ? "recursively" : "directly");
	}
	return rc;
}

static int ls_one(void *ctx, const pin *p)
{
	const struct pin_args *a = ctx;
	char text[CAIRN_CID_TEXT_MAX];
	if (a->type && a->type != p->type)
		return 0;
	cairn_cid_to_string(&p->cid, text, sizeof text, NULL);
	print_pin(text, p->type == PIN_DIRECT ? "direct" : "recursive", p->name, a->quiet);
	return 0;
}

static int ls_local(repo *r, const struct pin_args *a)
{
	char err[CAIRN_ERR_MAX];
	int rc = 0;
	if (a->ncids == 0) {
		if (pinstore_foreach(r, ls_one, (void *)a, err) < 0) {
			cli_error(a->cmd, "%s", err);
			return EXIT_FAIL;
		}
		return 0;
	}
	for (int i = 0; i < a->ncids; i++) {
		pin p;
		cairn_cid cid;
		if (cli_parse_cid(a->cmd, a->cids[i], &cid)) {
			rc = EXIT_FAIL;
			continue;
		}
		int g = pinstore_get(r, &cid, &p, err);
		if (g == 0) {
			ls_one((void *)a, &p);
		} else {
			if (g > 0)
				cli_error(a->cmd, "%s is not pinned", a->cids[i]);
			else
				cli_error(a->cmd, "%s", err);
			rc = EXIT_FAIL;
		}
	}
	return rc;
}

static int rm_local(repo *r, const struct pin_args *a)
{
	int rc = 0;
	for (int i = 0; i < a->ncids; i++) {
		cairn_cid cid;
		char err[CAIRN_ERR_MAX], text[CAIRN_CID_TEXT_MAX];
		if (cli_parse_cid(a->cmd, a->cids[i], &cid)) {
			rc = EXIT_FAIL;
			continue;
		}
		int d = pinstore_del(r, &cid, err);
		if (d != 0) {
			cli_error(a->cmd, "%s", d > 0 ? "not pinned" : err);
			rc = EXIT_FAIL;
			continue;
		}
		cairn_cid_to_string(&cid, text, sizeof text, NULL);
		printf("unpinned %s\n", text);
	}
	return rc;
}

/* --- through the daemon --------------------------------------------------- */

/* The ndjson of pin/add?progress=true, as it arrives: {"Progress": n}
 * lines shown on standard error, an error line kept for the caller. */
struct progress_sink {
	int shown;
	char error[1024];
};

static void progress_line(void *ctx, char *line)
{
	struct progress_sink *ps = ctx;
	json_t *j = json_loads(line, 0, NULL);
	const char *type = json_string_value(json_object_get(j, "Type"));
	json_t *prog = json_object_get(j, "Progress");
	if (type && !strcmp(type, "error")) {
		snprintf(ps->error, sizeof ps->error, "%s", json_string_value(json_object_get(j, "Message")));
	} else if (json_is_integer(prog)) {
		fprintf(stderr, "\rfetched %lld blocks", (long long)json_integer_value(prog));
		ps->shown = 1;
	}
	json_decref(j);
}

static int ls_daemon(const api_client *c, const struct pin_args *a)
{
	const char *type = a->type == PIN_RECURSIVE ? "recursive" : a->type == PIN_DIRECT ? "direct" : "all";
	int rc = 0;
	/* one call per CID given, or one for all pins */
	for (int i = 0; i == 0 || i < a->ncids; i++) {
		cli_query q = {0};
		char *body = NULL;
		cli_query_add(&q, "type", type);
		if (i < a->ncids)
			cli_query_add(&q, "arg", a->cids[i]);
		if (!cli_query_str(&q)) {
			cli_error(a->cmd, "out of memory");
			return EXIT_FAIL;
		}
		int r = cli_api(c, a->cmd, "pin/ls", cli_query_str(&q), NULL, NULL, &body);
		cli_query_free(&q);
		if (r != 0) {
			rc = EXIT_FAIL;
			continue;
		}
		json_t *j = json_loads(body, 0, NULL), *v;
		const char *k;
		json_object_foreach(json_object_get(j, "Keys"), k, v) {
			const char *t = json_string_value(json_object_get(v, "Type"));
			print_pin(k, t ? t : "", json_string_value(json_object_get(v, "Name")), a->quiet);
		}
		json_decref(j);
		free(body);
	}
	return rc;
}

/* pin/add with progress=true: {"Progress": n} lines on stderr as they come. */
static int add_with_progress(const api_client *c, const struct pin_args *a, const char *query)
{
	struct progress_sink ps = {0};
	FILE *out = cli_line_stream(progress_line, &ps);
	int r = out ? cli_api(c, a->cmd, "pin/add", query, NULL, out, NULL) : EXIT_FAIL;
	if (out)
		fclose(out);
	if (ps.shown)
		fputc('\n', stderr);
	if (r == 0 && ps.error[0]) {
		cli_error(a->cmd, "%s", ps.error);
		r = EXIT_FAIL;
	}
	return r;
}

static int add_rm_daemon(const api_client *c, const struct pin_args *a)
{
	int rc = 0, add = !strcmp(a->sub, "add");
	for (int i = 0; i < a->ncids; i++) {
		cli_query q = {0};
		char *body = NULL;
		int r;
		cli_query_add(&q, "arg", a->cids[i]);
		cli_query_add(&q, "recursive", a->recursive ? "true" : "false");
		if (a->name)
			cli_query_add(&q, "name", a->name);
		if (add && a->progress)
			cli_query_add(&q, "progress", "true");
		if (!cli_query_str(&q)) {
			cli_error(a->cmd, "out of memory");
			r = EXIT_FAIL;
		} else if (add && a->progress) {
			r = add_with_progress(c, a, cli_query_str(&q));
		} else {
			r = cli_api(c, a->cmd, add ? "pin/add" : "pin/rm", cli_query_str(&q), NULL, NULL, &body);
			free(body);
		}
		cli_query_free(&q);
		if (r != 0) {
			rc = EXIT_FAIL;
			continue;
		}
		if (add)
			printf("pinned %s %s\n", a->cids[i], a->recursive ? "recursively" : "directly");
		else
			printf("unpinned %s\n", a->cids[i]);
	}
	return rc;
}

/* --- pin add|ls|rm ---------------------------------------------------------- */

static int pin_run(int argc, char **argv)
{
	struct pin_args a;
	repo r;
	api_client api;
	int rc = pin_parse(argc, argv, &a);
	if (rc != 0)
		return rc;
	rc = cli_repo_open_or_daemon(&r, &api, "pin");
	if (rc == CLI_USE_DAEMON)
		return !strcmp(a.sub, "ls") ? ls_daemon(&api, &a) : add_rm_daemon(&api, &a);
	if (rc != 0)
		return rc;
	rc = !strcmp(a.sub, "add") ? add_local(&r, &a) : !strcmp(a.sub, "ls") ? ls_local(&r, &a)
	                                                                        : rm_local(&r, &a);
	repo_close(&r);
	return rc;
}

/* --- pin verify ---------------------------------------------------------- */

/* What pin verify says, on the repo or from the daemon's lines: a broken
 * pin and its bad blocks ("CID broken", then "  CID: why"), "CID ok" with
 * --verbose; -q: the broken pins' CIDs alone. */
struct verify_view {
	int verbose, quiet;
	uint64_t pins, broken;
	json_t *bad; /* the current pin's, [{"Cid", "Err"}] */
	char error[512];
};

static void verify_report(struct verify_view *v, const char *cid, int ok, json_t *bad)
{
	json_t *b;
	size_t i;
	v->pins++;
	v->broken += !ok;
	if (ok) {
		if (v->verbose && !v->quiet)
			printf("%s ok\n", cid);
		return;
	}
	printf(v->quiet ? "%s\n" : "%s broken\n", cid);
	if (!v->quiet)
		json_array_foreach(bad, i, b)
			printf("  %s: %s\n", json_string_value(json_object_get(b, "Cid")),
			       json_string_value(json_object_get(b, "Err")));
}

static void verify_bad(void *ctx, const cairn_cid *cid, const char *why)
{
	struct verify_view *v = ctx;
	char text[CAIRN_CID_TEXT_MAX];
	cairn_cid_to_string(cid, text, sizeof text, NULL);
	json_array_append_new(v->bad, json_pack("{s:s, s:s}", "Cid", text, "Err", why));
}

struct verify_local {
	repo *r;
	struct verify_view *v;
	char *err;
};

static int verify_pin(void *ctx, const pin *p)
{
	struct verify_local *l = ctx;
	uint64_t blocks, damaged;
	char text[CAIRN_CID_TEXT_MAX];
	if (!(l->v->bad = json_array())) {
		snprintf(l->err, CAIRN_ERR_MAX, "out of memory");
		return -1;
	}
	int rc = dag_check(&l->r->bs, &p->cid, p->type == PIN_RECURSIVE, verify_bad, l->v, &blocks, &damaged, l->err);
	if (rc == 0) {
		cairn_cid_to_string(&p->cid, text, sizeof text, NULL);
		verify_report(l->v, text, damaged == 0, l->v->bad);
	}
	json_decref(l->v->bad);
	l->v->bad = NULL;
	return rc;
}

static void verify_line(void *ctx, char *line)
{
	struct verify_view *v = ctx;
	json_t *j = json_loads(line, 0, NULL);
	const char *cid = json_string_value(json_object_get(j, "Cid"));
	const char *type = json_string_value(json_object_get(j, "Type"));
	if (type && !strcmp(type, "error"))
		snprintf(v->error, sizeof v->error, "%s", json_string_value(json_object_get(j, "Message")));
	else if (cid)
		verify_report(v, cid, json_is_true(json_object_get(j, "Ok")), json_object_get(j, "BadNodes"));
	json_decref(j);
}

static int pin_verify_run(int argc, char **argv)
{
	struct verify_view v = {0};
	char err[CAIRN_ERR_MAX] = "";
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--verbose") || !strcmp(argv[i], "-v"))
			v.verbose = 1;
		else if (!strcmp(argv[i], "-q") || !strcmp(argv[i], "--quiet"))
			v.quiet = 1;
		else {
			cli_error("pin verify", "unknown argument '%s'\n\n%s", argv[i], pin_usage);
			return EXIT_USAGE;
		}
	}
	repo r;
	api_client api;
	int rc = cli_repo_open_or_daemon(&r, &api, "pin verify");
	if (rc == CLI_USE_DAEMON) {
		FILE *out = cli_line_stream(verify_line, &v);
		rc = out ? cli_api(&api, "pin verify", "pin/verify", v.verbose ? "verbose=true" : NULL, NULL, out, NULL)
		         : (cli_error("pin verify", "out of memory"), EXIT_FAIL);
		if (out)
			fclose(out);
		if (rc == 0 && v.error[0]) {
			cli_error("pin verify", "%s", v.error);
			rc = EXIT_FAIL;
		}
	} else if (rc == 0) {
		struct verify_local l = {&r, &v, err};
		if (pinstore_foreach(&r, verify_pin, &l, err) != 0) {
			cli_error("pin verify", "%s", err);
			rc = EXIT_FAIL;
		}
		repo_close(&r);
	}
	if (rc == 0 && v.broken)
		rc = EXIT_FAIL;
	return rc;
}

int cmd_pin(int argc, char **argv)
{
	static const cli_cmd subs[] = {
		{"add", pin_run, pin_usage},
		{"ls", pin_run, pin_usage},
		{"rm", pin_run, pin_usage},
		{"verify", pin_verify_run, pin_usage},
	};
	return cli_dispatch("pin", pin_usage, subs, sizeof subs / sizeof subs[0], argc - 1, argv + 1);
}

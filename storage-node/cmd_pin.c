/*
 * cairn pin add|ls|rm: keep DAGs from garbage collection.
 */
#define _GNU_SOURCE /* fopencookie */
#include "api_client.h"
#include "cli.h"
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
	"\n"
	"A recursive pin (the default) keeps a whole DAG, a direct pin one block.\n"
	"On the repo, every block must already be in it; through a daemon with\n"
	"peers, what is missing is fetched first (--progress, the default on a\n"
	"terminal, counts the blocks on standard error).\n";

static int print_pin(const pin *p, int quiet)
{
	char text[CAIRN_CID_TEXT_MAX];
	cairn_cid_to_string(&p->cid, text, sizeof text, NULL);
	if (quiet)
		printf("%s\n", text);
	else
		printf("%s %s%s%s\n", text, p->type == PIN_DIRECT ? "direct" : "recursive",
		       p->name[0] ? " " : "", p->name);
	return 0;
}

static int pin_add(repo *r, int argc, char **argv)
{
	static const struct option opts[] = {
		{"recursive", optional_argument, NULL, 'r'},
		{"name", required_argument, NULL, 'n'},
		{"progress", optional_argument, NULL, 'p'},
		{NULL, 0, NULL, 0},
	};
	int recursive = 1, c, rc = 0, progress;
	const char *name = "";
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":r", opts, NULL)) != -1) {
		if (c == 'r') {
			if (optarg && cli_parse_bool(optarg, &recursive)) {
				cli_error("pin add", "'%s' is not a boolean", optarg);
				return EXIT_USAGE;
			}
		} else if (c == 'p') {
			/* nothing is fetched on the repo: accepted, as in Kubo */
			if (optarg && cli_parse_bool(optarg, &progress)) {
				cli_error("pin add", "'%s' is not a boolean", optarg);
				return EXIT_USAGE;
			}
		} else if (c == 'n') {
			if (strlen(optarg) > PIN_NAME_MAX) {
				cli_error("pin add", "pin name longer than %d bytes", PIN_NAME_MAX);
				return EXIT_USAGE;
			}
			name = optarg;
		} else {
			cli_error("pin add", "unknown option '%s'", argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		cli_error("pin add", "no CID given");
		return EXIT_USAGE;
	}
	for (int i = optind; i < argc; i++) {
		pin p = {.type = recursive ? PIN_RECURSIVE : PIN_DIRECT};
		char err[REPO_ERR_MAX], text[CAIRN_CID_TEXT_MAX];
		cairn_cid where;
		if (cli_parse_cid("pin add", argv[i], &p.cid)) {
			rc = EXIT_FAIL;
			continue;
		}
		snprintf(p.name, sizeof p.name, "%s", name);
		/* Pin only what is complete: a pin promises the data is here. */
		int w = dag_walk(&r->bs, &p.cid, recursive ? DAG_RECURSIVE : 0, NULL, NULL, &where, NULL, err);
		if (w != 0) {
			cairn_cid_to_string(&where, text, sizeof text, NULL);
			if (w == DAG_MISSING)
				cli_error("pin add", "%s: block %s is not in the repo", argv[i], text);
			else if (w == DAG_INVALID)
				cli_error("pin add", "%s: block %s does not decode", argv[i], text);
			else
				cli_error("pin add", "%s: %s", argv[i], err);
			rc = EXIT_FAIL;
			continue;
		}
		if (pinstore_put(r, &p, err) != 0) {
			cli_error("pin add", "%s", err);
			rc = EXIT_FAIL;
			continue;
		}
		cairn_cid_to_string(&p.cid, text, sizeof text, NULL);
		printf("pinned %s %s\n", text, recursive ? "recursively" : "directly");
	}
	return rc;
}

struct ls {
	char type; /* 0: all */
	int quiet;
};

static int ls_one(void *ctx, const pin *p)
{
	struct ls *l = ctx;
	if (!l->type || l->type == p->type)
		print_pin(p, l->quiet);
	return 0;
}

static int pin_ls(repo *r, int argc, char **argv)
{
	static const struct option opts[] = {
		{"type", required_argument, NULL, 't'},
		{"quiet", no_argument, NULL, 'q'},
		{NULL, 0, NULL, 0},
	};
	struct ls l = {0, 0};
	char err[REPO_ERR_MAX];
	int c, rc = 0;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":qt:", opts, NULL)) != -1) {
		if (c == 'q') {
			l.quiet = 1;
		} else if (c == 't') {
			if (strcmp(optarg, "recursive") == 0)
				l.type = PIN_RECURSIVE;
			else if (strcmp(optarg, "direct") == 0)
				l.type = PIN_DIRECT;
			else if (strcmp(optarg, "all") != 0) {
				cli_error("pin ls", "unknown pin type '%s' (recursive, direct or all)", optarg);
				return EXIT_USAGE;
			}
		} else {
			cli_error("pin ls", "unknown option '%s'", argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (optind == argc) {
		if (pinstore_foreach(r, ls_one, &l, err) < 0) {
			cli_error("pin ls", "%s", err);
			return EXIT_FAIL;
		}
		return 0;
	}
	for (int i = optind; i < argc; i++) {
		pin p;
		cairn_cid cid;
		if (cli_parse_cid("pin ls", argv[i], &cid)) {
			rc = EXIT_FAIL;
			continue;
		}
		int g = pinstore_get(r, &cid, &p, err);
		if (g == 0) {
			ls_one(&l, &p);
		} else {
			cli_error("pin ls", "%s is not pinned", argv[i]);
			rc = EXIT_FAIL;
		}
	}
	return rc;
}

static int pin_rm(repo *r, int argc, char **argv)
{
	int rc = 0;
	if (argc < 2) {
		cli_error("pin rm", "no CID given");
		return EXIT_USAGE;
	}
	for (int i = 1; i < argc; i++) {
		cairn_cid cid;
		char err[REPO_ERR_MAX], text[CAIRN_CID_TEXT_MAX];
		if (cli_parse_cid("pin rm", argv[i], &cid)) {
			rc = EXIT_FAIL;
			continue;
		}
		int d = pinstore_del(r, &cid, err);
		if (d != 0) {
			cli_error("pin rm", "%s", d > 0 ? "not pinned" : err);
			rc = EXIT_FAIL;
			continue;
		}
		cairn_cid_to_string(&cid, text, sizeof text, NULL);
		printf("unpinned %s\n", text);
	}
	return rc;
}

/* The ndjson of pin/add?progress=true, as it arrives: {"Progress": n}
 * lines shown on standard error, an error line kept for the caller. */
struct progress_sink {
	char line[4096];
	size_t len;
	int shown;
	char error[1024];
};

static void progress_line(struct progress_sink *ps)
{
	ps->line[ps->len] = '\0';
	json_t *j = json_loads(ps->line, 0, NULL);
	const char *type = json_string_value(json_object_get(j, "Type"));
	json_t *prog = json_object_get(j, "Progress");
	if (type && !strcmp(type, "error")) {
		snprintf(ps->error, sizeof ps->error, "%s", json_string_value(json_object_get(j, "Message")));
	} else if (json_is_integer(prog)) {
		fprintf(stderr, "\rfetched %lld blocks", (long long)json_integer_value(prog));
		ps->shown = 1;
	}
	json_decref(j);
	ps->len = 0;
}

static ssize_t progress_write(void *cookie, const char *buf, size_t size)
{
	struct progress_sink *ps = cookie;
	for (size_t i = 0; i < size; i++) {
		if (buf[i] == '\n')
			progress_line(ps);
		else if (ps->len < sizeof ps->line - 1)
			ps->line[ps->len++] = buf[i];
	}
	return (ssize_t)size;
}

/* pin add|ls|rm through the running daemon's API. */
static int pin_via_daemon(const api_client *c, int argc, char **argv)
{
	const char *sub = argv[1];
	int rc = 0, quiet = 0, recursive = 1, progress = isatty(STDERR_FILENO);
	const char *type = "all", *name = NULL;
	int first = 2;
	for (; first < argc && argv[first][0] == '-' && argv[first][1]; first++) {
		const char *o = argv[first];
		if (!strcmp(o, "-q") || !strcmp(o, "--quiet"))
			quiet = 1;
		else if (!strncmp(o, "--type=", 7))
			type = o + 7;
		else if (!strcmp(o, "--type") && first + 1 < argc)
			type = argv[++first];
		else if (!strncmp(o, "--name=", 7))
			name = o + 7;
		else if (!strcmp(o, "--name") && first + 1 < argc)
			name = argv[++first];
		else if (!strcmp(o, "--progress") || !strcmp(o, "--progress=true"))
			progress = 1;
		else if (!strcmp(o, "--progress=false"))
			progress = 0;
		else if (!strcmp(o, "--recursive=false"))
			recursive = 0;
		else if (strcmp(o, "--recursive") && strcmp(o, "--recursive=true")) {
			cli_error("pin", "unknown option '%s'", o);
			return EXIT_USAGE;
		}
	}
	if (!strcmp(sub, "ls")) {
		/* one call per CID given, or one for all pins */
		for (int i = first; i == first || i < argc; i++) {
			char q[1024], esc[900] = "", *body = NULL;
			if (i < argc)
				api_client_escape(argv[i], esc, sizeof esc);
			snprintf(q, sizeof q, "type=%s%s%s", type, i < argc ? "&arg=" : "", esc);
			if (cli_api(c, "pin ls", "pin/ls", q, NULL, NULL, &body) != 0) {
				rc = EXIT_FAIL;
				if (i >= argc)
					break;
				continue;
			}
			json_t *j = json_loads(body, 0, NULL), *v;
			const char *k;
			json_object_foreach(json_object_get(j, "Keys"), k, v) {
				const char *t = json_string_value(json_object_get(v, "Type"));
				const char *nm = json_string_value(json_object_get(v, "Name"));
				if (quiet)
					printf("%s\n", k);
				else
					printf("%s %s%s%s\n", k, t ? t : "", nm && *nm ? " " : "", nm && *nm ? nm : "");
			}
			json_decref(j);
			free(body);
			if (i >= argc)
				break;
		}
		return rc;
	}
	if (first == argc) {
		cli_error("pin", "no CID given");
		return EXIT_USAGE;
	}
	for (int i = first; i < argc; i++) {
		char q[2048], esc[900], nesc[900] = "", *body = NULL;
		api_client_escape(argv[i], esc, sizeof esc);
		if (name)
			api_client_escape(name, nesc, sizeof nesc);
		int add = !strcmp(sub, "add");
		snprintf(q, sizeof q, "arg=%s&recursive=%s%s%s%s", esc, recursive ? "true" : "false",
		         name ? "&name=" : "", nesc, add && progress ? "&progress=true" : "");
		if (add && progress) {
			struct progress_sink ps = {0};
			cookie_io_functions_t io = {.write = progress_write};
			FILE *out = fopencookie(&ps, "w", io);
			int r = out ? cli_api(c, "pin add", "pin/add", q, NULL, out, NULL) : EXIT_FAIL;
			if (out)
				fclose(out);
			if (ps.shown)
				fputc('\n', stderr);
			if (r == 0 && ps.error[0]) {
				cli_error("pin add", "%s", ps.error);
				r = EXIT_FAIL;
			}
			if (r != 0) {
				rc = EXIT_FAIL;
				continue;
			}
		} else if (cli_api(c, add ? "pin add" : "pin rm", add ? "pin/add" : "pin/rm", q, NULL, NULL,
		                   &body) != 0) {
			rc = EXIT_FAIL;
			continue;
		}
		free(body);
		if (add)
			printf("pinned %s %s\n", argv[i], recursive ? "recursively" : "directly");
		else
			printf("unpinned %s\n", argv[i]);
	}
	return rc;
}

int cmd_pin(int argc, char **argv)
{
	repo r;
	int rc;
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(pin_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : 0;
	}
	const char *sub = argv[1];
	if (strcmp(sub, "add") && strcmp(sub, "ls") && strcmp(sub, "rm")) {
		cli_error("pin", "unknown subcommand '%s' (use add, ls or rm)", sub);
		return EXIT_USAGE;
	}
	api_client api;
	rc = cli_repo_open_or_daemon(&r, &api, "pin");
	if (rc == CLI_USE_DAEMON)
		return pin_via_daemon(&api, argc, argv);
	if (rc != 0)
		return rc;
	if (strcmp(sub, "add") == 0)
		rc = pin_add(&r, argc - 1, argv + 1);
	else if (strcmp(sub, "ls") == 0)
		rc = pin_ls(&r, argc - 1, argv + 1);
	else
		rc = pin_rm(&r, argc - 1, argv + 1);
	repo_close(&r);
	return rc;
}

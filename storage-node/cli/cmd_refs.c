/*
 * cairn refs [-r] [-u] PATH...: the CIDs a DAG links to, one a line, as
 * Kubo's `ipfs refs`: the root's own links, or with -r (--recursive) every
 * link below it, depth first; -u (--unique) prints each CID once. On the
 * repo, or through the daemon (api/v0/refs).
 */
#include "api_client.h"
#include "cli.h"
#include "cairn/error.h"
#include "dag.h"
#include "dir.h"
#include "repo.h"

#include <jansson.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char refs_usage[] =
	"usage: cairn refs [-r|--recursive] [-u|--unique] PATH...\n"
	"\n"
	"The CIDs a DAG links to, one a line: the root's own links, or with -r every\n"
	"link below it, depth first; -u prints each CID once. A PATH is CID[/a/b] or\n"
	"/ipfs/CID[/a/b].\n";

static int print_ref(void *ctx, const cairn_cid *cid)
{
	char text[CAIRN_CID_TEXT_MAX];
	(void)ctx;
	cairn_cid_to_string(cid, text, sizeof text, NULL);
	return printf("%s\n", text) < 0 ? -1 : 0;
}

static int refs_repo(repo *r, const char *arg, int recursive, int unique)
{
	cairn_cid cid, where;
	char err[CAIRN_ERR_MAX] = "";
	if (cli_resolve_path(r, "refs", arg, &cid) != 0)
		return EXIT_FAIL;
	int rc = dag_refs(&r->bs, &cid, recursive, unique, print_ref, NULL, &where, err);
	if (rc == 0)
		return 0;
	cli_dag_error("refs", arg, rc, &where, rc < 0 && !err[0] ? "writing the output failed" : err);
	return EXIT_FAIL;
}

/* api/v0/refs answers {"Ref", "Err"} lines, printed as they come */
struct refs_view {
	char error[512];
};

static void refs_line(void *ctx, char *line)
{
	struct refs_view *rv = ctx;
	json_t *j = json_loads(line, 0, NULL);
	const char *ref = json_string_value(json_object_get(j, "Ref"));
	const char *e = json_string_value(json_object_get(j, "Err"));
	if (e && *e)
		snprintf(rv->error, sizeof rv->error, "%s", e);
	else if (ref)
		printf("%s\n", ref);
	json_decref(j);
}

static int refs_daemon(const api_client *c, const char *arg, int recursive, int unique)
{
	struct refs_view rv = {""};
	cli_query q = {0};
	cli_query_add(&q, "arg", arg);
	if (recursive)
		cli_query_add(&q, "recursive", "true");
	if (unique)
		cli_query_add(&q, "unique", "true");
	FILE *out = cli_query_str(&q) ? cli_line_stream(refs_line, &rv) : NULL;
	int rc = out ? cli_api(c, "refs", "refs", cli_query_str(&q), NULL, out, NULL)
	             : (cli_error("refs", "out of memory"), EXIT_FAIL);
	if (out)
		fclose(out);
	cli_query_free(&q);
	if (rc == 0 && rv.error[0]) {
		cli_error("refs", "%s", rv.error);
		rc = EXIT_FAIL;
	}
	return rc;
}

int cmd_refs(int argc, char **argv)
{
	static const struct option opts[] = {
		{"recursive", no_argument, NULL, 'r'},
		{"unique", no_argument, NULL, 'u'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int recursive = 0, unique = 0, c;
	opterr = 0;
	optind = 1;
	/* getopt: short flags combine (-ru), as Kubo's do */
	while ((c = getopt_long(argc, argv, "ruh", opts, NULL)) != -1) {
		if (c == 'r') {
			recursive = 1;
		} else if (c == 'u') {
			unique = 1;
		} else if (c == 'h') {
			fputs(refs_usage, stdout);
			return 0;
		} else {
			cli_error("refs", "unknown option '%s'\n\n%s", argv[optind - 1], refs_usage);
			return EXIT_USAGE;
		}
	}
	int i = optind;
	if (i == argc) {
		fputs(refs_usage, stderr);
		return EXIT_USAGE;
	}
	repo r;
	api_client api;
	int rc = cli_repo_open_or_daemon(&r, &api, "refs");
	if (rc != 0 && rc != CLI_USE_DAEMON)
		return rc;
	int daemon = rc == CLI_USE_DAEMON;
	rc = 0;
	for (; i < argc && rc == 0; i++)
		rc = daemon ? refs_daemon(&api, argv[i], recursive, unique) : refs_repo(&r, argv[i], recursive, unique);
	if (!daemon)
		repo_close(&r);
	return rc;
}

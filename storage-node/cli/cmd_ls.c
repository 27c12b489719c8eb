/*
 * cairn ls PATH: a directory's entries, one a line, as Kubo's `ipfs ls`:
 * "CID SIZE NAME", a file's size in bytes, "-" and a trailing "/" for a
 * directory. On the repo, or through the daemon (api/v0/ls).
 */
#include "api_client.h"
#include "cli.h"
#include "cairn/error.h"
#include "dag.h"
#include "dir.h"
#include "repo.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void print_entry(const char *cid, int is_dir, unsigned long long size, const char *name, size_t len)
{
	if (is_dir)
		printf("%s - %.*s/\n", cid, (int)len, name);
	else
		printf("%s %llu %.*s\n", cid, size, (int)len, name);
}

static int ls_entry(void *ctx, const char *name, size_t len, const cairn_cid *cid, dir_kind kind,
                    uint64_t size)
{
	char text[CAIRN_CID_TEXT_MAX];
	(void)ctx;
	cairn_cid_to_string(cid, text, sizeof text, NULL);
	print_entry(text, kind == KIND_DIR || kind == KIND_HAMT, (unsigned long long)size, name, len);
	return 0;
}

static int ls_repo(repo *r, const char *arg)
{
	cairn_cid cid, where;
	char err[CAIRN_ERR_MAX] = "";
	if (cli_resolve_path(r, "ls", arg, &cid) != 0)
		return EXIT_FAIL;
	int rc = dir_list_info(&r->bs, &cid, ls_entry, NULL, &where, err);
	if (rc == 0 || rc == DIR_NOT_DIR) /* a file has no entries, as in Kubo */
		return 0;
	cli_dag_error("ls", arg, rc, &where, err);
	return EXIT_FAIL;
}

static int ls_daemon(const api_client *c, const char *arg)
{
	char *body = NULL;
	if (cli_api_arg(c, "ls", "ls", arg, NULL, &body) != 0)
		return EXIT_FAIL;
	json_t *j = json_loads(body ? body : "", 0, NULL), *link;
	size_t i;
	free(body);
	json_t *links = json_object_get(json_array_get(json_object_get(j, "Objects"), 0), "Links");
	if (!json_is_array(links)) {
		json_decref(j);
		cli_error("ls", "the daemon's answer has no Objects[0].Links");
		return EXIT_FAIL;
	}
	json_array_foreach(links, i, link) {
		const char *name = json_string_value(json_object_get(link, "Name"));
		json_int_t type = json_integer_value(json_object_get(link, "Type"));
		print_entry(json_string_value(json_object_get(link, "Hash")), type == 1 || type == 5,
		            (unsigned long long)json_integer_value(json_object_get(link, "Size")), name ? name : "",
		            name ? strlen(name) : 0);
	}
	json_decref(j);
	return 0;
}

int cmd_ls(int argc, char **argv)
{
	repo r;
	api_client api;
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs("usage: cairn ls PATH...\n\nA directory's entries, one a line: CID, size (a file's bytes; '-' for a\n"
		      "directory) and name ('/' after a directory). A PATH is CID[/a/b] or\n/ipfs/CID[/a/b].\n",
		      argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : 0;
	}
	int rc = cli_repo_open_or_daemon(&r, &api, "ls");
	if (rc != 0 && rc != CLI_USE_DAEMON)
		return rc;
	int daemon = rc == CLI_USE_DAEMON;
	rc = 0;
	for (int i = 1; i < argc; i++)
		if ((daemon ? ls_daemon(&api, argv[i]) : ls_repo(&r, argv[i])) != 0)
			rc = EXIT_FAIL;
	if (!daemon)
		repo_close(&r);
	return rc;
}

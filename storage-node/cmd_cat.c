/*
 * cairn cat CID, cairn get CID [-o PATH]: a file's bytes out of the repo.
 */
#include "api_client.h"
#include "cli.h"
#include "dag.h"
#include "repo.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int write_out(void *ctx, const uint8_t *p, size_t n)
{
	return fwrite(p, 1, n, (FILE *)ctx) == n ? 0 : -1;
}

/* Stream the file root names into out. */
static int cat_to(repo *r, const char *cmd, const char *arg, FILE *out)
{
	cairn_cid cid, where;
	char err[REPO_ERR_MAX], text[CAIRN_CID_TEXT_MAX] = "";
	if (cli_parse_cid(cmd, arg, &cid))
		return EXIT_FAIL;
	err[0] = '\0';
	int rc = dag_cat(&r->bs, &cid, write_out, out, &where, err);
	if (rc == 0 && fflush(out) == 0)
		return 0;
	if (rc > 0)
		cairn_cid_to_string(&where, text, sizeof text, NULL);
	if (rc == DAG_MISSING)
		cli_error(cmd, "%s: block %s is not in the repo", arg, text);
	else if (rc == DAG_INVALID)
		cli_error(cmd, "%s: block %s does not decode as UnixFS", arg, text);
	else if (rc == DAG_NOT_FILE)
		cli_error(cmd, "%s: %s is not a file", arg, text);
	else
		cli_error(cmd, "%s: %s", arg, err[0] ? err : strerror(errno));
	return EXIT_FAIL;
}

int cmd_cat(int argc, char **argv)
{
	repo r;
	int rc;
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs("usage: cairn cat CID...\n\nWrite files' bytes to standard output.\n",
		      argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : 0;
	}
	api_client api;
	rc = cli_repo_open_or_daemon(&r, &api, "cat");
	if (rc == CLI_USE_DAEMON) {
		rc = 0;
		for (int i = 1; i < argc && rc == 0; i++) {
			char q[1024], esc[900];
			api_client_escape(argv[i], esc, sizeof esc);
			snprintf(q, sizeof q, "arg=%s", esc);
			rc = cli_api(&api, "cat", "cat", q, NULL, stdout, NULL);
		}
		return rc;
	}
	if (rc != 0)
		return rc;
	for (int i = 1; i < argc && rc == 0; i++)
		rc = cat_to(&r, "cat", argv[i], stdout);
	repo_close(&r);
	return rc;
}

int cmd_get(int argc, char **argv)
{
	const char *out = NULL, *arg = NULL;
	repo r;
	int rc;
	for (int i = 1; i < argc; i++) {
		if ((strcmp(argv[i], "-o") == 0 || strcmp(argv[i], "--output") == 0) && i + 1 < argc)
			out = argv[++i];
		else if (strncmp(argv[i], "--output=", 9) == 0)
			out = argv[i] + 9;
		else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			puts("usage: cairn get CID [-o PATH]\n\nSave a file; the name defaults to the CID.");
			return 0;
		} else if (argv[i][0] == '-') {
			cli_error("get", "unknown option '%s'", argv[i]);
			return EXIT_USAGE;
		} else if (!arg)
			arg = argv[i];
		else {
			cli_error("get", "unexpected argument '%s'", argv[i]);
			return EXIT_USAGE;
		}
	}
	if (!arg) {
		cli_error("get", "no CID given");
		return EXIT_USAGE;
	}
	if (!out)
		out = strncmp(arg, "/ipfs/", 6) == 0 ? arg + 6 : arg;
	if ((rc = cli_repo_open(&r, "get")) != 0)
		return rc;
	/* Written under a temporary name, so a failed get leaves no partial file. */
	char tmp[4200];
	snprintf(tmp, sizeof tmp, "%s.cairn-partial", out);
	FILE *f = fopen(tmp, "wb");
	if (!f) {
		cli_error("get", "%s: %s", tmp, strerror(errno));
		repo_close(&r);
		return EXIT_FAIL;
	}
	rc = cat_to(&r, "get", arg, f);
	if (fclose(f) != 0 && rc == 0) {
		cli_error("get", "%s: %s", tmp, strerror(errno));
		rc = EXIT_FAIL;
	}
	if (rc == 0 && rename(tmp, out) != 0) {
		cli_error("get", "%s: %s", out, strerror(errno));
		rc = EXIT_FAIL;
	}
	if (rc != 0)
		unlink(tmp);
	else
		printf("saved %s\n", out);
	repo_close(&r);
	return rc;
}

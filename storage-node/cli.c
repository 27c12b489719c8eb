/*
 * Helpers every subcommand uses: error messages, booleans, opening the
 * repo, parsing CID arguments.
 */
#include "cli.h"

#include "cid.h"
#include "error.h"
#include "repo.h"

#include <stdarg.h>
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

int cli_parse_bool(const char *s, int *out)
{
	static const char *yes[] = {"true", "1", "yes", "t"};
	static const char *no[] = {"false", "0", "no", "f"};
	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

int cli_repo_open(struct repo *r, const char *cmd)
{
	char path[4096], err[REPO_ERR_MAX];
	int holder;

	if (repo_default_path(path, sizeof path) != 0) {
		cli_error(cmd, "set CAIRN_PATH or HOME to locate the repo");
		return EXIT_FAIL;
	}
	if (repo_open(r, path, &holder, err) != 0) {
		cli_error(cmd, "%s", err);
		return EXIT_FAIL;
	}
	return 0;
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

/*
 * cairn: one binary, Kubo-style subcommands. This file only dispatches.
 */
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char usage[] =
	"usage: cairn <command> [options] [arguments]\n"
	"\n"
	"Content-addressed storage: files in, CIDs out, byte-identical to Kubo.\n"
	"\n"
	"commands:\n"
	"  add       hash (and later store) files as UnixFS DAGs; prints the root CID\n"
	"  cid       format and inspect CIDs (cid format, cid inspect)\n"
	"  daemon    run the node (gateway :8080, API :5001) -- not in this version\n"
	"  version   print the version\n"
	"\n"
	"Run 'cairn <command> --help' for a command's options.\n";

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

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage, stderr);
		return EXIT_USAGE;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
		fputs(usage, stdout);
		return 0;
	}
	if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
		printf("cairn version %s\n", CAIRN_VERSION);
		return 0;
	}
	if (strcmp(cmd, "add") == 0)
		return cmd_add(argc - 1, argv + 1);
	if (strcmp(cmd, "cid") == 0)
		return cmd_cid(argc - 1, argv + 1);
	if (strcmp(cmd, "daemon") == 0) {
		cli_error("daemon", "the node daemon is not part of this version yet "
		          "(only 'cairn add --only-hash' and 'cairn cid' are)");
		return EXIT_FAIL;
	}
	fprintf(stderr, "cairn: unknown command '%s'\n\n%s", cmd, usage);
	return EXIT_USAGE;
}

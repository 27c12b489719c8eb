/*
 * cairn: one binary, Kubo-style subcommands. This file only dispatches.
 */
#include "cli.h"

#include <stdio.h>
#include <string.h>

static const char usage[] =
	"usage: cairn <command> [options] [arguments]\n"
	"\n"
	"Content-addressed storage: files in, CIDs out, byte-identical to Kubo.\n"
	"\n"
	"commands:\n"
	"  init      create a repo ($CAIRN_PATH, default ~/.cairn)\n"
	"  add       import files as UnixFS DAGs, store and pin them; print root CIDs\n"
	"  cat       write a file's bytes to standard output\n"
	"  get       save a file\n"
	"  pin       add, ls, rm: keep DAGs from garbage collection\n"
	"  block     get, put, stat, rm single blocks\n"
	"  repo      gc, verify, stat\n"
	"  dag       export, import: DAGs as CARv1 files\n"
	"  cid       format and inspect CIDs (cid format, cid inspect)\n"
	"  token     add, ls, rm: bearer tokens for the pinning service API\n"
	"  anchor    add, flush, proof, ls: the anchoring log and its checkpoints\n"
	"  audit     check anchoring proofs against a chain, trusting nothing else\n"
	"  daemon    run the node: read-only gateway :8080, Kubo RPC API :5001\n"
	"  version   print the version\n"
	"\n"
	"Run 'cairn <command> --help' for a command's options.\n";

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
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
		{"add", cmd_add}, {"cid", cmd_cid}, {"init", cmd_init}, {"repo", cmd_repo},
		{"pin", cmd_pin}, {"block", cmd_block}, {"cat", cmd_cat}, {"get", cmd_get},
		{"daemon", cmd_daemon}, {"dag", cmd_dag}, {"token", cmd_token},
		{"anchor", cmd_anchor}, {"audit", cmd_audit},
	};
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
		if (strcmp(cmd, cmds[i].name) == 0)
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "cairn: unknown command '%s'\n\n%s", cmd, usage);
	return EXIT_USAGE;
}

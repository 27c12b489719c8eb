/*
 * cairn: one binary, Kubo-style subcommands. This file only dispatches.
 */
#include "cli.h"
#include "cairn_commit.h"

#include <stdio.h>
#include <stdlib.h>
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
	"  ls        list a directory: CID, size and name of each entry\n"
	"  refs      the CIDs a DAG links to (-r: all below it)\n"
	"  pin       add, ls, rm: keep DAGs from garbage collection\n"
	"  block     get, put, stat, rm single blocks\n"
	"  repo      gc, verify, stat\n"
	"  dag       export, import: DAGs as CARv1 files\n"
	"  cid       format and inspect CIDs (cid format, cid inspect)\n"
	"  token     add, ls, rm: bearer tokens for the daemon's API (once one exists,\n"
	"            every API call needs one; scope pins: only the Pinning Service API)\n"
	"  anchor    add, flush, proof, ls: the anchoring log and its checkpoints\n"
	"  audit     check anchoring proofs against a chain, trusting nothing else\n"
	"  witness   key: this node as a witness of other logs (c2sp.org/tlog-witness)\n"
	"  chain     key new, key address: the keystore the daemon signs anchors with\n"
	"  id        the node's PeerID, public key and addresses\n"
	"  config    show, get or set a value of the repo's config\n"
	"  daemon    run the node: read-only gateway :8080, Kubo RPC API :5001\n"
	"  version   print the version\n"
	"\n"
	"\n"
	"When a daemon holds the repo, commands go through its API: the daemon\n"
	"named in the repo's api file, checked to hold this repo. --api ADDR (before\n"
	"the command) or $CAIRN_API picks a daemon instead (HOST:PORT, http://HOST:PORT\n"
	"or /ip4/HOST/tcp/PORT).\n"
	"\n"
	"Run 'cairn <command> --help' for a command's options.\n";

static int version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("cairn version %s%s%s%s\n", CAIRN_VERSION, CAIRN_COMMIT[0] ? " (commit " : "", CAIRN_COMMIT,
	       CAIRN_COMMIT[0] ? ")" : "");
	return 0;
}

int main(int argc, char **argv)
{
	/* Each command answers --help itself, at every level of its own. */
	static const cli_cmd cmds[] = {
		{"add", cmd_add, NULL},       {"cat", cmd_cat, NULL},     {"get", cmd_get, NULL},
		{"pin", cmd_pin, NULL},       {"block", cmd_block, NULL}, {"repo", cmd_repo, NULL},
		{"dag", cmd_dag, NULL},       {"cid", cmd_cid, NULL},     {"init", cmd_init, NULL},
		{"token", cmd_token, NULL},   {"anchor", cmd_anchor, NULL}, {"audit", cmd_audit, NULL},
		{"chain", cmd_chain, NULL},   {"id", cmd_id, NULL},         {"ls", cmd_ls, NULL},
		{"config", cmd_config, NULL}, {"refs", cmd_refs, NULL},     {"witness", cmd_witness, NULL},
		{"daemon", cmd_daemon, NULL}, {"version", version, NULL}, {"--version", version, NULL},
	};
	/* cairn --api ADDR <command> …: that daemon (cli.h) */
	if (argc > 1 && (strcmp(argv[1], "--api") == 0 || strncmp(argv[1], "--api=", 6) == 0)) {
		const char *v = argv[1][5] == '=' ? argv[1] + 6 : argc > 2 ? argv[2] : NULL;
		if (!v || !*v) {
			cli_error("", "--api needs an address (HOST:PORT)");
			return EXIT_USAGE;
		}
		setenv(CLI_API_ENV, v, 1);
		int skip = argv[1][5] == '=' ? 1 : 2;
		argc -= skip;
		argv += skip;
	}
	return cli_dispatch("", usage, cmds, sizeof cmds / sizeof cmds[0], argc - 1, argv + 1);
}

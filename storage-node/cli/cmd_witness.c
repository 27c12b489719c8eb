/*
 * cairn witness key: this node's witness verifier key (witness.h), for the
 * logs that ask it to cosign (--witness URL,VKEY on theirs). Made on first
 * use (witness.key, mode 0600); needs no daemon and takes no lock: the key
 * file is all it reads.
 */
#include "checkpoint.h"
#include "cli.h"
#include "repo.h"
#include "witness.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

static const char witness_usage[] =
	"usage: cairn witness key    print this node's witness verifier key (making\n"
	"                            witness.key if there is none): the VKEY a log\n"
	"                            passes to 'cairn daemon --witness URL,VKEY'\n"
	"\n"
	"The node witnesses the logs its config lists: Witness.Logs, a list of\n"
	"{\"Key\": \"<the log's verifier key: cairn anchor key>\"}, and Witness.Name\n"
	"(default cairn-witness/<PeerID of witness.key>). It answers\n"
	"POST /log/witness/add-checkpoint on the gateway (c2sp.org/tlog-witness).\n";

static int witness_run(int argc, char **argv)
{
	static repo r; /* only its path is used */
	char err[CAIRN_ERR_MAX], vkey[CHECKPOINT_VKEY_MAX];
	(void)argv;
	if (argc != 1) {
		cli_error("witness key", "no arguments");
		fputs(witness_usage, stderr);
		return EXIT_USAGE;
	}
	if (repo_default_path(r.path, sizeof r.path) != 0) {
		cli_error("witness key", "set CAIRN_PATH or HOME to locate the repo");
		return EXIT_FAIL;
	}
	json_t *cfg = repo_config_load(r.path, err);
	if (!cfg) {
		cli_error("witness key", "%s", err);
		return EXIT_FAIL;
	}
	const char *name = json_string_value(json_object_get(json_object_get(cfg, "Witness"), "Name"));
	int rc = witness_key_text(&r, name, vkey, sizeof vkey, err);
	json_decref(cfg);
	if (rc != 0) {
		cli_error("witness key", "%s", err);
		return EXIT_FAIL;
	}
	printf("%s\n", vkey);
	return 0;
}

int cmd_witness(int argc, char **argv)
{
	static const cli_cmd subs[] = {{"key", witness_run, witness_usage}};
	return cli_dispatch("witness", witness_usage, subs, 1, argc - 1, argv + 1);
}

/*
 * cairn id: the node's identity as Kubo's `ipfs id` prints it: PeerID,
 * public key, addresses (the daemon's gateway while one runs; none
 * offline), agent. Through the daemon when one holds the repo.
 */
#include "api_client.h"
#include "cli.h"
#include "cairn/multibase.h"
#include "cairn/version.h"
#include "repo.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cmd_id(int argc, char **argv)
{
	repo r;
	api_client api;
	char *body = NULL;
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		puts("usage: cairn id\n\nThe node's PeerID, public key and addresses (the gateway's, while the\n"
		     "daemon runs), as JSON.");
		return 0;
	}
	if (argc > 1) {
		cli_error("id", "unexpected argument '%s'", argv[1]);
		return EXIT_USAGE;
	}
	int rc = cli_repo_open_or_daemon(&r, &api, "id");
	if (rc == CLI_USE_DAEMON) {
		if (cli_api(&api, "id", "id", NULL, NULL, NULL, &body) != 0)
			return EXIT_FAIL;
		json_t *j = json_loads(body ? body : "", 0, NULL);
		free(body);
		if (!j) {
			cli_error("id", "the daemon's answer is not JSON");
			return EXIT_FAIL;
		}
		rc = cli_print_json("id", j, JSON_PRESERVE_ORDER);
		json_decref(j);
		return rc;
	}
	if (rc != 0)
		return rc;
	/* offline: the repo's identity, and no address */
	uint8_t mh[64];
	size_t ml = 0;
	char pub[96] = "";
	if (cairn_base_decode(CAIRN_BASE58BTC, r.peer_id, strlen(r.peer_id), mh, sizeof mh, &ml) == 0 &&
	    ml > 2 && mh[0] == 0x00 && mh[1] == ml - 2)
		cairn_base_encode(CAIRN_BASE64PAD, mh + 2, ml - 2, pub, sizeof pub, NULL);
	json_t *j = json_pack("{s:s, s:s, s:[], s:s, s:s, s:[]}", "ID", r.peer_id, "PublicKey", pub, "Addresses",
	                      "AgentVersion", "cairn/" CAIRN_VERSION, "ProtocolVersion", "ipfs/0.1.0", "Protocols");
	rc = cli_print_json("id", j, JSON_PRESERVE_ORDER);
	json_decref(j);
	repo_close(&r);
	return rc;
}

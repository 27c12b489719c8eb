/*
 * cairn block get|put|stat|rm: single blocks, as `ipfs block`. The options
 * are parsed once (block_parse); then the repo or its daemon does the work.
 */
#include "api_client.h"
#include "cli.h"
#include "http_util.h"
#include "cairn/error.h"
#include "pinstore.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char block_usage[] =
	"usage: cairn block put [--cid-codec raw|dag-pb|dag-cbor|dag-json] [--mhtype sha2-256|blake3]\n"
	"                       [--pin[=BOOL]] [FILE|-]\n"
	"       cairn block get CID      write the block's bytes to standard output\n"
	"       cairn block stat CID     print its CID and size\n"
	"       cairn block rm CID...    remove blocks (not if pinned)\n"
	"\n"
	"put prints the new block's CIDv1 (default codec raw, hash sha2-256, as Kubo).\n";

struct block_args {
	const char *sub, *cmd;   /* "put", "block put" */
	const char *codec_name;  /* put: as given, for the daemon */
	const char *mh_name;
	uint64_t codec, hash;
	int pin;
	const char *file;        /* put: "-" for standard input */
	char **cids;             /* get, stat: one; rm: one or more */
	int ncids;
};

/* The options of block SUB (argv[0] = SUB): 0, or EXIT_USAGE (said why). */
static int block_parse(int argc, char **argv, struct block_args *a)
{
	static const struct option opts[] = {
		{"cid-codec", required_argument, NULL, 'c'},
		{"format", required_argument, NULL, 'c'},
		{"mhtype", required_argument, NULL, 'm'},
		{"pin", optional_argument, NULL, 'p'},
		{NULL, 0, NULL, 0},
	};
	static const char *names[] = {"put", "block put", "get", "block get", "stat", "block stat",
	                              "rm", "block rm"};
	int c, put = !strcmp(argv[0], "put");
	*a = (struct block_args){.sub = argv[0], .codec_name = "raw", .mh_name = "sha2-256",
	                         .codec = CAIRN_CODEC_RAW, .hash = CAIRN_MH_SHA2_256, .file = "-"};
	for (size_t k = 0; k < sizeof names / sizeof names[0]; k += 2)
		if (!strcmp(argv[0], names[k]))
			a->cmd = names[k + 1];
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		if (put && c == 'c' && cairn_codec_from_name(optarg, &a->codec) == 0) {
			a->codec_name = optarg;
		} else if (put && c == 'm' && cairn_mh_from_name(optarg, &a->hash) == 0 &&
		           a->hash != CAIRN_MH_IDENTITY) {
			a->mh_name = optarg;
		} else if (put && c == 'p' && (!optarg || http_parse_bool(optarg, &a->pin) == 0)) {
			if (!optarg)
				a->pin = 1;
		} else if (put && (c == 'c' || c == 'm' || c == 'p')) {
			cli_error(a->cmd, "unsupported value '%s' for %s", optarg, argv[optind - 1]);
			return EXIT_USAGE;
		} else if (c == ':') {
			cli_error(a->cmd, "option '%s' needs a value", argv[optind - 1]);
			return EXIT_USAGE;
		} else {
			cli_error(a->cmd, "unknown option '%s' (see 'cairn block --help')", argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	a->cids = argv + optind;
	a->ncids = argc - optind;
	if (put) {
		if (a->ncids > 1) {
			cli_error(a->cmd, "one file at a time");
			return EXIT_USAGE;
		}
		if (a->ncids == 1)
			a->file = a->cids[0];
		a->ncids = 0;
	} else if (!strcmp(a->sub, "rm") ? a->ncids < 1 : a->ncids != 1) {
		cli_error("block", "%s", !strcmp(a->sub, "rm") ? "rm needs a CID"
		                                                 : !strcmp(a->sub, "get") ? "get takes exactly one CID"
		                                                                          : "stat takes exactly one CID");
		return EXIT_USAGE;
	}
	return 0;
}

/* --- on the repo ---------------------------------------------------------- */

static int put_local(repo *r, const struct block_args *a)
{
	int fd = STDIN_FILENO, rc = EXIT_FAIL;
	uint8_t *data = NULL;
	size_t len;
	char err[CAIRN_ERR_MAX], text[CAIRN_CID_TEXT_MAX];
	if (strcmp(a->file, "-") != 0 && (fd = open(a->file, O_RDONLY | O_CLOEXEC)) < 0) {
		cli_error(a->cmd, "%s: %s", a->file, strerror(errno));
		return EXIT_FAIL;
	}
	if (cli_read_all(fd, BLOCK_MAX, &data, &len) != 0) {
		cli_error(a->cmd, "%s", errno == EFBIG ? "block larger than 2 MiB" : strerror(errno));
		goto done;
	}
	cairn_cid cid = {.version = 1, .codec = a->codec};
	if (cairn_mh_compute(&cid.mh, a->hash, data, len) != 0) {
		cli_error(a->cmd, "cannot hash with that function");
		goto done;
	}
	cairn_iov iov = {data, len};
	if (blockstore_put(&r->bs, &cid, &iov, 1, err) != 0 || blockstore_commit(&r->bs, err) != 0) {
		cli_error(a->cmd, "%s", err);
		goto done;
	}
	if (a->pin) {
		pin p = {.cid = cid, .type = PIN_DIRECT};
		if (pinstore_put(r, &p, err) != 0) {
			cli_error(a->cmd, "%s", err);
			goto done;
		}
	}
	cairn_cid_to_string(&cid, text, sizeof text, NULL);
	printf("%s\n", text);
	rc = 0;
done:
	if (fd > STDIN_FILENO)
		close(fd);
	free(data);
	return rc;
}

/* get and stat: the block, or why not. */
static int get_local(repo *r, const struct block_args *a)
{
	char err[CAIRN_ERR_MAX], text[CAIRN_CID_TEXT_MAX];
	const char *arg = a->cids[0];
	cairn_cid cid;
	uint8_t *data;
	size_t len;
	int rc = 0;
	if (cli_parse_cid(a->cmd, arg, &cid))
		return EXIT_FAIL;
	int g = blockstore_get(&r->bs, &cid, &data, &len, err);
	if (g != 0) {
		cli_error(a->cmd, "%s: %s", arg, g == BS_NOT_FOUND ? "block not found"
		          : g == BS_CORRUPT ? "block is corrupt (run 'cairn repo verify')" : err);
		return EXIT_FAIL;
	}
	if (!strcmp(a->sub, "get")) {
		if (fwrite(data, 1, len, stdout) != len || fflush(stdout) != 0) {
			cli_error(a->cmd, "writing output: %s", strerror(errno));
			rc = EXIT_FAIL;
		}
	} else {
		cairn_cid_to_string(&cid, text, sizeof text, NULL);
		printf("Key: %s\nSize: %zu\n", text, len);
	}
	free(data);
	return rc;
}

static int rm_local(repo *r, const struct block_args *a)
{
	int rc = 0;
	for (int i = 0; i < a->ncids; i++) {
		cairn_cid cid;
		pin p;
		char err[CAIRN_ERR_MAX];
		if (cli_parse_cid(a->cmd, a->cids[i], &cid)) {
			rc = EXIT_FAIL;
			continue;
		}
		int g = pinstore_get(r, &cid, &p, err);
		if (g <= 0) {
			cli_error(a->cmd, g == 0 ? "%s is pinned (unpin it first)" : "%s: %s", a->cids[i], err);
			rc = EXIT_FAIL;
			continue;
		}
		int d = blockstore_delete(&r->bs, &cid.mh, 0, err);
		if (d != 0) {
			cli_error(a->cmd, "%s: %s", a->cids[i], d > 0 ? "block not found" : err);
			rc = EXIT_FAIL;
			continue;
		}
		printf("removed %s\n", a->cids[i]);
	}
	return rc;
}

/* --- through the daemon --------------------------------------------------- */

static int rm_daemon(const api_client *c, const struct block_args *a)
{
	cli_query q = {0};
	char *body = NULL;
	int rc = 0;
	for (int i = 0; i < a->ncids; i++)
		cli_query_add(&q, "arg", a->cids[i]);
	if (!cli_query_str(&q)) {
		cli_error(a->cmd, "out of memory");
		rc = EXIT_FAIL;
	} else if (cli_api(c, a->cmd, "block/rm", cli_query_str(&q), NULL, NULL, &body) != 0) {
		rc = EXIT_FAIL;
	}
	cli_query_free(&q);
	for (char *line = body, *nl; line && *line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		json_t *j = json_loads(line, 0, NULL);
		const char *h = json_string_value(json_object_get(j, "Hash"));
		const char *e = json_string_value(json_object_get(j, "Error"));
		if (h && e && e[0]) {
			cli_error(a->cmd, "%s: %s", h, e);
			rc = EXIT_FAIL;
		} else if (h) {
			printf("removed %s\n", h);
		}
		json_decref(j);
	}
	free(body);
	return rc;
}

static int put_daemon(const api_client *c, const struct block_args *a)
{
	cli_query q = {0};
	char *body = NULL;
	cli_query_add(&q, "cid-codec", a->codec_name);
	cli_query_add(&q, "mhtype", a->mh_name);
	cli_query_add(&q, "pin", a->pin ? "true" : "false");
	api_part part = {a->file, "block", NULL, NULL, 0};
	api_upload up = {&part, 1};
	int rc = cli_query_str(&q) ? cli_api(c, a->cmd, "block/put", cli_query_str(&q), &up, NULL, &body)
	                           : (cli_error(a->cmd, "out of memory"), EXIT_FAIL);
	cli_query_free(&q);
	if (rc != 0)
		return EXIT_FAIL;
	json_t *j = json_loads(body, 0, NULL);
	const char *key = json_string_value(json_object_get(j, "Key"));
	if (key)
		printf("%s\n", key);
	json_decref(j);
	free(body);
	return key ? 0 : EXIT_FAIL;
}

static int get_daemon(const api_client *c, const struct block_args *a)
{
	cli_query q = {0};
	char *body = NULL;
	int rc, get = !strcmp(a->sub, "get");
	cli_query_add(&q, "arg", a->cids[0]);
	if (!cli_query_str(&q)) {
		cli_error(a->cmd, "out of memory");
		return EXIT_FAIL;
	}
	rc = get ? cli_api(c, a->cmd, "block/get", cli_query_str(&q), NULL, stdout, NULL)
	         : cli_api(c, a->cmd, "block/stat", cli_query_str(&q), NULL, NULL, &body);
	cli_query_free(&q);
	if (rc != 0 || get)
		return rc;
	json_t *j = json_loads(body, 0, NULL);
	const char *key = json_string_value(json_object_get(j, "Key"));
	printf("Key: %s\nSize: %lld\n", key ? key : "", (long long)json_integer_value(json_object_get(j, "Size")));
	json_decref(j);
	free(body);
	return 0;
}

/* --- block get|put|stat|rm ------------------------------------------------ */

static int block_run(int argc, char **argv)
{
	struct block_args a;
	repo r;
	api_client api;
	int rc = block_parse(argc, argv, &a);
	if (rc != 0)
		return rc;
	int put = !strcmp(a.sub, "put"), rm = !strcmp(a.sub, "rm");
	rc = cli_repo_open_or_daemon(&r, &api, "block");
	if (rc == CLI_USE_DAEMON)
		return put ? put_daemon(&api, &a) : rm ? rm_daemon(&api, &a) : get_daemon(&api, &a);
	if (rc != 0)
		return rc;
	rc = put ? put_local(&r, &a) : rm ? rm_local(&r, &a) : get_local(&r, &a);
	repo_close(&r);
	return rc;
}

int cmd_block(int argc, char **argv)
{
	static const cli_cmd subs[] = {
		{"get", block_run, block_usage},
		{"put", block_run, block_usage},
		{"stat", block_run, block_usage},
		{"rm", block_run, block_usage},
	};
	return cli_dispatch("block", block_usage, subs, sizeof subs / sizeof subs[0], argc - 1, argv + 1);
}

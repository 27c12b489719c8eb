/*
 * cairn dag put|get|stat: IPLD records, as `ipfs dag`. Options are parsed
 * once (ipld_parse); then the repo or its daemon does the work.
 */
#include "api_client.h"
#include "cli.h"
#include "http_util.h"
#include "ipld.h"
#include "pinstore.h"
#include "cairn/error.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char ipld_usage[] =
	"usage: cairn dag put [--input-codec dag-json|dag-cbor|json] [--store-codec dag-cbor|dag-json|json]\n"
	"                     [--hash sha2-256|blake3] [--pin[=BOOL]] [--allow-big-block] [FILE|-]...\n"
	"                                     store each file (or standard input) as one record and\n"
	"                                     print its CIDv1 (defaults as Kubo: dag-json in,\n"
	"                                     dag-cbor stored, sha2-256)\n"
	"       cairn dag get [--output-codec dag-json|dag-cbor|json] CID[/path]\n"
	"                                     the value at path (map keys, list indexes, through\n"
	"                                     links), written in the codec (default dag-json)\n"
	"       cairn dag stat CID            blocks and bytes of the whole DAG\n";

struct ipld_args {
	const char *cmd;               /* "dag put" */
	int is_put, is_get;            /* which subcommand (else stat) */
	ipld_put_opts put;
	const char *in_name, *store_name, *hash_name, *out_name;
	uint64_t out_codec;
	int pin;
	char **args;
	int nargs;
};

static int codec_opt(const char *cmd, const char *opt, const char *v, uint64_t *codec)
{
	if (cairn_codec_from_name(v, codec) != 0 || !ipld_codec_ok(*codec)) {
		cli_error(cmd, "unsupported value '%s' for --%s (dag-cbor, dag-json or json)", v, opt);
		return EXIT_USAGE;
	}
	return 0;
}

/* The options of dag SUB (argv[0] = SUB): 0, or EXIT_USAGE (said why). */
static int ipld_parse(int argc, char **argv, struct ipld_args *a)
{
	static const struct option opts[] = {
		{"input-codec", required_argument, NULL, 'i'},
		{"store-codec", required_argument, NULL, 's'},
		{"hash", required_argument, NULL, 'h'},
		{"pin", optional_argument, NULL, 'p'},
		{"allow-big-block", optional_argument, NULL, 'b'},
		{"output-codec", required_argument, NULL, 'o'},
		{NULL, 0, NULL, 0},
	};
	int put = !strcmp(argv[0], "put"), get = !strcmp(argv[0], "get"), c, rc;
	*a = (struct ipld_args){
		.cmd = put ? "dag put" : get ? "dag get" : "dag stat",
		.is_put = put,
		.is_get = get,
		.put = {CAIRN_CODEC_DAG_JSON, CAIRN_CODEC_DAG_CBOR, CAIRN_MH_SHA2_256, 0},
		.in_name = "dag-json", .store_name = "dag-cbor", .hash_name = "sha2-256",
		.out_name = "dag-json", .out_codec = CAIRN_CODEC_DAG_JSON,
	};
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		const char *opt = argv[optind - 1];
		if (put && c == 'i') {
			if ((rc = codec_opt(a->cmd, "input-codec", optarg, &a->put.input_codec)) != 0)
				return rc;
			a->in_name = optarg;
		} else if (put && c == 's') {
			if ((rc = codec_opt(a->cmd, "store-codec", optarg, &a->put.store_codec)) != 0)
				return rc;
			a->store_name = optarg;
		} else if (get && c == 'o') {
			if ((rc = codec_opt(a->cmd, "output-codec", optarg, &a->out_codec)) != 0)
				return rc;
			a->out_name = optarg;
		} else if (put && c == 'h') {
			if (cairn_mh_from_name(optarg, &a->put.hash) != 0 || a->put.hash == CAIRN_MH_IDENTITY) {
				cli_error(a->cmd, "unsupported value '%s' for --hash (sha2-256 or blake3)", optarg);
				return EXIT_USAGE;
			}
			a->hash_name = optarg;
		} else if (put && (c == 'p' || c == 'b')) {
			int on = 1;
			if (optarg && http_parse_bool(optarg, &on) != 0) {
				cli_error(a->cmd, "bad value '%s' for %s (true or false)", optarg, opt);
				return EXIT_USAGE;
			}
			if (c == 'p')
				a->pin = on;
			else
				a->put.allow_big = on;
		} else if (c == ':') {
			cli_error(a->cmd, "option '%s' needs a value", opt);
			return EXIT_USAGE;
		} else {
			cli_error(a->cmd, "unknown option '%s' (see 'cairn dag --help')", opt);
			return EXIT_USAGE;
		}
	}
	a->args = argv + optind;
	a->nargs = argc - optind;
	if (!put && a->nargs != 1) {
		cli_error(a->cmd, "takes exactly one %s", get ? "CID[/path]" : "CID");
		return EXIT_USAGE;
	}
	return 0;
}

static int put_one(repo *r, const struct ipld_args *a, const char *path)
{
	int fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	uint8_t *in = NULL;
	size_t len;
	char err[CAIRN_ERR_MAX], text[CAIRN_CID_TEXT_MAX];
	cairn_cid cid, where;
	int rc = EXIT_FAIL;
	if (fd < 0) {
		cli_error(a->cmd, "%s: %s", path, strerror(errno));
		return EXIT_FAIL;
	}
	if (cli_read_all(fd, IPLD_INPUT_MAX, &in, &len) != 0) {
		if (errno == EFBIG)
			cli_error(a->cmd, "%s: record larger than %u bytes", path, IPLD_INPUT_MAX);
		else
			cli_error(a->cmd, "%s: %s", path, strerror(errno));
		goto done;
	}
	int p = ipld_put(&r->bs, &a->put, in, len, &cid, err);
	if (p != 0) {
		cli_error(a->cmd, "%s: %s", path, err);
		goto done;
	}
	cairn_cid_to_string(&cid, text, sizeof text, NULL);
	if (a->pin) {
		int w = dag_find_missing(&r->bs, &cid, DAG_RECURSIVE, &where, err);
		pin pn = {.cid = cid, .type = PIN_RECURSIVE};
		if (w != 0) {
			cli_dag_error(a->cmd, text, w, &where, err);
			cli_error(a->cmd, "%s is stored but not pinned", text);
			goto done;
		}
		if (pinstore_put(r, &pn, err) != 0) {
			cli_error(a->cmd, "%s", err);
			goto done;
		}
	}
	printf("%s\n", text);
	rc = 0;
done:
	if (fd > STDIN_FILENO)
		close(fd);
	free(in);
	return rc;
}

static void put_line(void *ctx, char *line)
{
	(void)ctx;
	json_t *j = json_loads(line, 0, NULL);
	const char *cid = json_string_value(json_object_get(json_object_get(j, "Cid"), "/"));
	if (cid)
		printf("%s\n", cid);
	json_decref(j);
}

static int put_daemon(const api_client *c, const struct ipld_args *a)
{
	char *stdin_arg[] = {"-"};
	char **files = a->nargs ? a->args : stdin_arg;
	int nfiles = a->nargs ? a->nargs : 1, rc = 0;
	cli_query q = {0};
	cli_query_add(&q, "input-codec", a->in_name);
	cli_query_add(&q, "store-codec", a->store_name);
	cli_query_add(&q, "hash", a->hash_name);
	cli_query_add(&q, "pin", a->pin ? "true" : "false");
	cli_query_add(&q, "allow-big-block", a->put.allow_big ? "true" : "false");
	if (!cli_query_str(&q)) {
		cli_error(a->cmd, "out of memory");
		return EXIT_FAIL;
	}
	/* one request per record, so that one bad file does not hide the
	 * others' CIDs */
	for (int i = 0; i < nfiles; i++) {
		api_part part = {files[i], "data", NULL, NULL, 0};
		api_upload up = {&part, 1};
		FILE *out = cli_line_stream(put_line, NULL);
		if (!out || cli_api(c, a->cmd, "dag/put", cli_query_str(&q), &up, out, NULL) != 0)
			rc = EXIT_FAIL;
		if (out)
			fclose(out);
	}
	cli_query_free(&q);
	return rc;
}

static int get_local(repo *r, const struct ipld_args *a)
{
	const char *arg = a->args[0], *path;
	cairn_cid root, where;
	uint8_t *out;
	size_t len;
	char err[CAIRN_ERR_MAX] = "";
	if (cli_parse_root(a->cmd, arg, &root, &path) != 0)
		return EXIT_FAIL;
	int rc = ipld_get(&r->bs, &root, path, a->out_codec, &out, &len, &where, err);
	if (rc == DIR_NOT_FOUND || rc == DAG_BAD_INPUT) {
		cli_error(a->cmd, "%s: %s", arg, err);
		return EXIT_FAIL;
	}
	if (rc != 0) {
		cli_dag_error(a->cmd, arg, rc, &where, err);
		return EXIT_FAIL;
	}
	fwrite(out, 1, len, stdout);
	if (a->out_codec != CAIRN_CODEC_DAG_CBOR && isatty(STDOUT_FILENO))
		putchar('\n');
	free(out);
	return 0;
}

static void stat_print(const char *cid, uint64_t blocks, uint64_t bytes)
{
	/* Kubo's layout */
	printf("%-46s\t%-15s\t%s\n", "CID", "Blocks", "Size");
	printf("%s\t%llu\t%llu\n\n", cid, (unsigned long long)blocks, (unsigned long long)bytes);
	printf("Summary\nTotal Size: %llu\nUnique Blocks: %llu\nShared Size: 0\nRatio: 1.000000\n",
	       (unsigned long long)bytes, (unsigned long long)blocks);
}

static int stat_local(repo *r, const struct ipld_args *a)
{
	cairn_cid root, where;
	uint64_t blocks, bytes;
	char err[CAIRN_ERR_MAX] = "", text[CAIRN_CID_TEXT_MAX];
	if (cli_parse_cid(a->cmd, a->args[0], &root))
		return EXIT_FAIL;
	int rc = ipld_stat(&r->bs, &root, &blocks, &bytes, &where, err);
	if (rc != 0) {
		cli_dag_error(a->cmd, a->args[0], rc, &where, err);
		return EXIT_FAIL;
	}
	cairn_cid_to_string(&root, text, sizeof text, NULL);
	stat_print(text, blocks, bytes);
	return 0;
}

static int stat_daemon(const api_client *c, const struct ipld_args *a)
{
	char *body = NULL;
	if (cli_api_arg(c, a->cmd, "dag/stat", a->args[0], NULL, &body) != 0)
		return EXIT_FAIL;
	json_t *j = json_loads(body, 0, NULL);
	json_t *d = json_array_get(json_object_get(j, "DagStats"), 0);
	const char *cid = json_string_value(json_object_get(json_object_get(d, "Cid"), "/"));
	int rc = 0;
	if (cid)
		stat_print(cid, (uint64_t)json_integer_value(json_object_get(d, "NumBlocks")),
		           (uint64_t)json_integer_value(json_object_get(d, "Size")));
	else {
		cli_error(a->cmd, "the daemon's answer is not understood");
		rc = EXIT_FAIL;
	}
	json_decref(j);
	free(body);
	return rc;
}

int ipld_run(int argc, char **argv)
{
	struct ipld_args a;
	repo r;
	api_client api;
	int rc = ipld_parse(argc, argv, &a);
	if (rc)
		return rc;
	int put = a.is_put, get = a.is_get;
	for (int i = 0; put && i < a.nargs; i++) {
		if (strcmp(a.args[i], "-") != 0 && access(a.args[i], R_OK) != 0) {
			cli_error(a.cmd, "%s: %s", a.args[i], strerror(errno));
			return EXIT_FAIL;
		}
	}
	rc = cli_repo_open_or_daemon(&r, &api, a.cmd);
	if (rc == CLI_USE_DAEMON) {
		if (put)
			return put_daemon(&api, &a);
		if (!get)
			return stat_daemon(&api, &a);
		cli_query q = {0};
		cli_query_add(&q, "arg", a.args[0]);
		cli_query_add(&q, "output-codec", a.out_name);
		if (!cli_query_str(&q)) {
			cli_error(a.cmd, "out of memory");
			return EXIT_FAIL;
		}
		rc = cli_api(&api, a.cmd, "dag/get", cli_query_str(&q), NULL, stdout, NULL);
		cli_query_free(&q);
		if (rc == 0 && a.out_codec != CAIRN_CODEC_DAG_CBOR && isatty(STDOUT_FILENO))
			putchar('\n');
		return rc;
	}
	if (rc != 0)
		return rc;
	if (put) {
		for (int i = 0; i < (a.nargs ? a.nargs : 1); i++)
			if (put_one(&r, &a, a.nargs ? a.args[i] : "-") != 0)
				rc = EXIT_FAIL;
	} else {
		rc = get ? get_local(&r, &a) : stat_local(&r, &a);
	}
	repo_close(&r);
	return rc;
}

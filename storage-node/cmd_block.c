/*
 * cairn block get|put|stat|rm: single blocks, as `ipfs block`.
 */
#include "api_client.h"
#include "cli.h"
#include "error.h"
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

/* Read all of fd, up to max bytes; -1 with errno EFBIG if larger. */
static int read_all(int fd, size_t max, uint8_t **out, size_t *len)
{
	size_t cap = 65536, n = 0;
	uint8_t *buf = malloc(cap);
	while (buf) {
		if (n == cap) {
			if (cap > max) {
				free(buf);
				errno = EFBIG;
				return -1;
			}
			uint8_t *nb = realloc(buf, cap * 2);
			if (!nb)
				break;
			buf = nb;
			cap *= 2;
		}
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			free(buf);
			return -1;
		}
		if (r == 0) {
			if (n > max) {
				free(buf);
				errno = EFBIG;
				return -1;
			}
			*out = buf;
			*len = n;
			return 0;
		}
		n += (size_t)r;
	}
	free(buf);
	errno = ENOMEM;
	return -1;
}

static int block_put(repo *r, int argc, char **argv)
{
	static const struct option opts[] = {
		{"cid-codec", required_argument, NULL, 'c'},
		{"format", required_argument, NULL, 'c'},
		{"mhtype", required_argument, NULL, 'm'},
		{"pin", optional_argument, NULL, 'p'},
		{NULL, 0, NULL, 0},
	};
	uint64_t codec = CAIRN_CODEC_RAW, hash = CAIRN_MH_SHA2_256;
	int c, pinit = 0, fd = STDIN_FILENO, rc = EXIT_FAIL;
	uint8_t *data = NULL;
	size_t len;
	char err[REPO_ERR_MAX], text[CAIRN_CID_TEXT_MAX];
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		if (c == 'c' && cairn_codec_from_name(optarg, &codec) == 0) {
			continue;
		} else if (c == 'm' && cairn_mh_from_name(optarg, &hash) == 0 && hash != CAIRN_MH_IDENTITY) {
			continue;
		} else if (c == 'p' && (!optarg || cli_parse_bool(optarg, &pinit) == 0)) {
			if (!optarg)
				pinit = 1;
			continue;
		}
		if (c == 'c' || c == 'm' || c == 'p')
			cli_error("block put", "unsupported value '%s' for %s", optarg, argv[optind - 1]);
		else
			cli_error("block put", "unknown option '%s'", argv[optind - 1]);
		return EXIT_USAGE;
	}
	if (optind < argc && strcmp(argv[optind], "-") != 0) {
		fd = open(argv[optind], O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			cli_error("block put", "%s: %s", argv[optind], strerror(errno));
			return EXIT_FAIL;
		}
	}
	if (read_all(fd, BLOCK_MAX, &data, &len) != 0) {
		cli_error("block put", "%s", errno == EFBIG ? "block larger than 2 MiB" : strerror(errno));
		goto done;
	}
	cairn_cid cid = {.version = 1, .codec = codec};
	if (cairn_mh_compute(&cid.mh, hash, data, len) != 0) {
		cli_error("block put", "cannot hash with that function");
		goto done;
	}
	cairn_iov iov = {data, len};
	if (blockstore_put(&r->bs, &cid, &iov, 1, err) != 0 || blockstore_commit(&r->bs, err) != 0) {
		cli_error("block put", "%s", err);
		goto done;
	}
	if (pinit) {
		pin p = {.cid = cid, .type = PIN_DIRECT};
		if (pinstore_put(r, &p, err) != 0) {
			cli_error("block put", "%s", err);
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

/* Fetch a block for get/stat, printing why not. */
static int fetch(repo *r, const char *cmd, const char *arg, cairn_cid *cid, uint8_t **data, size_t *len)
{
	char err[REPO_ERR_MAX];
	if (cli_parse_cid(cmd, arg, cid))
		return EXIT_FAIL;
	int g = blockstore_get(&r->bs, cid, data, len, err);
	if (g != 0) {
		cli_error(cmd, "%s: %s", arg, g == BS_NOT_FOUND ? "block not found"
		          : g == BS_CORRUPT ? "block is corrupt (run 'cairn repo verify')" : err);
		return EXIT_FAIL;
	}
	return 0;
}

static int block_rm(repo *r, int argc, char **argv)
{
	int rc = 0;
	for (int i = 1; i < argc; i++) {
		cairn_cid cid;
		pin p;
		char err[REPO_ERR_MAX];
		if (cli_parse_cid("block rm", argv[i], &cid)) {
			rc = EXIT_FAIL;
			continue;
		}
		if (pinstore_get(r, &cid, &p, err) == 0) {
			cli_error("block rm", "%s is pinned (unpin it first)", argv[i]);
			rc = EXIT_FAIL;
			continue;
		}
		int d = blockstore_delete(&r->bs, &cid.mh, err);
		if (d != 0) {
			cli_error("block rm", "%s: %s", argv[i], d > 0 ? "block not found" : err);
			rc = EXIT_FAIL;
			continue;
		}
		printf("removed %s\n", argv[i]);
	}
	return rc;
}

/* block get|stat|put through the running daemon's API. */
static int block_via_daemon(const api_client *c, int argc, char **argv)
{
	const char *sub = argv[1];
	char q[1024], esc[900], *body = NULL;
	if (!strcmp(sub, "rm")) {
		size_t cap = 16, len = 0;
		char *qq = malloc(cap);
		int rc = 0;
		if (!qq)
			return EXIT_FAIL;
		qq[0] = '\0';
		for (int i = 2; i < argc; i++) {
			api_client_escape(argv[i], esc, sizeof esc);
			size_t need = len + strlen(esc) + 6;
			if (need > cap) {
				char *nq = realloc(qq, cap = need * 2);
				if (!nq) {
					free(qq);
					return EXIT_FAIL;
				}
				qq = nq;
			}
			len += (size_t)sprintf(qq + len, "%sarg=%s", len ? "&" : "", esc);
		}
		if (cli_api(c, "block rm", "block/rm", qq, NULL, NULL, &body) != 0) {
			free(qq);
			return EXIT_FAIL;
		}
		free(qq);
		for (char *line = body, *nl; line && *line; line = nl ? nl + 1 : NULL) {
			nl = strchr(line, '\n');
			if (nl)
				*nl = '\0';
			json_t *j = json_loads(line, 0, NULL);
			const char *h = json_string_value(json_object_get(j, "Hash"));
			const char *e = json_string_value(json_object_get(j, "Error"));
			if (h && e && e[0]) {
				cli_error("block rm", "%s: %s", h, e);
				rc = EXIT_FAIL;
			} else if (h) {
				printf("removed %s\n", h);
			}
			json_decref(j);
		}
		free(body);
		return rc;
	}
	if (!strcmp(sub, "put")) {
		const char *codec = "raw", *mh = "sha2-256", *file = NULL;
		int pinit = 0;
		for (int i = 2; i < argc; i++) {
			if (!strncmp(argv[i], "--cid-codec=", 12) || !strncmp(argv[i], "--format=", 9))
				codec = strchr(argv[i], '=') + 1;
			else if ((!strcmp(argv[i], "--cid-codec") || !strcmp(argv[i], "--format")) && i + 1 < argc)
				codec = argv[++i];
			else if (!strncmp(argv[i], "--mhtype=", 9))
				mh = argv[i] + 9;
			else if (!strcmp(argv[i], "--mhtype") && i + 1 < argc)
				mh = argv[++i];
			else if (!strcmp(argv[i], "--pin") || !strcmp(argv[i], "--pin=true"))
				pinit = 1;
			else if (!strcmp(argv[i], "--pin=false"))
				pinit = 0;
			else if (argv[i][0] == '-' && argv[i][1]) {
				cli_error("block put", "unknown option '%s'", argv[i]);
				return EXIT_USAGE;
			} else
				file = argv[i];
		}
		if (!file)
			file = "-";
		char cesc[64], mesc[64];
		api_client_escape(codec, cesc, sizeof cesc);
		api_client_escape(mh, mesc, sizeof mesc);
		snprintf(q, sizeof q, "cid-codec=%s&mhtype=%s&pin=%s", cesc, mesc, pinit ? "true" : "false");
		api_part part = {file, "block", NULL, NULL, 0};
		api_upload up = {&part, 1};
		if (cli_api(c, "block put", "block/put", q, &up, NULL, &body) != 0)
			return EXIT_FAIL;
		json_t *j = json_loads(body, 0, NULL);
		const char *key = json_string_value(json_object_get(j, "Key"));
		if (key)
			printf("%s\n", key);
		json_decref(j);
		free(body);
		return key ? 0 : EXIT_FAIL;
	}
	api_client_escape(argv[2], esc, sizeof esc);
	snprintf(q, sizeof q, "arg=%s", esc);
	if (!strcmp(sub, "get"))
		return cli_api(c, "block get", "block/get", q, NULL, stdout, NULL);
	if (cli_api(c, "block stat", "block/stat", q, NULL, NULL, &body) != 0)
		return EXIT_FAIL;
	json_t *j = json_loads(body, 0, NULL);
	printf("Key: %s\nSize: %lld\n", json_string_value(json_object_get(j, "Key")) ? json_string_value(json_object_get(j, "Key")) : "",
	       (long long)json_integer_value(json_object_get(j, "Size")));
	json_decref(j);
	free(body);
	return 0;
}

int cmd_block(int argc, char **argv)
{
	repo r;
	int rc;
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(block_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : 0;
	}
	const char *sub = argv[1];
	int needs_one = strcmp(sub, "get") == 0 || strcmp(sub, "stat") == 0;
	if (!needs_one && strcmp(sub, "put") && strcmp(sub, "rm")) {
		cli_error("block", "unknown subcommand '%s' (use get, put, stat or rm)", sub);
		return EXIT_USAGE;
	}
	if (needs_one && argc != 3) {
		cli_error("block", "%s takes exactly one CID", sub);
		return EXIT_USAGE;
	}
	if (strcmp(sub, "rm") == 0 && argc < 3) {
		cli_error("block", "rm needs a CID");
		return EXIT_USAGE;
	}
	api_client api;
	rc = cli_repo_open_or_daemon(&r, &api, "block");
	if (rc == CLI_USE_DAEMON)
		return block_via_daemon(&api, argc, argv);
	if (rc != 0)
		return rc;
	if (strcmp(sub, "put") == 0) {
		rc = block_put(&r, argc - 1, argv + 1);
	} else if (strcmp(sub, "rm") == 0) {
		rc = block_rm(&r, argc - 1, argv + 1);
	} else {
		cairn_cid cid;
		uint8_t *data;
		size_t len;
		rc = fetch(&r, strcmp(sub, "get") == 0 ? "block get" : "block stat", argv[2], &cid, &data, &len);
		if (rc == 0) {
			char text[CAIRN_CID_TEXT_MAX];
			if (strcmp(sub, "get") == 0) {
				if (fwrite(data, 1, len, stdout) != len || fflush(stdout) != 0) {
					cli_error("block get", "writing output: %s", strerror(errno));
					rc = EXIT_FAIL;
				}
			} else {
				cairn_cid_to_string(&cid, text, sizeof text, NULL);
				printf("Key: %s\nSize: %zu\n", text, len);
			}
			free(data);
		}
	}
	repo_close(&r);
	return rc;
}

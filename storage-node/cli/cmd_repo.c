#define _DEFAULT_SOURCE 1 /* realpath */
/*
 * cairn init, cairn repo gc|verify|stat.
 */
#include "api_client.h"
#include "cli.h"
#include "gc.h"
#include "pinstore.h"
#include "repo.h"
#include "verify.h"

#include "bs_rados.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char repo_usage[] =
	"usage: cairn repo gc [-q]     remove blocks no pin reaches\n"
	"       cairn repo verify      re-hash every block; exit 1 on damage\n"
	"       cairn repo stat        objects, size, pins and location\n";

static const char init_usage[] =
	"usage: cairn init [--datastore flatfs|rados] [--ceph-conf FILE] [--rados-pool NAME]\n"
	"                  [--ceph-client NAME] [--index DSN [--log-key FILE]]\n"
	"\n"
	"Create a repo at $CAIRN_PATH (default ~/.cairn). Blocks go to files under\n"
	"it (flatfs, the default), or to a Ceph pool (rados: --ceph-conf and\n"
	"--rados-pool required; the client defaults to client.admin). The cluster\n"
	"must answer and the pool exist; exit 2 if not.\n"
	"\n"
	"The index (pins, pin requests, tokens, the anchoring log) is LMDB under\n"
	"the repo, or with --index the PostgreSQL database DSN names (a libpq\n"
	"connection string or URI), shared by the nodes of a cluster\n"
	"(docs/cluster.md). The database needs CREATE EXTENSION cairn. The first\n"
	"node makes the schema and the cluster's log key (log.key in the repo);\n"
	"every other node is given a copy of that file with --log-key.\n";

int cmd_init(int argc, char **argv)
{
	enum { OPT_DATASTORE = 256, OPT_CEPH_CONF, OPT_POOL, OPT_CLIENT, OPT_INDEX, OPT_LOG_KEY };
	static const struct option longopts[] = {
		{"datastore", required_argument, NULL, OPT_DATASTORE},
		{"ceph-conf", required_argument, NULL, OPT_CEPH_CONF},
		{"rados-pool", required_argument, NULL, OPT_POOL},
		{"ceph-client", required_argument, NULL, OPT_CLIENT},
		{"index", required_argument, NULL, OPT_INDEX},
		{"log-key", required_argument, NULL, OPT_LOG_KEY},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	char path[4096], err[CAIRN_ERR_MAX], conf[PATH_MAX];
	const char *type = "flatfs", *conf_arg = NULL, *pool = NULL, *client = NULL;
	const char *dsn = NULL, *log_key = NULL;
	json_t *ds = NULL, *index = NULL;
	repo r;
	int c, rc = EXIT_FAIL;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_DATASTORE: type = optarg; break;
		case OPT_CEPH_CONF: conf_arg = optarg; break;
		case OPT_POOL: pool = optarg; break;
		case OPT_CLIENT: client = optarg; break;
		case OPT_INDEX: dsn = optarg; break;
		case OPT_LOG_KEY: log_key = optarg; break;
		case 'h': fputs(init_usage, stdout); return 0;
		case ':': cli_error("init", "%s needs a value", argv[optind - 1]); return EXIT_USAGE;
		default: cli_error("init", "unknown option '%s'", argv[optind - 1]); return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		cli_error("init", "unexpected argument '%s'", argv[optind]);
		return EXIT_USAGE;
	}
	if (strcmp(type, "flatfs") == 0) {
		if (conf_arg || pool || client) {
			cli_error("init", "--ceph-conf, --rados-pool and --ceph-client go with --datastore rados");
			return EXIT_USAGE;
		}
	} else if (strcmp(type, "rados") == 0) {
		if (!conf_arg || !pool || !*pool) {
			cli_error("init", "--datastore rados needs --ceph-conf FILE and --rados-pool NAME");
			return EXIT_USAGE;
		}
		/* the daemon may start elsewhere than here: the file's full path */
		if (!realpath(conf_arg, conf)) {
			cli_error("init", "--ceph-conf %s: %s", conf_arg, strerror(errno));
			return EXIT_USAGE;
		}
		ds = json_pack("{s:s, s:s, s:s, s:s, s:b}", "Type", "rados", "CephConf", conf, "Pool",
		               pool, "Client", client ? client : BS_RADOS_DEFAULT_CLIENT, "Compression", 1);
		if (!ds) {
			cli_error("init", "out of memory");
			return EXIT_FAIL;
		}
	} else {
		cli_error("init", "--datastore '%s' is not flatfs or rados", type);
		return EXIT_USAGE;
	}
	if (log_key && !dsn) {
		cli_error("init", "--log-key goes with --index");
		goto usage;
	}
	if (dsn && (!*dsn || !(index = json_pack("{s:s, s:s}", "Type", "postgres", "DSN", dsn)))) {
		cli_error("init", "--index needs a DSN");
		goto usage;
	}
	if (repo_default_path(path, sizeof path) != 0) {
		cli_error("init", "set CAIRN_PATH or HOME to say where the repo goes");
		goto done;
	}
	int got = repo_init(path, ds, index, log_key, err);
	if (got != 0) {
		cli_error("init", "%s", err);
		rc = got == REPO_E_DATASTORE ? EXIT_USAGE : EXIT_FAIL;
		goto done;
	}
	if ((got = repo_open(&r, path, NULL, err)) != 0) {
		cli_error("init", "%s", err);
		rc = got == REPO_E_DATASTORE ? EXIT_USAGE : EXIT_FAIL;
		goto done;
	}
	printf("initialized cairn repo at %s\npeer identity: %s\n", path, r.peer_id);
	if (ds)
		printf("blocks in ceph pool %s (%s)\n", pool, conf);
	if (index)
		printf("index in PostgreSQL, cluster %s (its key: %s/log.key)\n", r.log_id, path);
	repo_close(&r);
	rc = 0;
	goto done;
usage:
	rc = EXIT_USAGE;
done:
	json_decref(ds);
	json_decref(index);
	return rc;
}

struct gc_view {
	int quiet;
	progress marking, sweeping;
	int swept_started;
};

static void print_removed(void *ctx, const cairn_multihash *mh)
{
	struct gc_view *g = ctx;
	cairn_cid cid = {.version = 1, .codec = CAIRN_CODEC_RAW, .mh = *mh};
	char text[CAIRN_CID_TEXT_MAX];
	if (g->quiet)
		return;
	cairn_cid_to_string(&cid, text, sizeof text, NULL);
	if (g->sweeping.enabled && isatty(STDOUT_FILENO))
		fputs("\r\033[K", stderr); /* the progress line, out of the way */
	printf("removed %s\n", text);
	if (g->sweeping.enabled && isatty(STDOUT_FILENO))
		fflush(stdout);
}

/* Where the GC is: blocks marked live, then blocks looked at. */
static void gc_progress(void *ctx, uint64_t marked, uint64_t swept)
{
	struct gc_view *g = ctx;
	if (!swept) {
		progress_update(&g->marking, marked);
		return;
	}
	if (!g->swept_started) {
		progress_end(&g->marking);
		g->swept_started = 1;
	}
	progress_update(&g->sweeping, swept);
}

static int repo_gc_cmd(repo *r, int quiet)
{
	gc_result res;
	char err[CAIRN_ERR_MAX];
	uint64_t total = 0, bytes;
	struct gc_view g = {.quiet = quiet};
	if (blockstore_totals(&r->bs, &total, &bytes, err) != 0)
		total = 0;
	progress_start_count(&g.marking, "gc: marking live blocks:", "blocks", 0, 1);
	progress_start_count(&g.sweeping, "gc: sweeping", "blocks", total, 1);
	int rc = repo_gc(r, print_removed, gc_progress, &g, &res, err);
	progress_end(&g.marking);
	progress_end(&g.sweeping);
	if (rc != 0) {
		cli_error("repo gc", "%s", err);
		return EXIT_FAIL;
	}
	if (res.missing)
		fprintf(stderr, "cairn repo gc: warning: %llu pinned blocks are missing "
		        "(run 'cairn repo verify')\n", (unsigned long long)res.missing);
	if (!quiet && res.temp_files)
		fprintf(stderr, "removed %llu blocks (%llu bytes) and %llu temporary files of interrupted "
		        "writes (%llu bytes), kept %llu\n", (unsigned long long)res.removed,
		        (unsigned long long)res.freed_bytes, (unsigned long long)res.temp_files,
		        (unsigned long long)res.temp_bytes, (unsigned long long)res.kept);
	else if (!quiet)
		fprintf(stderr, "removed %llu blocks (%llu bytes), kept %llu\n",
		        (unsigned long long)res.removed, (unsigned long long)res.freed_bytes,
		        (unsigned long long)res.kept);
	if (!quiet && res.young)
		fprintf(stderr, "kept %llu unpinned blocks stored within the last %lld s (Datastore.GCGraceSeconds)\n",
		        (unsigned long long)res.young, (long long)gc_grace_seconds(r));
	return 0;
}

static void print_bad(void *ctx, const cairn_cid *cid, const char *why)
{
	char text[CAIRN_CID_TEXT_MAX];
	(void)ctx;
	cairn_cid_to_string(cid, text, sizeof text, NULL);
	printf("block %s: %s\n", text, why);
}

static int repo_verify_cmd(repo *r)
{
	verify_run v;
	char err[CAIRN_ERR_MAX];
	int rc;

	uint64_t total = 0, bytes;
	progress pr;
	if (blockstore_totals(&r->bs, &total, &bytes, err) != 0)
		total = 0; /* progress without a total */
	progress_start_count(&pr, "verifying", "blocks", total, 1);
	verify_start(&v, &r->bs, print_bad, NULL);
	while ((rc = verify_step(&v, VERIFY_STEP_BYTES, err)) == 1)
		progress_update(&pr, v.ok + v.bad);
	verify_end(&v);
	progress_end(&pr);
	if (rc < 0) {
		cli_error("repo verify", "%s", err);
		return EXIT_FAIL;
	}
	if (v.bad) {
		printf("verified %llu blocks: %llu damaged\n", (unsigned long long)(v.ok + v.bad),
		       (unsigned long long)v.bad);
		return EXIT_FAIL;
	}
	printf("verified %llu blocks: all ok\n", (unsigned long long)v.ok);
	return 0;
}

static int repo_stat_cmd(repo *r)
{
	uint64_t blocks, bytes, pins;
	char err[CAIRN_ERR_MAX];

	if (blockstore_totals(&r->bs, &blocks, &bytes, err) != 0 || pinstore_count(r, &pins, err) != 0) {
		cli_error("repo stat", "%s", err);
		return EXIT_FAIL;
	}
	printf("NumObjects: %llu\nRepoSize:   %llu\nNumPins:    %llu\nRepoPath:   %s\nVersion:    cairn-repo@%s\n",
	       (unsigned long long)blocks, (unsigned long long)bytes,
	       (unsigned long long)pins, r->path, REPO_VERSION);
	return 0;
}

/* repo/verify's ndjson as it arrives: damaged blocks printed, progress
 * shown on a terminal, the totals kept. */
struct verify_view {
	progress pr;
	long long verified, damaged;
};

static void verify_line(void *ctx, char *line)
{
	struct verify_view *vv = ctx;
	json_t *j = json_loads(line, 0, NULL);
	const char *msg = json_string_value(json_object_get(j, "Msg"));
	json_t *prog = json_object_get(j, "Progress");
	if (json_is_integer(json_object_get(j, "Damaged"))) {
		vv->verified = json_integer_value(json_object_get(j, "Verified"));
		vv->damaged = json_integer_value(json_object_get(j, "Damaged"));
	} else if (msg) {
		progress_end(&vv->pr);
		printf("%s\n", msg);
		fflush(stdout);
	} else if (json_is_integer(prog)) {
		progress_update(&vv->pr, (uint64_t)json_integer_value(prog));
	}
	json_decref(j);
}

/* repo stat|gc|verify through the running daemon's API. */
static int repo_via_daemon(const api_client *c, const char *sub, int quiet)
{
	char *body = NULL;
	if (!strcmp(sub, "verify")) {
		struct verify_view vv = {.verified = -1, .damaged = -1};
		progress_start_count(&vv.pr, "verifying", "blocks", 0, 1);
		FILE *out = cli_line_stream(verify_line, &vv);
		int rc = out ? cli_api(c, "repo verify", "repo/verify", NULL, NULL, out, NULL)
		             : (cli_error("repo verify", "out of memory"), EXIT_FAIL);
		if (out)
			fclose(out);
		progress_end(&vv.pr);
		if (rc != 0)
			return EXIT_FAIL;
		long long verified = vv.verified, damaged = vv.damaged;
		if (damaged < 0) {
			cli_error("repo verify", "the daemon's answer ended before the verify did");
			return EXIT_FAIL;
		}
		if (damaged > 0) {
			printf("verified %lld blocks: %lld damaged\n", verified, damaged);
			return EXIT_FAIL;
		}
		printf("verified %lld blocks: all ok\n", verified);
		return 0;
	}
	if (cli_api(c, strcmp(sub, "gc") ? "repo stat" : "repo gc", strcmp(sub, "gc") ? "repo/stat" : "repo/gc",
	            NULL, NULL, NULL, &body) != 0)
		return EXIT_FAIL;
	if (!strcmp(sub, "stat")) {
		json_t *j = json_loads(body, 0, NULL);
		printf("NumObjects: %lld\nRepoSize:   %lld\nNumPins:    %lld\nRepoPath:   %s\nVersion:    %s\n",
		       (long long)json_integer_value(json_object_get(j, "NumObjects")),
		       (long long)json_integer_value(json_object_get(j, "RepoSize")),
		       (long long)json_integer_value(json_object_get(j, "NumPins")),
		       json_string_value(json_object_get(j, "RepoPath")) ? json_string_value(json_object_get(j, "RepoPath")) : "",
		       json_string_value(json_object_get(j, "Version")) ? json_string_value(json_object_get(j, "Version")) : "");
		json_decref(j);
	} else {
		uint64_t removed = 0;
		for (char *line = body, *nl; line && *line; line = nl ? nl + 1 : NULL) {
			nl = strchr(line, '\n');
			if (nl)
				*nl = '\0';
			json_t *j = json_loads(line, 0, NULL);
			const char *k = json_string_value(json_object_get(json_object_get(j, "Key"), "/"));
			if (k) {
				removed++;
				if (!quiet)
					printf("removed %s\n", k);
			}
			json_decref(j);
		}
		if (!quiet)
			fprintf(stderr, "removed %llu blocks\n", (unsigned long long)removed);
	}
	free(body);
	return 0;
}

/* repo gc|verify|stat (argv[0]) [-q]. */
static int repo_run(int argc, char **argv)
{
	repo r;
	int rc;
	const char *sub = argv[0];
	int quiet = argc > 1 && (!strcmp(argv[1], "-q") || !strcmp(argv[1], "--quiet"));
	if (argc > 1 + quiet) {
		cli_error("repo", "unexpected argument '%s'", argv[1 + quiet]);
		return EXIT_USAGE;
	}
	api_client api;
	rc = cli_repo_open_or_daemon(&r, &api, "repo");
	if (rc == CLI_USE_DAEMON)
		return repo_via_daemon(&api, sub, quiet);
	if (rc != 0)
		return rc;
	if (strcmp(sub, "gc") == 0)
		rc = repo_gc_cmd(&r, quiet);
	else if (strcmp(sub, "verify") == 0)
		rc = repo_verify_cmd(&r);
	else
		rc = repo_stat_cmd(&r);
	repo_close(&r);
	return rc;
}

int cmd_repo(int argc, char **argv)
{
	static const cli_cmd subs[] = {
		{"gc", repo_run, repo_usage},
		{"verify", repo_run, repo_usage},
		{"stat", repo_run, repo_usage},
	};
	return cli_dispatch("repo", repo_usage, subs, sizeof subs / sizeof subs[0], argc - 1, argv + 1);
}

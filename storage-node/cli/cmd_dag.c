/*
 * cairn dag export CID > file.car, cairn dag import [--pin-roots=BOOL] FILE...
 * (dag put|get|stat are in cmd_ipld.c)
 */
#include "api_client.h"
#include "car_io.h"
#include "cli.h"
#include "http_util.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char dag_usage[] =
	"usage: cairn dag export CID          write the DAG as a CARv1 to standard output\n"
	"       cairn dag import [--pin-roots[=BOOL]] [FILE|-]...\n"
	"                                     store the blocks of CARv1 files (each one\n"
	"                                     re-hashed) and pin their roots (default)\n"
	"       cairn dag put|get|stat ...     IPLD records (cairn dag put --help)\n";

static int dag_export(repo *r, const char *arg)
{
	cairn_cid cid;
	char err[CAIRN_ERR_MAX];
	if (cli_parse_cid("dag export", arg, &cid))
		return EXIT_FAIL;
	if (isatty(STDOUT_FILENO)) {
		cli_error("dag export", "refusing to write a CAR to a terminal; redirect it to a file");
		return EXIT_USAGE;
	}
	stream_source *src = stream_car(&r->bs, &cid, NULL, 0, &cid, DAG_SCOPE_ALL, 0, UINT64_MAX);
	struct evbuffer *b = evbuffer_new();
	int rc;
	cairn_cid where;
	while ((rc = src->next(src, b, &where, err)) == 0) {
		/* write out each block's section before producing the next */
		while (rc == 0 && evbuffer_get_length(b) > 0) {
			if (evbuffer_write(b, STDOUT_FILENO) < 0 && errno != EINTR) {
				snprintf(err, sizeof err, "writing output: %s", strerror(errno));
				rc = -1;
			}
		}
		if (rc)
			break;
	}
	src->close(src);
	evbuffer_free(b);
	if (rc == DAG_END)
		return 0;
	if (rc == DAG_MISSING || rc == DAG_INVALID) {
		char text[CAIRN_CID_TEXT_MAX];
		cairn_cid_to_string(&where, text, sizeof text, NULL);
		cli_error("dag export", "%s: block %s %s", arg, text,
		          rc == DAG_MISSING ? "is not in the repo" : "does not decode");
	} else {
		cli_error("dag export", "%s", err);
	}
	return EXIT_FAIL;
}

static int import_one(repo *r, const char *path, int pin_roots)
{
	car_import ci;
	uint8_t buf[1 << 16];
	int fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	int rc = EXIT_FAIL;
	if (fd < 0) {
		cli_error("dag import", "%s: %s", path, strerror(errno));
		return EXIT_FAIL;
	}
	struct stat st;
	progress pr;
	uint64_t done_bytes = 0;
	progress_start(&pr, "importing", fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0, 1);
	car_import_init(&ci, r);
	for (;;) {
		progress_update(&pr, done_bytes);
		ssize_t n = read(fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			cli_error("dag import", "%s: %s", path, strerror(errno));
			goto done;
		}
		if (n == 0)
			break;
		done_bytes += (uint64_t)n;
		if (car_import_feed(&ci, buf, (size_t)n) != 0) {
			cli_error("dag import", "%s: %s", path, ci.err);
			goto done;
		}
	}
	progress_end(&pr);
	if (car_import_finish(&ci) != 0) {
		cli_error("dag import", "%s: %s", path, ci.err);
		goto done;
	}
	rc = 0;
	for (size_t i = 0; pin_roots && i < ci.nroots; i++) {
		char text[CAIRN_CID_TEXT_MAX], err[512];
		cairn_cid_to_string(&ci.roots[i], text, sizeof text, NULL);
		if (car_pin_root(ci.r, &ci.roots[i], err) == 0) {
			printf("Pinned root\t%s\tsuccess\n", text);
		} else {
			printf("Pinned root\t%s\tFAILED: %s\n", text, err);
			rc = EXIT_FAIL;
		}
	}
done:
	progress_end(&pr);
	if (fd > STDIN_FILENO)
		close(fd);
	car_import_free(&ci);
	return rc;
}

/* dag export through the running daemon's API. */
static int export_via_daemon(const api_client *c, const char *cid)
{
	if (isatty(STDOUT_FILENO)) {
		cli_error("dag export", "refusing to write a CAR to a terminal; redirect it to a file");
		return EXIT_USAGE;
	}
	return cli_api_arg(c, "dag export", "dag/export", cid, stdout, NULL);
}

/* dag import of each file (none: standard input) through the daemon. */
static int import_via_daemon(const api_client *c, char **args, int nargs, int pin_roots)
{
	char q[64], *body = NULL;
	char *stdin_arg[] = {"-"};
	if (nargs == 0) {
		args = stdin_arg;
		nargs = 1;
	}
	int rc = 0;
	/* One request per CAR, so one bad file does not stop the others. */
	for (int i = 0; i < nargs; i++) {
		api_part part = {args[i], "car", NULL, NULL, 0};
		api_upload up = {&part, 1};
		snprintf(q, sizeof q, "pin-roots=%s", pin_roots ? "true" : "false");
		if (cli_api(c, "dag import", "dag/import", q, &up, NULL, &body) != 0) {
			rc = EXIT_FAIL;
			continue;
		}
		for (char *line = body, *nl; line && *line; line = nl ? nl + 1 : NULL) {
			nl = strchr(line, '\n');
			if (nl)
				*nl = '\0';
			json_t *j = json_loads(line, 0, NULL);
			json_t *root = json_object_get(j, "Root");
			const char *cid = json_string_value(json_object_get(json_object_get(root, "Cid"), "/"));
			const char *perr = json_string_value(json_object_get(root, "PinErrorMsg"));
			if (cid && pin_roots) {
				if (perr && perr[0]) {
					printf("Pinned root\t%s\tFAILED: %s\n", cid, perr);
					rc = EXIT_FAIL;
				} else {
					printf("Pinned root\t%s\tsuccess\n", cid);
				}
			}
			json_decref(j);
		}
		free(body);
		body = NULL;
	}
	return rc;
}

/* dag export CID | dag import [--pin-roots[=BOOL]] [FILE|-]... (argv[0]) */
static int dag_run(int argc, char **argv)
{
	repo r;
	int rc, pin_roots = 1;
	int is_export = strcmp(argv[0], "export") == 0;
	if (is_export && argc != 2) {
		cli_error("dag export", "takes exactly one CID");
		return EXIT_USAGE;
	}
	int first = 1;
	if (!is_export && argc > 1 && strncmp(argv[1], "--pin-roots", 11) == 0) {
		const char *v = argv[1][11] == '=' ? argv[1] + 12 : argv[1][11] ? NULL : "true";
		if (!v || http_parse_bool(v, &pin_roots)) {
			cli_error("dag import", "bad option '%s'", argv[1]);
			return EXIT_USAGE;
		}
		first = 2;
	}
	/* the files first: a missing one is said plainly, daemon or not */
	for (int i = first; !is_export && i < argc; i++) {
		if (strcmp(argv[i], "-") != 0 && access(argv[i], R_OK) != 0) {
			cli_error("dag import", "%s: %s", argv[i], strerror(errno));
			return EXIT_FAIL;
		}
	}
	api_client api;
	rc = cli_repo_open_or_daemon(&r, &api, is_export ? "dag export" : "dag import");
	if (rc == CLI_USE_DAEMON)
		return is_export ? export_via_daemon(&api, argv[1])
		                 : import_via_daemon(&api, argv + first, argc - first, pin_roots);
	if (rc != 0)
		return rc;
	if (is_export) {
		rc = dag_export(&r, argv[1]);
	} else if (first >= argc) {
		rc = import_one(&r, "-", pin_roots);
	} else {
		for (int i = first; i < argc; i++)
			if (import_one(&r, argv[i], pin_roots) != 0)
				rc = EXIT_FAIL;
	}
	repo_close(&r);
	return rc;
}

int cmd_dag(int argc, char **argv)
{
	static const cli_cmd subs[] = {
		{"export", dag_run, dag_usage},
		{"import", dag_run, dag_usage},
		{"put", ipld_run, ipld_usage},
		{"get", ipld_run, ipld_usage},
		{"stat", ipld_run, ipld_usage},
	};
	return cli_dispatch("dag", dag_usage, subs, sizeof subs / sizeof subs[0], argc - 1, argv + 1);
}

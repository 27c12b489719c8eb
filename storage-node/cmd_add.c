/*
 * cairn add: chunk and hash files into UnixFS DAGs, exactly as `ipfs add`
 * with the same flags. Without a repo (this version) only --only-hash works.
 */
/* MAP_POPULATE and madvise() are Linux extensions beyond POSIX. */
#define _DEFAULT_SOURCE 1

#include "add_opts.h"
#include "api_client.h"
#include "cli.h"
#include "cid.h"
#include "error.h"
#include "importer.h"
#include "pinstore.h"
#include "repo.h"

#include <errno.h>
#include <jansson.h>
#include <fcntl.h>
#include <getopt.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * Regular files are hashed through a sliding mmap window: no copy out of
 * the page cache (read() into a buffer cost as much system time as BLAKE3
 * took to hash), and RSS bounded by the window, since each window is
 * unmapped before the next. The window is a whole number of chunks, so full
 * chunks are hashed in place.
 */
#define MAP_WINDOW (4u << 20)

static const char add_usage[] =
	"usage: cairn add [options] [FILE|-]...\n"
	"\n"
	"Import files as UnixFS DAGs into the repo ($CAIRN_PATH, default ~/.cairn)\n"
	"and print their root CIDs. Reads standard input when FILE is '-' or absent.\n"
	"Flags mean what they mean to 'ipfs add'.\n"
	"\n"
	"  -n, --only-hash          only compute the CID, store nothing (needs no repo)\n"
	"      --pin[=BOOL]         pin what is added, recursively (default true)\n"
	"  -q, --quiet              print only CIDs\n"
	"  -Q, --quieter            print only the final root CID\n"
	"      --cid-version N      0 or 1 (default 1; 0 implies sha2-256)\n"
	"      --hash NAME          sha2-256 or blake3 (default blake3, or sha2-256\n"
	"                           with --cid-version 0)\n"
	"  -s, --chunker SPEC       size-N, 1 <= N <= 1048576 (default size-262144)\n"
	"      --raw-leaves[=BOOL]  leaves as raw blocks (default: true for CIDv1)\n"
	"  -t, --trickle            trickle layout instead of balanced\n"
	"  -p, --progress[=BOOL]    progress on stderr when it is a terminal\n"
	"                           (default true)\n"
	"  -h, --help               this help\n"
	"\n"
	"'cairn add --cid-version 0 -n FILE' prints Kubo's default CID for FILE.\n";

enum { OPT_CID_VERSION = 256, OPT_HASH, OPT_RAW_LEAVES, OPT_PIN };

struct add_args {
	int only_hash, quiet, quieter, progress, pin;
	int cid_version;     /* -1: not given */
	const char *hash;    /* NULL: not given */
	const char *chunker; /* NULL: not given */
	int raw_leaves;      /* -1: not given */
	cairn_importer_opts opts;
};

static int parse_args(int argc, char **argv, struct add_args *a)
{
	static const struct option longopts[] = {
		{"only-hash", optional_argument, NULL, 'n'},
		{"quiet", optional_argument, NULL, 'q'},
		{"quieter", optional_argument, NULL, 'Q'},
		{"cid-version", required_argument, NULL, OPT_CID_VERSION},
		{"hash", required_argument, NULL, OPT_HASH},
		{"chunker", required_argument, NULL, 's'},
		{"raw-leaves", optional_argument, NULL, OPT_RAW_LEAVES},
		{"trickle", optional_argument, NULL, 't'},
		{"progress", optional_argument, NULL, 'p'},
		{"pin", optional_argument, NULL, OPT_PIN},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c, v;
	a->cid_version = -1;
	a->raw_leaves = -1;
	a->progress = 1;
	a->pin = 1;
	a->opts = cairn_importer_defaults();
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":nqQs:tph", longopts, NULL)) != -1) {
		/* Boolean flags take an optional "=false" as in Kubo. */
		int on = 1;
		if (optarg && c != 's' && c != OPT_CID_VERSION && c != OPT_HASH) {
			if (cli_parse_bool(optarg, &on)) {
				cli_error("add", "'%s' is not a boolean (true or false)", optarg);
				return EXIT_USAGE;
			}
		}
		switch (c) {
		case 'n': a->only_hash = on; break;
		case 'q': a->quiet = on; break;
		case 'Q': a->quieter = on; break;
		case 't': a->opts.layout = on ? CAIRN_LAYOUT_TRICKLE : CAIRN_LAYOUT_BALANCED; break;
		case 'p': a->progress = on; break;
		case OPT_PIN: a->pin = on; break;
		case OPT_RAW_LEAVES: a->raw_leaves = on; break;
		case OPT_CID_VERSION:
			if (strcmp(optarg, "0") == 0)
				v = 0;
			else if (strcmp(optarg, "1") == 0)
				v = 1;
			else {
				cli_error("add", "unknown CID version '%s' (use 0 or 1)", optarg);
				return EXIT_USAGE;
			}
			a->cid_version = v;
			break;
		case OPT_HASH: a->hash = optarg; break;
		case 's': a->chunker = optarg; break;
		case 'h':
			fputs(add_usage, stdout);
			return -1;
		case ':':
			cli_error("add", "option '%s' needs a value", argv[optind - 1]);
			return EXIT_USAGE;
		default:
			cli_error("add", "unknown option '%s' (see 'cairn add --help')", argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	char err[ADD_OPTS_ERR_MAX];
	if (add_opts_resolve(a->cid_version, a->hash, a->raw_leaves, a->chunker, &a->opts, err) != 0) {
		cli_error("add", "%s", err);
		return EXIT_USAGE;
	}
	return 0;
}

/* Read size: a whole number of chunks near 1 MiB, so that full chunks are
 * hashed straight from the read buffer and never copied. */
static size_t read_size(size_t chunk)
{
	size_t n = (1u << 20) / chunk;
	return (n ? n : 1) * chunk;
}

/* A file truncated while mapped raises SIGBUS on the missing pages; turn
 * that into an error for this file instead of a crash. */
static sigjmp_buf bus_jmp;
static volatile sig_atomic_t bus_armed;

static void on_sigbus(int sig)
{
	if (!bus_armed) {
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	siglongjmp(bus_jmp, 1);
}

/* Map [off, off + len) and feed it. Returns 0, or -1 with errno set
 * (EIO for a file that shrank under us; the import is then abandoned). */
static int feed_window(int fd, uint64_t off, size_t len, cairn_importer *im, int *import_err)
{
	void *map = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, (off_t)off);
	if (map == MAP_FAILED)
		return -1;
	madvise(map, len, MADV_SEQUENTIAL);
	if (sigsetjmp(bus_jmp, 1)) {
		bus_armed = 0;
		munmap(map, len);
		errno = EIO;
		return -1;
	}
	bus_armed = 1;
	*import_err = cairn_importer_update(im, map, len);
	bus_armed = 0;
	munmap(map, len);
	return 0;
}

/* Feed [0, size) of fd to the importer, one window at a time. */
static int feed_mapped(int fd, uint64_t size, size_t chunk, cairn_importer *im, progress *pr,
                       int *import_err)
{
	size_t window = (MAP_WINDOW / chunk ? MAP_WINDOW / chunk : 1) * chunk;
	struct sigaction sa = {0}, old;
	sa.sa_handler = on_sigbus;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, &old);
	int rc = 0;
	for (uint64_t off = 0; off < size && rc == 0 && *import_err == 0;) {
		size_t len = size - off < window ? (size_t)(size - off) : window;
		rc = feed_window(fd, off, len, im, import_err);
		off += len;
		progress_update(pr, off);
	}
	sigaction(SIGBUS, &old, NULL);
	return rc;
}

/* Importer callback: every block goes into the blockstore as it is made. */
struct store_ctx {
	repo *r;
	char err[REPO_ERR_MAX];
};

static int store_block(void *ctx, const cairn_cid *cid, const cairn_iov *iov, size_t n)
{
	struct store_ctx *s = ctx;
	return blockstore_put(&s->r->bs, cid, iov, n, s->err) == 0 ? 0 : -1;
}

static int add_one(const struct add_args *a, repo *r, const char *path, cairn_importer *im,
                   uint8_t *chunk_buf, uint8_t *rbuf, size_t rsize, char *out, size_t outcap)
{
	struct store_ctx store = {r, ""};
	int fd = -1, rc = EXIT_FAIL;
	int is_stdin = strcmp(path, "-") == 0;
	const char *name = is_stdin ? "standard input" : path;
	struct stat st;
	progress pr;

	fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		cli_error("add", "%s: %s", path, strerror(errno));
		goto done;
	}
	if (fstat(fd, &st) != 0) {
		cli_error("add", "%s: %s", name, strerror(errno));
		goto done;
	}
	if (S_ISDIR(st.st_mode)) {
		cli_error("add", "%s is a directory (directories are not supported yet)", name);
		goto done;
	}
	if (S_ISREG(st.st_mode))
		posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);

	int err = cairn_importer_init(im, &a->opts, chunk_buf, a->opts.chunk_size,
	                              r ? store_block : NULL, &store);
	if (err) {
		cli_error("add", "%s", cairn_strerror(err));
		goto done;
	}
	progress_start(&pr, "adding", S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0,
	               a->progress && !a->quieter);
	/* Mapping needs page-aligned window offsets: chunk sizes that are not a
	 * multiple of the page size take the read() path. */
	if (S_ISREG(st.st_mode) && st.st_size > 0 &&
	    a->opts.chunk_size % (size_t)sysconf(_SC_PAGESIZE) == 0) {
		err = 0;
		if (feed_mapped(fd, (uint64_t)st.st_size, a->opts.chunk_size, im, &pr, &err) != 0) {
			progress_end(&pr);
			cli_error("add", "%s: %s", name, errno == EIO ? "file changed while reading" : strerror(errno));
			goto done;
		}
		if (err) {
			progress_end(&pr);
			cli_error("add", "%s: %s", name, err == CAIRN_E_CALLBACK ? store.err : cairn_strerror(err));
			goto done;
		}
		/* Bytes appended after fstat() are read below, as a reader would. */
		if (lseek(fd, st.st_size, SEEK_SET) < 0) {
			cli_error("add", "%s: %s", name, strerror(errno));
			goto done;
		}
	}
	for (;;) {
		ssize_t n = read(fd, rbuf, rsize);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			progress_end(&pr);
			cli_error("add", "%s: read: %s", name, strerror(errno));
			goto done;
		}
		if (n == 0)
			break;
		err = cairn_importer_update(im, rbuf, (size_t)n);
		if (err) {
			progress_end(&pr);
			cli_error("add", "%s: %s", name, err == CAIRN_E_CALLBACK ? store.err : cairn_strerror(err));
			goto done;
		}
		progress_update(&pr, cairn_importer_bytes(im));
	}
	progress_end(&pr);
	cairn_cid root;
	err = cairn_importer_final(im, &root, NULL);
	if (err == CAIRN_OK)
		err = cairn_cid_to_string(&root, out, outcap, NULL);
	if (err) {
		cli_error("add", "%s: %s", name, err == CAIRN_E_CALLBACK ? store.err : cairn_strerror(err));
		goto done;
	}
	/* Durable and pinned before the CID is printed: a printed CID is a promise. */
	if (r && blockstore_commit(&r->bs, store.err) != 0) {
		cli_error("add", "%s: %s", name, store.err);
		goto done;
	}
	if (r && a->pin) {
		pin p = {.cid = root, .type = PIN_RECURSIVE};
		if (pinstore_put(r, &p, store.err) != 0) {
			cli_error("add", "%s: %s", name, store.err);
			goto done;
		}
	}
	rc = 0;
done:
	if (fd > STDIN_FILENO)
		close(fd);
	return rc;
}

/* Add through the running daemon's API: same options, same output. */
static int add_via_daemon(const struct add_args *a, const api_client *c, char **files, int nfiles)
{
	char q[256], last[CAIRN_CID_TEXT_MAX] = "";
	int rc = 0;
	snprintf(q, sizeof q, "cid-version=%u&hash=%s&raw-leaves=%s&trickle=%s&pin=%s&chunker=size-%zu",
	         a->opts.cid_version, cairn_mh_name(a->opts.hash), a->opts.raw_leaves ? "true" : "false",
	         a->opts.layout == CAIRN_LAYOUT_TRICKLE ? "true" : "false", a->pin ? "true" : "false",
	         a->opts.chunk_size);
	for (int i = 0; i < nfiles; i++) {
		const char *base = strrchr(files[i], '/');
		base = base ? base + 1 : files[i];
		api_upload up = {files[i], base};
		char *body = NULL;
		if (cli_api(c, "add", "add", q, &up, NULL, &body) != 0) {
			rc = EXIT_FAIL;
			continue;
		}
		/* ndjson: the last line is the file's result */
		char *line = body, *nl, *lastline = NULL;
		while (line && *line) {
			nl = strchr(line, '\n');
			if (nl)
				*nl = '\0';
			if (*line)
				lastline = line;
			line = nl ? nl + 1 : NULL;
		}
		json_t *j = lastline ? json_loads(lastline, 0, NULL) : NULL;
		const char *h = json_string_value(json_object_get(j, "Hash"));
		if (!h) {
			cli_error("add", "%s: the daemon gave no CID", files[i]);
			rc = EXIT_FAIL;
		} else {
			snprintf(last, sizeof last, "%s", h);
			if (a->quiet)
				printf("%s\n", h);
			else if (!a->quieter)
				printf("added %s %s\n", h, base);
		}
		json_decref(j);
		free(body);
	}
	if (a->quieter && last[0])
		printf("%s\n", last);
	return rc;
}

int cmd_add(int argc, char **argv)
{
	struct add_args a = {0};
	repo r, *rp = NULL;
	int rc = parse_args(argc, argv, &a);
	if (rc)
		return rc < 0 ? 0 : rc;
	char *def_args[] = {"-"};
	char **files = argv + optind;
	int nfiles = argc - optind;
	if (nfiles == 0) {
		files = def_args;
		nfiles = 1;
	}
	if (!a.only_hash) {
		api_client api;
		rc = cli_repo_open_or_daemon(&r, &api, "add");
		if (rc == CLI_USE_DAEMON)
			return add_via_daemon(&a, &api, files, nfiles);
		if (rc != 0)
			return rc;
		rp = &r;
	}

	size_t rsize = read_size(a.opts.chunk_size);
	cairn_importer *im = malloc(sizeof *im);
	uint8_t *chunk_buf = malloc(a.opts.chunk_size);
	uint8_t *rbuf = malloc(rsize);
	char last[CAIRN_CID_TEXT_MAX] = "";
	rc = 0;
	if (!im || !chunk_buf || !rbuf) {
		cli_error("add", "out of memory");
		rc = EXIT_FAIL;
		goto done;
	}
	for (int i = 0; i < nfiles; i++) {
		char cid[CAIRN_CID_TEXT_MAX];
		if (add_one(&a, rp, files[i], im, chunk_buf, rbuf, rsize, cid, sizeof cid) != 0) {
			rc = EXIT_FAIL;
			continue; /* like Kubo's per-file errors: report, go on, fail at the end */
		}
		memcpy(last, cid, sizeof cid);
		if (a.quieter)
			continue;
		if (a.quiet) {
			printf("%s\n", cid);
		} else {
			const char *base = strcmp(files[i], "-") == 0 ? cid : strrchr(files[i], '/');
			base = base == NULL ? files[i] : base == cid ? cid : base + 1;
			printf("added %s %s\n", cid, base);
		}
	}
	if (a.quieter && last[0])
		printf("%s\n", last);
	if (fflush(stdout) != 0) {
		cli_error("add", "writing output: %s", strerror(errno));
		rc = EXIT_FAIL;
	}
done:
	if (rp)
		repo_close(rp);
	free(im);
	free(chunk_buf);
	free(rbuf);
	return rc;
}

/*
 * cairn add: chunk and hash files into UnixFS DAGs, exactly as `ipfs add`
 * with the same flags. Without a repo (this version) only --only-hash works.
 */
/* MAP_POPULATE and madvise() are Linux extensions beyond POSIX. */
#define _DEFAULT_SOURCE 1
#define _GNU_SOURCE 1 /* asprintf */

#include "add_opts.h"
#include "anchorlog.h"
#include "dirbuild.h"
#include "parfor.h"
#include "add_sink.h"
#include "api_client.h"
#include "cli.h"
#include "http_util.h"
#include "cairn/cid.h"
#include "cairn/error.h"
#include "cairn/importer.h"
#include "cairn/car.h"
#include "mhset.h"
#include "pinstore.h"
#include "repo.h"

#include <dirent.h>
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
 * unmapped before the next. The window is a whole number of chunks (64 of
 * the default size: one parallel batch), so full chunks are hashed in
 * place, on every CPU (cairn_importer_parallel).
 */
#define MAP_WINDOW (16u << 20)

static const char add_usage[] =
	"usage: cairn add [options] [PATH|-]...\n"
	"\n"
	"Import files (and, with -r, directories) as UnixFS DAGs into the repo\n"
	"($CAIRN_PATH, default ~/.cairn) and print their CIDs. Reads standard input\n"
	"when PATH is '-' or absent. Flags mean what they mean to 'ipfs add'.\n"
	"\n"
	"  -r, --recursive          add directories, with everything in them\n"
	"  -w, --wrap-with-directory  wrap the arguments in one more directory\n"
	"  -H, --hidden             include files whose names start with '.'\n"
	"  -n, --only-hash          only compute the CID, store nothing (needs no repo)\n"
	"      --pin[=BOOL]         pin what is added, recursively (default true)\n"
	"      --anchor[=BOOL]      append the roots to the anchoring log, to be\n"
	"                           anchored on chain (default false)\n"
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

enum { OPT_CID_VERSION = 256, OPT_HASH, OPT_RAW_LEAVES, OPT_PIN, OPT_ANCHOR };

struct add_args {
	int only_hash, quiet, quieter, progress, pin, anchor;
	int recursive, wrap, hidden;
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
		{"anchor", optional_argument, NULL, OPT_ANCHOR},
		{"recursive", optional_argument, NULL, 'r'},
		{"wrap-with-directory", optional_argument, NULL, 'w'},
		{"hidden", optional_argument, NULL, 'H'},
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
	while ((c = getopt_long(argc, argv, ":nqQs:tprwHh", longopts, NULL)) != -1) {
		/* Boolean flags take an optional "=false" as in Kubo. */
		int on = 1;
		if (optarg && c != 's' && c != OPT_CID_VERSION && c != OPT_HASH) {
			if (http_parse_bool(optarg, &on)) {
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
		case 'r': a->recursive = on; break;
		case 'w': a->wrap = on; break;
		case 'H': a->hidden = on; break;
		case OPT_PIN: a->pin = on; break;
		case OPT_ANCHOR: a->anchor = on; break;
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
	char err[CAIRN_ERR_MAX];
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
	size_t n = (4u << 20) / chunk;
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
	for (uint64_t off = 0; off < size && rc == 0 && *import_err == 0 && !cli_stop;) {
		size_t len = size - off < window ? (size_t)(size - off) : window;
		rc = feed_window(fd, off, len, im, import_err);
		off += len;
		progress_update(pr, off);
	}
	sigaction(SIGBUS, &old, NULL);
	return rc;
}

/* What happens to a root once its blocks are durable: pinned and anchored
 * as asked. 0 or -1 with s->err set (or reported). */
static int sink_root(const struct add_args *a, sink *s, const cairn_cid *root)
{
	if (a->pin && s->pin(s, root) != 0)
		return -1;
	s->anchored = 0;
	if (a->anchor && s->anchor(s, root, &s->anchor_index) != 0)
		return -1;
	s->anchored = a->anchor;
	return 0;
}

/* After a root's "added" line: where the anchoring log has it. */
static void print_anchored(const struct add_args *a, sink *s, const cairn_cid *root)
{
	char text[CAIRN_CID_TEXT_MAX];
	if (!s->anchored || a->quiet || a->quieter)
		return;
	cairn_cid_to_string(root, text, sizeof text, NULL);
	fprintf(s->out, "anchored %s at index %llu\n", text, (unsigned long long)s->anchor_index);
	s->anchored = 0;
}

/* Report a sink failure for name (cli_api reports its own). */
static void sink_error(const sink *s, const char *name)
{
	if (s->err[0])
		cli_error("add", "%s: %s", name, s->err);
}

/* What every import shares: the importer and its buffers. */
struct add_bufs {
	cairn_importer *im;
	parfor *pool;            /* hashes leaves beside this thread, or NULL */
	uint8_t *chunk_buf, *rbuf;
	size_t rsize;
};

/* Import one file (or standard input) into sk. On 0, *root and *dag_size
 * are its; committed, and pinned if pin_it. Errors are printed. */
static int add_one(const struct add_args *a, sink *sk, const char *path, int is_root,
                   struct add_bufs *b, cairn_cid *root, uint64_t *dag_size)
{
	cairn_importer *im = b->im;
	uint8_t *chunk_buf = b->chunk_buf, *rbuf = b->rbuf;
	size_t rsize = b->rsize;
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
		cli_error("add", "%s is a directory: use -r to add it with its contents", name);
		goto done;
	}
	if (S_ISREG(st.st_mode))
		posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);

	sk->err[0] = '\0';
	int err = cairn_importer_init(im, &a->opts, chunk_buf, a->opts.chunk_size,
	                              sk->put ? sink_store_block : NULL, sk);
	if (err) {
		cli_error("add", "%s", cairn_strerror(err));
		goto done;
	}
	if (b->pool)
		cairn_importer_parallel(im, parfor_run, b->pool);
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
			cli_error("add", "%s: %s", name, err == CAIRN_E_CALLBACK ? sk->err : cairn_strerror(err));
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
		if (n < 0 && errno == EINTR && !cli_stop)
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
			cli_error("add", "%s: %s", name, err == CAIRN_E_CALLBACK ? sk->err : cairn_strerror(err));
			goto done;
		}
		progress_update(&pr, cairn_importer_bytes(im));
	}
	progress_end(&pr);
	err = cairn_importer_final(im, root, NULL);
	if (err) {
		cli_error("add", "%s: %s", name, err == CAIRN_E_CALLBACK ? sk->err : cairn_strerror(err));
		goto done;
	}
	*dag_size = cairn_importer_dag_size(im);
	if (is_root && (a->pin || a->anchor) &&
	    (sk->commit(sk) != 0 || sink_root(a, sk, root) != 0)) {
		sink_error(sk, name);
		goto done;
	}
	rc = 0;
done:
	if (fd > STDIN_FILENO)
		close(fd);
	return rc;
}

/* The name an argument gets: its last component, trailing slashes aside. */
static void arg_name(const char *path, char *out, size_t cap)
{
	size_t len = strlen(path);
	while (len > 1 && path[len - 1] == '/')
		len--;
	const char *start = path;
	for (size_t i = 0; i < len; i++)
		if (path[i] == '/' && i + 1 < len)
			start = path + i + 1;
	size_t n = (size_t)(path + len - start);
	snprintf(out, cap, "%.*s", (int)(n < cap ? n : cap - 1), start);
}

/* Print one result line to out, as Kubo: "added <cid> <name>" (-q: the
 * CID). */
static void print_added(const struct add_args *a, FILE *out, const cairn_cid *cid,
                        const char *name, char *last)
{
	char text[CAIRN_CID_TEXT_MAX];
	cairn_cid_to_string(cid, text, sizeof text, NULL);
	snprintf(last, CAIRN_CID_TEXT_MAX, "%s", text);
	if (a->quieter)
		return;
	if (a->quiet)
		fprintf(out, "%s\n", text);
	else if (name[0])
		fprintf(out, "added %s %s\n", text, name);
	else
		fprintf(out, "added %s\n", text);
}

/* A tree's result lines wait in a spool (a temporary file: constant
 * memory however many files) until the tree is whole, stored and pinned;
 * a tree that fails prints none, so no line names a DAG that was not
 * kept. release: copy to out and empty; drop: empty. */
static int spool_release(FILE *spool, FILE *out)
{
	char buf[8192];
	size_t n;
	int rc = 0;
	fflush(spool);
	rewind(spool);
	while ((n = fread(buf, 1, sizeof buf, spool)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			rc = -1;
	if (ferror(spool))
		rc = -1;
	rewind(spool);
	if (ftruncate(fileno(spool), 0) != 0)
		rc = -1;
	return rc;
}

static void spool_drop(FILE *spool)
{
	fflush(spool);
	rewind(spool);
	if (ftruncate(fileno(spool), 0) != 0)
		clearerr(spool); /* a temporary file that cannot shrink only grows */
}

struct tree_ctx {
	const struct add_args *a;
	sink *sk;
	struct add_bufs *b;
	dirbuild *d;
	char *last;
	FILE *out; /* where its result lines go: the spool */
};

static int tree_store(void *ctx, const cairn_cid *cid, const cairn_iov *iov, size_t n)
{
	struct tree_ctx *t = ctx;
	return t->sk->put ? t->sk->put(t->sk, cid, iov, n) : 0;
}

static void tree_emit(void *ctx, const char *path, const cairn_cid *cid, uint64_t tsize)
{
	struct tree_ctx *t = ctx;
	(void)tsize;
	print_added(t->a, t->out, cid, path, t->last);
}

static int by_name(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* Add the directory at fs (at rel in the tree, "" for its root; shown as
 * disp), with its contents in name order, as Kubo walks it. Files are
 * printed as they are added; the directories are written (and printed) by
 * dirbuild_finish. */
static int add_dir(struct tree_ctx *t, const char *fs, const char *rel, const char *disp, int depth)
{
	char err[CAIRN_ERR_MAX];
	int rc = 0;
	if (depth > DIRBUILD_DEPTH_MAX) {
		cli_error("add", "%s: nested deeper than %d directories", fs, DIRBUILD_DEPTH_MAX);
		return EXIT_FAIL;
	}
	if (rel[0] && dirbuild_add(t->d, rel, NULL, 0, err) != 0) {
		cli_error("add", "%s", err);
		return EXIT_FAIL;
	}
	DIR *dh = opendir(fs);
	if (!dh) {
		cli_error("add", "%s: %s", fs, strerror(errno));
		return EXIT_FAIL;
	}
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	while ((e = readdir(dh)) != NULL) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (e->d_name[0] == '.' && !t->a->hidden)
			continue; /* as Kubo: dotfiles only with --hidden */
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			char **nn = realloc(names, cap * sizeof *nn);
			if (!nn)
				break;
			names = nn;
		}
		if (!(names[n] = strdup(e->d_name)))
			break;
		n++;
	}
	closedir(dh);
	if (e) {
		cli_error("add", "%s: out of memory", fs);
		rc = EXIT_FAIL;
		goto done;
	}
	if (n)
		qsort(names, n, sizeof *names, by_name);
	for (size_t i = 0; i < n && rc == 0; i++) {
		char cfs[DIRBUILD_PATH_MAX + 512], crel[DIRBUILD_PATH_MAX + 256];
		char cdisp[DIRBUILD_PATH_MAX + 256];
		struct stat st;
		if (snprintf(cfs, sizeof cfs, "%s/%s", fs, names[i]) >= (int)sizeof cfs ||
		    snprintf(crel, sizeof crel, "%s%s%s", rel, rel[0] ? "/" : "", names[i]) >= (int)sizeof crel ||
		    snprintf(cdisp, sizeof cdisp, "%s/%s", disp, names[i]) >= (int)sizeof cdisp) {
			cli_error("add", "%s/%s: path too long", fs, names[i]);
			rc = EXIT_FAIL;
			break;
		}
		if (lstat(cfs, &st) != 0) {
			cli_error("add", "%s: %s", cfs, strerror(errno));
			rc = EXIT_FAIL;
		} else if (S_ISDIR(st.st_mode)) {
			rc = add_dir(t, cfs, crel, cdisp, depth + 1);
		} else if (S_ISLNK(st.st_mode)) {
			char target[4097];
			ssize_t tl = readlink(cfs, target, sizeof target - 1);
			if (tl < 0 || tl >= (ssize_t)sizeof target - 1) {
				cli_error("add", "%s: %s", cfs, tl < 0 ? strerror(errno) : "link target too long");
				rc = EXIT_FAIL;
				break;
			}
			target[tl] = '\0';
			if (dirbuild_add_symlink(t->d, crel, target, &t->a->opts, tree_store, t, err) != 0) {
				cli_error("add", "%s", err);
				rc = EXIT_FAIL;
			}
		} else if (S_ISREG(st.st_mode)) {
			cairn_cid cid;
			uint64_t size;
			if (add_one(t->a, t->sk, cfs, 0, t->b, &cid, &size) != 0) {
				rc = EXIT_FAIL;
			} else if (dirbuild_add(t->d, crel, &cid, size, err) != 0) {
				cli_error("add", "%s", err);
				rc = EXIT_FAIL;
			} else {
				print_added(t->a, t->out, &cid, cdisp, t->last);
			}
		} else {
			cli_error("add", "%s: not a regular file, directory or symlink", cfs);
			rc = EXIT_FAIL;
		}
	}
done:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

/* Write a tree's directories, make them durable and pin the root. */
static int finish_tree(struct tree_ctx *t)
{
	char err[CAIRN_ERR_MAX];
	cairn_cid root;
	sink *sk = t->sk;
	sk->err[0] = '\0';
	if (dirbuild_finish(t->d, &t->a->opts, tree_store, t, tree_emit, t, &root, NULL, err) != 0) {
		if (sk->err[0] || !strstr(err, "storing"))
			cli_error("add", "%s", sk->err[0] ? sk->err : err);
		return EXIT_FAIL;
	}
	if (sk->commit(sk) != 0 || sink_root(t->a, sk, &root) != 0) {
		sink_error(sk, "add");
		return EXIT_FAIL;
	}
	if (spool_release(t->out, sk->out) != 0) {
		cli_error("add", "writing output: %s", strerror(errno));
		return EXIT_FAIL;
	}
	print_anchored(t->a, sk, &root);
	return 0;
}

int cmd_add(int argc, char **argv)
{
	struct add_args a = {0};
	repo r;
	api_client api;
	dirbuild *wrap = NULL;
	mhset sent;
	sink sk = {0};
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
	if (a.only_hash && a.anchor) {
		cli_error("add", "--anchor needs a repo: it cannot go with --only-hash");
		return EXIT_USAGE;
	}
	if ((rc = sink_open(&sk, a.only_hash, &r, &api, &sent)) != 0)
		return rc;
	cli_catch_stop();

	/* leaves are hashed on every CPU: this thread and one per other CPU */
	struct add_bufs b = {malloc(sizeof *b.im), parfor_new(parfor_cpus() - 1),
	                     malloc(a.opts.chunk_size), NULL, read_size(a.opts.chunk_size)};
	b.rbuf = malloc(b.rsize);
	char last[CAIRN_CID_TEXT_MAX] = "", last_before[CAIRN_CID_TEXT_MAX];
	FILE *spool = NULL;
	rc = 0;
	if (a.wrap)
		wrap = dirbuild_new("");
	if (!b.im || !b.chunk_buf || !b.rbuf || (a.wrap && !wrap)) {
		cli_error("add", "out of memory");
		rc = EXIT_FAIL;
		goto done;
	}
	if ((a.recursive || wrap) && !(spool = tmpfile())) {
		cli_error("add", "a temporary file for the result lines: %s", strerror(errno));
		rc = EXIT_FAIL;
		goto done;
	}
	for (int i = 0; i < nfiles && !cli_stop; i++) {
		char name[1024], err[CAIRN_ERR_MAX];
		struct stat st;
		int is_stdin = strcmp(files[i], "-") == 0;
		arg_name(files[i], name, sizeof name);
		if (!is_stdin && stat(files[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			if (!a.recursive) {
				cli_error("add", "%s is a directory: use -r to add it with its contents", files[i]);
				rc = EXIT_FAIL;
				continue;
			}
			struct tree_ctx t = {&a, &sk, &b, wrap ? wrap : dirbuild_new(name), last, spool};
			if (!t.d) {
				cli_error("add", "out of memory");
				rc = EXIT_FAIL;
				continue;
			}
			memcpy(last_before, last, sizeof last);
			/* Without -w the tree's root is the directory itself ("" below it). */
			int r1 = add_dir(&t, files[i], wrap ? name : "", name, 0);
			if (r1 == 0 && !wrap)
				r1 = finish_tree(&t);
			if (!wrap)
				dirbuild_free(t.d);
			if (r1 && !wrap) {
				/* nothing of it was pinned: none of its lines is shown */
				spool_drop(spool);
				memcpy(last, last_before, sizeof last);
				if (!cli_stop)
					cli_error("add", "%s was not added: nothing of it is pinned%s", files[i],
					          a.pin ? "; the blocks stored so far go at the next 'cairn repo gc'" : "");
			}
			if (r1)
				rc = EXIT_FAIL;
			continue;
		}
		cairn_cid cid;
		uint64_t size;
		if (add_one(&a, &sk, files[i], !wrap, &b, &cid, &size) != 0) {
			rc = EXIT_FAIL;
			continue; /* like Kubo's per-file errors: report, go on, fail at the end */
		}
		if (wrap && dirbuild_add(wrap, is_stdin ? "stdin" : name, &cid, size, err) != 0) {
			cli_error("add", "%s", err);
			rc = EXIT_FAIL;
			continue;
		}
		char text[CAIRN_CID_TEXT_MAX];
		cairn_cid_to_string(&cid, text, sizeof text, NULL);
		print_added(&a, wrap ? spool : sk.out, &cid, is_stdin ? (wrap ? "stdin" : text) : name, last);
		print_anchored(&a, &sk, &cid);
		if (!a.pin && sk.commit(&sk) != 0) { /* unpinned: durable all the same */
			sink_error(&sk, name);
			rc = EXIT_FAIL;
		}
	}
	if (cli_stop) {
		/* what was printed was added; the rest goes with the sink
		 * (uncommitted blocks and their temporary files are dropped) */
		if (sk.api)
			cli_error("add", "interrupted: blocks already sent stay on the daemon unpinned; "
			          "'cairn repo gc' frees them");
		else
			cli_error("add", "interrupted: nothing more was added, and no temporary file is left");
		rc = 128 + cli_stop;
		goto done;
	}
	if (wrap && rc == 0) {
		struct tree_ctx t = {&a, &sk, &b, wrap, last, spool};
		rc = finish_tree(&t);
	}
	if (wrap && rc != 0) {
		last[0] = '\0'; /* no wrapping directory: no line for anything in it */
		cli_error("add", "nothing was added under a wrapping directory: nothing of it is pinned");
	}
	/* whatever is still queued (unpinned adds) must land before we say so */
	if (sk.commit(&sk) != 0) {
		sink_error(&sk, "add");
		rc = EXIT_FAIL;
	}
	if (a.quieter && last[0])
		printf("%s\n", last);
	if (fflush(stdout) != 0) {
		cli_error("add", "writing output: %s", strerror(errno));
		rc = EXIT_FAIL;
	}
done:
	if (spool)
		fclose(spool);
	sink_close(&sk);
	dirbuild_free(wrap);
	free(b.im);
	parfor_free(b.pool);
	free(b.chunk_buf);
	free(b.rbuf);
	return rc;
}

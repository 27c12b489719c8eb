/*
 * cairn cat PATH..., cairn get PATH [-o OUT]: bytes out of the repo (or the
 * running daemon). A PATH is CID[/a/b] or /ipfs/CID[/a/b]. get saves a
 * file, or a directory with everything in it (subdirectories and symlinks
 * too), as `ipfs get` does.
 */
#include "api_client.h"
#include "cli.h"
#include "dag.h"
#include "dir.h"
#include "cairn/error.h"
#include "repo.h"
#include "cairn/dagpb.h"
#include "cairn/unixfs.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int write_out(void *ctx, const uint8_t *p, size_t n)
{
	return fwrite(p, 1, n, (FILE *)ctx) == n ? 0 : -1;
}

/* The size of the file a root block starts (a raw block's length, a
 * UnixFS file's filesize), or 0 when it is not one: for progress only. */
static uint64_t file_size_of(const cairn_cid *cid, const uint8_t *data, size_t len)
{
	cairn_pbnode pb;
	cairn_unixfs u;
	if (cid->codec == CAIRN_CODEC_RAW)
		return len;
	if (cid->codec == CAIRN_CODEC_DAG_PB && cairn_pbnode_decode(data, len, &pb) == 0 && pb.has_data &&
	    cairn_unixfs_decode(pb.data, pb.data_len, &u) == 0 &&
	    (u.type == CAIRN_UNIXFS_FILE || u.type == CAIRN_UNIXFS_RAW))
		return u.has_filesize ? u.filesize : u.data_len;
	return 0;
}

/* out, through a progress line when stderr is a terminal and out is not
 * (cat to a file, get): *w is what to write to (out itself otherwise). */
static FILE *progress_for(progress *pr, FILE *out)
{
	FILE *w = pr->enabled ? progress_wrap(pr, out) : NULL;
	return w ? w : out;
}

/* Stream the file cid names into out. */
static int cat_cid(repo *r, const char *cmd, const char *arg, const cairn_cid *cid, FILE *out)
{
	cairn_cid where;
	char err[CAIRN_ERR_MAX] = "", text[CAIRN_CID_TEXT_MAX] = "";
	int rc = dag_cat(&r->bs, cid, write_out, out, &where, err);
	if (rc == 0 && fflush(out) == 0)
		return 0;
	if (rc > 0)
		cairn_cid_to_string(&where, text, sizeof text, NULL);
	if (rc == DAG_MISSING)
		cli_error(cmd, "%s: block %s is not in the repo", arg, text);
	else if (rc == DAG_INVALID)
		cli_error(cmd, "%s: block %s does not decode as UnixFS", arg, text);
	else if (rc == DAG_NOT_FILE) {
		dir_kind kind;
		cairn_cid at;
		if (dir_kind_of(&r->bs, &where, &kind, &at, err) == 0 && (kind == KIND_DIR || kind == KIND_HAMT))
			cli_error(cmd, "%s: %s is a directory, not a file: 'cairn get %s' saves it whole", arg,
			          text, arg);
		else if (kind == KIND_SYMLINK)
			cli_error(cmd, "%s: %s is a symlink, not a file", arg, text);
		else
			cli_error(cmd, "%s: %s is not a UnixFS file", arg, text);
	}
	else
		cli_error(cmd, "%s: %s", arg, err[0] ? err : strerror(errno));
	return EXIT_FAIL;
}

int cmd_cat(int argc, char **argv)
{
	repo r;
	int rc;
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs("usage: cairn cat PATH...\n\nWrite files' bytes to standard output; a PATH is "
		      "CID[/a/b] or /ipfs/CID[/a/b].\n", argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : 0;
	}
	api_client api;
	rc = cli_repo_open_or_daemon(&r, &api, "cat");
	if (rc == CLI_USE_DAEMON) {
		rc = 0;
		for (int i = 1; i < argc && rc == 0; i++) {
			progress pr;
			progress_start(&pr, "cat", 0, !isatty(STDOUT_FILENO));
			FILE *w = progress_for(&pr, stdout);
			rc = cli_api_arg(&api, "cat", "cat", argv[i], w, NULL);
			if (w != stdout && fclose(w) != 0 && rc == 0) {
				cli_error("cat", "writing: %s", strerror(errno));
				rc = EXIT_FAIL;
			}
			progress_end(&pr);
		}
		return rc;
	}
	if (rc != 0)
		return rc;
	for (int i = 1; i < argc && rc == 0; i++) {
		cairn_cid cid;
		uint8_t *root = NULL;
		size_t rl = 0;
		char err[CAIRN_ERR_MAX];
		progress pr;
		rc = cli_resolve_path(&r, "cat", argv[i], &cid);
		if (rc != 0)
			break;
		uint64_t total = blockstore_get(&r.bs, &cid, &root, &rl, err) == 0 ? file_size_of(&cid, root, rl) : 0;
		free(root);
		progress_start(&pr, "cat", total, !isatty(STDOUT_FILENO));
		FILE *w = progress_for(&pr, stdout);
		rc = cat_cid(&r, "cat", argv[i], &cid, w);
		if (w != stdout && fclose(w) != 0 && rc == 0) {
			cli_error("cat", "writing: %s", strerror(errno));
			rc = EXIT_FAIL;
		}
		progress_end(&pr);
	}
	repo_close(&r);
	return rc;
}

/*
 * get: where the bytes come from, the repo or the daemon's API, behind the
 * same three operations, so one walk writes the tree either way.
 */
typedef struct source {
	repo *r;             /* the repo, or NULL for the API */
	const api_client *api;
	progress *pr;        /* bytes saved so far, over every file */
} source;

/* The block's bytes (malloc'd). 0 or EXIT_FAIL (printed). */
static int src_block(const source *s, const cairn_cid *cid, uint8_t **data, size_t *len)
{
	char err[CAIRN_ERR_MAX], text[CAIRN_CID_TEXT_MAX], q[256];
	cairn_cid_to_string(cid, text, sizeof text, NULL);
	if (s->r) {
		int g = blockstore_get(&s->r->bs, cid, data, len, err);
		if (g != 0)
			cli_error("get", "%s: %s", text, g == BS_NOT_FOUND ? "block not in the repo"
			          : g == BS_CORRUPT ? "block is corrupt" : err);
		return g == 0 ? 0 : EXIT_FAIL;
	}
	char *buf = NULL;
	size_t n = 0;
	FILE *m = open_memstream(&buf, &n);
	if (!m)
		return EXIT_FAIL;
	snprintf(q, sizeof q, "arg=%s", text);
	int rc = cli_api(s->api, "get", "block/get", q, NULL, m, NULL);
	fclose(m);
	if (rc != 0) {
		free(buf);
		return EXIT_FAIL;
	}
	/* A daemon is trusted no more than a peer: the bytes must hash to the CID. */
	if (cairn_cid_check_block(cid, buf, n) != CAIRN_OK) {
		cli_error("get", "%s: the daemon sent a block that does not match it", text);
		free(buf);
		return EXIT_FAIL;
	}
	*data = (uint8_t *)buf;
	*len = n;
	return 0;
}

static int src_cat(const source *s, const cairn_cid *cid, const char *shown, FILE *out)
{
	char text[CAIRN_CID_TEXT_MAX], q[256];
	if (s->r)
		return cat_cid(s->r, "get", shown, cid, out);
	cairn_cid_to_string(cid, text, sizeof text, NULL);
	snprintf(q, sizeof q, "arg=%s", text);
	return cli_api(s->api, "get", "cat", q, NULL, out, NULL) || fflush(out) ? EXIT_FAIL : 0;
}

struct entry {
	char *name;
	cairn_cid cid;
};

struct entries {
	struct entry *v;
	size_t n, cap;
	int bad;
};

static int collect(void *ctx, const char *name, size_t len, const cairn_cid *cid, uint64_t tsize)
{
	struct entries *e = ctx;
	(void)tsize;
	if (e->n == e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 32;
		struct entry *v = realloc(e->v, cap * sizeof *v);
		if (!v)
			return -1;
		e->v = v;
		e->cap = cap;
	}
	e->v[e->n].name = strndup(name, len);
	e->v[e->n].cid = *cid;
	if (!e->v[e->n].name)
		return -1;
	e->n++;
	return 0;
}

static int src_list(const source *s, const cairn_cid *cid, struct entries *e)
{
	char text[CAIRN_CID_TEXT_MAX], q[256], err[CAIRN_ERR_MAX] = "";
	cairn_cid where;
	cairn_cid_to_string(cid, text, sizeof text, NULL);
	if (s->r) {
		int rc = dir_list(&s->r->bs, cid, collect, e, &where, err);
		if (rc != 0) {
			cairn_cid_to_string(&where, text, sizeof text, NULL);
			cli_error("get", "listing %s: %s", text, rc == DAG_MISSING ? "block not in the repo"
			          : rc > 0 ? "block does not decode" : err[0] ? err : "out of memory");
		}
		return rc ? EXIT_FAIL : 0;
	}
	char *body = NULL;
	snprintf(q, sizeof q, "arg=%s", text);
	if (cli_api(s->api, "get", "ls", q, NULL, NULL, &body) != 0)
		return EXIT_FAIL;
	json_t *j = json_loads(body, 0, NULL), *l;
	size_t i;
	int rc = j ? 0 : EXIT_FAIL;
	json_array_foreach(json_object_get(json_array_get(json_object_get(j, "Objects"), 0), "Links"), i, l) {
		const char *name = json_string_value(json_object_get(l, "Name"));
		const char *h = json_string_value(json_object_get(l, "Hash"));
		cairn_cid c;
		if (!name || !h || cairn_cid_parse(h, strlen(h), &c) != 0 ||
		    collect(e, name, strlen(name), &c, 0) != 0)
			rc = EXIT_FAIL;
	}
	json_decref(j);
	free(body);
	if (rc)
		cli_error("get", "%s: the daemon's listing does not parse", text);
	return rc;
}

/* An entry name that is safe to create in a directory: never a path. */
static int safe_name(const char *n)
{
	return n[0] && strcmp(n, ".") && strcmp(n, "..") && !strchr(n, '/');
}

/* Write what cid names to out (a path that must not exist yet). */
static int get_to(const source *s, const cairn_cid *cid, const char *out, const char *shown, int depth)
{
	uint8_t *data;
	size_t len;
	const char *target;
	size_t tlen;
	int rc;

	if (depth > DIR_PATH_MAX_SEGMENTS) {
		cli_error("get", "%s: nested deeper than %d directories", shown, DIR_PATH_MAX_SEGMENTS);
		return EXIT_FAIL;
	}
	if ((rc = src_block(s, cid, &data, &len)) != 0)
		return rc;
	dir_kind k = dir_kind_of_block(cid, data, len, &target, &tlen);
	if (depth == 0 && k == KIND_FILE) /* one file: its size is known */
		progress_start(s->pr, "saving", file_size_of(cid, data, len), s->pr->enabled);
	if (k == KIND_SYMLINK) {
		char *t = strndup(target, tlen);
		rc = t && symlink(t, out) == 0 ? 0 : EXIT_FAIL;
		if (rc)
			cli_error("get", "%s: %s", out, t ? strerror(errno) : "out of memory");
		free(t);
		free(data);
		return rc;
	}
	free(data);
	if (k == KIND_FILE) {
		/* Written under a temporary name, so a failed get leaves no partial file. */
		char tmp[4200];
		snprintf(tmp, sizeof tmp, "%s.cairn-partial", out);
		FILE *f = fopen(tmp, "wbx");
		if (!f) {
			cli_error("get", "%s: %s", tmp, strerror(errno));
			return EXIT_FAIL;
		}
		FILE *w = progress_for(s->pr, f);
		rc = src_cat(s, cid, shown, w);
		if (w != f && fclose(w) != 0 && rc == 0) {
			cli_error("get", "%s: %s", tmp, strerror(errno));
			rc = EXIT_FAIL;
		}
		if (fclose(f) != 0 && rc == 0) {
			cli_error("get", "%s: %s", tmp, strerror(errno));
			rc = EXIT_FAIL;
		}
		if (rc == 0 && rename(tmp, out) != 0) {
			cli_error("get", "%s: %s", out, strerror(errno));
			rc = EXIT_FAIL;
		}
		if (rc != 0)
			unlink(tmp);
		return rc;
	}
	if (k != KIND_DIR && k != KIND_HAMT) {
		cli_error("get", "%s: not a UnixFS file, directory or symlink", shown);
		return EXIT_FAIL;
	}
	struct entries e = {0};
	if (mkdir(out, 0755) != 0) {
		cli_error("get", "%s: %s", out, strerror(errno));
		return EXIT_FAIL;
	}
	rc = src_list(s, cid, &e);
	for (size_t i = 0; i < e.n && rc == 0; i++) {
		char cout[4200], cshown[4200];
		if (!safe_name(e.v[i].name)) {
			cli_error("get", "%s: refusing the entry name '%.100s'", shown, e.v[i].name);
			rc = EXIT_FAIL;
			break;
		}
		if (snprintf(cout, sizeof cout, "%s/%s", out, e.v[i].name) >= (int)sizeof cout) {
			cli_error("get", "%s/%s: path too long", out, e.v[i].name);
			rc = EXIT_FAIL;
			break;
		}
		snprintf(cshown, sizeof cshown, "%s/%s", shown, e.v[i].name);
		rc = get_to(s, &e.v[i].cid, cout, cshown, depth + 1);
	}
	for (size_t i = 0; i < e.n; i++)
		free(e.v[i].name);
	free(e.v);
	return rc;
}

int cmd_get(int argc, char **argv)
{
	const char *out = NULL, *arg = NULL;
	repo r;
	int rc;
	for (int i = 1; i < argc; i++) {
		if ((strcmp(argv[i], "-o") == 0 || strcmp(argv[i], "--output") == 0) && i + 1 < argc)
			out = argv[++i];
		else if (strncmp(argv[i], "--output=", 9) == 0)
			out = argv[i] + 9;
		else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			puts("usage: cairn get PATH [-o OUT]\n\nSave a file or a directory tree; OUT defaults "
			     "to the PATH's last segment (the CID for a bare CID). OUT must not exist.");
			return 0;
		} else if (argv[i][0] == '-') {
			cli_error("get", "unknown option '%s'", argv[i]);
			return EXIT_USAGE;
		} else if (!arg)
			arg = argv[i];
		else {
			cli_error("get", "unexpected argument '%s'", argv[i]);
			return EXIT_USAGE;
		}
	}
	if (!arg) {
		cli_error("get", "no CID given");
		return EXIT_USAGE;
	}
	const char *a = strncmp(arg, "/ipfs/", 6) == 0 ? arg + 6 : arg;
	const char *out_given = out;
	if (!out) {
		size_t l = strlen(a);
		while (l > 1 && a[l - 1] == '/')
			l--;
		const char *base = a;
		for (size_t i = 0; i + 1 < l; i++)
			if (a[i] == '/')
				base = a + i + 1;
		static char def[1024];
		snprintf(def, sizeof def, "%.*s", (int)(a + l - base), base);
		out = def;
	}
	api_client api;
	progress pr;
	progress_start(&pr, "saving", 0, 1);
	source s = {NULL, &api, &pr};
	cairn_cid cid;
	rc = cli_repo_open_or_daemon(&r, &api, "get");
	if (rc == CLI_USE_DAEMON) {
		/* Resolve the path with the daemon: ls on the parent would do, but
		 * the daemon's cat/ls take paths, and block/get wants a CID. */
		char *body = NULL;
		if (cli_api_arg(&api, "get", "ls", arg, NULL, &body) != 0)
			return EXIT_FAIL;
		json_t *j = json_loads(body, 0, NULL);
		const char *h = json_string_value(json_object_get(json_array_get(json_object_get(j, "Objects"), 0), "Hash"));
		rc = h && cairn_cid_parse(h, strlen(h), &cid) == 0 ? 0 : EXIT_FAIL;
		json_decref(j);
		free(body);
		if (rc) {
			cli_error("get", "%s: the daemon did not resolve it", arg);
			return rc;
		}
	} else if (rc != 0) {
		return rc;
	} else {
		s.r = &r;
		if ((rc = cli_resolve_path(&r, "get", arg, &cid)) != 0) {
			repo_close(&r);
			return rc;
		}
	}
	struct stat st;
	if (lstat(out, &st) == 0) {
		if (out_given != NULL)
			cli_error("get", "%s exists; not overwriting it (remove it, or give -o another path)", out);
		else
			cli_error("get", "%s exists; not overwriting it (use -o PATH to save it elsewhere)", out);
		rc = EXIT_FAIL;
	} else {
		rc = get_to(&s, &cid, out, arg, 0);
	}
	progress_end(&pr);
	if (rc == 0)
		printf("saved %s\n", out);
	if (s.r)
		repo_close(&r);
	return rc;
}

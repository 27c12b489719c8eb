/* add: files and directories from a multipart body, UnixFS DAGs built as
 * Kubo builds them, hashed and stored as the body arrives (constant memory:
 * the body is never held). */
#include "kubo_util.h"

#include "cairn/error.h"
#include "http_util.h"

#include <event2/buffer.h>
#include <sys/queue.h> /* TAILQ_*, which keyvalq_struct.h needs */
#include <event2/keyvalq_struct.h>
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "add_opts.h"
#include "anchorlog.h"
#include "dirbuild.h"
#include "mpart.h"
#include "parfor.h"
#include "pinstore.h"

/* add: every multipart part is a file; one ndjson line per file, and with
 * progress=true a {"Name","Bytes"} line before it. */
/* A directory being uploaded: parts named "dir/..." (or an
 * application/x-directory part) go into the tree of their first segment. */
struct add_top {
	char *name;
	dirbuild *d;
};

/* What the part being read is. */
enum add_kind { ADD_NONE, ADD_FILE, ADD_SYMLINK };

/* A symlink's target, as Kubo's clients send it (its part's content). */
#define ADD_SYMLINK_MAX 4096
/* A file's content arrives in pieces of a socket read or so; it is staged
 * into this many whole chunks, so the importer names them in parallel
 * (cairn_importer_parallel) on the node's pool. */
#define ADD_STAGE_CHUNKS 16

struct add_req {
	struct http_req *req;
	node *n;
	mpart mp;
	enum add_kind kind;         /* of the part being read */
	char name[MULTIPART_NAME_MAX];
	int in_tree;
	uint64_t part_bytes;
	char target[ADD_SYMLINK_MAX + 1];
	size_t tlen;
	cairn_cid *roots;           /* files to pin once the body is whole */
	size_t nroots, roots_cap;
	uint8_t *stage;             /* whole chunks of the file, to hash together */
	size_t staged, stage_cap;
	bs_batch batch;             /* its writes: uploads side by side never share one */
	cairn_importer *im;
	uint8_t *chunk;
	cairn_importer_opts o;
	int pin, progress, only_hash, wrap, anchor;
	json_t *lines;
	struct add_top *tops;
	size_t ntops;
	dirbuild *wrapper; /* wrap-with-directory: everything goes in here */
	enum kubo_fail_kind fail; /* what a failed step was, for kubo_fail */
	int io_errno; /* of a failed storage write */
	char err[CAIRN_ERR_MAX];
};

/* The tree a path's first segment names (made on first use), with *rest
 * set to the path below it. NULL when out of memory. */
/* Was a file of this top-level name (len bytes) added already? Until the
 * trees are written, the result lines are the files'. */
static int top_file(const struct add_req *a, const char *name, size_t len)
{
	size_t i;
	json_t *l;
	json_array_foreach(a->lines, i, l) {
		const char *n = json_string_value(json_object_get(l, "Name"));
		if (json_object_get(l, "Hash") && n && strlen(n) == len && memcmp(n, name, len) == 0)
			return 1;
	}
	return 0;
}

static int top_dir(const struct add_req *a, const char *name)
{
	for (size_t i = 0; i < a->ntops; i++)
		if (strcmp(a->tops[i].name, name) == 0)
			return 1;
	return 0;
}

static dirbuild *tree_for(struct add_req *a, const char *path, const char **rest)
{
	const char *slash = strchr(path, '/');
	size_t len = slash ? (size_t)(slash - path) : strlen(path);
	*rest = slash ? slash + 1 : "";
	for (size_t i = 0; i < a->ntops; i++)
		if (strlen(a->tops[i].name) == len && memcmp(a->tops[i].name, path, len) == 0)
			return a->tops[i].d;
	if (top_file(a, path, len))
		return NULL;
	struct add_top *t = realloc(a->tops, (a->ntops + 1) * sizeof *t);
	if (!t)
		return NULL;
	a->tops = t;
	t[a->ntops].name = strndup(path, len);
	t[a->ntops].d = t[a->ntops].name ? dirbuild_new(t[a->ntops].name) : NULL;
	if (!t[a->ntops].d) {
		free(t[a->ntops].name);
		return NULL;
	}
	return t[a->ntops++].d;
}

static void add_line(struct add_req *a, const char *name, const cairn_cid *cid, uint64_t size)
{
	char text[CAIRN_CID_TEXT_MAX], num[32];
	cairn_cid_to_string(cid, text, sizeof text, NULL);
	snprintf(num, sizeof num, "%llu", (unsigned long long)size);
	json_array_append_new(a->lines, json_pack("{s:s, s:s, s:s}", "Name", name, "Hash", text,
	                                          "Size", num));
}

static int store(void *ctx, const cairn_cid *cid, const cairn_iov *iov, size_t n)
{
	struct add_req *a = ctx;
	if (blockstore_put_in(&a->n->repo.bs, &a->batch, cid, iov, n, a->err) == 0)
		return 0;
	a->io_errno = errno;
	return -1;
}

static int feed(void *ctx, const void *data, size_t n)
{
	struct add_req *a = ctx;
	int rc = cairn_importer_update(a->im, data, n);
	if (rc && rc != CAIRN_E_CALLBACK)
		snprintf(a->err, sizeof a->err, "%s", cairn_strerror(rc));
	return rc;
}

/* Put an entry (a file with cid, or a directory with cid NULL) into its
 * tree. 0, or -1 with a->err and a->fail set. */
static int tree_put(struct add_req *a, const char *path, const cairn_cid *cid, uint64_t size)
{
	char err[CAIRN_ERR_MAX];
	const char *rest = path;
	dirbuild *d = a->wrapper ? a->wrapper : tree_for(a, path, &rest);
	if (!d) {
		int clash = top_file(a, path, strcspn(path, "/"));
		a->fail = clash ? KUBO_FAIL_INPUT : KUBO_FAIL_INTERNAL;
		if (clash)
			snprintf(a->err, sizeof a->err, "'%.*s' is given as a file and as a directory",
			         (int)strcspn(path, "/"), path);
		else
			snprintf(a->err, sizeof a->err, "out of memory");
		return -1;
	}
	if (!rest[0] && !a->wrapper) {
		if (cid) { /* "dir" was a directory and now comes as a file */
			a->fail = KUBO_FAIL_INPUT;
			snprintf(a->err, sizeof a->err, "'%s' is given as a directory and as a file", path);
			return -1;
		}
		return 0;
	}
	if (dirbuild_add(d, rest, cid, size, err) != 0) {
		a->fail = KUBO_FAIL_INPUT;
		snprintf(a->err, sizeof a->err, "%s", err);
		return -1;
	}
	return 0;
}

static int tree_store(void *ctx, const cairn_cid *cid, const cairn_iov *iov, size_t n)
{
	struct add_req *a = ctx;
	return a->only_hash ? 0 : store(ctx, cid, iov, n);
}

/* A symlink part (content: the target, in a->target), as Kubo's clients
 * send them. */
static int symlink_put(struct add_req *a, const char *path)
{
	char err[CAIRN_ERR_MAX];
	const char *rest = path;
	const char *target = a->target;
	if (a->tlen == 0) {
		a->fail = KUBO_FAIL_INPUT;
		snprintf(a->err, sizeof a->err, "symlink '%.200s': target missing or too long", path);
		return -1;
	}
	a->target[a->tlen] = '\0';
	dirbuild *d = a->wrapper ? a->wrapper : strchr(path, '/') ? tree_for(a, path, &rest) : NULL;
	if (!d) {
		a->fail = KUBO_FAIL_INPUT;
		snprintf(a->err, sizeof a->err, "symlink '%.200s': only inside a directory", path);
		return -1;
	}
	if (dirbuild_add_symlink(d, rest, target, &a->o, tree_store, a, err) != 0) {
		a->fail = a->io_errno ? KUBO_FAIL_STORAGE : KUBO_FAIL_INPUT;
		snprintf(a->err, sizeof a->err, "%s", err);
		return -1;
	}
	return 0;
}

/* A file to pin once the whole body is in (a client that leaves
 * mid-upload leaves nothing pinned). */
static int keep_root(struct add_req *a, const cairn_cid *root)
{
	if (a->nroots == a->roots_cap) {
		size_t cap = a->roots_cap ? 2 * a->roots_cap : 16;
		cairn_cid *r = realloc(a->roots, cap * sizeof *r);
		if (!r) {
			a->fail = KUBO_FAIL_INTERNAL;
			snprintf(a->err, sizeof a->err, "out of memory");
			return -1;
		}
		a->roots = r;
		a->roots_cap = cap;
	}
	a->roots[a->nroots++] = *root;
	return 0;
}

/* A part begins: a directory is entered at once; a file's importer and a
 * symlink's target wait for its content. */
static int part_begin(void *ctx, const multipart_part *p)
{
	struct add_req *a = ctx;
	const char *name = p->filename[0] ? p->filename : p->name;
	/* A name with a '/' is a file inside a directory (as Kubo's clients
	 * send them: "dir/sub/file"); leading slashes mean nothing more. */
	while (name[0] == '/')
		name++;
	snprintf(a->name, sizeof a->name, "%s", name);
	a->in_tree = a->wrapper || strchr(name, '/') != NULL;
	a->kind = ADD_NONE;
	a->part_bytes = 0;
	if (!a->in_tree && top_dir(a, name)) {
		a->fail = KUBO_FAIL_INPUT;
		snprintf(a->err, sizeof a->err, "'%s' is given as a directory and as a file", name);
		return -1;
	}
	if (strncmp(p->content_type, "application/x-directory", 23) == 0)
		return tree_put(a, a->name, NULL, 0);
	if (strncmp(p->content_type, "application/symlink", 19) == 0) {
		a->kind = ADD_SYMLINK;
		a->tlen = 0;
		return 0;
	}
	int rc = cairn_importer_init(a->im, &a->o, a->chunk, CAIRN_CHUNK_SIZE_MAX,
	                             a->only_hash ? NULL : store, a);
	if (rc != 0) {
		a->fail = KUBO_FAIL_INTERNAL;
		snprintf(a->err, sizeof a->err, "%s", cairn_strerror(rc));
		return -1;
	}
	if (a->n->pool)
		cairn_importer_parallel(a->im, parfor_run, a->n->pool);
	a->kind = ADD_FILE;
	a->staged = 0;
	return 0;
}

/* Hash what is staged. 0, or -1 with a->fail set. */
static int stage_flush(struct add_req *a)
{
	size_t n = a->staged;
	a->staged = 0;
	if (n && feed(a, a->stage, n) != 0) {
		blockstore_abort_batch(&a->n->repo.bs, &a->batch);
		a->fail = KUBO_FAIL_STORAGE;
		return -1;
	}
	return 0;
}

static int part_data(void *ctx, const uint8_t *data, size_t n)
{
	struct add_req *a = ctx;
	a->part_bytes += n;
	if (a->kind == ADD_SYMLINK) {
		if (a->tlen + n > ADD_SYMLINK_MAX) { /* the add fails here */
			a->fail = KUBO_FAIL_INPUT;
			snprintf(a->err, sizeof a->err, "symlink '%.200s': target missing or too long",
			         a->name);
			return -1;
		}
		memcpy(a->target + a->tlen, data, n);
		a->tlen += n;
		return 0;
	}
	if (a->kind != ADD_FILE)
		return 0; /* a directory part's content means nothing */
	if (!a->stage) {
		/* whole chunks, as many as the pool makes worth it */
		size_t chunks = a->n->pool ? ADD_STAGE_CHUNKS : 1;
		a->stage_cap = chunks * a->o.chunk_size;
		if (!(a->stage = malloc(a->stage_cap))) {
			a->fail = KUBO_FAIL_INTERNAL;
			snprintf(a->err, sizeof a->err, "out of memory");
			return -1;
		}
		if (http_req_hold(a->req, (int64_t)a->stage_cap) != 0) {
			a->fail = KUBO_FAIL_BUSY;
			snprintf(a->err, sizeof a->err, "the node holds too much request data at once: "
			         "retry later");
			return -1;
		}
	}
	while (n) {
		size_t take = a->stage_cap - a->staged < n ? a->stage_cap - a->staged : n;
		memcpy(a->stage + a->staged, data, take);
		a->staged += take;
		data += take;
		n -= take;
		if (a->staged == a->stage_cap && stage_flush(a) != 0)
			return -1;
	}
	return 0;
}

static int part_end(void *ctx)
{
	struct add_req *a = ctx;
	cairn_cid root;
	if (a->kind == ADD_SYMLINK)
		return symlink_put(a, a->name);
	if (a->kind != ADD_FILE)
		return 0;
	if (stage_flush(a) != 0)
		return -1;
	int rc = cairn_importer_final(a->im, &root, NULL);
	if (rc == 0 && !a->only_hash &&
	    blockstore_commit_batch(&a->n->repo.bs, &a->batch, a->err) != 0) {
		a->io_errno = errno;
		rc = -1;
	}
	if (rc != 0) {
		/* A failed file leaves nothing behind: its uncommitted blocks are
		 * dropped (committed batches of a huge file stay, unpinned, for GC). */
		blockstore_abort_batch(&a->n->repo.bs, &a->batch);
		a->fail = KUBO_FAIL_STORAGE;
		if (!a->err[0])
			snprintf(a->err, sizeof a->err, "%s", cairn_strerror(rc));
		return -1;
	}
	uint64_t size = cairn_importer_dag_size(a->im);
	if (a->in_tree && tree_put(a, a->name, &root, size) != 0)
		return -1;
	if (!a->in_tree && !a->only_hash && a->pin && keep_root(a, &root) != 0)
		return -1;
	if (a->progress)
		json_array_append_new(a->lines, json_pack("{s:s, s:I}", "Name", a->name, "Bytes",
		                                          (json_int_t)a->part_bytes));
	add_line(a, a->name, &root, size);
	return 0;
}

static const mpart_callbacks add_parts = {part_begin, part_data, part_end};

static void tree_emit(void *ctx, const char *path, const cairn_cid *cid, uint64_t size)
{
	add_line(ctx, path, cid, size);
}

static int by_top_name(const void *x, const void *y)
{
	return strcmp(((const struct add_top *)x)->name, ((const struct add_top *)y)->name);
}

/* Pin the files added at the top level, now that the body is whole. */
static int pin_files(struct add_req *a)
{
	for (size_t i = 0; i < a->nroots; i++) {
		pin pn = {.cid = a->roots[i], .type = PIN_RECURSIVE};
		if (pinstore_put(&a->n->repo, &pn, a->err) != 0) {
			a->fail = KUBO_FAIL_STORAGE; /* the index: 503 while it is away */
			a->io_errno = errno;
			return -1;
		}
	}
	return 0;
}

/* Write the uploaded directories (after all files, as Kubo lists them),
 * make them durable and pin their roots. 0 or -1 with a->err set. */
static int finish_trees(struct add_req *a)
{
	char err[CAIRN_ERR_MAX];
	dirbuild *one[1] = {a->wrapper};
	size_t n = a->wrapper ? 1 : a->ntops;
	if (a->ntops)
		qsort(a->tops, a->ntops, sizeof *a->tops, by_top_name);
	for (size_t i = 0; i < n; i++) {
		cairn_cid root;
		dirbuild *d = a->wrapper ? one[0] : a->tops[i].d;
		a->err[0] = '\0';
		if (dirbuild_finish(d, &a->o, tree_store, a, tree_emit, a, &root, NULL, err) != 0) {
			a->fail = a->err[0] ? KUBO_FAIL_STORAGE : KUBO_FAIL_INPUT;
			if (!a->err[0])
				snprintf(a->err, sizeof a->err, "%s", err);
			blockstore_abort_batch(&a->n->repo.bs, &a->batch);
			return -1;
		}
		if (a->only_hash)
			continue;
		if (blockstore_commit_batch(&a->n->repo.bs, &a->batch, a->err) != 0) {
			a->fail = KUBO_FAIL_STORAGE;
			a->io_errno = errno;
			return -1;
		}
		pin pn = {.cid = root, .type = PIN_RECURSIVE};
		if (a->pin && pinstore_put(&a->n->repo, &pn, a->err) != 0) {
			a->fail = KUBO_FAIL_STORAGE;
			a->io_errno = errno;
			return -1;
		}
	}
	return 0;
}

/* Is this result line one of the roots the request added (what it pins)?
 * With wrap-with-directory only the wrapper, named ""; otherwise every
 * top-level name. */
static int root_line(const struct add_req *a, json_t *line)
{
	const char *name = json_string_value(json_object_get(line, "Name"));
	if (!name || !json_object_get(line, "Hash"))
		return 0;
	return a->wrap ? name[0] == '\0' : strchr(name, '/') == NULL;
}

/* anchor=true: append the roots to the anchoring log in one transaction,
 * so an upload and its anchoring request succeed or fail together, and
 * give each root line its leaf index. 0 or -1 with a->err set. */
static int add_anchor(struct add_req *a)
{
	size_t i, count = 0, added;
	json_t *line;
	int ret = -1;
	cairn_cid *cids = malloc((json_array_size(a->lines) + 1) * sizeof *cids);
	uint64_t *idx = malloc((json_array_size(a->lines) + 1) * sizeof *idx);
	if (!cids || !idx) {
		snprintf(a->err, sizeof a->err, "out of memory");
		goto done;
	}
	json_array_foreach(a->lines, i, line) {
		const char *h = json_string_value(json_object_get(line, "Hash"));
		if (root_line(a, line) && cairn_cid_parse(h, strlen(h), &cids[count]) == 0)
			count++;
	}
	if (count && anchorlog_append(&a->n->repo, cids, count, idx, &added, a->err) != 0)
		goto done;
	count = 0;
	json_array_foreach(a->lines, i, line) {
		if (root_line(a, line))
			json_object_set_new(line, "AnchorIndex", json_integer((json_int_t)idx[count++]));
	}
	ret = 0;
done:
	free(cids);
	free(idx);
	return ret;
}

static void add_free(struct add_req *a)
{
	json_decref(a->lines);
	for (size_t i = 0; i < a->ntops; i++) {
		dirbuild_free(a->tops[i].d);
		free(a->tops[i].name);
	}
	free(a->tops);
	dirbuild_free(a->wrapper);
	free(a->roots);
	free(a->stage);
	if (a->batch.set)
		bs_batch_free(&a->n->repo.bs, &a->batch); /* drops what was not committed */
	free(a->im);
	free(a->chunk);
	free(a);
}

/* The client left mid-upload: what was not committed is dropped, nothing
 * was pinned (committed blocks stay, unpinned, for GC). */
static void add_gone(void *ctx)
{
	add_free(ctx); /* its batch with it */
}

/* A step failed: answer once, and read no more of the body. */
static int add_failed(struct add_req *a, const char *perr)
{
	kubo_fail_body(a->req, a->fail, a->io_errno, a->err, perr);
	add_free(a);
	return -1;
}

static int add_body(void *ctx, const uint8_t *p, size_t n)
{
	struct add_req *a = ctx;
	char perr[CAIRN_ERR_MAX];
	if (mpart_feed(&a->mp, p, n, perr) != 0)
		return add_failed(a, perr);
	return 0;
}

static void add_end(void *ctx)
{
	struct add_req *a = ctx;
	struct http_req *req = a->req;
	char perr[CAIRN_ERR_MAX];
	if (mpart_finish(&a->mp, perr) != 0 || pin_files(a) != 0 || finish_trees(a) != 0) {
		add_failed(a, perr);
		return;
	}
	if (json_array_size(a->lines) == 0) {
		http_reply_rpc_error(req, 400, "file argument 'path' is required");
		goto done;
	}
	if (a->anchor && add_anchor(a) != 0) {
		kubo_fail(req, KUBO_FAIL_STORAGE, errno, a->err);
		goto done;
	}
	struct evbuffer *b = evbuffer_new();
	size_t i;
	json_t *line;
	int lost = !b;
	json_array_foreach(a->lines, i, line) {
		if (!lost && kubo_add_line(b, json_incref(line)) != 0)
			lost = 1;
	}
	if (lost)
		http_reply_rpc_error(req, 500, "out of memory writing the results (the files were added)");
	else
		kubo_reply_lines(req, b); /* Kubo streams these as newline-delimited JSON */
	if (b)
		evbuffer_free(b);
done:
	add_free(a);
}

/* At the request's head: the options, then the body as it arrives. */
void kubo_add(struct http_req *req, node *n, struct evkeyvalq *q)
{
	struct add_req *a = calloc(1, sizeof *a);
	const char *cv = evhttp_find_header(q, "cid-version");
	int version = -1, raw = kubo_flag(q, "raw-leaves", -1), trickle = kubo_flag(q, "trickle", 0);
	char oerr[CAIRN_ERR_MAX];

	if (!a) {
		http_reply_rpc_error(req, 500, "out of memory");
		return;
	}
	a->req = req;
	a->n = n;
	a->pin = kubo_flag(q, "pin", 1);
	a->progress = kubo_flag(q, "progress", 0);
	a->only_hash = kubo_flag(q, "only-hash", 0);
	a->wrap = kubo_flag(q, "wrap-with-directory", 0);
	a->anchor = kubo_flag(q, "anchor", 0);
	if (a->pin < 0 || a->progress < 0 || a->only_hash < 0 || trickle < 0 || a->wrap < 0 ||
	    a->anchor < 0 ||
	    (evhttp_find_header(q, "raw-leaves") && raw < 0)) {
		http_reply_rpc_error(req, 400, "a boolean flag has a value other than true or false");
		goto fail;
	}
	if (cv) {
		if (strcmp(cv, "0") && strcmp(cv, "1")) {
			http_reply_rpc_error(req, 400, "unknown CID version '%.20s' (use 0 or 1)", cv);
			goto fail;
		}
		version = cv[0] - '0';
	}
	a->o = cairn_importer_defaults();
	a->o.layout = trickle ? CAIRN_LAYOUT_TRICKLE : CAIRN_LAYOUT_BALANCED;
	if (add_opts_resolve(version, evhttp_find_header(q, "hash"), raw,
	                     evhttp_find_header(q, "chunker"), &a->o, oerr) != 0) {
		http_reply_rpc_error(req, 400, "%s", oerr);
		goto fail;
	}
	a->im = malloc(sizeof *a->im);
	a->chunk = malloc(CAIRN_CHUNK_SIZE_MAX);
	a->lines = json_array();
	if (a->wrap)
		a->wrapper = dirbuild_new("");
	if (!a->im || !a->chunk || !a->lines || (a->wrap && !a->wrapper) ||
	    bs_batch_init(&a->batch) != 0) {
		http_reply_rpc_error(req, 500, "out of memory");
		goto fail;
	}
	const char *ct = evhttp_find_header(http_req_in(req), "Content-Type");
	if (mpart_init(&a->mp, ct, &add_parts, a, oerr) != 0) {
		kubo_fail(req, KUBO_FAIL_INPUT, 0, oerr);
		goto fail;
	}
	http_req_on_close(req, add_gone, a);
	http_req_read_body(req, add_body, add_end, a);
	return;
fail:
	add_free(a);
}

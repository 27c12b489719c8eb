#include "dirbuild.h"

#include "cairn/dagpb.h"
#include "cairn/error.h"
#include "cairn/multihash.h"
#include "cairn/murmur3.h"
#include "cairn/varint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ERR(...) snprintf(err, CAIRN_ERR_MAX, __VA_ARGS__)

/* UnixFS Data of a directory: field 1 (Type), varint 1 (Directory). */
static const uint8_t DIR_DATA[] = {0x08, 0x01};

typedef struct dnode {
	char *name;
	int is_dir;
	cairn_cid cid; /* files and symlinks; directories once written */
	uint64_t tsize;
	struct dnode **kids;
	size_t nkids, cap;
} dnode;

struct dirbuild {
	dnode root;
};

dirbuild *dirbuild_new(const char *root_name)
{
	dirbuild *d = calloc(1, sizeof *d);
	if (!d)
		return NULL;
	d->root.name = strdup(root_name);
	d->root.is_dir = 1;
	if (!d->root.name) {
		free(d);
		return NULL;
	}
	return d;
}

static void node_free(dnode *n)
{
	for (size_t i = 0; i < n->nkids; i++) {
		node_free(n->kids[i]);
		free(n->kids[i]);
	}
	free(n->kids);
	free(n->name);
}

void dirbuild_free(dirbuild *d)
{
	if (!d)
		return;
	node_free(&d->root);
	free(d);
}

static dnode *child(dnode *dir, const char *name, size_t len)
{
	for (size_t i = 0; i < dir->nkids; i++)
		if (strlen(dir->kids[i]->name) == len && memcmp(dir->kids[i]->name, name, len) == 0)
			return dir->kids[i];
	return NULL;
}

static dnode *add_child(dnode *dir, const char *name, size_t len)
{
	if (dir->nkids == dir->cap) {
		size_t cap = dir->cap ? dir->cap * 2 : 8;
		dnode **k = realloc(dir->kids, cap * sizeof *k);
		if (!k)
			return NULL;
		dir->kids = k;
		dir->cap = cap;
	}
	dnode *c = calloc(1, sizeof *c);
	if (!c || !(c->name = strndup(name, len))) {
		free(c);
		return NULL;
	}
	dir->kids[dir->nkids++] = c;
	return c;
}

/* The node for path, made (with its parents) if missing. is_dir: what the
 * last segment must be. NULL with err set. */
static dnode *place(dirbuild *d, const char *path, int is_dir, int *existed, char *err)
{
	dnode *at = &d->root;
	int depth = 0;
	if (strlen(path) > DIRBUILD_PATH_MAX) {
		ERR("path longer than %d bytes: %.80s…", DIRBUILD_PATH_MAX, path);
		return NULL;
	}
	for (const char *p = path;;) {
		const char *e = strchr(p, '/');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		int last = !e || e[1] == '\0';
		if (len == 0 || (len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.')) {
			ERR("bad path '%.200s': empty, '.' or '..' segment", path);
			return NULL;
		}
		if (++depth > DIRBUILD_DEPTH_MAX) {
			ERR("path '%.200s' nests deeper than %d", path, DIRBUILD_DEPTH_MAX);
			return NULL;
		}
		dnode *c = child(at, p, len);
		*existed = c != NULL;
		if (!c) {
			c = add_child(at, p, len);
			if (!c) {
				ERR("out of memory");
				return NULL;
			}
			c->is_dir = !last || is_dir;
		}
		if ((!last || is_dir) && !c->is_dir) {
			ERR("'%.*s' in '%.200s' is a file, not a directory", (int)len, p, path);
			return NULL;
		}
		if (last)
			return c;
		at = c;
		p = e + 1;
	}
}

int dirbuild_add(dirbuild *d, const char *path, const cairn_cid *cid, uint64_t tsize, char *err)
{
	int existed;
	dnode *n = place(d, path, cid == NULL, &existed, err);
	if (!n)
		return -1;
	if (cid) {
		if (existed) {
			ERR("'%.200s' is given twice", path);
			return -1;
		}
		n->cid = *cid;
		n->tsize = tsize;
	}
	return 0;
}

/* Hash (and store) one dag-pb node. */
static int write_node(const uint8_t *buf, size_t len, const cairn_importer_opts *o,
                      cairn_block_fn store, void *ctx, cairn_cid *cid, char *err)
{
	cairn_multihash mh;
	if (cairn_mh_compute(&mh, o->hash, buf, len) != CAIRN_OK ||
	    cairn_cid_set(cid, o->cid_version, CAIRN_CODEC_DAG_PB, &mh) != CAIRN_OK) {
		ERR("cannot hash a directory node");
		return -1;
	}
	cairn_iov iov = {buf, len};
	if (store && store(ctx, cid, &iov, 1) != 0) {
		ERR("storing a directory node failed");
		return -1;
	}
	return 0;
}

int dirbuild_add_symlink(dirbuild *d, const char *path, const char *target,
                         const cairn_importer_opts *o, cairn_block_fn store, void *ctx, char *err)
{
	size_t tl = strlen(target), ul = 0, n;
	if (tl > 4096) {
		ERR("symlink '%.200s': target longer than 4096 bytes", path);
		return -1;
	}
	/* UnixFS { Type: Symlink (4), Data: target } inside PBNode { Data } */
	uint8_t ufs[16 + 4096], node[32 + 4096];
	ufs[ul++] = 0x08;
	ufs[ul++] = 0x04;
	ufs[ul++] = 0x12;
	cairn_varint_encode(tl, ufs + ul, sizeof ufs - ul, &n);
	ul += n;
	memcpy(ufs + ul, target, tl);
	ul += tl;
	if (cairn_pbnode_encode(NULL, 0, ufs, ul, 1, node, sizeof node, &n) != CAIRN_OK) {
		ERR("symlink '%.200s': cannot encode", path);
		return -1;
	}
	cairn_cid cid;
	if (write_node(node, n, o, store, ctx, &cid, err) != 0)
		return -1;
	return dirbuild_add(d, path, &cid, n, err);
}

/*
 * HAMT-sharded directories, as Kubo (boxo) and the JS importer write them:
 * fanout 256, murmur3-x64-64 of the entry name, 8 bits of the hash (most
 * significant first) per level. A shard node has one link per occupied
 * bucket, in bucket order: "XX" + name for a single entry, "XX" alone for a
 * sub-shard holding the bucket's several entries one level down.
 *
 *   PBNode { Links, Data: UnixFS { Type: HAMTShard (5),
 *                                  Data: occupied buckets, bit i = bucket i,
 *                                        big-endian, leading zero bytes dropped,
 *                                  hashType: 0x22, fanout: 256 } }
 */
struct finish_ctx {
	const cairn_importer_opts *o;
	cairn_block_fn store;
	void *ctx;
	dirbuild_emit_fn emit;
	void *ectx;
	char path[DIRBUILD_PATH_MAX + 256];
	char *err;
};

#define HAMT_FANOUT 256
#define HAMT_LEVELS 8 /* 64 hash bits, 8 a level */

typedef struct hentry {
	const dnode *n;
	uint64_t hash;
} hentry;

static unsigned bucket_of(uint64_t h, int depth)
{
	return (unsigned)(h >> (56 - 8 * depth)) & 0xff;
}

static int by_bucket_path(const void *a, const void *b)
{
	uint64_t x = ((const hentry *)a)->hash, y = ((const hentry *)b)->hash;
	return (x > y) - (x < y);
}

/* Write the shard for entries e[0..n) (sorted by hash, all in one bucket
 * path down to depth). *cid and *tsize get the shard's. */
static int write_shard(struct finish_ctx *f, const hentry *e, size_t n, int depth, cairn_cid *cid,
                       uint64_t *tsize)
{
	char *err = f->err;
	if (depth >= HAMT_LEVELS) {
		ERR("directory '%.200s': two names share all 64 hash bits", f->path);
		return -1;
	}
	/* at most one link per bucket; the arrays live on the heap, since
	 * shards nest up to 8 deep */
	cairn_pblink *links = calloc(HAMT_FANOUT, sizeof *links);
	uint8_t (*cids)[CAIRN_CID_MAX_BYTES] = malloc(HAMT_FANOUT * sizeof *cids);
	char **names = calloc(HAMT_FANOUT, sizeof *names);
	uint8_t bits[HAMT_FANOUT / 8] = {0}, *buf = NULL;
	size_t nl = 0;
	uint64_t sum = 0;
	int rc = -1;

	if (!links || !cids || !names) {
		ERR("out of memory");
		goto done;
	}
	for (size_t i = 0; i < n;) {
		unsigned b = bucket_of(e[i].hash, depth);
		size_t j = i + 1;
		while (j < n && bucket_of(e[j].hash, depth) == b)
			j++;
		cairn_cid c;
		uint64_t ts;
		size_t cl;
		const char *en = j - i == 1 ? e[i].n->name : "";
		size_t el = strlen(en);
		names[nl] = malloc(3 + el);
		if (!names[nl]) {
			ERR("out of memory");
			goto done;
		}
		snprintf(names[nl], 3 + el, "%02X%s", b, en);
		if (j - i == 1) {
			c = e[i].n->cid;
			ts = e[i].n->tsize;
		} else if (write_shard(f, e + i, j - i, depth + 1, &c, &ts) != 0) {
			nl++;
			goto done;
		}
		cairn_cid_encode(&c, cids[nl], CAIRN_CID_MAX_BYTES, &cl);
		links[nl] = (cairn_pblink){.hash = cids[nl], .hash_len = cl, .name = names[nl],
		                           .name_len = 2 + el, .has_name = 1, .tsize = ts,
		                           .has_tsize = 1};
		bits[(HAMT_FANOUT - 1 - b) / 8] |= (uint8_t)(1u << (b % 8));
		sum += ts;
		nl++;
		i = j;
	}
	/* UnixFS { Type 5, Data bitfield, hashType 0x22, fanout 256 } */
	uint8_t ufs[64];
	size_t ul = 0, skip = 0, vn;
	while (skip < sizeof bits - 1 && bits[skip] == 0)
		skip++;
	ufs[ul++] = 0x08;
	ufs[ul++] = 0x05;
	ufs[ul++] = 0x12;
	ufs[ul++] = (uint8_t)(sizeof bits - skip);
	memcpy(ufs + ul, bits + skip, sizeof bits - skip);
	ul += sizeof bits - skip;
	ufs[ul++] = 0x28;
	ufs[ul++] = 0x22;
	ufs[ul++] = 0x30;
	cairn_varint_encode(HAMT_FANOUT, ufs + ul, sizeof ufs - ul, &vn);
	ul += vn;
	size_t len = cairn_pbnode_encoded_size(links, nl, ufs, ul, 1);
	buf = malloc(len);
	if (!buf) {
		ERR("out of memory");
		goto done;
	}
	cairn_pbnode_encode(links, nl, ufs, ul, 1, buf, len, &len);
	rc = write_node(buf, len, f->o, f->store, f->ctx, cid, err);
	*tsize = sum + len;
done:
	for (size_t i = 0; names && i < nl; i++)
		free(names[i]);
	free(names);
	free(links);
	free(cids);
	free(buf);
	return rc;
}

static int by_name(const void *a, const void *b)
{
	const dnode *x = *(dnode *const *)a, *y = *(dnode *const *)b;
	size_t lx = strlen(x->name), ly = strlen(y->name);
	int c = memcmp(x->name, y->name, lx < ly ? lx : ly);
	return c ? c : (lx > ly) - (lx < ly);
}


static int finish_dir(struct finish_ctx *f, dnode *dir, size_t plen)
{
	char *err = f->err;
	int rc = -1;
	if (dir->nkids)
		qsort(dir->kids, dir->nkids, sizeof *dir->kids, by_name);
	/* children first: post-order, as Kubo prints them */
	for (size_t i = 0; i < dir->nkids; i++) {
		dnode *c = dir->kids[i];
		if (!c->is_dir)
			continue;
		size_t cl = strlen(c->name), sep = plen ? 1 : 0; /* a -w wrapper has no name */
		if (plen + sep + cl >= sizeof f->path) {
			ERR("path too long under '%.200s'", f->path);
			return -1;
		}
		f->path[plen] = '/';
		memcpy(f->path + plen + sep, c->name, cl + 1);
		if (finish_dir(f, c, plen + sep + cl) != 0)
			return -1;
		f->path[plen] = '\0';
	}
	cairn_pblink *links = calloc(dir->nkids ? dir->nkids : 1, sizeof *links);
	uint8_t (*cids)[CAIRN_CID_MAX_BYTES] = malloc((dir->nkids ? dir->nkids : 1) * sizeof *cids);
	uint8_t *buf = NULL;
	uint64_t estimate = 0, tsize = 0;
	if (!links || !cids) {
		ERR("out of memory");
		goto done;
	}
	for (size_t i = 0; i < dir->nkids; i++) {
		dnode *c = dir->kids[i];
		size_t cl;
		cairn_cid_encode(&c->cid, cids[i], CAIRN_CID_MAX_BYTES, &cl);
		links[i] = (cairn_pblink){.hash = cids[i], .hash_len = cl, .name = c->name,
		                          .name_len = strlen(c->name), .has_name = 1,
		                          .tsize = c->tsize, .has_tsize = 1};
		estimate += links[i].name_len + cl;
		tsize += c->tsize;
	}
	if (estimate >= DIRBUILD_HAMT_THRESHOLD) {
		hentry *he = malloc(dir->nkids * sizeof *he);
		if (!he) {
			ERR("out of memory");
			goto done;
		}
		for (size_t i = 0; i < dir->nkids; i++)
			he[i] = (hentry){dir->kids[i], cairn_murmur3_x64_64(dir->kids[i]->name,
			                                                      strlen(dir->kids[i]->name))};
		qsort(he, dir->nkids, sizeof *he, by_bucket_path);
		int hr = write_shard(f, he, dir->nkids, 0, &dir->cid, &dir->tsize);
		free(he);
		if (hr != 0)
			goto done;
		if (f->emit)
			f->emit(f->ectx, f->path, &dir->cid, dir->tsize);
		rc = 0;
		goto done;
	}
	size_t len = cairn_pbnode_encoded_size(links, dir->nkids, DIR_DATA, sizeof DIR_DATA, 1);
	buf = malloc(len);
	if (!buf) {
		ERR("out of memory");
		goto done;
	}
	cairn_pbnode_encode(links, dir->nkids, DIR_DATA, sizeof DIR_DATA, 1, buf, len, &len);
	if (write_node(buf, len, f->o, f->store, f->ctx, &dir->cid, err) != 0)
		goto done;
	dir->tsize = tsize + len;
	if (f->emit)
		f->emit(f->ectx, f->path, &dir->cid, dir->tsize);
	rc = 0;
done:
	free(links);
	free(cids);
	free(buf);
	return rc;
}

int dirbuild_finish(dirbuild *d, const cairn_importer_opts *o, cairn_block_fn store, void *ctx,
                    dirbuild_emit_fn emit, void *ectx, cairn_cid *root, uint64_t *root_size,
                    char *err)
{
	struct finish_ctx *f = malloc(sizeof *f);
	if (!f) {
		ERR("out of memory");
		return -1;
	}
	*f = (struct finish_ctx){o, store, ctx, emit, ectx, "", err};
	size_t rl = strlen(d->root.name);
	if (rl >= sizeof f->path) {
		free(f);
		ERR("root name too long");
		return -1;
	}
	memcpy(f->path, d->root.name, rl + 1);
	int rc = finish_dir(f, &d->root, rl);
	free(f);
	if (rc == 0) {
		*root = d->root.cid;
		if (root_size)
			*root_size = d->root.tsize;
	}
	return rc;
}

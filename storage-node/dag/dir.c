#include "dir.h"

#include "cairn/dagpb.h"
#include "cairn/error.h"
#include "cairn/murmur3.h"
#include "cairn/unixfs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The HAMT hash function UnixFS uses (multicodec murmur3-x64-64). */
#define HAMT_HASH_MURMUR3 0x22
#define HAMT_FANOUT_MAX 1024
/* 64 hash bits: at 8 bits a level (fanout 256) that is 8 levels. */
#define HAMT_HASH_BITS 64

/* A loaded dag-pb UnixFS node. */
typedef struct loaded {
	uint8_t *data;
	size_t len;
	cairn_pbnode node;
	cairn_unixfs u;
	int has_unixfs;
} loaded;

static int load(blockstore *bs, const cairn_cid *cid, loaded *l, cairn_cid *where, char *err)
{
	memset(l, 0, sizeof *l);
	int rc = blockstore_get(bs, cid, &l->data, &l->len, err);
	if (rc == BS_NOT_FOUND || rc == BS_CORRUPT) {
		*where = *cid;
		return DAG_MISSING;
	}
	if (rc != 0)
		return -1;
	if (cid->codec != CAIRN_CODEC_DAG_PB)
		return 0;
	if (cairn_pbnode_decode(l->data, l->len, &l->node) != CAIRN_OK) {
		free(l->data);
		l->data = NULL;
		*where = *cid;
		return DAG_INVALID;
	}
	l->has_unixfs = l->node.has_data &&
	                cairn_unixfs_decode(l->node.data, l->node.data_len, &l->u) == CAIRN_OK;
	return 0;
}

static dir_kind kind_of(const cairn_cid *cid, const loaded *l)
{
	if (cid->codec == CAIRN_CODEC_RAW)
		return KIND_FILE;
	if (cid->codec != CAIRN_CODEC_DAG_PB || !l->has_unixfs)
		return KIND_OTHER;
	switch (l->u.type) {
	case CAIRN_UNIXFS_FILE:
	case CAIRN_UNIXFS_RAW: return KIND_FILE;
	case CAIRN_UNIXFS_DIRECTORY: return KIND_DIR;
	case CAIRN_UNIXFS_HAMTSHARD: return KIND_HAMT;
	case CAIRN_UNIXFS_SYMLINK: return KIND_SYMLINK;
	default: return KIND_OTHER;
	}
}

dir_kind dir_kind_of_block(const cairn_cid *cid, const uint8_t *data, size_t len,
                           const char **target, size_t *target_len)
{
	loaded l = {0};
	if (cid->codec == CAIRN_CODEC_DAG_PB) {
		if (cairn_pbnode_decode(data, len, &l.node) != CAIRN_OK)
			return KIND_OTHER;
		l.has_unixfs = l.node.has_data &&
		               cairn_unixfs_decode(l.node.data, l.node.data_len, &l.u) == CAIRN_OK;
	}
	dir_kind k = kind_of(cid, &l);
	if (k == KIND_SYMLINK && target) {
		*target = (const char *)l.u.data;
		*target_len = l.u.data_len;
	}
	return k;
}

int dir_kind_of(blockstore *bs, const cairn_cid *cid, dir_kind *kind, cairn_cid *where, char *err)
{
	uint64_t size;
	return dir_entry_info(bs, cid, kind, &size, where, err);
}

int dir_entry_info(blockstore *bs, const cairn_cid *cid, dir_kind *kind, uint64_t *size, cairn_cid *where,
                   char *err)
{
	loaded l;
	*size = 0;
	if (cid->mh.code == CAIRN_MH_IDENTITY && cid->codec == CAIRN_CODEC_RAW) {
		*kind = KIND_FILE;
		*size = cid->mh.len;
		return 0;
	}
	int rc = load(bs, cid, &l, where, err);
	if (rc != 0)
		return rc;
	*kind = kind_of(cid, &l);
	if (*kind == KIND_FILE)
		*size = cid->codec == CAIRN_CODEC_RAW ? l.len : l.u.has_filesize ? l.u.filesize : l.u.data_len;
	free(l.data);
	return 0;
}

/* A HAMT shard's geometry: bits per level and the width of its link
 * prefixes. 0, or DAG_INVALID for a shard this code cannot follow. */
static int hamt_geometry(const loaded *l, unsigned *bits, unsigned *width)
{
	uint64_t f = l->u.fanout;
	if (!l->u.has_fanout || !l->u.has_hash_type || l->u.hash_type != HAMT_HASH_MURMUR3 ||
	    f < 2 || f > HAMT_FANOUT_MAX || (f & (f - 1)) != 0)
		return DAG_INVALID;
	*bits = 0;
	while ((1ull << *bits) < f)
		(*bits)++;
	*width = 0;
	for (uint64_t m = f - 1; m; m >>= 4)
		(*width)++;
	return 0;
}

static int link_cid(const cairn_pblink *lk, cairn_cid *out)
{
	return cairn_cid_decode(lk->hash, lk->hash_len, out, NULL) == CAIRN_OK ? 0 : -1;
}

static int list_shard(blockstore *bs, const cairn_cid *cid, const loaded *l, int depth,
                      dir_entry_fn fn, void *ctx, cairn_cid *where, char *err)
{
	unsigned bits, width;
	if (depth > HAMT_HASH_BITS || hamt_geometry(l, &bits, &width) != 0) {
		*where = *cid;
		return DAG_INVALID;
	}
	size_t cur = 0;
	cairn_pblink lk;
	int rc = 0;
	while (rc == 0 && cairn_pbnode_next_link(&l->node, &cur, &lk)) {
		cairn_cid child;
		if (link_cid(&lk, &child) != 0 || lk.name_len < width) {
			*where = *cid;
			return DAG_INVALID;
		}
		if (lk.name_len > width) {
			rc = fn(ctx, lk.name + width, lk.name_len - width, &child, lk.tsize);
			continue;
		}
		loaded sub;
		rc = load(bs, &child, &sub, where, err);
		if (rc != 0)
			return rc;
		if (kind_of(&child, &sub) != KIND_HAMT) {
			*where = child;
			rc = DAG_INVALID;
		} else {
			rc = list_shard(bs, &child, &sub, depth + (int)bits, fn, ctx, where, err);
		}
		free(sub.data);
	}
	return rc;
}

int dir_list(blockstore *bs, const cairn_cid *dir, dir_entry_fn fn, void *ctx, cairn_cid *where,
             char *err)
{
	loaded l;
	int rc = load(bs, dir, &l, where, err);
	if (rc != 0)
		return rc;
	dir_kind k = kind_of(dir, &l);
	if (k == KIND_HAMT) {
		rc = list_shard(bs, dir, &l, 0, fn, ctx, where, err);
	} else if (k == KIND_DIR) {
		size_t cur = 0;
		cairn_pblink lk;
		while (rc == 0 && cairn_pbnode_next_link(&l.node, &cur, &lk)) {
			cairn_cid child;
			if (link_cid(&lk, &child) != 0) {
				*where = *dir;
				rc = DAG_INVALID;
				break;
			}
			rc = fn(ctx, lk.name ? lk.name : "", lk.name_len, &child, lk.tsize);
		}
	} else {
		*where = *dir;
		rc = DIR_NOT_DIR;
	}
	free(l.data);
	return rc;
}

static int trail_block(dir_trail *t, const cairn_cid *cid)
{
	if (!t)
		return 0;
	if (t->nblocks == DIR_TRAIL_MAX)
		return -1;
	t->blocks[t->nblocks++] = *cid;
	return 0;
}

/* Bits [pos, pos + n) of the hash, most significant first. */
static unsigned hash_bits(uint64_t h, unsigned pos, unsigned n)
{
	return (unsigned)((h << pos) >> (64 - n));
}

/* Find name in the directory dir (loaded as l). */
static int lookup(blockstore *bs, const cairn_cid *dir, loaded *l, const char *name, size_t nlen,
                  cairn_cid *out, dir_trail *t, cairn_cid *where, char *err)
{
	dir_kind k = kind_of(dir, l);
	cairn_pblink lk;
	size_t cur = 0;

	if (k == KIND_DIR) {
		*where = *dir;
		while (cairn_pbnode_next_link(&l->node, &cur, &lk))
			if (lk.name_len == nlen && memcmp(lk.name, name, nlen) == 0)
				return link_cid(&lk, out) == 0 ? 0 : DAG_INVALID;
		return DIR_NOT_FOUND;
	}
	if (k != KIND_HAMT) {
		*where = *dir;
		return DIR_NOT_DIR;
	}
	uint64_t h = cairn_murmur3_x64_64(name, nlen);
	cairn_cid shard = *dir;
	loaded cur_l = *l, sub;
	int owned = 0, rc;
	for (unsigned pos = 0;;) {
		unsigned bits, width;
		char prefix[8];
		if (hamt_geometry(&cur_l, &bits, &width) != 0 || pos + bits > HAMT_HASH_BITS) {
			rc = DAG_INVALID;
			*where = shard;
			break;
		}
		snprintf(prefix, sizeof prefix, "%0*X", (int)width, hash_bits(h, pos, bits));
		pos += bits;
		rc = DIR_NOT_FOUND;
		*where = *dir;
		cur = 0;
		cairn_cid next;
		int descend = 0;
		while (cairn_pbnode_next_link(&cur_l.node, &cur, &lk)) {
			if (lk.name_len < width || strncasecmp(lk.name, prefix, width) != 0)
				continue;
			if (link_cid(&lk, &next) != 0) {
				rc = DAG_INVALID;
				*where = shard;
				break;
			}
			if (lk.name_len == width) {
				descend = 1;
				break;
			}
			if (lk.name_len - width == nlen && memcmp(lk.name + width, name, nlen) == 0) {
				*out = next;
				rc = 0;
				break;
			}
		}
		if (!descend)
			break;
		if (trail_block(t, &next) != 0) {
			rc = DAG_INVALID;
			*where = next;
			break;
		}
		rc = load(bs, &next, &sub, where, err);
		if (rc != 0)
			break;
		if (owned)
			free(cur_l.data);
		cur_l = sub;
		owned = 1;
		shard = next;
		if (kind_of(&shard, &cur_l) != KIND_HAMT) {
			rc = DAG_INVALID;
			*where = shard;
			break;
		}
	}
	if (owned)
		free(cur_l.data);
	return rc;
}

int dir_resolve(blockstore *bs, const cairn_cid *root, const char *path, cairn_cid *out,
                dir_trail *trail, cairn_cid *where, char *err)
{
	cairn_cid at = *root;
	size_t segs = 0;
	if (trail) {
		trail->nblocks = 0;
		trail->roots[0] = *root;
		trail->nroots = 1;
	}
	for (const char *p = path; *p;) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		const char *e = strchr(p, '/');
		size_t nlen = e ? (size_t)(e - p) : strlen(p);
		if (++segs > DIR_PATH_MAX_SEGMENTS) {
			*where = at;
			return DAG_INVALID;
		}
		loaded l;
		if (trail_block(trail, &at) != 0) {
			*where = at;
			return DAG_INVALID;
		}
		int rc = load(bs, &at, &l, where, err);
		if (rc != 0)
			return rc;
		cairn_cid next;
		rc = lookup(bs, &at, &l, p, nlen, &next, trail, where, err);
		free(l.data);
		if (rc != 0)
			return rc;
		at = next;
		if (trail)
			trail->roots[trail->nroots++] = at;
		p += nlen;
	}
	*out = at;
	return 0;
}

struct list_info {
	blockstore *bs;
	dir_info_fn fn;
	void *ctx;
	char *err;
};

static int with_info(void *ctx, const char *name, size_t len, const cairn_cid *cid, uint64_t tsize)
{
	struct list_info *li = ctx;
	dir_kind kind;
	uint64_t size;
	cairn_cid where;
	(void)tsize;
	/* an entry whose block is missing or bad is listed all the same: its
	 * name and CID are in the directory */
	if (dir_entry_info(li->bs, cid, &kind, &size, &where, li->err) != 0)
		kind = KIND_OTHER, size = 0;
	return li->fn(li->ctx, name, len, cid, kind, size);
}

int dir_list_info(blockstore *bs, const cairn_cid *dir, dir_info_fn fn, void *ctx, cairn_cid *where,
                  char *err)
{
	struct list_info li = {bs, fn, ctx, err};
	return dir_list(bs, dir, with_info, &li, where, err);
}

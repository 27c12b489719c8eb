/*
 * A UnixFS file or directory tree as a POSIX tar stream (pax interchange
 * format, ustar headers), for the gateway's ?format=tar. Byte layout of
 * one entry:
 *
 *   [pax header 'x' + records "LEN path=…\n" / "LEN linkpath=…\n" /
 *    "LEN size=…\n", padded to 512]        only when a field does not fit
 *   ustar header (512): name[100] mode[8] uid[8] gid[8] size[12] mtime[12]
 *    chksum[8] typeflag[1] linkname[100] "ustar\0" "00" uname[32]
 *    gname[32] devmajor[8] devminor[8] prefix[155] pad[12]
 *   file bytes, zero-padded to a multiple of 512
 *
 * and two zero blocks end the archive. Every entry has mtime 0, uid/gid 0
 * and mode 0644 (files), 0755 (directories) or 0777 (symlinks), so one
 * DAG always gives the same archive. Names come from directories and are
 * refused when they could leave the archive's root or mean nothing: "",
 * ".", "..", or holding '/' or NUL.
 */
#include "tar.h"
#include "dir.h"

#include "cairn/error.h"

#include <event2/buffer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TAR_BLOCK 512
#define TAR_NAME_MAX 100
#define TAR_SIZE_MAX 077777777777ull /* 11 octal digits */

struct tar_entry {
	char *name;
	cairn_cid cid;
};

struct tar_frame {
	char *path;               /* this directory's path in the archive */
	struct tar_entry *e;
	size_t n, cap, i;
};

struct tar_source {
	stream_source base;
	blockstore *bs;
	cairn_cid root;
	char *root_name;
	int started, ended;
	dag_reader *fr;           /* the file whose bytes are going out */
	size_t pad;               /* zeros to write after it */
	int depth;
	struct tar_frame st[DAG_MAX_DEPTH];
};

static int name_ok(const char *name, size_t len)
{
	if (len == 0 || (len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.'))
		return 0;
	return memchr(name, '/', len) == NULL && memchr(name, '\0', len) == NULL;
}

static int collect(void *ctx, const char *name, size_t len, const cairn_cid *cid, uint64_t tsize)
{
	struct tar_frame *f = ctx;
	(void)tsize;
	if (!name_ok(name, len))
		return DAG_INVALID;
	if (f->n == f->cap) {
		size_t cap = f->cap ? 2 * f->cap : 16;
		struct tar_entry *e = realloc(f->e, cap * sizeof *e);
		if (!e)
			return -1;
		f->e = e;
		f->cap = cap;
	}
	char *copy = malloc(len + 1);
	if (!copy)
		return -1;
	memcpy(copy, name, len);
	copy[len] = 0;
	f->e[f->n++] = (struct tar_entry){copy, *cid};
	return 0;
}

static void frame_free(struct tar_frame *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->e[i].name);
	free(f->e);
	free(f->path);
	memset(f, 0, sizeof *f);
}

static void octal(char *field, size_t width, uint64_t v)
{
	/* width - 1 digits, then NUL */
	snprintf(field, width, "%0*llo", (int)width - 1, (unsigned long long)v);
}

/* One pax record: "LEN key=value\n", LEN counting itself. */
static void pax_record(struct evbuffer *b, const char *key, const char *value)
{
	size_t body = 1 + strlen(key) + 1 + strlen(value) + 1; /* " key=value\n" */
	size_t len = body + 1;
	while (len != body + (size_t)snprintf(NULL, 0, "%zu", len))
		len = body + (size_t)snprintf(NULL, 0, "%zu", len);
	evbuffer_add_printf(b, "%zu %s=%s\n", len, key, value);
}

static void header(struct evbuffer *out, const char *name, char type, uint64_t size, const char *link)
{
	uint8_t h[TAR_BLOCK];
	memset(h, 0, sizeof h);
	size_t nlen = strlen(name);
	memcpy(h, name, nlen < TAR_NAME_MAX ? nlen : TAR_NAME_MAX);
	octal((char *)h + 100, 8, type == '5' ? 0755 : type == '2' ? 0777 : 0644);
	octal((char *)h + 108, 8, 0);
	octal((char *)h + 116, 8, 0);
	octal((char *)h + 124, 12, size <= TAR_SIZE_MAX ? size : 0);
	octal((char *)h + 136, 12, 0);
	h[156] = (uint8_t)type;
	if (link)
		memcpy(h + 157, link, strlen(link) < TAR_NAME_MAX ? strlen(link) : TAR_NAME_MAX);
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	memset(h + 148, ' ', 8);
	unsigned sum = 0;
	for (size_t i = 0; i < sizeof h; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
	h[155] = ' ';
	evbuffer_add(out, h, sizeof h);
}

static const uint8_t zeros[2 * TAR_BLOCK];

/* An entry's headers: a pax header first when the name, the link target
 * or the size does not fit ustar's fields. */
static int entry_head(struct evbuffer *out, const char *name, char type, uint64_t size, const char *link)
{
	if (strlen(name) > TAR_NAME_MAX || (link && strlen(link) > TAR_NAME_MAX) || size > TAR_SIZE_MAX) {
		struct evbuffer *pax = evbuffer_new();
		char num[24];
		if (!pax)
			return -1;
		if (strlen(name) > TAR_NAME_MAX)
			pax_record(pax, "path", name);
		if (link && strlen(link) > TAR_NAME_MAX)
			pax_record(pax, "linkpath", link);
		if (size > TAR_SIZE_MAX) {
			snprintf(num, sizeof num, "%llu", (unsigned long long)size);
			pax_record(pax, "size", num);
		}
		size_t plen = evbuffer_get_length(pax);
		header(out, "PaxHeader", 'x', plen, NULL);
		evbuffer_add_buffer(out, pax);
		evbuffer_add(out, zeros, (TAR_BLOCK - plen % TAR_BLOCK) % TAR_BLOCK);
		evbuffer_free(pax);
	}
	header(out, name, type, size, link);
	return 0;
}

/* Write the headers of the node cid at path, and start its content: a
 * file's reader, a directory's entries. */
static int entry(struct tar_source *s, struct evbuffer *out, char *path, const cairn_cid *cid, cairn_cid *where,
                 char *err)
{
	uint8_t *data;
	size_t len;
	const char *target;
	size_t tlen;
	int rc = blockstore_get(s->bs, cid, &data, &len, err);
	if (rc == BS_NOT_FOUND || rc == BS_CORRUPT) {
		*where = *cid;
		rc = DAG_MISSING;
		goto done;
	}
	if (rc != 0)
		goto done;
	dir_kind kind = dir_kind_of_block(cid, data, len, &target, &tlen);
	if (kind == KIND_FILE) {
		dag_reader *r = malloc(sizeof *r);
		if (!r || (rc = dag_reader_open(r, s->bs, cid, where, err)) != 0) {
			free(r);
			rc = r ? rc : -1;
			goto done;
		}
		if ((rc = entry_head(out, path, '0', r->size, NULL)) != 0) {
			dag_reader_close(r);
			free(r);
			goto done;
		}
		s->fr = r;
		s->pad = (TAR_BLOCK - r->size % TAR_BLOCK) % TAR_BLOCK;
	} else if (kind == KIND_SYMLINK) {
		char *link = malloc(tlen + 1);
		if (!link) {
			rc = -1;
			goto done;
		}
		memcpy(link, target, tlen);
		link[tlen] = 0;
		rc = memchr(target, 0, tlen) ? DAG_INVALID : entry_head(out, path, '2', 0, link);
		if (rc == DAG_INVALID)
			*where = *cid;
		free(link);
	} else if (kind == KIND_DIR || kind == KIND_HAMT) {
		if (s->depth == DAG_MAX_DEPTH) {
			*where = *cid;
			rc = DAG_INVALID;
			goto done;
		}
		struct tar_frame *f = &s->st[s->depth];
		memset(f, 0, sizeof *f);
		rc = dir_list(s->bs, cid, collect, f, where, err);
		if (rc == DAG_INVALID && !err[0]) {
			*where = *cid;
			snprintf(err, CAIRN_ERR_MAX, "a name in the directory would leave the archive");
		}
		char *dname = malloc(strlen(path) + 2);
		if (rc == 0 && dname) {
			sprintf(dname, "%s/", path);
			rc = entry_head(out, dname, '5', 0, NULL);
		}
		free(dname);
		if (rc == 0 && !dname)
			rc = -1;
		if (rc != 0) {
			frame_free(f);
			goto done;
		}
		f->path = path;
		path = NULL; /* the frame's now */
		s->depth++;
	} else {
		*where = *cid;
		rc = DAG_NOT_FILE; /* not UnixFS: no tar form */
	}
done:
	free(data);
	free(path);
	if (rc == -1 && !err[0])
		snprintf(err, CAIRN_ERR_MAX, "out of memory");
	return rc;
}

static int tar_next(stream_source *src, struct evbuffer *out, cairn_cid *where, char *err)
{
	struct tar_source *s = (struct tar_source *)src;
	err[0] = 0;
	if (!s->started) {
		s->started = 1;
		char *path = strdup(s->root_name);
		return path ? entry(s, out, path, &s->root, where, err) : -1;
	}
	if (s->fr) {
		const uint8_t *p;
		size_t n;
		int rc = dag_reader_next(s->fr, &p, &n, where, err);
		if (rc == 0)
			return evbuffer_add(out, p, n) == 0 ? 0 : -1;
		if (rc != DAG_END)
			return rc;
		dag_reader_close(s->fr);
		free(s->fr);
		s->fr = NULL;
		evbuffer_add(out, zeros, s->pad);
		return 0;
	}
	while (s->depth > 0) {
		struct tar_frame *f = &s->st[s->depth - 1];
		if (f->i < f->n) {
			struct tar_entry *e = &f->e[f->i++];
			char *path = malloc(strlen(f->path) + 1 + strlen(e->name) + 1);
			if (!path)
				return -1;
			sprintf(path, "%s/%s", f->path, e->name);
			return entry(s, out, path, &e->cid, where, err);
		}
		frame_free(f);
		s->depth--;
	}
	if (!s->ended) {
		s->ended = 1;
		evbuffer_add(out, zeros, sizeof zeros);
		return 0;
	}
	return DAG_END;
}

static void tar_close(stream_source *src)
{
	struct tar_source *s = (struct tar_source *)src;
	if (s->fr) {
		dag_reader_close(s->fr);
		free(s->fr);
	}
	while (s->depth > 0)
		frame_free(&s->st[--s->depth]);
	free(s->root_name);
	free(s);
}

stream_source *stream_tar(blockstore *bs, const cairn_cid *root, const char *root_name)
{
	struct tar_source *s = calloc(1, sizeof *s);
	if (!s || !name_ok(root_name, strlen(root_name)) || !(s->root_name = strdup(root_name))) {
		free(s);
		return NULL;
	}
	s->base.next = tar_next;
	s->base.close = tar_close;
	s->base.length = -1;
	s->bs = bs;
	s->root = *root;
	return &s->base;
}

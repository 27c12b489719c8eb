#include "car_io.h"

#include "cairn/car.h"
#include "cairn/error.h"
#include "cairn/varint.h"
#include "mhset.h"
#include "dag.h"
#include "pinstore.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A CARv1 body: the header naming the root, then the blocks a path passed
 * through (if any), then one section per block of the DAG below the path's
 * end in DFS order; no block twice, no identity blocks. */
struct car_source {
	stream_source base;
	blockstore *bs;
	dag_iter it;
	mhset seen;
	cairn_cid root;
	cairn_cid *prefix;
	size_t nprefix, sent_prefix;
	int header_sent;
};

static void add_section(struct evbuffer *out, const cairn_cid *cid, const uint8_t *data, size_t len)
{
	uint8_t head[16 + CAIRN_CID_MAX_BYTES];
	size_t hl;
	cairn_car_section_head(cid, len, head, sizeof head, &hl);
	evbuffer_add(out, head, hl);
	evbuffer_add(out, data, len);
}

static int car_next(stream_source *s, struct evbuffer *out, cairn_cid *where, char *err)
{
	struct car_source *c = (struct car_source *)s;
	const uint8_t *data;
	size_t len;
	cairn_cid cid;

	if (!c->header_sent) {
		uint8_t hdr[256];
		size_t hl;
		cairn_car_header_encode(&c->root, 1, hdr, sizeof hdr, &hl);
		evbuffer_add(out, hdr, hl);
		c->header_sent = 1;
	}
	while (c->sent_prefix < c->nprefix) {
		const cairn_cid *p = &c->prefix[c->sent_prefix++];
		int fresh = mhset_add(&c->seen, &p->mh);
		if (fresh < 0)
			return -1;
		if (!fresh || p->mh.code == CAIRN_MH_IDENTITY)
			continue;
		uint8_t *b;
		int rc = blockstore_get(c->bs, p, &b, &len, err);
		if (rc == BS_NOT_FOUND || rc == BS_CORRUPT) {
			*where = *p;
			return DAG_MISSING;
		}
		if (rc != 0)
			return -1;
		add_section(out, p, b, len);
		free(b);
		return 0;
	}
	int rc = dag_iter_next(&c->it, &cid, &data, &len, err);
	if (rc != 0) {
		*where = cid;
		return rc;
	}
	add_section(out, &cid, data, len);
	return 0;
}

static void car_close(stream_source *s)
{
	struct car_source *c = (struct car_source *)s;
	dag_iter_close(&c->it);
	mhset_free(&c->seen);
	free(c->prefix);
	free(c);
}

stream_source *stream_car(blockstore *bs, const cairn_cid *header_root, const cairn_cid *prefix,
                          size_t nprefix, const cairn_cid *root, int scope, uint64_t from,
                          uint64_t to)
{
	struct car_source *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	if (nprefix) {
		c->prefix = malloc(nprefix * sizeof *prefix);
		if (!c->prefix) {
			free(c);
			return NULL;
		}
		memcpy(c->prefix, prefix, nprefix * sizeof *prefix);
		c->nprefix = nprefix;
	}
	c->base.next = car_next;
	c->base.close = car_close;
	c->base.length = -1;
	c->bs = bs;
	c->root = *header_root;
	mhset_init(&c->seen);
	dag_iter_open(&c->it, bs, root, scope, from, to, &c->seen);
	return &c->base;
}

void car_import_init(car_import *ci, repo *r)
{
	memset(ci, 0, sizeof *ci);
	ci->r = r;
}

void car_import_free(car_import *ci)
{
	free(ci->buf);
	ci->buf = NULL;
	block_buf_unref(ci->sec);
	ci->sec = NULL;
	if (ci->batch.set) /* nothing pending, after a successful finish */
		bs_batch_free(&ci->r->bs, &ci->batch);
}

/* Why the next section is refused: which one, and the core's reason. */
static void block_error(car_import *ci, int rc)
{
	snprintf(ci->err, sizeof ci->err, "CAR block %llu: %s", (unsigned long long)ci->blocks + 1,
	         cairn_strerror(rc));
}

/* A whole section in ci->sec: verified against its CID, stored, shown. */
static int section_done(car_import *ci)
{
	block_buf *sec = ci->sec;
	cairn_cid cid;
	const uint8_t *data;
	size_t dlen, used;
	int rc = cairn_car_section_decode(sec->data, sec->len, 0, &cid, &data, &dlen, &used);
	ci->sec = NULL;
	if (rc == CAIRN_OK && used != sec->len)
		rc = CAIRN_E_CAR; /* cannot be: the length prefix made the buffer */
	if (rc != CAIRN_OK) {
		block_error(ci, rc);
		goto fail;
	}
	if (cairn_cid_check_block(&cid, data, dlen) != CAIRN_OK) {
		char text[CAIRN_CID_TEXT_MAX];
		cairn_cid_to_string(&cid, text, sizeof text, NULL);
		snprintf(ci->err, sizeof ci->err, "CAR block %s does not match its CID", text);
		goto fail;
	}
	if (ci->ws) {
		if (cid.mh.code != CAIRN_MH_IDENTITY && bs_wstream_put(ci->ws, &cid, sec, data, dlen) != 0) {
			snprintf(ci->err, sizeof ci->err, "out of memory");
			ci->io_errno = ENOMEM;
			goto fail;
		}
	} else {
		cairn_iov iov = {data, dlen};
		if (!ci->batch.set && bs_batch_init(&ci->batch) != 0) {
			snprintf(ci->err, sizeof ci->err, "out of memory");
			goto fail;
		}
		if (blockstore_put_in(&ci->r->bs, &ci->batch, &cid, &iov, 1, ci->err) != 0) {
			ci->io_errno = errno ? errno : EIO;
			goto fail;
		}
	}
	ci->blocks++;
	ci->bytes += dlen;
	if (ci->on_block)
		ci->on_block(ci->on_block_ctx, &cid, sec, data, dlen);
	block_buf_unref(sec);
	return 0;
fail:
	block_buf_unref(sec);
	return -1;
}

/* Section bytes: each section's varint, then the section into a buffer
 * of exactly its size. */
static int feed_sections(car_import *ci, const uint8_t *p, size_t n)
{
	while (n) {
		if (!ci->sec) {
			uint64_t v;
			size_t used;
			ci->head[ci->nhead++] = *p++;
			n--;
			if (ci->head[ci->nhead - 1] & 0x80) {
				if (ci->nhead == sizeof ci->head)
					goto bad_length;
				continue;
			}
			if (cairn_varint_decode(ci->head, ci->nhead, &v, &used) != CAIRN_OK || v == 0)
				goto bad_length;
			if (v > CAIRN_CAR_SECTION_MAX - ci->nhead) {
				block_error(ci, CAIRN_E_LIMIT);
				return -1;
			}
			if (!(ci->sec = block_buf_new(ci->nhead + (size_t)v))) {
				snprintf(ci->err, sizeof ci->err, "out of memory");
				return -1;
			}
			memcpy(ci->sec->data, ci->head, ci->nhead);
			ci->sec_have = ci->nhead;
			ci->nhead = 0;
			continue;
		}
		size_t take = ci->sec->len - ci->sec_have;
		if (take > n)
			take = n;
		memcpy(ci->sec->data + ci->sec_have, p, take);
		ci->sec_have += take;
		p += take;
		n -= take;
		if (ci->sec_have == ci->sec->len && section_done(ci) != 0)
			return -1;
	}
	return 0;
bad_length:
	block_error(ci, CAIRN_E_CAR);
	return -1;
}

int car_import_feed(car_import *ci, const void *data, size_t n)
{
	if (ci->have_header)
		return feed_sections(ci, data, n);
	/* the header: buffered until it parses (at most CAIRN_CAR_HEADER_MAX
	 * and its varint, which the decoder enforces) */
	if (ci->len + n > ci->cap) {
		size_t cap = ci->cap ? ci->cap : 4096;
		while (cap < ci->len + n)
			cap *= 2;
		uint8_t *b = realloc(ci->buf, cap);
		if (!b) {
			snprintf(ci->err, sizeof ci->err, "out of memory");
			return -1;
		}
		ci->buf = b;
		ci->cap = cap;
	}
	memcpy(ci->buf + ci->len, data, n);
	ci->len += n;
	size_t used;
	int rc = cairn_car_header_decode(ci->buf, ci->len, ci->roots, CAR_IMPORT_MAX_ROOTS, &ci->nroots,
	                                 &used);
	if (rc == CAIRN_E_TRUNCATED)
		return 0;
	if (rc != 0) {
		snprintf(ci->err, sizeof ci->err, "CAR header: %s", cairn_strerror(rc));
		return -1;
	}
	ci->have_header = 1;
	/* what followed the header, in this feed */
	rc = feed_sections(ci, ci->buf + used, ci->len - used);
	free(ci->buf);
	ci->buf = NULL;
	ci->len = ci->cap = 0;
	return rc;
}

int car_import_finish(car_import *ci)
{
	if (!ci->have_header) {
		snprintf(ci->err, sizeof ci->err, "not a CAR: %s", ci->len ? "truncated header" : "empty input");
		return -1;
	}
	if (ci->sec || ci->nhead) {
		snprintf(ci->err, sizeof ci->err, "CAR ends inside a block (%zu bytes left over)",
		         ci->sec ? ci->sec_have : ci->nhead);
		return -1;
	}
	if (ci->ws)
		return 0; /* its writer stream's commit is the caller's */
	if (ci->batch.set &&
	    (ci->cache ? blockstore_commit_cache_batch(&ci->r->bs, &ci->batch, ci->err)
	               : blockstore_commit_batch(&ci->r->bs, &ci->batch, ci->err)) != 0) {
		ci->io_errno = errno ? errno : EIO;
		return -1;
	}
	return 0;
}

int car_pin_root(repo *r, const cairn_cid *root, char *err)
{
	cairn_cid where;
	char text[CAIRN_CID_TEXT_MAX];
	int rc = dag_find_missing(&r->bs, root, DAG_RECURSIVE, &where, err);
	if (rc > 0) {
		cairn_cid_to_string(&where, text, sizeof text, NULL);
		snprintf(err, CAIRN_ERR_MAX, rc == DAG_MISSING ? "block %s is not in the CAR or the repo"
		                                     : "block %s does not decode", text);
	}
	if (rc != 0)
		return -1;
	pin p = {.cid = *root, .type = PIN_RECURSIVE};
	return pinstore_put(r, &p, err);
}

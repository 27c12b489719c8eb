#include "ipld.h"
#include "dir.h"
#include "mhset.h"

#include "cairn/dagcbor.h"
#include "cairn/dagjson.h"
#include "cairn/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ipld_codec_ok(uint64_t codec)
{
	return codec == CAIRN_CODEC_DAG_CBOR || codec == CAIRN_CODEC_DAG_JSON || codec == CAIRN_CODEC_JSON;
}

static int bad(char *err, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int bad(char *err, int rc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, CAIRN_ERR_MAX, fmt, ap);
	va_end(ap);
	return rc;
}

/* JSON text (dag-json or json) into freshly malloc'd DAG-CBOR. */
static int json_to_cbor(const uint8_t *in, size_t len, uint64_t codec, uint8_t **out, size_t *outlen,
                        cairn_ipld_opts *co)
{
	size_t cap = CAIRN_DAGJSON_DECODE_MAX(len);
	uint8_t *buf = malloc(cap);
	void *work = malloc(CAIRN_DAGJSON_DECODE_WORK(len, cap));
	int rc = CAIRN_E_BUFFER;
	if (buf && work) {
		co->flags = codec == CAIRN_CODEC_JSON ? CAIRN_IPLD_PLAIN_JSON : 0;
		co->work = work;
		co->work_len = CAIRN_DAGJSON_DECODE_WORK(len, cap);
		rc = cairn_dagjson_decode((const char *)in, len, buf, cap, outlen, co);
	}
	free(work);
	if (rc != CAIRN_OK) {
		free(buf);
		return rc;
	}
	*out = buf;
	return CAIRN_OK;
}

int ipld_encode(const uint8_t *node, size_t len, uint64_t codec, uint8_t **out, size_t *outlen, char *err)
{
	if (codec == CAIRN_CODEC_DAG_CBOR) {
		*out = malloc(len ? len : 1);
		if (!*out)
			return bad(err, -1, "out of memory");
		memcpy(*out, node, len);
		*outlen = len;
		return 0;
	}
	cairn_ipld_opts co = {.flags = codec == CAIRN_CODEC_JSON ? CAIRN_IPLD_PLAIN_JSON : 0};
	size_t n;
	int rc = cairn_dagjson_encode(node, len, NULL, 0, &n, &co);
	if (rc == CAIRN_E_JSON)
		return bad(err, DAG_BAD_INPUT, "%s", co.why);
	if (rc)
		return bad(err, DAG_BAD_INPUT, "not a valid node: %s", co.why ? co.why : cairn_strerror(rc));
	char *buf = malloc(n + 1);
	co.work_len = CAIRN_DAGJSON_ENCODE_WORK(len);
	co.work = malloc(co.work_len);
	if (buf && co.work)
		rc = cairn_dagjson_encode(node, len, buf, n, &n, &co);
	free(co.work);
	if (!buf || !co.work || rc) {
		free(buf);
		return bad(err, -1, "out of memory");
	}
	*out = (uint8_t *)buf;
	*outlen = n;
	return 0;
}

int ipld_put(blockstore *bs, const ipld_put_opts *o, const uint8_t *in, size_t len, cairn_cid *cid,
             char *err)
{
	uint8_t *cbor = NULL, *block = NULL;
	size_t clen = 0, blen = 0;
	cairn_ipld_opts co = {0};
	int rc;
	const char *in_name = cairn_codec_name(o->input_codec);
	if (len > IPLD_INPUT_MAX)
		return bad(err, DAG_BAD_INPUT, "record larger than %u bytes", IPLD_INPUT_MAX);
	if (o->input_codec == CAIRN_CODEC_DAG_CBOR) {
		rc = cairn_dagcbor_check(in, len, &co);
		clen = len;
	} else {
		rc = json_to_cbor(in, len, o->input_codec, &cbor, &clen, &co);
	}
	if (rc == CAIRN_E_BUFFER && !co.why)
		return bad(err, -1, "out of memory");
	if (rc != CAIRN_OK)
		return bad(err, DAG_BAD_INPUT, "input is not valid %s: %s (at byte %zu)", in_name,
		           co.why ? co.why : cairn_strerror(rc), co.err_at);
	const uint8_t *node = cbor ? cbor : in;
	if (o->store_codec == CAIRN_CODEC_DAG_CBOR && o->input_codec == CAIRN_CODEC_DAG_CBOR) {
		block = (uint8_t *)node; /* checked strict: already canonical */
		blen = clen;
	} else if ((rc = ipld_encode(node, clen, o->store_codec, &block, &blen, err)) != 0) {
		goto done;
	}
	size_t max = o->allow_big ? BLOCK_MAX : IPLD_BLOCK_SOFT_MAX;
	if (blen > max) {
		rc = bad(err, DAG_BAD_INPUT,
		         o->allow_big ? "produced block is %zu bytes, over the limit of %zu"
		                      : "produced block is %zu bytes, over %zu: big blocks cannot be exchanged "
		                        "with other peers; store bigger data as UnixFS (cairn add), or pass "
		                        "--allow-big-block",
		         blen, max);
		goto done;
	}
	*cid = (cairn_cid){.version = 1, .codec = o->store_codec};
	if (cairn_mh_compute(&cid->mh, o->hash, block, blen) != CAIRN_OK) {
		rc = bad(err, DAG_BAD_INPUT, "cannot hash with that function");
		goto done;
	}
	cairn_iov iov = {block, blen};
	rc = blockstore_put(bs, cid, &iov, 1, err) != 0 || blockstore_commit(bs, err) != 0 ? -1 : 0;
done:
	if (block != node)
		free(block);
	free(cbor);
	return rc;
}

int ipld_node(const cairn_cid *cid, const uint8_t *data, size_t len, uint8_t **out, size_t *outlen,
              char *err)
{
	cairn_ipld_opts co = {0};
	int rc;
	switch (cid->codec) {
	case CAIRN_CODEC_DAG_CBOR:
		if ((rc = cairn_dagcbor_check(data, len, &co)) != CAIRN_OK)
			break;
		return ipld_encode(data, len, CAIRN_CODEC_DAG_CBOR, out, outlen, err);
	case CAIRN_CODEC_DAG_JSON:
	case CAIRN_CODEC_JSON:
		rc = json_to_cbor(data, len, cid->codec, out, outlen, &co);
		if (rc == CAIRN_OK)
			return 0;
		if (rc == CAIRN_E_BUFFER && !co.why)
			return bad(err, -1, "out of memory");
		break;
	case CAIRN_CODEC_DAG_PB:
	case CAIRN_CODEC_RAW: {
		/* measured, then written: dag-pb as {Data, Links}, raw as bytes */
		int (*conv)(const uint8_t *, size_t, uint8_t *, size_t, size_t *) =
			cid->codec == CAIRN_CODEC_RAW ? cairn_raw_to_dagcbor : cairn_dagpb_to_dagcbor;
		size_t n;
		if ((rc = conv(data, len, NULL, 0, &n)) != CAIRN_OK)
			break;
		if (!(*out = malloc(n ? n : 1)))
			return bad(err, -1, "out of memory");
		conv(data, len, *out, n, outlen);
		return 0;
	}
	default:
		return bad(err, DAG_INVALID, "codec %s has no data model here",
		           cairn_codec_name(cid->codec) ? cairn_codec_name(cid->codec) : "unknown");
	}
	return bad(err, DAG_INVALID, "block does not decode as %s: %s (at byte %zu)", cairn_codec_name(cid->codec),
	           co.why ? co.why : cairn_strerror(rc), co.err_at);
}

int ipld_block_as(const cairn_cid *cid, const uint8_t *data, size_t len, uint64_t codec, uint8_t **out,
                  size_t *outlen, char *err)
{
	uint8_t *node = NULL;
	size_t nlen;
	int rc = ipld_node(cid, data, len, &node, &nlen, err);
	if (rc == 0)
		rc = ipld_encode(node, nlen, codec, out, outlen, err);
	free(node);
	return rc;
}

/* Load cid's block as its data model into *node (replacing what was there). */
static int load_node(blockstore *bs, const cairn_cid *cid, uint8_t **node, size_t *len, cairn_cid *where,
                     char *err)
{
	uint8_t *data;
	size_t dlen;
	int rc = blockstore_get(bs, cid, &data, &dlen, err);
	if (rc == BS_NOT_FOUND || rc == BS_CORRUPT) {
		*where = *cid;
		return DAG_MISSING;
	}
	if (rc != 0)
		return -1;
	free(*node);
	*node = NULL;
	rc = ipld_node(cid, data, dlen, node, len, err);
	free(data);
	if (rc == DAG_INVALID)
		*where = *cid;
	return rc;
}

/* Note a root met on the way (a link followed): X-Ipfs-Roots. */
static int trail_root(dir_trail *t, const cairn_cid *cid, cairn_cid *where)
{
	if (!t)
		return 0;
	if (t->nroots == DIR_PATH_MAX_SEGMENTS + 1) {
		*where = *cid;
		return DAG_INVALID; /* a path longer than anything resolves */
	}
	t->roots[t->nroots++] = *cid;
	return 0;
}

/* Note a block read on the way (a CAR of the path holds it). */
static int trail_block(dir_trail *t, const cairn_cid *cid, cairn_cid *where)
{
	if (!t)
		return 0;
	if (t->nblocks == DIR_TRAIL_MAX) {
		*where = *cid;
		return DAG_INVALID;
	}
	t->blocks[t->nblocks++] = *cid;
	return 0;
}

/* The rest of the path as UnixFS names from the dag-pb block dir, its
 * trail added to ours. */
static int unixfs_rest(blockstore *bs, const cairn_cid *dir, const char *p, cairn_cid *at, dir_trail *trail,
                       cairn_cid *where, char *err)
{
	dir_trail *t = trail ? malloc(sizeof *t) : NULL;
	if (trail && !t)
		return bad(err, -1, "out of memory");
	int rc = dir_resolve(bs, dir, p, at, t, where, err);
	for (size_t i = 0; rc == 0 && t && i < t->nblocks; i++)
		rc = trail_block(trail, &t->blocks[i], where);
	for (size_t i = 1; rc == 0 && t && i < t->nroots; i++)
		rc = trail_root(trail, &t->roots[i], where);
	free(t);
	return rc;
}

/* Walk path from root (ipld_get's rules). On 0: *node is the data model of
 * the block the value is in (malloc'd), [*off, *off + *vlen) the value in
 * it, *at that block's CID. With unixfs, a path that goes on into a dag-pb
 * block is resolved there as UnixFS names (dir_resolve), as the gateway
 * does; *node is then NULL and *at the CID the names lead to. */
static int walk(blockstore *bs, const cairn_cid *root, const char *path, int unixfs, dir_trail *trail,
                uint8_t **node, size_t *len, size_t *off, size_t *vlen, cairn_cid *at, cairn_cid *where,
                char *err)
{
	int rc;
	*node = NULL;
	*at = *root;
	*off = 0;
	const char *p = path ? path : "";
	while (*p == '/')
		p++;
	if (trail) {
		trail->nblocks = 0;
		trail->roots[0] = *root;
		trail->nroots = 1;
	}
	if (unixfs && root->codec == CAIRN_CODEC_DAG_PB)
		return dir_resolve(bs, root, p, at, trail, where, err);
	if ((rc = trail_block(trail, root, where)) != 0 || (rc = load_node(bs, root, node, len, where, err)) != 0)
		return rc;
	*vlen = *len;
	/* A link met on the way, or where the path ends, leads to the block it
	 * names (as Kubo's dag get); the root block itself is shown as it is. */
	for (int first = 1, hops = 0;; first = 0) {
		while (*p == '/')
			p++;
		cairn_ipld_kind kind;
		cairn_dagcbor_kind(*node + *off, *vlen, &kind);
		if (kind == CAIRN_IPLD_LINK && !first) {
			const uint8_t *b;
			size_t bn;
			cairn_cid next;
			cairn_dagcbor_link(*node + *off, *vlen, &b, &bn);
			if (cairn_cid_decode(b, bn, &next, NULL) != CAIRN_OK) {
				if (!*p)
					return 0; /* a link this node cannot follow: itself is the answer */
				*where = *at;
				return bad(err, DIR_NOT_FOUND,
				           "the path goes through a link of a codec or hash function this node does not know");
			}
			if (++hops > 1024) { /* blocks that are bare links to each other */
				*where = next;
				return DAG_INVALID;
			}
			*at = next;
			if (unixfs && next.codec == CAIRN_CODEC_DAG_PB && *p) {
				free(*node);
				*node = NULL;
				if ((rc = trail_root(trail, &next, where)) != 0)
					return rc;
				return unixfs_rest(bs, &next, p, at, trail, where, err);
			}
			if ((rc = trail_root(trail, &next, where)) != 0 || (rc = trail_block(trail, &next, where)) != 0 ||
			    (rc = load_node(bs, &next, node, len, where, err)) != 0)
				return rc;
			*off = 0;
			*vlen = *len;
			continue;
		}
		if (!*p)
			return 0;
		const char *end = strchr(p, '/');
		size_t seglen = end ? (size_t)(end - p) : strlen(p);
		size_t o2;
		if (cairn_dagcbor_lookup(*node + *off, *vlen, p, seglen, &o2, vlen) != CAIRN_OK) {
			char text[CAIRN_CID_TEXT_MAX];
			cairn_cid_to_string(at, text, sizeof text, NULL);
			*where = *at;
			return bad(err, DIR_NOT_FOUND, "no link named \"%.*s\" under %s",
			           (int)(seglen > 200 ? 200 : seglen), p, text);
		}
		*off += o2;
		p += seglen;
	}
}

int ipld_get(blockstore *bs, const cairn_cid *root, const char *path, uint64_t out_codec, uint8_t **out,
             size_t *outlen, cairn_cid *where, char *err)
{
	uint8_t *node;
	size_t len, off, vlen;
	cairn_cid at;
	int rc = walk(bs, root, path, 0, NULL, &node, &len, &off, &vlen, &at, where, err);
	if (rc == 0)
		rc = ipld_encode(node + off, vlen, out_codec, out, outlen, err);
	free(node);
	return rc;
}

int ipld_resolve(blockstore *bs, const cairn_cid *root, const char *path, cairn_cid *cid, dir_trail *trail,
                 cairn_cid *where, char *err)
{
	uint8_t *node;
	size_t len, off, vlen;
	int rc = walk(bs, root, path, 1, trail, &node, &len, &off, &vlen, cid, where, err);
	if (rc == 0 && node && (off != 0 || vlen != len)) {
		cairn_ipld_kind kind;
		cairn_dagcbor_kind(node + off, vlen, &kind);
		/* the walk stopped short of the block's end: inside a record, or
		 * at a link it could not follow (a codec or hash unknown here) */
		if (kind != CAIRN_IPLD_LINK) {
			char text[CAIRN_CID_TEXT_MAX];
			cairn_cid_to_string(cid, text, sizeof text, NULL);
			*where = *cid;
			rc = bad(err, DIR_NOT_DIR, "the path ends inside %s, at a value that is not a link", text);
		} else {
			*where = *cid;
			rc = bad(err, DIR_NOT_FOUND, "the path ends at a link this node cannot follow");
		}
	}
	free(node);
	return rc;
}

int ipld_stat(blockstore *bs, const cairn_cid *root, uint64_t *blocks, uint64_t *bytes, cairn_cid *where,
              char *err)
{
	mhset seen;
	dag_iter it;
	const uint8_t *data;
	size_t len;
	int rc;
	mhset_init(&seen);
	dag_iter_open(&it, bs, root, DAG_SCOPE_ALL, 0, UINT64_MAX, &seen);
	*blocks = *bytes = 0;
	while ((rc = dag_iter_next(&it, where, &data, &len, err)) == 0) {
		(*blocks)++;
		*bytes += len;
	}
	dag_iter_close(&it);
	mhset_free(&seen);
	return rc == DAG_END ? 0 : rc;
}

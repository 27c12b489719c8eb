/*
 * IPLD records in the blockstore: `dag put` (a record read in one codec,
 * stored in another), `dag get` (a path through maps, lists and links,
 * written out in a codec) and `dag stat` (blocks and bytes of a DAG). The
 * codecs themselves are core's (dagcbor.h, dagjson.h); this is where they
 * meet blocks.
 */
#ifndef CAIRN_IPLD_H
#define CAIRN_IPLD_H

#include "dag.h"
#include "dir.h"

/* Kubo's limit for one record: bigger blocks cannot go through bitswap,
 * so they need --allow-big-block (up to BLOCK_MAX). */
#define IPLD_BLOCK_SOFT_MAX (1u << 20)
/* The most input one record may take (whitespace, escapes and base64
 * make JSON bigger than the block it becomes). */
#define IPLD_INPUT_MAX (2u * BLOCK_MAX)

typedef struct ipld_put_opts {
	uint64_t input_codec;  /* dag-json, dag-cbor or json */
	uint64_t store_codec;  /* dag-cbor, dag-json or json */
	uint64_t hash;         /* multihash function */
	int allow_big;         /* up to BLOCK_MAX instead of IPLD_BLOCK_SOFT_MAX */
} ipld_put_opts;

/* Is codec one dag put reads (input) or writes (store)? */
int ipld_codec_ok(uint64_t codec);

/* Read one record (in, len) as o->input_codec, store it as o->store_codec
 * (canonical: one value, one CID) and give its CIDv1. 0, DAG_BAD_INPUT
 * (err says what and at which byte), or -1 (err). Links in the record
 * need not be in the repo. */
int ipld_put(blockstore *bs, const ipld_put_opts *o, const uint8_t *in, size_t len, cairn_cid *cid,
             char *err);

/* A block's IPLD data model as DAG-CBOR, whatever its codec: dag-cbor as
 * is, dag-json and json converted, dag-pb as its {Data, Links} form, raw
 * as one bytes value. *out is malloc'd (the caller frees it). 0,
 * DAG_INVALID (does not decode as its codec; err says why), -1. */
int ipld_node(const cairn_cid *cid, const uint8_t *data, size_t len, uint8_t **out, size_t *outlen,
              char *err);

/* A block of any codec written in codec (dag-json, json, dag-cbor),
 * through its data model (ipld_node, then ipld_encode). *out malloc'd.
 * 0, DAG_INVALID (the block does not decode), DAG_BAD_INPUT (the codec
 * cannot hold it), -1; err says why. */
int ipld_block_as(const cairn_cid *cid, const uint8_t *data, size_t len, uint64_t codec, uint8_t **out,
                  size_t *outlen, char *err);

/* dag get: follow path ("" or "a/0/b", segments of map keys and list
 * indexes) from root, through links to other blocks (a value that is a
 * link at the end of the path is followed too, as in Kubo), and write the
 * value reached in out_codec (dag-json, dag-cbor, json). *out malloc'd.
 * 0; DAG_MISSING / DAG_INVALID (*where set); DIR_NOT_FOUND (err names the
 * segment); DAG_BAD_INPUT (the value cannot be written in out_codec, as
 * links in plain JSON; err says so); -1. */
int ipld_get(blockstore *bs, const cairn_cid *root, const char *path, uint64_t out_codec, uint8_t **out,
             size_t *outlen, cairn_cid *where, char *err);

/* The gateway's path resolution through records: from root (any codec),
 * follow path through maps, lists and links to the block it ends at, into
 * *cid; once in a dag-pb block, the rest of the path is UnixFS names
 * (dir_resolve). trail (may be NULL) gets what was read on the way, as
 * dir_resolve fills it, for a CAR of the path. 0; DIR_NOT_FOUND (err); DIR_NOT_DIR (err: the path ends
 * inside a record at a value that is not a link); DAG_MISSING /
 * DAG_INVALID (*where); -1. */
int ipld_resolve(blockstore *bs, const cairn_cid *root, const char *path, cairn_cid *cid, dir_trail *trail,
                 cairn_cid *where, char *err);

/* Write a DAG-CBOR value (node) in codec (dag-json, json, dag-cbor) into
 * *out (malloc'd). 0, DAG_BAD_INPUT (err), -1. */
int ipld_encode(const uint8_t *node, size_t len, uint64_t codec, uint8_t **out, size_t *outlen, char *err);

/* dag stat: the unique blocks under root (itself included) and their
 * bytes. 0, DAG_MISSING / DAG_INVALID (*where), -1. */
int ipld_stat(blockstore *bs, const cairn_cid *root, uint64_t *blocks, uint64_t *bytes, cairn_cid *where,
              char *err);

#endif

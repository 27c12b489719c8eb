/*
 * Declarations shared by the extension's C files: the varlena layouts of
 * the types and the one function that turns core error codes into ereport.
 */
#ifndef CAIRN_PG_H
#define CAIRN_PG_H

#include "postgres.h"
#include "fmgr.h"

#include "cairn/cid.h"
#include "cairn/multihash.h"

/*
 * ipfs_cid: a varlena whose payload is the canonical binary CID
 *   (CIDv0: 34 bytes 12 20 <digest>; CIDv1: varint(1) varint(codec) multihash)
 * multihash: a varlena whose payload is the binary multihash
 *   varint(code) varint(len) digest
 * Both are at most 136 bytes, so on disk they take a 1-byte header.
 */
#define DatumGetIpfsCidP(X) ((struct varlena *) PG_DETOAST_DATUM_PACKED(X))
#define PG_GETARG_IPFS_CID_P(n) DatumGetIpfsCidP(PG_GETARG_DATUM(n))
#define PG_GETARG_MULTIHASH_P(n) ((struct varlena *) PG_DETOAST_DATUM_PACKED(PG_GETARG_DATUM(n)))

/* Where a core error happened decides its SQLSTATE. */
typedef enum cairn_ctx {
	CAIRN_CTX_TEXT,    /* a type's text input: 22P02 */
	CAIRN_CTX_BINARY,  /* a type's binary input (recv, bytea cast): 22P03 */
	CAIRN_CTX_ARG,     /* a function argument: 22023 */
} cairn_ctx;

/*
 * The one place core error codes become errors: never returns.
 * what: the type or argument name; value: the offending input (or NULL).
 */
pg_attribute_noreturn() void cairn_ereport(int err, cairn_ctx ctx, const char *what,
                                           const char *value);

/*
 * The one comparison both types use: their payloads in byte order, shorter
 * first on a common prefix. For binary CIDs and multihashes that groups
 * values by version, codec and hash function, then digest.
 */
int cairn_varlena_cmp(struct varlena *a, struct varlena *b);

/*
 * Feed a bytea's content to fn in pieces without a second copy where the
 * storage allows: an uncompressed out-of-line value is fetched a slice at
 * a time; anything else is detoasted once (inline values not at all).
 */
typedef void (*cairn_bytes_fn)(void *ctx, const uint8_t *p, size_t n);
void cairn_bytea_stream(Datum d, cairn_bytes_fn fn, void *ctx);

/* Multihash (sha2-256 or blake3, not identity) of a whole bytea, streamed. */
void cairn_bytea_hash(Datum d, uint64 code, cairn_multihash *mh);

/* Decode stored bytes (always valid: checked on the way in). */
void cairn_datum_to_cid(struct varlena *v, cairn_cid *cid);
/* Build a new ipfs_cid varlena (palloc'd). */
struct varlena *cairn_cid_to_datum(const cairn_cid *cid);

/* cid_verify(bytea, ipfs_cid), for anchor_verify(anchored_cid, bytea). */
extern Datum cid_verify(PG_FUNCTION_ARGS);

/* Argument parsers shared by several functions; each reports 22023. */
uint64 cairn_arg_hash(text *name);
cairn_base cairn_arg_base(text *name);

#endif

/*
 * Computing and verifying CIDs of bytea values with the same importer the
 * node uses, so SQL and `cairn add` (and Kubo) agree byte for byte.
 */
#include "cairn_pg.h"

#include "cairn/error.h"
#include "cairn/importer.h"

#include "utils/builtins.h"
#include "utils/memutils.h"

PG_FUNCTION_INFO_V1(cid_of);
PG_FUNCTION_INFO_V1(cid_of_raw);
PG_FUNCTION_INFO_V1(cid_verify);

/* IPIP-499 profiles: unixfs-v0-2015 (Kubo's default) and unixfs-v1-2025. */
#define V0_2015_CHUNK 262144
#define V0_2015_LINKS 174
#define V1_2025_CHUNK 1048576
#define V1_2025_LINKS 1024

/*
 * Importer state (~650 KiB) plus a chunk buffer, allocated once per call
 * site and kept in fn_extra, so a query over a million rows does not
 * allocate a million times.
 */
typedef struct import_state {
	cairn_importer im;
	uint8_t chunk[CAIRN_CHUNK_SIZE_MAX];
	int rc; /* first importer error while streaming */
} import_state;

static import_state *get_state(FunctionCallInfo fcinfo)
{
	if (fcinfo->flinfo->fn_extra == NULL)
		fcinfo->flinfo->fn_extra =
			MemoryContextAllocHuge(fcinfo->flinfo->fn_mcxt, sizeof(import_state));
	return (import_state *) fcinfo->flinfo->fn_extra;
}

static void import_piece(void *ctx, const uint8_t *p, size_t n)
{
	import_state *st = ctx;

	if (st->rc == 0)
		st->rc = cairn_importer_update(&st->im, p, n);
}

/* Root CID of d imported with opts; core errors are raised as `what`. */
static void import_bytea(import_state *st, Datum d, const cairn_importer_opts *o, cairn_cid *root)
{
	int rc = cairn_importer_init(&st->im, o, st->chunk, sizeof st->chunk, NULL, NULL);

	if (rc != 0)
		cairn_ereport(rc, CAIRN_CTX_ARG, "importer options", NULL);
	st->rc = 0;
	cairn_bytea_stream(d, import_piece, st);
	rc = st->rc ? st->rc : cairn_importer_final(&st->im, root, NULL);
	if (rc != 0)
		cairn_ereport(rc, CAIRN_CTX_ARG, "data for cid_of", NULL);
}

Datum cid_of(PG_FUNCTION_ARGS)
{
	int32 version = PG_GETARG_INT32(1);
	uint64 hash = cairn_arg_hash(PG_GETARG_TEXT_PP(2));
	char *chunker = text_to_cstring(PG_GETARG_TEXT_PP(3));
	cairn_importer_opts o = cairn_importer_defaults();
	cairn_cid root;
	int rc;

	if (version != 0 && version != 1)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
		                errmsg("invalid cid_version: %d", version),
		                errhint("Use 0 or 1.")));
	if (version == 0 && hash != CAIRN_MH_SHA2_256)
		cairn_ereport(CAIRN_E_CID_V0, CAIRN_CTX_ARG, "hash function for CIDv0",
		              cairn_mh_name(hash));
	rc = cairn_chunker_parse(chunker, &o.chunk_size);
	if (rc != 0)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
		                errmsg("unsupported chunker: \"%s\"", chunker),
		                errhint("Use size-N with 1 <= N <= %d (Kubo's default is size-%d).",
		                        CAIRN_CHUNK_SIZE_MAX, CAIRN_CHUNK_SIZE_DEFAULT)));
	o.cid_version = (unsigned) version;
	o.hash = hash;
	o.raw_leaves = version == 1; /* as Kubo: CIDv1 implies raw leaves */
	import_bytea(get_state(fcinfo), PG_GETARG_DATUM(0), &o, &root);
	PG_RETURN_POINTER(cairn_cid_to_datum(&root));
}

Datum cid_of_raw(PG_FUNCTION_ARGS)
{
	cairn_cid cid = {.version = 1, .codec = CAIRN_CODEC_RAW};

	cairn_bytea_hash(PG_GETARG_DATUM(0), cairn_arg_hash(PG_GETARG_TEXT_PP(1)), &cid.mh);
	PG_RETURN_POINTER(cairn_cid_to_datum(&cid));
}

/* Does d, taken as one block, hash to want? */
static bool block_matches(Datum d, const cairn_cid *want)
{
	cairn_multihash got;

	if (want->mh.code == CAIRN_MH_IDENTITY) {
		struct varlena *v = PG_DETOAST_DATUM_PACKED(d);

		return VARSIZE_ANY_EXHDR(v) == want->mh.len &&
		       memcmp(VARDATA_ANY(v), want->mh.digest, want->mh.len) == 0;
	}
	cairn_bytea_hash(d, want->mh.code, &got);
	return memcmp(got.digest, want->mh.digest, CAIRN_HASH_LEN) == 0;
}

/*
 * Does importing d this way give the root block want names? Roots are
 * compared by multihash: the CID version is a label on the same block
 * (a CIDv0 and its v1 form name one DAG).
 */
static bool unixfs_matches(import_state *st, Datum d, const cairn_cid *want,
                           unsigned version, size_t chunk, size_t links, int raw_leaves)
{
	cairn_importer_opts o = cairn_importer_defaults();
	cairn_cid root;

	o.cid_version = version;
	o.hash = want->mh.code;
	o.chunk_size = chunk;
	o.max_links = links;
	o.raw_leaves = raw_leaves;
	import_bytea(st, d, &o, &root);
	return root.codec == CAIRN_CODEC_DAG_PB && root.mh.len == want->mh.len &&
	       memcmp(root.mh.digest, want->mh.digest, want->mh.len) == 0;
}

/*
 * True iff the bytes are what the CID names: the block itself (any codec),
 * or, for dag-pb, a file whose UnixFS DAG under one of the standard
 * profiles has this root. Profiles are tried most likely first and the
 * first match stops the search, so a match usually costs one pass.
 */
Datum cid_verify(PG_FUNCTION_ARGS)
{
	Datum d = PG_GETARG_DATUM(0);
	cairn_cid want;
	import_state *st;

	cairn_datum_to_cid(PG_GETARG_IPFS_CID_P(1), &want);
	if (want.codec != CAIRN_CODEC_DAG_PB || want.mh.code == CAIRN_MH_IDENTITY)
		PG_RETURN_BOOL(block_matches(d, &want));

	st = get_state(fcinfo);
	/* unixfs-v0-2015 as Kubo writes it for this CID version */
	if (unixfs_matches(st, d, &want, want.version, V0_2015_CHUNK, V0_2015_LINKS, want.version == 1))
		PG_RETURN_BOOL(true);
	if (want.version == 1) {
		/* unixfs-v1-2025 */
		if (unixfs_matches(st, d, &want, 1, V1_2025_CHUNK, V1_2025_LINKS, 1))
			PG_RETURN_BOOL(true);
		/* Kubo with --cid-version 1 --raw-leaves=false */
		if (unixfs_matches(st, d, &want, 1, V0_2015_CHUNK, V0_2015_LINKS, 0))
			PG_RETURN_BOOL(true);
		/* a CIDv0 DAG named by its v1 form */
		if (want.mh.code == CAIRN_MH_SHA2_256 &&
		    unixfs_matches(st, d, &want, 0, V0_2015_CHUNK, V0_2015_LINKS, 0))
			PG_RETURN_BOOL(true);
	}
	/* The bytes may be a dag-pb block rather than a file. */
	PG_RETURN_BOOL(block_matches(d, &want));
}

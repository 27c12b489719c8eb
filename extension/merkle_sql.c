/*
 * RFC 9162 Merkle trees in SQL: the merkle_root aggregates, leaf hashing,
 * and inclusion / consistency proof verification.
 */
#include "cairn_pg.h"

#include "cairn/error.h"
#include "cairn/merkle.h"

#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"

PG_FUNCTION_INFO_V1(merkle_leaf_hash);
PG_FUNCTION_INFO_V1(merkle_root_accum);
PG_FUNCTION_INFO_V1(merkle_root_accum_cid);
PG_FUNCTION_INFO_V1(merkle_root_final);
PG_FUNCTION_INFO_V1(merkle_verify_inclusion);
PG_FUNCTION_INFO_V1(merkle_verify_consistency);

static bytea *hash_to_bytea(const uint8_t h[32])
{
	return (bytea *) cstring_to_text_with_len((const char *) h, 32);
}

Datum merkle_leaf_hash(PG_FUNCTION_ARGS)
{
	bytea *leaf = PG_GETARG_BYTEA_PP(0);
	uint8_t h[32];

	cairn_merkle_leaf_hash(VARDATA_ANY(leaf), VARSIZE_ANY_EXHDR(leaf), h);
	PG_RETURN_BYTEA_P(hash_to_bytea(h));
}

/*
 * Aggregate state: a cairn_merkle_builder (one hash per set bit of the
 * leaf count, about 2 KiB) in the aggregate's memory context. NULL leaves
 * are skipped, as every SQL aggregate skips NULL inputs.
 */
static Datum accum(FunctionCallInfo fcinfo, struct varlena *leaf)
{
	MemoryContext aggctx;
	cairn_merkle_builder *b;
	uint8_t h[32];

	if (!AggCheckCallContext(fcinfo, &aggctx))
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
		                errmsg("merkle_root transition function called outside an aggregate")));
	if (PG_ARGISNULL(0)) {
		b = MemoryContextAlloc(aggctx, sizeof *b);
		cairn_merkle_builder_init(b);
	} else {
		b = (cairn_merkle_builder *) PG_GETARG_POINTER(0);
	}
	if (leaf != NULL) {
		cairn_merkle_leaf_hash(VARDATA_ANY(leaf), VARSIZE_ANY_EXHDR(leaf), h);
		if (cairn_merkle_builder_add(b, h) != 0)
			ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			                errmsg("Merkle tree is full (2^63 leaves)")));
	}
	PG_RETURN_POINTER(b);
}

Datum merkle_root_accum(PG_FUNCTION_ARGS)
{
	return accum(fcinfo, PG_ARGISNULL(1) ? NULL : (struct varlena *) PG_GETARG_BYTEA_PP(1));
}

/* For ipfs_cid the leaf is the CID's binary form. */
Datum merkle_root_accum_cid(PG_FUNCTION_ARGS)
{
	return accum(fcinfo, PG_ARGISNULL(1) ? NULL : PG_GETARG_IPFS_CID_P(1));
}

/* No rows, or only NULLs: NULL, like sum(); the RFC's empty-tree hash is
 * sha256('') for whoever needs it. */
Datum merkle_root_final(PG_FUNCTION_ARGS)
{
	cairn_merkle_builder *b;
	uint8_t root[32];

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	b = (cairn_merkle_builder *) PG_GETARG_POINTER(0);
	if (b->size == 0)
		PG_RETURN_NULL();
	cairn_merkle_builder_root(b, root);
	PG_RETURN_BYTEA_P(hash_to_bytea(root));
}

static void check_hash(bytea *b, const char *what)
{
	if (VARSIZE_ANY_EXHDR(b) != 32)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
		                errmsg("%s must be 32 bytes, got %d", what, (int) VARSIZE_ANY_EXHDR(b))));
}

static uint64 check_count(int64 v, const char *what)
{
	if (v < 0)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
		                errmsg("%s must not be negative, got " INT64_FORMAT, what, v)));
	return (uint64) v;
}

/* A proof path: a one-dimensional bytea[] of 32-byte hashes, no NULLs. */
static size_t get_path(ArrayType *arr, uint8_t (*path)[32])
{
	Datum *elems;
	bool *nulls;
	int n;

	if (ARR_NDIM(arr) > 1)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
		                errmsg("Merkle proof path must be a one-dimensional array")));
	deconstruct_array(arr, BYTEAOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	if (n > CAIRN_MERKLE_MAX_PATH)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
		                errmsg("Merkle proof path has %d entries, at most %d are possible",
		                       n, CAIRN_MERKLE_MAX_PATH)));
	for (int i = 0; i < n; i++) {
		bytea *b;

		if (nulls[i])
			ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
			                errmsg("Merkle proof path entry %d is NULL", i + 1)));
		b = DatumGetByteaPP(elems[i]);
		if (VARSIZE_ANY_EXHDR(b) != 32)
			ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			                errmsg("Merkle proof path entry %d must be 32 bytes, got %d",
			                       i + 1, (int) VARSIZE_ANY_EXHDR(b))));
		memcpy(path[i], VARDATA_ANY(b), 32);
	}
	return (size_t) n;
}

Datum merkle_verify_inclusion(PG_FUNCTION_ARGS)
{
	bytea *leaf = PG_GETARG_BYTEA_PP(0);
	uint64 index = check_count(PG_GETARG_INT64(1), "leaf index");
	uint64 size = check_count(PG_GETARG_INT64(2), "tree size");
	bytea *root = PG_GETARG_BYTEA_PP(4);
	uint8_t path[CAIRN_MERKLE_MAX_PATH][32], lh[32];
	size_t n = get_path(PG_GETARG_ARRAYTYPE_P(3), path);

	check_hash(root, "Merkle root");
	cairn_merkle_leaf_hash(VARDATA_ANY(leaf), VARSIZE_ANY_EXHDR(leaf), lh);
	PG_RETURN_BOOL(cairn_merkle_verify_inclusion(lh, index, size, (const uint8_t (*)[32]) path, n,
	                                             (const uint8_t *) VARDATA_ANY(root)) == CAIRN_OK);
}

Datum merkle_verify_consistency(PG_FUNCTION_ARGS)
{
	uint64 size1 = check_count(PG_GETARG_INT64(0), "first tree size");
	uint64 size2 = check_count(PG_GETARG_INT64(1), "second tree size");
	bytea *root1 = PG_GETARG_BYTEA_PP(2);
	bytea *root2 = PG_GETARG_BYTEA_PP(3);
	uint8_t path[CAIRN_MERKLE_MAX_PATH][32];
	size_t n = get_path(PG_GETARG_ARRAYTYPE_P(4), path);

	check_hash(root1, "first Merkle root");
	check_hash(root2, "second Merkle root");
	PG_RETURN_BOOL(cairn_merkle_verify_consistency(size1, size2,
	                                               (const uint8_t *) VARDATA_ANY(root1),
	                                               (const uint8_t *) VARDATA_ANY(root2),
	                                               (const uint8_t (*)[32]) path, n) == CAIRN_OK);
}

/*
 * Functions both types share. ipfs_cid and multihash are each a varlena
 * holding a canonical binary form, so equality, ordering, hashing, the
 * binary send format and the cast to bytea are the same code on the
 * payload bytes; each type's SQL functions point at these symbols.
 */
#include "cairn_pg.h"

#include "common/hashfn.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"

PG_FUNCTION_INFO_V1(cairn_bytes_cmp);
PG_FUNCTION_INFO_V1(cairn_bytes_eq);
PG_FUNCTION_INFO_V1(cairn_bytes_ne);
PG_FUNCTION_INFO_V1(cairn_bytes_lt);
PG_FUNCTION_INFO_V1(cairn_bytes_le);
PG_FUNCTION_INFO_V1(cairn_bytes_gt);
PG_FUNCTION_INFO_V1(cairn_bytes_ge);
PG_FUNCTION_INFO_V1(cairn_bytes_hash);
PG_FUNCTION_INFO_V1(cairn_bytes_hash_extended);
PG_FUNCTION_INFO_V1(cairn_bytes_send);
PG_FUNCTION_INFO_V1(cairn_bytes_to_bytea);

#define ARG_P(n) ((struct varlena *) PG_DETOAST_DATUM_PACKED(PG_GETARG_DATUM(n)))
#define CMP_ARGS cairn_varlena_cmp(ARG_P(0), ARG_P(1))

Datum cairn_bytes_cmp(PG_FUNCTION_ARGS) { PG_RETURN_INT32(CMP_ARGS); }
Datum cairn_bytes_eq(PG_FUNCTION_ARGS) { PG_RETURN_BOOL(CMP_ARGS == 0); }
Datum cairn_bytes_ne(PG_FUNCTION_ARGS) { PG_RETURN_BOOL(CMP_ARGS != 0); }
Datum cairn_bytes_lt(PG_FUNCTION_ARGS) { PG_RETURN_BOOL(CMP_ARGS < 0); }
Datum cairn_bytes_le(PG_FUNCTION_ARGS) { PG_RETURN_BOOL(CMP_ARGS <= 0); }
Datum cairn_bytes_gt(PG_FUNCTION_ARGS) { PG_RETURN_BOOL(CMP_ARGS > 0); }
Datum cairn_bytes_ge(PG_FUNCTION_ARGS) { PG_RETURN_BOOL(CMP_ARGS >= 0); }

Datum cairn_bytes_hash(PG_FUNCTION_ARGS)
{
	struct varlena *v = ARG_P(0);

	return hash_any((const unsigned char *) VARDATA_ANY(v), (int) VARSIZE_ANY_EXHDR(v));
}

Datum cairn_bytes_hash_extended(PG_FUNCTION_ARGS)
{
	struct varlena *v = ARG_P(0);

	return hash_any_extended((const unsigned char *) VARDATA_ANY(v),
	                         (int) VARSIZE_ANY_EXHDR(v), PG_GETARG_INT64(1));
}

/* Wire format: the binary form itself (a binary CID, a binary multihash). */
Datum cairn_bytes_send(PG_FUNCTION_ARGS)
{
	struct varlena *v = ARG_P(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendbytes(&buf, VARDATA_ANY(v), VARSIZE_ANY_EXHDR(v));
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

Datum cairn_bytes_to_bytea(PG_FUNCTION_ARGS)
{
	struct varlena *v = ARG_P(0);

	PG_RETURN_BYTEA_P(cstring_to_text_with_len(VARDATA_ANY(v), (int) VARSIZE_ANY_EXHDR(v)));
}

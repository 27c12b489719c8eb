/*
 * multihash: a self-describing digest (function code, length, digest).
 * Text form is multibase base32 of the binary multihash ("bciq..."); input
 * also takes any other supported multibase, or hex as "\x1220...".
 */
#include "cairn_pg.h"

#include "cairn/error.h"

#include "libpq/pqformat.h"
#include "utils/builtins.h"

PG_FUNCTION_INFO_V1(multihash_in);
PG_FUNCTION_INFO_V1(multihash_out);
PG_FUNCTION_INFO_V1(multihash_recv);
PG_FUNCTION_INFO_V1(multihash_of);
PG_FUNCTION_INFO_V1(multihash_digest);
PG_FUNCTION_INFO_V1(multihash_name);
PG_FUNCTION_INFO_V1(cid_multihash);
PG_FUNCTION_INFO_V1(cairn_blake3);
PG_FUNCTION_INFO_V1(multihash_from_bytes);

static struct varlena *mh_to_datum(const cairn_multihash *mh)
{
	size_t n = cairn_mh_encoded_size(mh);
	struct varlena *v = palloc(VARHDRSZ + n);

	SET_VARSIZE(v, VARHDRSZ + n);
	cairn_mh_encode(mh, (uint8_t *) VARDATA(v), n, NULL);
	return v;
}

static void datum_to_mh(struct varlena *v, cairn_multihash *mh)
{
	int rc = cairn_mh_decode((const uint8_t *) VARDATA_ANY(v), VARSIZE_ANY_EXHDR(v), mh, NULL);

	if (rc != 0)
		ereport(ERROR, (errcode(ERRCODE_DATA_CORRUPTED),
		                errmsg("stored multihash value is corrupt: %s", cairn_strerror(rc))));
}

Datum multihash_in(PG_FUNCTION_ARGS)
{
	char *s = PG_GETARG_CSTRING(0);
	size_t len = strlen(s), n;
	uint8_t buf[CAIRN_MH_MAX_BYTES + 8];
	cairn_multihash mh;
	int rc;

	if (len > 2 * sizeof buf + 2)
		rc = CAIRN_E_LIMIT;
	else if (len >= 2 && s[0] == '\\' && s[1] == 'x')
		rc = cairn_base_decode(CAIRN_BASE16, s + 2, len - 2, buf, sizeof buf, &n);
	else
		rc = cairn_multibase_decode(s, len, buf, sizeof buf, &n, NULL);
	/* bytes that do not fit the largest multihash are too long, not a
	 * fault of ours (base36 packs fewer bytes per character than the
	 * length guard assumes) */
	if (rc == CAIRN_E_BUFFER)
		rc = CAIRN_E_LIMIT;
	if (rc == 0)
		rc = cairn_mh_decode(buf, n, &mh, NULL);
	if (rc != 0)
		cairn_ereport(rc, CAIRN_CTX_TEXT, "multihash", s);
	PG_RETURN_POINTER(mh_to_datum(&mh));
}

Datum multihash_out(PG_FUNCTION_ARGS)
{
	struct varlena *v = PG_GETARG_MULTIHASH_P(0);
	size_t cap = cairn_multibase_encoded_max(CAIRN_BASE32, VARSIZE_ANY_EXHDR(v));
	char *out = palloc(cap);

	cairn_multibase_encode(CAIRN_BASE32, (const uint8_t *) VARDATA_ANY(v),
	                       VARSIZE_ANY_EXHDR(v), out, cap, NULL);
	PG_RETURN_CSTRING(out);
}

Datum multihash_recv(PG_FUNCTION_ARGS)
{
	StringInfo buf = (StringInfo) PG_GETARG_POINTER(0);
	cairn_multihash mh;
	int rc = cairn_mh_decode((const uint8_t *) buf->data + buf->cursor,
	                         (size_t) (buf->len - buf->cursor), &mh, NULL);

	if (rc != 0)
		cairn_ereport(rc, CAIRN_CTX_BINARY, "multihash", NULL);
	buf->cursor = buf->len;
	PG_RETURN_POINTER(mh_to_datum(&mh));
}

Datum multihash_from_bytes(PG_FUNCTION_ARGS)
{
	bytea *b = PG_GETARG_BYTEA_PP(0);
	cairn_multihash mh;
	int rc = cairn_mh_decode((const uint8_t *) VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b), &mh, NULL);

	if (rc != 0)
		cairn_ereport(rc, CAIRN_CTX_BINARY, "multihash", NULL);
	PG_RETURN_POINTER(mh_to_datum(&mh));
}


Datum multihash_of(PG_FUNCTION_ARGS)
{
	cairn_multihash mh;

	cairn_bytea_hash(PG_GETARG_DATUM(0), cairn_arg_hash(PG_GETARG_TEXT_PP(1)), &mh);
	PG_RETURN_POINTER(mh_to_datum(&mh));
}

Datum cairn_blake3(PG_FUNCTION_ARGS)
{
	cairn_multihash mh;

	cairn_bytea_hash(PG_GETARG_DATUM(0), CAIRN_MH_BLAKE3, &mh);
	PG_RETURN_BYTEA_P(cstring_to_text_with_len((const char *) mh.digest, (int) mh.len));
}

Datum multihash_digest(PG_FUNCTION_ARGS)
{
	cairn_multihash mh;

	datum_to_mh(PG_GETARG_MULTIHASH_P(0), &mh);
	PG_RETURN_BYTEA_P(cstring_to_text_with_len((const char *) mh.digest, (int) mh.len));
}

Datum multihash_name(PG_FUNCTION_ARGS)
{
	cairn_multihash mh;

	datum_to_mh(PG_GETARG_MULTIHASH_P(0), &mh);
	PG_RETURN_TEXT_P(cstring_to_text(cairn_mh_name(mh.code)));
}

Datum cid_multihash(PG_FUNCTION_ARGS)
{
	cairn_cid cid;

	cairn_datum_to_cid(PG_GETARG_IPFS_CID_P(0), &cid);
	PG_RETURN_POINTER(mh_to_datum(&cid.mh));
}

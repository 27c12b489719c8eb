/*
 * ipfs_cid: input/output, binary send/recv, comparison, hashing, casts and
 * inspection. The stored form is the canonical binary CID, so equal CIDs
 * are equal bytes and ordering is plain byte order (what a btree wants).
 */
#include "cairn_pg.h"

#include "cairn/error.h"
#include "cairn/varint.h"

#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"

PG_FUNCTION_INFO_V1(ipfs_cid_in);
PG_FUNCTION_INFO_V1(ipfs_cid_out);
PG_FUNCTION_INFO_V1(ipfs_cid_recv);
PG_FUNCTION_INFO_V1(ipfs_cid_from_bytea);
PG_FUNCTION_INFO_V1(cid_version);
PG_FUNCTION_INFO_V1(cid_codec);
PG_FUNCTION_INFO_V1(cid_hash);
PG_FUNCTION_INFO_V1(cid_digest);
PG_FUNCTION_INFO_V1(cid_to_v1);
PG_FUNCTION_INFO_V1(cid_to_text);

void cairn_datum_to_cid(struct varlena *v, cairn_cid *cid)
{
	int rc = cairn_cid_decode((const uint8_t *) VARDATA_ANY(v), VARSIZE_ANY_EXHDR(v), cid, NULL);

	/* Stored values were validated on the way in; this is corruption. */
	if (rc != 0)
		ereport(ERROR, (errcode(ERRCODE_DATA_CORRUPTED),
		                errmsg("stored ipfs_cid value is corrupt: %s", cairn_strerror(rc))));
}

struct varlena *cairn_cid_to_datum(const cairn_cid *cid)
{
	size_t n = cairn_cid_encoded_size(cid);
	struct varlena *v = palloc(VARHDRSZ + n);

	SET_VARSIZE(v, VARHDRSZ + n);
	cairn_cid_encode(cid, (uint8_t *) VARDATA(v), n, NULL);
	return v;
}

/* Binary input from recv or a bytea cast: must be exactly one valid CID. */
static struct varlena *cid_from_bytes(const uint8_t *p, size_t n)
{
	cairn_cid cid;
	int rc = cairn_cid_decode(p, n, &cid, NULL);

	if (rc != 0)
		cairn_ereport(rc, CAIRN_CTX_BINARY, "ipfs_cid", NULL);
	return cairn_cid_to_datum(&cid);
}

Datum ipfs_cid_in(PG_FUNCTION_ARGS)
{
	char *s = PG_GETARG_CSTRING(0);
	cairn_cid cid;
	int rc = cairn_cid_parse(s, strlen(s), &cid);

	if (rc != 0)
		cairn_ereport(rc, CAIRN_CTX_TEXT, "ipfs_cid", s);
	PG_RETURN_POINTER(cairn_cid_to_datum(&cid));
}

Datum ipfs_cid_out(PG_FUNCTION_ARGS)
{
	cairn_cid cid;
	char *out = palloc(CAIRN_CID_TEXT_MAX);

	cairn_datum_to_cid(PG_GETARG_IPFS_CID_P(0), &cid);
	cairn_cid_to_string(&cid, out, CAIRN_CID_TEXT_MAX, NULL);
	PG_RETURN_CSTRING(out);
}

/* Wire format: the binary CID, as in a CAR file or a dag-pb link. */
Datum ipfs_cid_recv(PG_FUNCTION_ARGS)
{
	StringInfo buf = (StringInfo) PG_GETARG_POINTER(0);
	struct varlena *v = cid_from_bytes((const uint8_t *) buf->data + buf->cursor,
	                                   (size_t) (buf->len - buf->cursor));

	buf->cursor = buf->len;
	PG_RETURN_POINTER(v);
}


Datum ipfs_cid_from_bytea(PG_FUNCTION_ARGS)
{
	bytea *b = PG_GETARG_BYTEA_PP(0);

	PG_RETURN_POINTER(cid_from_bytes((const uint8_t *) VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b)));
}

Datum cid_version(PG_FUNCTION_ARGS)
{
	cairn_cid cid;

	cairn_datum_to_cid(PG_GETARG_IPFS_CID_P(0), &cid);
	PG_RETURN_INT32((int32) cid.version);
}

Datum cid_codec(PG_FUNCTION_ARGS)
{
	cairn_cid cid;

	cairn_datum_to_cid(PG_GETARG_IPFS_CID_P(0), &cid);
	PG_RETURN_TEXT_P(cstring_to_text(cairn_codec_name(cid.codec)));
}

Datum cid_hash(PG_FUNCTION_ARGS)
{
	cairn_cid cid;

	cairn_datum_to_cid(PG_GETARG_IPFS_CID_P(0), &cid);
	PG_RETURN_TEXT_P(cstring_to_text(cairn_mh_name(cid.mh.code)));
}

Datum cid_digest(PG_FUNCTION_ARGS)
{
	cairn_cid cid;

	cairn_datum_to_cid(PG_GETARG_IPFS_CID_P(0), &cid);
	PG_RETURN_BYTEA_P(cstring_to_text_with_len((const char *) cid.mh.digest, (int) cid.mh.len));
}

Datum cid_to_v1(PG_FUNCTION_ARGS)
{
	cairn_cid cid;

	cairn_datum_to_cid(PG_GETARG_IPFS_CID_P(0), &cid);
	cairn_cid_to_v1(&cid, &cid);
	PG_RETURN_POINTER(cairn_cid_to_datum(&cid));
}

/* A CIDv0 has no multibase: any base but base58btc writes its v1 form. */
Datum cid_to_text(PG_FUNCTION_ARGS)
{
	cairn_cid cid;
	cairn_base base = cairn_arg_base(PG_GETARG_TEXT_PP(1));
	char out[CAIRN_CID_TEXT_MAX];

	cairn_datum_to_cid(PG_GETARG_IPFS_CID_P(0), &cid);
	if (cid.version == 0 && base != CAIRN_BASE58BTC)
		cairn_cid_to_v1(&cid, &cid);
	if (cid.version == 0)
		cairn_cid_to_string(&cid, out, sizeof out, NULL);
	else
		cairn_cid_format(&cid, base, out, sizeof out, NULL);
	PG_RETURN_TEXT_P(cstring_to_text(out));
}

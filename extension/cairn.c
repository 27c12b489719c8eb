/*
 * cairn extension: module magic, and the single mapping from core error
 * codes to PostgreSQL errors.
 */
#include "cairn_pg.h"

#include "cairn/error.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"

PG_MODULE_MAGIC;

/* Long bad input is clipped in messages: the start is what identifies it. */
#define ECHO_MAX 100

void cairn_ereport(int err, cairn_ctx ctx, const char *what, const char *value)
{
	char detail[128];
	char *shown = NULL;
	int code;

	switch (err) {
	case CAIRN_E_BUFFER:
	case CAIRN_E_STATE:
	case CAIRN_E_CALLBACK:
		/* Bugs in this extension, never bad data: report them as such. */
		ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR),
		                errmsg("cairn internal error in %s: %s", what, cairn_strerror(err))));
		break;
	default:
		break;
	}
	/* Details are sentences in PostgreSQL's style: capital, full stop. */
	snprintf(detail, sizeof detail, "%s.", cairn_strerror(err));
	detail[0] = (char) pg_toupper((unsigned char) detail[0]);
	if (value) {
		int len = (int) strlen(value);
		int clip = pg_mbcliplen(value, len, ECHO_MAX);

		shown = clip < len ? psprintf("%.*s...", clip, value) : pstrdup(value);
	}
	code = ctx == CAIRN_CTX_TEXT ? ERRCODE_INVALID_TEXT_REPRESENTATION
	     : ctx == CAIRN_CTX_BINARY ? ERRCODE_INVALID_BINARY_REPRESENTATION
	     : ERRCODE_INVALID_PARAMETER_VALUE;
	if (ctx == CAIRN_CTX_TEXT)
		ereport(ERROR, (errcode(code),
		                errmsg("invalid input syntax for type %s: \"%s\"", what, shown),
		                errdetail("%s", detail)));
	if (ctx == CAIRN_CTX_BINARY)
		ereport(ERROR, (errcode(code),
		                errmsg("invalid binary value for type %s", what),
		                errdetail("%s", detail)));
	/* A bad name among a few accepted ones: list them instead. */
	if (err == CAIRN_E_MH_UNKNOWN || err == CAIRN_E_BASE_UNKNOWN)
		ereport(ERROR, (errcode(code),
		                errmsg("unsupported %s: \"%s\"", what, shown),
		                err == CAIRN_E_MH_UNKNOWN
		                    ? errhint("Use 'blake3' or 'sha2-256'.")
		                    : errhint("Use base16, base16upper, base32, base32upper, base36, "
		                              "base36upper, base58btc, base64 or base64url.")));
	ereport(ERROR, (errcode(code),
	                shown ? errmsg("invalid %s: \"%s\"", what, shown) : errmsg("invalid %s", what),
	                errdetail("%s", detail)));
	pg_unreachable();
}

uint64 cairn_arg_hash(text *name)
{
	char *s = text_to_cstring(name);
	uint64 code;

	/* identity is a multihash but not a hash: it cannot name content. */
	if (cairn_mh_from_name(s, &code) != 0 || code == CAIRN_MH_IDENTITY)
		cairn_ereport(CAIRN_E_MH_UNKNOWN, CAIRN_CTX_ARG, "hash function", s);
	return code;
}

cairn_base cairn_arg_base(text *name)
{
	char *s = text_to_cstring(name);
	cairn_base base;
	int rc = cairn_base_from_name(s, &base);

	if (rc != 0)
		cairn_ereport(rc, CAIRN_CTX_ARG, "multibase", s);
	return base;
}

int cairn_varlena_cmp(struct varlena *a, struct varlena *b)
{
	size_t la = VARSIZE_ANY_EXHDR(a), lb = VARSIZE_ANY_EXHDR(b);
	int c = memcmp(VARDATA_ANY(a), VARDATA_ANY(b), Min(la, lb));

	if (c != 0)
		return c;
	return (la > lb) - (la < lb);
}

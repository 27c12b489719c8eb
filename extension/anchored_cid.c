/*
 * anchored_cid: a CID with its anchoring proof (docs/anchoring.md). Text
 * form: the proof's JSON object, or the same as a C2SP tlog-proof bundle
 * (as anchor/proof?format=tlog-proof writes it); output is canonical JSON,
 * fields in a fixed order, and anchor_tlog_proof() gives the bundle. Stored in binary, all integers big-endian:
 *
 *   u8  ANCHORED_VERSION
 *   u8  flags                 bit 0: anchored on a chain
 *   u64 index, u64 size       the leaf and the tree
 *   u8[32] root
 *   u8  n, then n × u8[32]    the audit path, leaf level first
 *   u8  cid length, the binary CID
 *   if anchored:
 *     u8 chain length, chain ("eip155:<id>"), u8[32] tx, u64 block,
 *     u8[32] block hash, i64 block time (Unix seconds)
 *   u16 checkpoint length, the checkpoint (a signed note)
 *
 * Equal proofs are equal bytes, so equality and hashing are on the
 * payload (bytes_ops.c).
 */
#include "cairn_pg.h"

#include "cairn/error.h"
#include "cairn/merkle.h"
#include "cairn/multibase.h"
#include "cairn/tlog.h"

#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"

#include <ctype.h>
#include <time.h>

#define ANCHORED_VERSION 1
#define ANCHORED_PATH_MAX 64
#define ANCHORED_NOTE_MAX 8192
#define ANCHORED_CHAIN_MAX 64

PG_FUNCTION_INFO_V1(anchored_cid_in);
PG_FUNCTION_INFO_V1(anchored_cid_out);
PG_FUNCTION_INFO_V1(anchored_cid_recv);
PG_FUNCTION_INFO_V1(anchor_verify);
PG_FUNCTION_INFO_V1(anchor_verify_data);
PG_FUNCTION_INFO_V1(anchor_cid);
PG_FUNCTION_INFO_V1(anchor_root);
PG_FUNCTION_INFO_V1(anchor_index);
PG_FUNCTION_INFO_V1(anchor_size);
PG_FUNCTION_INFO_V1(anchor_chain);
PG_FUNCTION_INFO_V1(anchor_tx);
PG_FUNCTION_INFO_V1(anchor_block);
PG_FUNCTION_INFO_V1(anchor_time);
PG_FUNCTION_INFO_V1(anchor_checkpoint);
PG_FUNCTION_INFO_V1(anchor_tlog_proof);

typedef struct proof {
	uint64 index, size;
	uint8 root[32];
	int npath;
	uint8 path[ANCHORED_PATH_MAX][32];
	cairn_cid cid;
	bool anchored;
	char chain[ANCHORED_CHAIN_MAX + 1];
	uint8 tx[32], block_hash[32];
	uint64 block;
	int64 time;
	char *note; /* palloc'd or pointing into a datum */
	size_t note_len;
} proof;

static pg_attribute_noreturn() void bad(int sqlstate, const char *what, const char *detail)
{
	ereport(ERROR, (errcode(sqlstate),
	                errmsg("invalid input for type anchored_cid: %s", what),
	                detail ? errdetail("%s", detail) : 0));
}

/* --- the binary form -------------------------------------------------- */

static void put64(StringInfo b, uint64 v)
{
	for (int i = 0; i < 8; i++)
		appendStringInfoChar(b, (char) (v >> (56 - 8 * i)));
}

static struct varlena *encode(const proof *p)
{
	StringInfoData b;
	uint8 cb[CAIRN_CID_MAX_BYTES];
	size_t cl;

	initStringInfo(&b);
	appendBinaryStringInfo(&b, "\0\0\0\0", VARHDRSZ); /* the header, set below */
	appendStringInfoChar(&b, ANCHORED_VERSION);
	appendStringInfoChar(&b, p->anchored ? 1 : 0);
	put64(&b, p->index);
	put64(&b, p->size);
	appendBinaryStringInfo(&b, (const char *) p->root, 32);
	appendStringInfoChar(&b, (char) p->npath);
	appendBinaryStringInfo(&b, (const char *) p->path, 32 * p->npath);
	cairn_cid_encode(&p->cid, cb, sizeof cb, &cl);
	appendStringInfoChar(&b, (char) cl);
	appendBinaryStringInfo(&b, (const char *) cb, (int) cl);
	if (p->anchored) {
		size_t chl = strlen(p->chain);
		appendStringInfoChar(&b, (char) chl);
		appendBinaryStringInfo(&b, p->chain, (int) chl);
		appendBinaryStringInfo(&b, (const char *) p->tx, 32);
		put64(&b, p->block);
		appendBinaryStringInfo(&b, (const char *) p->block_hash, 32);
		put64(&b, (uint64) p->time);
	}
	appendStringInfoChar(&b, (char) (p->note_len >> 8));
	appendStringInfoChar(&b, (char) (p->note_len & 0xff));
	appendBinaryStringInfo(&b, p->note, (int) p->note_len);
	SET_VARSIZE(b.data, b.len);
	return (struct varlena *) b.data;
}

/* Parse the binary form (stored or received); false if malformed. */
static bool decode(const uint8 *d, size_t n, proof *p)
{
	size_t o = 0, cl, chl, used;
	uint64 t;

#define NEED(k) do { if (n - o < (size_t) (k)) return false; } while (0)
#define GET64(v) do { NEED(8); v = 0; for (int i_ = 0; i_ < 8; i_++) v = v << 8 | d[o++]; } while (0)
	memset(p, 0, sizeof *p);
	NEED(2);
	if (d[o++] != ANCHORED_VERSION || d[o] > 1)
		return false;
	p->anchored = d[o++] == 1;
	GET64(p->index);
	GET64(p->size);
	NEED(33);
	memcpy(p->root, d + o, 32);
	o += 32;
	p->npath = d[o++];
	if (p->npath > ANCHORED_PATH_MAX)
		return false;
	NEED(32 * p->npath);
	memcpy(p->path, d + o, 32 * p->npath);
	o += 32 * p->npath;
	NEED(1);
	cl = d[o++];
	NEED(cl);
	if (cairn_cid_decode(d + o, cl, &p->cid, &used) != CAIRN_OK || used != cl)
		return false;
	o += cl;
	if (p->anchored) {
		NEED(1);
		chl = d[o++];
		if (chl > ANCHORED_CHAIN_MAX)
			return false;
		NEED(chl);
		memcpy(p->chain, d + o, chl);
		p->chain[chl] = '\0';
		o += chl;
		NEED(32);
		memcpy(p->tx, d + o, 32);
		o += 32;
		GET64(p->block);
		NEED(32);
		memcpy(p->block_hash, d + o, 32);
		o += 32;
		GET64(t);
		p->time = (int64) t;
	}
	NEED(2);
	p->note_len = (size_t) d[o] << 8 | d[o + 1];
	o += 2;
	if (p->note_len > ANCHORED_NOTE_MAX || n - o != p->note_len)
		return false;
	p->note = (char *) d + o;
	return p->index < p->size && memchr(p->note, '\0', p->note_len) == NULL;
#undef NEED
#undef GET64
}

static void datum_proof(struct varlena *v, proof *p)
{
	if (!decode((const uint8 *) VARDATA_ANY(v), VARSIZE_ANY_EXHDR(v), p))
		ereport(ERROR, (errcode(ERRCODE_DATA_CORRUPTED), errmsg("stored anchored_cid value is corrupt")));
}

#define ARG_PROOF(n, p) datum_proof((struct varlena *) PG_DETOAST_DATUM_PACKED(PG_GETARG_DATUM(n)), p)

/* --- text form: the proof's JSON --------------------------------------- */

static JsonbValue *field(Jsonb *j, const char *key)
{
	return getKeyJsonValueFromContainer(&j->root, key, strlen(key), NULL);
}

static char *string_field(Jsonb *j, const char *key, bool required)
{
	JsonbValue *v = field(j, key);
	if (!v) {
		if (required)
			bad(ERRCODE_INVALID_TEXT_REPRESENTATION, psprintf("\"%s\" is missing", key), NULL);
		return NULL;
	}
	if (v->type != jbvString)
		bad(ERRCODE_INVALID_TEXT_REPRESENTATION, psprintf("\"%s\" must be a string", key), NULL);
	return pnstrdup(v->val.string.val, v->val.string.len);
}

static uint64 uint_field(Jsonb *j, const char *key, bool required, bool *present)
{
	JsonbValue *v = field(j, key);
	char	   *s;

	if (present)
		*present = v != NULL;
	if (!v) {
		if (required)
			bad(ERRCODE_INVALID_TEXT_REPRESENTATION, psprintf("\"%s\" is missing", key), NULL);
		return 0;
	}
	s = v->type == jbvNumeric ? DatumGetCString(DirectFunctionCall1(numeric_out,
	                                                   NumericGetDatum(v->val.numeric))) : NULL;
	if (!s || !*s || strspn(s, "0123456789") != strlen(s) || strlen(s) > 19)
		bad(ERRCODE_INVALID_TEXT_REPRESENTATION,
		    psprintf("\"%s\" must be a non-negative integer", key), NULL);
	return strtoull(s, NULL, 10);
}

static void hex_field(const char *s, const char *key, bool prefixed, uint8 out[32])
{
	const char *h = prefixed ? s + 2 : s;
	char		lower[65];
	size_t		n;

	if (prefixed && strncmp(s, "0x", 2) != 0)
		bad(ERRCODE_INVALID_TEXT_REPRESENTATION, psprintf("\"%s\" must start with 0x", key), s);
	if (strlen(h) != 64 || strspn(h, "0123456789abcdefABCDEF") != 64)
		bad(ERRCODE_INVALID_TEXT_REPRESENTATION, psprintf("\"%s\" must be 32 bytes in hex", key), s);
	/* base16 is lower case; upper case is accepted too */
	for (int i = 0; i < 64; i++)
		lower[i] = (char) tolower((unsigned char) h[i]);
	lower[64] = '\0';
	if (cairn_base_decode(CAIRN_BASE16, lower, 64, out, 32, &n) != CAIRN_OK || n != 32)
		bad(ERRCODE_INVALID_TEXT_REPRESENTATION, psprintf("\"%s\" must be 32 bytes in hex", key), s);
}

/* "YYYY-MM-DDTHH:MM:SSZ" to Unix seconds. */
static int64 parse_time(const char *s)
{
	struct tm tm = {0};
	char z;
	if (strlen(s) != 20 || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c", &tm.tm_year, &tm.tm_mon,
	                              &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &z) != 7 ||
	    z != 'Z' || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
	    tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
		bad(ERRCODE_INVALID_TEXT_REPRESENTATION, "\"time\" must be YYYY-MM-DDTHH:MM:SSZ", s);
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (int64) timegm(&tm);
}

/* The CID: "cid", required. */
static void read_cid(Jsonb *j, proof *p)
{
	char	   *cid = string_field(j, "cid", true);
	int			rc = cairn_cid_parse(cid, strlen(cid), &p->cid);

	if (rc != CAIRN_OK)
		cairn_ereport(rc, CAIRN_CTX_TEXT, "anchored_cid", cid);
}

/* The chain fields: all or none. */
static void read_anchor(Jsonb *j, proof *p)
{
	char	   *chain = string_field(j, "chain", false);
	char	   *tx = string_field(j, "tx", false);
	char	   *bh = string_field(j, "block_hash", false);
	char	   *t = string_field(j, "time", false);
	bool		has_block;

	p->block = uint_field(j, "block", false, &has_block);
	if (!chain && !tx && !bh && !has_block)
		return;
	if (!chain || !tx || !bh || !t || !has_block)
		bad(ERRCODE_INVALID_TEXT_REPRESENTATION,
		    "an anchor needs all of \"chain\", \"tx\", \"block\", \"block_hash\" and \"time\"", NULL);
	if (strlen(chain) > ANCHORED_CHAIN_MAX || strncmp(chain, "eip155:", 7) != 0 || !chain[7] ||
	    strspn(chain + 7, "0123456789") != strlen(chain + 7))
		bad(ERRCODE_INVALID_TEXT_REPRESENTATION, "\"chain\" must be eip155:<chain id>", chain);
	strcpy(p->chain, chain);
	hex_field(tx, "tx", true, p->tx);
	hex_field(bh, "block_hash", true, p->block_hash);
	p->time = parse_time(t);
	p->anchored = true;
}

/* A C2SP tlog-proof bundle (core's cairn/tlog.h), as cairn writes it: the
 * CID and the anchor in its extra line's JSON, size and root the
 * checkpoint's own lines. */
static void from_bundle(const char *s, proof *p)
{
	cairn_tlog_proof *b = palloc(sizeof *b);
	const char *origin;
	size_t		ol, xl;
	uint8	   *x;
	Jsonb	   *j;

	if (cairn_tlog_proof_parse(s, strlen(s), b) != CAIRN_OK)
		bad(ERRCODE_INVALID_TEXT_REPRESENTATION, "not a well-formed c2sp.org/tlog-proof@v1 bundle",
		    "expected the header line, an optional extra line, an index line, base64 hashes, "
		    "a blank line, then the checkpoint");
	x = palloc(b->extra_len + 1);
	if (!b->extra ||
	    cairn_base_decode(CAIRN_BASE64PAD, b->extra, b->extra_len, x, b->extra_len, &xl) != CAIRN_OK)
		bad(ERRCODE_INVALID_TEXT_REPRESENTATION,
		    "the bundle's extra line must be base64 JSON naming the \"cid\"", NULL);
	x[xl] = '\0';
	j = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum((char *) x)));
	if (!JB_ROOT_IS_OBJECT(j))
		bad(ERRCODE_INVALID_TEXT_REPRESENTATION, "the bundle's extra JSON is not an object", NULL);
	read_cid(j, p);
	read_anchor(j, p);
	p->index = b->index;
	p->npath = (int) b->npath;
	memcpy(p->path, b->path, 32 * b->npath);
	p->note_len = b->note_len;
	if (p->note_len > ANCHORED_NOTE_MAX)
		bad(ERRCODE_INVALID_TEXT_REPRESENTATION, "the bundle's checkpoint is too long", NULL);
	p->note = pnstrdup(b->note, b->note_len);
	if (cairn_tlog_checkpoint_parse(p->note, p->note_len, &origin, &ol, &p->size, p->root) != CAIRN_OK)
		bad(ERRCODE_INVALID_TEXT_REPRESENTATION,
		    "the bundle's checkpoint does not start with origin, size and base64 root", NULL);
	if (p->index >= p->size)
		bad(ERRCODE_INVALID_TEXT_REPRESENTATION, "the bundle's index is not below the checkpoint's size", NULL);
}

Datum anchored_cid_in(PG_FUNCTION_ARGS)
{
	char	   *s = PG_GETARG_CSTRING(0);
	proof	   *p = palloc0(sizeof *p);
	Jsonb	   *j;
	JsonbValue *pa;
	int			n;

	if (strncmp(s, "c2sp.org/tlog-proof", 19) == 0) { /* a bundle, of a version or not */
		from_bundle(s, p);
		PG_RETURN_POINTER(encode(p));
	}
	j = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(s)));
	if (!JB_ROOT_IS_OBJECT(j))
		bad(ERRCODE_INVALID_TEXT_REPRESENTATION, "not a JSON object", NULL);
	read_cid(j, p);
	p->index = uint_field(j, "index", true, NULL);
	p->size = uint_field(j, "size", true, NULL);
	if (p->index >= p->size)
		bad(ERRCODE_INVALID_TEXT_REPRESENTATION, "\"index\" must be less than \"size\"", NULL);
	hex_field(string_field(j, "root", true), "root", false, p->root);
	pa = field(j, "path");
	if (!pa || pa->type != jbvBinary || !JsonContainerIsArray(pa->val.binary.data))
		bad(ERRCODE_INVALID_TEXT_REPRESENTATION, "\"path\" must be an array of hashes", NULL);
	n = JsonContainerSize(pa->val.binary.data);
	if (n > ANCHORED_PATH_MAX)
		bad(ERRCODE_INVALID_TEXT_REPRESENTATION, "\"path\" is longer than any tree needs", NULL);
	for (int i = 0; i < n; i++) {
		JsonbValue *e = getIthJsonbValueFromContainer(pa->val.binary.data, (uint32) i);

		if (!e || e->type != jbvString)
			bad(ERRCODE_INVALID_TEXT_REPRESENTATION, "\"path\" must be an array of hashes", NULL);
		hex_field(pnstrdup(e->val.string.val, e->val.string.len), "path", false, p->path[i]);
	}
	p->npath = n;
	p->note = string_field(j, "checkpoint", true);
	p->note_len = strlen(p->note);
	if (p->note_len > ANCHORED_NOTE_MAX)
		bad(ERRCODE_INVALID_TEXT_REPRESENTATION, "\"checkpoint\" is too long", NULL);
	read_anchor(j, p);
	PG_RETURN_POINTER(encode(p));
}

static void hex32(StringInfo b, const uint8 *h)
{
	static const char d[] = "0123456789abcdef";
	for (int i = 0; i < 32; i++) {
		appendStringInfoChar(b, d[h[i] >> 4]);
		appendStringInfoChar(b, d[h[i] & 15]);
	}
}

static void format_time(int64 t, char *out)
{
	time_t tt = (time_t) t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The anchor's fields, when there is one, as JSON members after others:
 * sep between members, colon after names (", "/": " in the type's text,
 * ","/":" in a bundle's compact extra line). */
static void anchor_fields(StringInfo b, const proof *p, const char *sep, const char *colon)
{
	char when[32];
	if (!p->anchored)
		return;
	format_time(p->time, when);
	appendStringInfo(b, "%s\"chain\"%s\"%s\"%s\"tx\"%s\"0x", sep, colon, p->chain, sep, colon);
	hex32(b, p->tx);
	appendStringInfo(b, "\"%s\"block\"%s" UINT64_FORMAT "%s\"block_hash\"%s\"0x", sep, colon, p->block, sep,
	                 colon);
	hex32(b, p->block_hash);
	appendStringInfo(b, "\"%s\"time\"%s\"%s\"", sep, colon, when);
}

Datum anchored_cid_out(PG_FUNCTION_ARGS)
{
	proof p;
	StringInfoData b;
	char cid[CAIRN_CID_TEXT_MAX];

	ARG_PROOF(0, &p);
	cairn_cid_to_string(&p.cid, cid, sizeof cid, NULL);
	initStringInfo(&b);
	appendStringInfo(&b, "{\"cid\": \"%s\", \"index\": " UINT64_FORMAT ", \"size\": " UINT64_FORMAT
	                 ", \"root\": \"", cid, p.index, p.size);
	hex32(&b, p.root);
	appendStringInfoString(&b, "\", \"path\": [");
	for (int i = 0; i < p.npath; i++) {
		appendStringInfoString(&b, i ? ", \"" : "\"");
		hex32(&b, p.path[i]);
		appendStringInfoChar(&b, '"');
	}
	appendStringInfoChar(&b, ']');
	anchor_fields(&b, &p, ", ", ": ");
	appendStringInfoString(&b, ", \"checkpoint\": ");
	escape_json(&b, pnstrdup(p.note, p.note_len));
	appendStringInfoChar(&b, '}');
	PG_RETURN_CSTRING(b.data);
}

/* Wire format: the binary form above. */
Datum anchored_cid_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	proof		p;
	int			n = buf->len - buf->cursor;
	const char *d = pq_getmsgbytes(buf, n);

	if (!decode((const uint8 *) d, (size_t) n, &p))
		ereport(ERROR, (errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
		                errmsg("invalid binary input for type anchored_cid")));
	/* re-encoded: equal proofs stay equal bytes */
	PG_RETURN_POINTER(encode(&p));
}

/* --- verification and accessors --------------------------------------- */

/* The proof holds together: the path leads from the CID's leaf to the
 * root, and the checkpoint's text states that size and root. (Its
 * signature and the chain are for `cairn audit`, which can reach both.) */
static bool verify(const proof *p)
{
	uint8		cb[CAIRN_CID_MAX_BYTES], leaf[32];
	size_t		cl;
	char		b64[64], head[96];
	const char *nl;

	cairn_cid_encode(&p->cid, cb, sizeof cb, &cl);
	cairn_merkle_leaf_hash(cb, cl, leaf);
	if (cairn_merkle_verify_inclusion(leaf, p->index, p->size, (const uint8_t(*)[32]) p->path,
	                                  (size_t) p->npath, p->root) != CAIRN_OK)
		return false;
	/* the checkpoint's lines 2 and 3: size, base64 root */
	nl = memchr(p->note, '\n', p->note_len);
	if (!nl)
		return false;
	cairn_base_encode(CAIRN_BASE64PAD, p->root, 32, b64, sizeof b64, NULL);
	snprintf(head, sizeof head, "\n" UINT64_FORMAT "\n%s\n", p->size, b64);
	return p->note_len - (size_t) (nl - p->note) >= strlen(head) &&
	       memcmp(nl, head, strlen(head)) == 0;
}

Datum anchor_verify(PG_FUNCTION_ARGS)
{
	proof p;
	ARG_PROOF(0, &p);
	PG_RETURN_BOOL(verify(&p));
}

Datum anchor_verify_data(PG_FUNCTION_ARGS)
{
	proof		p;
	FmgrInfo   *fi = fcinfo->flinfo->fn_extra;
	Datum		cid;

	ARG_PROOF(0, &p);
	if (!verify(&p))
		PG_RETURN_BOOL(false);
	/* The bytes must be what the CID names, as cid_verify decides. Its
	 * import state lives in its own fn_extra: give it an FmgrInfo that
	 * lasts as long as ours, so a scan reuses it row after row. */
	if (!fi) {
		fi = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof *fi);
		fi->fn_addr = cid_verify;
		fi->fn_nargs = 2;
		fi->fn_strict = true;
		fi->fn_mcxt = fcinfo->flinfo->fn_mcxt;
		fi->fn_oid = InvalidOid;
		fcinfo->flinfo->fn_extra = fi;
	}
	cid = PointerGetDatum(cairn_cid_to_datum(&p.cid));
	PG_RETURN_DATUM(FunctionCall2(fi, PG_GETARG_DATUM(1), cid));
}

Datum anchor_cid(PG_FUNCTION_ARGS)
{
	proof p;
	ARG_PROOF(0, &p);
	PG_RETURN_POINTER(cairn_cid_to_datum(&p.cid));
}

Datum anchor_root(PG_FUNCTION_ARGS)
{
	proof p;
	StringInfoData b;
	ARG_PROOF(0, &p);
	initStringInfo(&b);
	hex32(&b, p.root);
	PG_RETURN_TEXT_P(cstring_to_text(b.data));
}

Datum anchor_index(PG_FUNCTION_ARGS)
{
	proof p;
	ARG_PROOF(0, &p);
	PG_RETURN_INT64((int64) p.index);
}

Datum anchor_size(PG_FUNCTION_ARGS)
{
	proof p;
	ARG_PROOF(0, &p);
	PG_RETURN_INT64((int64) p.size);
}

Datum anchor_chain(PG_FUNCTION_ARGS)
{
	proof p;
	ARG_PROOF(0, &p);
	if (!p.anchored)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(p.chain));
}

Datum anchor_tx(PG_FUNCTION_ARGS)
{
	proof p;
	StringInfoData b;
	ARG_PROOF(0, &p);
	if (!p.anchored)
		PG_RETURN_NULL();
	initStringInfo(&b);
	appendStringInfoString(&b, "0x");
	hex32(&b, p.tx);
	PG_RETURN_TEXT_P(cstring_to_text(b.data));
}

Datum anchor_block(PG_FUNCTION_ARGS)
{
	proof p;
	ARG_PROOF(0, &p);
	if (!p.anchored)
		PG_RETURN_NULL();
	PG_RETURN_INT64((int64) p.block);
}

Datum anchor_time(PG_FUNCTION_ARGS)
{
	proof p;
	ARG_PROOF(0, &p);
	if (!p.anchored)
		PG_RETURN_NULL();
	PG_RETURN_TIMESTAMPTZ(time_t_to_timestamptz((pg_time_t) p.time));
}

Datum anchor_checkpoint(PG_FUNCTION_ARGS)
{
	proof p;
	ARG_PROOF(0, &p);
	PG_RETURN_TEXT_P(cstring_to_text_with_len(p.note, (int) p.note_len));
}

/* The proof as a C2SP tlog-proof bundle, the extra line's JSON written as
 * cairn writes it ({"cid", then the anchor's fields}), so a bundle from
 * cairn comes back byte for byte. */
Datum anchor_tlog_proof(PG_FUNCTION_ARGS)
{
	proof p;
	StringInfoData x;
	char cid[CAIRN_CID_TEXT_MAX];
	char *out;
	size_t cap, n;

	ARG_PROOF(0, &p);
	cairn_cid_to_string(&p.cid, cid, sizeof cid, NULL);
	initStringInfo(&x);
	appendStringInfo(&x, "{\"cid\":\"%s\"", cid);
	anchor_fields(&x, &p, ",", ":");
	appendStringInfoChar(&x, '}');
	cap = cairn_tlog_proof_size((size_t) x.len, (size_t) p.npath, p.note_len);
	out = palloc(cap);
	if (cairn_tlog_proof_write((const uint8_t *) x.data, (size_t) x.len, p.index,
	                           (const uint8_t(*)[32]) p.path, (size_t) p.npath, p.note, p.note_len,
	                           out, cap, &n) != CAIRN_OK)
		ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR), errmsg("could not write the tlog-proof bundle")));
	PG_RETURN_TEXT_P(cstring_to_text_with_len(out, (int) n));
}

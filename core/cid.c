#include "cairn/cid.h"
#include "cairn/error.h"
#include "cairn/varint.h"

#include <string.h>

struct codec_def {
	uint64_t code;
	const char *name;
};

static const struct codec_def codecs[] = {
	{CAIRN_CODEC_RAW, "raw"},
	{CAIRN_CODEC_DAG_PB, "dag-pb"},
	{CAIRN_CODEC_DAG_CBOR, "dag-cbor"},
	{CAIRN_CODEC_LIBP2P_KEY, "libp2p-key"},
	{CAIRN_CODEC_DAG_JSON, "dag-json"},
	{CAIRN_CODEC_JSON, "json"},
};

const char *cairn_codec_name(uint64_t codec)
{
	for (size_t i = 0; i < sizeof codecs / sizeof codecs[0]; i++)
		if (codecs[i].code == codec)
			return codecs[i].name;
	return NULL;
}

int cairn_codec_from_name(const char *name, uint64_t *codec)
{
	for (size_t i = 0; i < sizeof codecs / sizeof codecs[0]; i++) {
		if (strcmp(codecs[i].name, name) == 0) {
			*codec = codecs[i].code;
			return CAIRN_OK;
		}
	}
	return CAIRN_E_CID_CODEC;
}

static int check(unsigned version, uint64_t codec, const cairn_multihash *mh)
{
	if (version > 1)
		return CAIRN_E_CID_VERSION;
	if (!cairn_codec_name(codec))
		return CAIRN_E_CID_CODEC;
	int rc = cairn_mh_validate(mh->code, mh->len);
	if (rc)
		return rc;
	if (version == 0 && (codec != CAIRN_CODEC_DAG_PB || mh->code != CAIRN_MH_SHA2_256))
		return CAIRN_E_CID_V0;
	return CAIRN_OK;
}

int cairn_cid_set(cairn_cid *cid, unsigned version, uint64_t codec, const cairn_multihash *mh)
{
	int rc = check(version, codec, mh);
	if (rc)
		return rc;
	cid->version = version;
	cid->codec = codec;
	cid->mh = *mh;
	return CAIRN_OK;
}

size_t cairn_cid_encoded_size(const cairn_cid *cid)
{
	size_t n = cairn_mh_encoded_size(&cid->mh);
	if (cid->version == 1)
		n += cairn_varint_size(1) + cairn_varint_size(cid->codec);
	return n;
}

int cairn_cid_encode(const cairn_cid *cid, uint8_t *out, size_t cap, size_t *written)
{
	size_t need = cairn_cid_encoded_size(cid);
	if (need > cap)
		return CAIRN_E_BUFFER;
	size_t o = 0, n;
	if (cid->version == 1) {
		cairn_varint_encode(1, out, cap, &n);
		o += n;
		cairn_varint_encode(cid->codec, out + o, cap - o, &n);
		o += n;
	}
	cairn_mh_encode(&cid->mh, out + o, cap - o, &n);
	if (written)
		*written = o + n;
	return CAIRN_OK;
}

int cairn_cid_decode(const uint8_t *in, size_t len, cairn_cid *cid, size_t *consumed)
{
	if (len == 0)
		return CAIRN_E_TRUNCATED;
	size_t used;
	int rc;
	cairn_cid c;
	if (in[0] == CAIRN_MH_SHA2_256) {
		/* CIDv0: a bare sha2-256 multihash. */
		rc = cairn_mh_decode(in, len, &c.mh, &used);
		if (rc)
			return rc;
		c.version = 0;
		c.codec = CAIRN_CODEC_DAG_PB;
	} else {
		uint64_t version, codec;
		size_t a, b, m;
		rc = cairn_varint_decode(in, len, &version, &a);
		if (rc)
			return rc;
		if (version != 1)
			return CAIRN_E_CID_VERSION;
		rc = cairn_varint_decode(in + a, len - a, &codec, &b);
		if (rc)
			return rc;
		if (!cairn_codec_name(codec))
			return CAIRN_E_CID_CODEC;
		rc = cairn_mh_decode(in + a + b, len - a - b, &c.mh, &m);
		if (rc)
			return rc;
		c.version = 1;
		c.codec = codec;
		used = a + b + m;
	}
	rc = check(c.version, c.codec, &c.mh);
	if (rc)
		return rc;
	if (!consumed && used != len)
		return CAIRN_E_TRAILING;
	if (consumed)
		*consumed = used;
	*cid = c;
	return CAIRN_OK;
}

int cairn_cid_parse(const char *text, size_t len, cairn_cid *cid)
{
	uint8_t buf[CAIRN_CID_MAX_BYTES + 8];
	size_t n;
	int rc;
	if (len == 0)
		return CAIRN_E_EMPTY;
	if (len == CAIRN_CIDV0_TEXT_LEN && text[0] == 'Q' && text[1] == 'm') {
		rc = cairn_base_decode(CAIRN_BASE58BTC, text, len, buf, sizeof buf, &n);
		if (rc)
			return rc;
		rc = cairn_cid_decode(buf, n, cid, NULL);
		/* 46 chars starting "Qm" that decode to something other than a v0
		 * multihash are still not a CID: report it as a v0 problem. */
		if (rc == CAIRN_OK && cid->version != 0)
			return CAIRN_E_CID_V0;
		return rc;
	}
	/* Bound the work before decoding: no CID text is longer than this. */
	if (len > CAIRN_CID_TEXT_MAX)
		return CAIRN_E_LIMIT;
	rc = cairn_multibase_decode(text, len, buf, sizeof buf, &n, NULL);
	if (rc == CAIRN_E_BUFFER)
		return CAIRN_E_LIMIT;
	if (rc)
		return rc;
	if (n > 0 && buf[0] == CAIRN_MH_SHA2_256)
		return CAIRN_E_CID_VERSION; /* multibase-wrapped v0 is forbidden */
	return cairn_cid_decode(buf, n, cid, NULL);
}

int cairn_cid_format(const cairn_cid *cid, cairn_base base, char *out, size_t cap, size_t *outlen)
{
	uint8_t buf[CAIRN_CID_MAX_BYTES];
	size_t n;
	cairn_cid_encode(cid, buf, sizeof buf, &n);
	if (cid->version == 0) {
		if (base != CAIRN_BASE58BTC)
			return CAIRN_E_CID_V0;
		return cairn_base_encode(CAIRN_BASE58BTC, buf, n, out, cap, outlen);
	}
	return cairn_multibase_encode(base, buf, n, out, cap, outlen);
}

int cairn_cid_to_string(const cairn_cid *cid, char *out, size_t cap, size_t *outlen)
{
	return cairn_cid_format(cid, cid->version == 0 ? CAIRN_BASE58BTC : CAIRN_BASE32,
	                        out, cap, outlen);
}

void cairn_cid_to_v1(const cairn_cid *in, cairn_cid *out)
{
	*out = *in;
	out->version = 1;
}

int cairn_cid_to_v0(const cairn_cid *in, cairn_cid *out)
{
	if (in->codec != CAIRN_CODEC_DAG_PB || in->mh.code != CAIRN_MH_SHA2_256 || in->mh.len != 32)
		return CAIRN_E_CID_V0;
	*out = *in;
	out->version = 0;
	return CAIRN_OK;
}

int cairn_cid_compare(const cairn_cid *a, const cairn_cid *b)
{
	uint8_t x[CAIRN_CID_MAX_BYTES], y[CAIRN_CID_MAX_BYTES];
	size_t nx, ny;
	cairn_cid_encode(a, x, sizeof x, &nx);
	cairn_cid_encode(b, y, sizeof y, &ny);
	int c = memcmp(x, y, nx < ny ? nx : ny);
	if (c)
		return c;
	return (nx > ny) - (nx < ny);
}

int cairn_cid_check_block(const cairn_cid *cid, const void *data, size_t len)
{
	cairn_multihash got;
	int rc = cairn_mh_compute(&got, cid->mh.code, data, len);
	if (rc == CAIRN_E_MH_LENGTH)
		return CAIRN_E_MISMATCH; /* identity data longer than any identity CID */
	if (rc)
		return rc;
	if (got.len != cid->mh.len || memcmp(got.digest, cid->mh.digest, got.len) != 0)
		return CAIRN_E_MISMATCH;
	return CAIRN_OK;
}

int cairn_cid_check_shape(const uint8_t *in, size_t len)
{
	if (len == 0)
		return CAIRN_E_EMPTY;
	if (len > CAIRN_CID_MAX_BYTES)
		return CAIRN_E_LIMIT;
	if (in[0] == CAIRN_MH_SHA2_256) {
		/* v0: 0x12 0x20 and 32 digest bytes, nothing else */
		if (len < 2 || in[1] != 32)
			return CAIRN_E_CID_V0;
		return len < 34 ? CAIRN_E_TRUNCATED : len > 34 ? CAIRN_E_TRAILING : CAIRN_OK;
	}
	uint64_t v[4]; /* version, codec, hash function, digest length */
	size_t o = 0, n;
	for (int i = 0; i < 4; i++) {
		int rc = cairn_varint_decode(in + o, len - o, &v[i], &n);
		if (rc)
			return rc;
		o += n;
		if (i == 0 && v[0] != 1)
			return CAIRN_E_CID_VERSION;
	}
	if (v[3] > len - o)
		return CAIRN_E_TRUNCATED;
	return v[3] < len - o ? CAIRN_E_TRAILING : CAIRN_OK;
}

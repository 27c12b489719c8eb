#include "cairn/car.h"
#include "cairn/error.h"
#include "cairn/varint.h"
#include "cborwire.h"

#include <string.h>

static const char key_roots[] = "roots";
static const char key_version[] = "version";

/* map head + "roots" + array head + CIDs + "version" + 1 */
static size_t header_body_size(const cairn_cid *roots, size_t nroots)
{
	size_t body = 1 + 1 + 5 + cbor_head_size(nroots) + 1 + 7 + 1;
	for (size_t i = 0; i < nroots; i++) {
		size_t c = cairn_cid_encoded_size(&roots[i]) + 1;
		body += 2 + cbor_head_size(c) + c;
	}
	return body;
}

size_t cairn_car_header_size(const cairn_cid *roots, size_t nroots)
{
	size_t body = header_body_size(roots, nroots);
	return cairn_varint_size(body) + body;
}

int cairn_car_header_encode(const cairn_cid *roots, size_t nroots,
                            uint8_t *out, size_t cap, size_t *written)
{
	if (nroots > 0xffff)
		return CAIRN_E_LIMIT;
	size_t body = header_body_size(roots, nroots);
	if (cairn_varint_size(body) + body > cap)
		return CAIRN_E_BUFFER;
	size_t o;
	cairn_varint_encode(body, out, cap, &o);
	out[o++] = 0xa2; /* map(2) */
	o += cbor_put_head(out + o, CBOR_TEXT, 5);
	memcpy(out + o, key_roots, 5);
	o += 5;
	o += cbor_put_head(out + o, CBOR_ARRAY, nroots);
	for (size_t i = 0; i < nroots; i++) {
		size_t c = cairn_cid_encoded_size(&roots[i]);
		o += cbor_put_head(out + o, CBOR_TAG, CBOR_TAG_CID);
		o += cbor_put_head(out + o, CBOR_BYTES, c + 1);
		out[o++] = 0x00; /* multibase identity prefix, as DAG-CBOR CIDs carry */
		cairn_cid_encode(&roots[i], out + o, cap - o, NULL);
		o += c;
	}
	o += cbor_put_head(out + o, CBOR_TEXT, 7);
	memcpy(out + o, key_version, 7);
	o += 7;
	out[o++] = 0x01;
	if (written)
		*written = o;
	return CAIRN_OK;
}

static int parse_roots(const uint8_t *p, size_t len, size_t *off, cairn_cid *roots,
                       size_t cap, size_t *nroots)
{
	unsigned major;
	uint64_t n;
	int h = cbor_get_head(p + *off, len - *off, &major, &n);
	if (h < 0 || major != CBOR_ARRAY)
		return CAIRN_E_CAR;
	*off += (size_t)h;
	if (n > cap)
		return CAIRN_E_LIMIT;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t tag, blen;
		h = cbor_get_head(p + *off, len - *off, &major, &tag);
		if (h < 0 || major != CBOR_TAG || tag != CBOR_TAG_CID)
			return CAIRN_E_CAR;
		*off += (size_t)h;
		h = cbor_get_head(p + *off, len - *off, &major, &blen);
		if (h < 0 || major != CBOR_BYTES || blen < 2 || blen > len - *off - (size_t)h)
			return CAIRN_E_CAR;
		*off += (size_t)h;
		if (p[*off] != 0x00)
			return CAIRN_E_CAR;
		int rc = cairn_cid_decode(p + *off + 1, (size_t)blen - 1, &roots[i], NULL);
		if (rc)
			return rc;
		*off += (size_t)blen;
	}
	*nroots = (size_t)n;
	return CAIRN_OK;
}

int cairn_car_header_decode(const uint8_t *in, size_t len, cairn_cid *roots, size_t cap,
                            size_t *nroots, size_t *consumed)
{
	uint64_t hlen;
	size_t vl;
	int rc = cairn_varint_decode(in, len, &hlen, &vl);
	if (rc == CAIRN_E_TRUNCATED)
		return rc;
	if (rc)
		return CAIRN_E_CAR;
	if (hlen == 0)
		return CAIRN_E_CAR;
	if (hlen > CAIRN_CAR_HEADER_MAX)
		return CAIRN_E_LIMIT;
	if (len - vl < hlen)
		return CAIRN_E_TRUNCATED;
	const uint8_t *p = in + vl;
	size_t plen = (size_t)hlen, off = 0;
	unsigned major;
	uint64_t v;
	int h = cbor_get_head(p, plen, &major, &v);
	if (h < 0 || major != CBOR_MAP || v != 2)
		return CAIRN_E_CAR;
	off = (size_t)h;
	int have_roots = 0, have_version = 0;
	for (int k = 0; k < 2; k++) {
		h = cbor_get_head(p + off, plen - off, &major, &v);
		if (h < 0 || major != CBOR_TEXT || v > plen - off - (size_t)h)
			return CAIRN_E_CAR;
		off += (size_t)h;
		if (v == 5 && memcmp(p + off, key_roots, 5) == 0 && !have_roots) {
			off += 5;
			rc = parse_roots(p, plen, &off, roots, cap, nroots);
			if (rc)
				return rc;
			have_roots = 1;
		} else if (v == 7 && memcmp(p + off, key_version, 7) == 0 && !have_version) {
			off += 7;
			h = cbor_get_head(p + off, plen - off, &major, &v);
			if (h < 0 || major != CBOR_UINT || v != 1)
				return CAIRN_E_CAR;
			off += (size_t)h;
			have_version = 1;
		} else {
			return CAIRN_E_CAR;
		}
	}
	if (off != plen)
		return CAIRN_E_CAR;
	*consumed = vl + plen;
	return CAIRN_OK;
}

int cairn_car_section_head(const cairn_cid *cid, size_t data_len,
                           uint8_t *out, size_t cap, size_t *written)
{
	size_t c = cairn_cid_encoded_size(cid);
	uint64_t total = (uint64_t)c + data_len;
	size_t need = cairn_varint_size(total) + c;
	if (need > cap)
		return CAIRN_E_BUFFER;
	size_t o;
	int rc = cairn_varint_encode(total, out, cap, &o);
	if (rc)
		return rc;
	cairn_cid_encode(cid, out + o, cap - o, NULL);
	if (written)
		*written = o + c;
	return CAIRN_OK;
}

int cairn_car_section_decode(const uint8_t *in, size_t len, size_t max, cairn_cid *cid,
                             const uint8_t **data, size_t *data_len, size_t *consumed)
{
	if (max == 0)
		max = CAIRN_CAR_SECTION_MAX;
	uint64_t slen;
	size_t vl, cl;
	int rc = cairn_varint_decode(in, len, &slen, &vl);
	if (rc == CAIRN_E_TRUNCATED)
		return rc;
	if (rc)
		return CAIRN_E_CAR;
	if (slen == 0)
		return CAIRN_E_CAR;
	if (slen > max)
		return CAIRN_E_LIMIT;
	if (len - vl < slen)
		return CAIRN_E_TRUNCATED;
	rc = cairn_cid_decode(in + vl, (size_t)slen, cid, &cl);
	if (rc == CAIRN_E_TRUNCATED)
		return CAIRN_E_CAR; /* the CID runs past its own section */
	if (rc)
		return rc;
	*data = in + vl + cl;
	*data_len = (size_t)slen - cl;
	*consumed = vl + (size_t)slen;
	return CAIRN_OK;
}

#include "cairn/multihash.h"
#include "cairn/error.h"
#include "cairn/hash.h"
#include "cairn/varint.h"

#include <string.h>

struct mh_def {
	uint64_t code;
	const char *name;
	size_t min_len, max_len;
};

static const struct mh_def defs[] = {
	{CAIRN_MH_IDENTITY, "identity", 0, CAIRN_MH_IDENTITY_MAX},
	{CAIRN_MH_SHA2_256, "sha2-256", 32, 32},
	{CAIRN_MH_BLAKE3, "blake3", 32, 32},
};

static const struct mh_def *find(uint64_t code)
{
	for (size_t i = 0; i < sizeof defs / sizeof defs[0]; i++)
		if (defs[i].code == code)
			return &defs[i];
	return NULL;
}

const char *cairn_mh_name(uint64_t code)
{
	const struct mh_def *d = find(code);
	return d ? d->name : NULL;
}

int cairn_mh_from_name(const char *name, uint64_t *code)
{
	for (size_t i = 0; i < sizeof defs / sizeof defs[0]; i++) {
		if (strcmp(defs[i].name, name) == 0) {
			*code = defs[i].code;
			return CAIRN_OK;
		}
	}
	return CAIRN_E_MH_UNKNOWN;
}

int cairn_mh_validate(uint64_t code, size_t len)
{
	const struct mh_def *d = find(code);
	if (!d)
		return CAIRN_E_MH_UNKNOWN;
	if (len < d->min_len || len > d->max_len)
		return CAIRN_E_MH_LENGTH;
	return CAIRN_OK;
}

int cairn_mh_set(cairn_multihash *mh, uint64_t code, const uint8_t *digest, size_t len)
{
	int rc = cairn_mh_validate(code, len);
	if (rc)
		return rc;
	mh->code = code;
	mh->len = len;
	if (len)
		memcpy(mh->digest, digest, len);
	return CAIRN_OK;
}

size_t cairn_mh_encoded_size(const cairn_multihash *mh)
{
	return cairn_varint_size(mh->code) + cairn_varint_size(mh->len) + mh->len;
}

int cairn_mh_encode(const cairn_multihash *mh, uint8_t *out, size_t cap, size_t *written)
{
	size_t need = cairn_mh_encoded_size(mh);
	if (need > cap)
		return CAIRN_E_BUFFER;
	size_t a, b;
	cairn_varint_encode(mh->code, out, cap, &a);
	cairn_varint_encode(mh->len, out + a, cap - a, &b);
	if (mh->len)
		memcpy(out + a + b, mh->digest, mh->len);
	if (written)
		*written = need;
	return CAIRN_OK;
}

int cairn_mh_decode(const uint8_t *in, size_t len, cairn_multihash *mh, size_t *consumed)
{
	uint64_t code, dlen;
	size_t a, b;
	int rc = cairn_varint_decode(in, len, &code, &a);
	if (rc)
		return rc;
	rc = cairn_varint_decode(in + a, len - a, &dlen, &b);
	if (rc)
		return rc;
	/* Validate before comparing with len so a huge length is "wrong length",
	 * not "truncated": no amount of further input would make it valid. */
	rc = cairn_mh_validate(code, dlen);
	if (rc)
		return rc;
	if (len - a - b < dlen)
		return CAIRN_E_TRUNCATED;
	size_t used = a + b + (size_t)dlen;
	if (!consumed && used != len)
		return CAIRN_E_TRAILING;
	mh->code = code;
	mh->len = (size_t)dlen;
	if (dlen)
		memcpy(mh->digest, in + a + b, (size_t)dlen);
	if (consumed)
		*consumed = used;
	return CAIRN_OK;
}

int cairn_mh_compute(cairn_multihash *mh, uint64_t code, const void *data, size_t len)
{
	if (code == CAIRN_MH_IDENTITY)
		return cairn_mh_set(mh, code, data, len);
	cairn_hasher h;
	int rc = cairn_hasher_init(&h, code);
	if (rc)
		return rc;
	cairn_hasher_update(&h, data, len);
	cairn_hasher_final(&h, mh->digest);
	mh->code = code;
	mh->len = CAIRN_HASH_LEN;
	return CAIRN_OK;
}

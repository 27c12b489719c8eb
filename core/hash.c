/*
 * SHA256_Init/Update/Final are deprecated in OpenSSL 3 in favour of EVP, but
 * EVP_MD_CTX_new() allocates and core must not; the low-level functions run
 * the same SHA-NI/AVX2 block code.
 */
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include "cairn/hash.h"
#include "cairn/error.h"
#include "cairn/multihash.h"

int cairn_hasher_init(cairn_hasher *h, uint64_t code)
{
	switch (code) {
	case CAIRN_MH_BLAKE3:
		blake3_hasher_init(&h->u.blake3);
		break;
	case CAIRN_MH_SHA2_256:
		SHA256_Init(&h->u.sha256);
		break;
	default:
		return CAIRN_E_MH_UNKNOWN;
	}
	h->code = code;
	return CAIRN_OK;
}

void cairn_hasher_update(cairn_hasher *h, const void *data, size_t len)
{
	if (h->code == CAIRN_MH_BLAKE3)
		blake3_hasher_update(&h->u.blake3, data, len);
	else
		SHA256_Update(&h->u.sha256, data, len);
}

void cairn_hasher_final(cairn_hasher *h, uint8_t out[CAIRN_HASH_LEN])
{
	if (h->code == CAIRN_MH_BLAKE3)
		blake3_hasher_finalize(&h->u.blake3, out, CAIRN_HASH_LEN);
	else
		SHA256_Final(out, &h->u.sha256);
}

void cairn_sha256(const void *data, size_t len, uint8_t out[CAIRN_HASH_LEN])
{
	SHA256(data, len, out);
}

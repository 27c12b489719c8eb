#include "ethtx.h"
#include "log.h"

#include "cairn/error.h"
#include "cairn/keccak.h"
#include "cairn/rlp.h"

#include <pthread.h>
#include <secp256k1.h>
#include <secp256k1_recovery.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#define ERR(...) snprintf(err, CAIRN_ERR_MAX, __VA_ARGS__)

/* One context for the process, made once: creating one costs far more
 * than a signature, and a made context is safe to share for signing. */
static secp256k1_context *ctx;
static pthread_once_t ctx_once = PTHREAD_ONCE_INIT;

static void ctx_make(void)
{
	uint8_t seed[32];
	ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
	/* blinding against side channels; without a seed it still signs */
	if (ctx && getrandom(seed, sizeof seed, 0) == (ssize_t)sizeof seed &&
	    !secp256k1_context_randomize(ctx, seed))
		log_warn("secp256k1 context not randomised");
	memset(seed, 0, sizeof seed);
}

static secp256k1_context *context(char *err)
{
	pthread_once(&ctx_once, ctx_make);
	if (!ctx)
		ERR("secp256k1: no context (out of memory)");
	return ctx;
}

int ethtx_address(const uint8_t key[ETH_KEY_LEN], uint8_t addr[ETH_ADDRESS_LEN], char *err)
{
	secp256k1_context *c = context(err);
	secp256k1_pubkey pub;
	uint8_t ser[65], h[32];
	size_t n = sizeof ser;
	if (!c)
		return -1;
	if (!secp256k1_ec_pubkey_create(c, &pub, key)) {
		ERR("not a secp256k1 private key (zero, or not below the group order)");
		return -1;
	}
	secp256k1_ec_pubkey_serialize(c, ser, &n, &pub, SECP256K1_EC_UNCOMPRESSED);
	/* 0x04 ‖ X ‖ Y: the address hashes X ‖ Y */
	cairn_keccak256_hash(ser + 1, 64, h);
	memcpy(addr, h + 12, ETH_ADDRESS_LEN);
	return 0;
}

/* The nine fields both the signing payload and the signed one start with. */
static void fields(cairn_rlp *w, const eth_tx *tx)
{
	cairn_rlp_uint(w, tx->chain_id);
	cairn_rlp_uint(w, tx->nonce);
	cairn_rlp_uint(w, tx->max_priority_fee);
	cairn_rlp_uint(w, tx->max_fee);
	cairn_rlp_uint(w, tx->gas);
	cairn_rlp_bytes(w, tx->to, ETH_ADDRESS_LEN);
	cairn_rlp_uint(w, tx->value);
	cairn_rlp_bytes(w, tx->data, tx->data_len);
	cairn_rlp_list_end(w, cairn_rlp_list_begin(w)); /* access list: empty */
}

int ethtx_sign(const eth_tx *tx, const uint8_t key[ETH_KEY_LEN], uint8_t *out, size_t cap,
               size_t *len, uint8_t hash[ETH_HASH_LEN], char *err)
{
	secp256k1_context *c = context(err);
	secp256k1_ecdsa_recoverable_signature sig;
	uint8_t digest[32], rs[64];
	int recid, rc;
	cairn_rlp w;
	size_t n, mark;
	if (!c)
		return -1;
	if (cap < 1) {
		ERR("transaction buffer too small");
		return -1;
	}
	/* 1. what is signed: the envelope's type, then the fields */
	out[0] = 0x02;
	cairn_rlp_init(&w, out + 1, cap - 1);
	mark = cairn_rlp_list_begin(&w);
	fields(&w, tx);
	cairn_rlp_list_end(&w, mark);
	if ((rc = cairn_rlp_finish(&w, &n)) != CAIRN_OK) {
		ERR("transaction buffer too small (%zu bytes of data)", tx->data_len);
		return -1;
	}
	cairn_keccak256_hash(out, 1 + n, digest);
	if (!secp256k1_ecdsa_sign_recoverable(c, &sig, digest, key, NULL, NULL)) {
		ERR("not a secp256k1 private key (zero, or not below the group order)");
		return -1;
	}
	secp256k1_ecdsa_recoverable_signature_serialize_compact(c, rs, &recid, &sig);
	/* 2. what is sent: the same fields, then yParity, r, s */
	cairn_rlp_init(&w, out + 1, cap - 1);
	mark = cairn_rlp_list_begin(&w);
	fields(&w, tx);
	cairn_rlp_uint(&w, (uint64_t)recid);
	cairn_rlp_uint_be(&w, rs, 32);
	cairn_rlp_uint_be(&w, rs + 32, 32);
	cairn_rlp_list_end(&w, mark);
	if (cairn_rlp_finish(&w, &n) != CAIRN_OK) {
		ERR("transaction buffer too small (%zu bytes of data)", tx->data_len);
		return -1;
	}
	*len = 1 + n;
	cairn_keccak256_hash(out, *len, hash);
	return 0;
}

void ethtx_address_text(const uint8_t addr[ETH_ADDRESS_LEN], char out[43])
{
	static const char hex[] = "0123456789abcdef";
	uint8_t h[32];
	out[0] = '0';
	out[1] = 'x';
	for (int i = 0; i < ETH_ADDRESS_LEN; i++) {
		out[2 + 2 * i] = hex[addr[i] >> 4];
		out[3 + 2 * i] = hex[addr[i] & 15];
	}
	out[42] = '\0';
	/* EIP-55: a letter is upper case where the hash of the lower-case hex
	 * has its nibble at 8 or more */
	cairn_keccak256_hash(out + 2, 40, h);
	for (int i = 0; i < 40; i++) {
		unsigned nib = (h[i / 2] >> (i % 2 ? 0 : 4)) & 15;
		if (out[2 + i] >= 'a' && nib >= 8)
			out[2 + i] = (char)(out[2 + i] - 'a' + 'A');
	}
}

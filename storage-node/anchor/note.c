#include "note.h"

#include "cairn/hash.h"
#include "cairn/multihash.h"
#include "cairn/multibase.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

#define ERR(...) snprintf(err, CAIRN_ERR_MAX, __VA_ARGS__)
#define SIG_ED25519 0x01
static const char DASH[] = "\xe2\x80\x94 "; /* U+2014 and a space */

void note_key_id(const char *name, const uint8_t pub[32], uint8_t id[4])
{
	cairn_hasher h;
	uint8_t d[CAIRN_HASH_LEN], sep[2] = {'\n', SIG_ED25519};
	cairn_hasher_init(&h, CAIRN_MH_SHA2_256);
	cairn_hasher_update(&h, name, strlen(name));
	cairn_hasher_update(&h, sep, 2);
	cairn_hasher_update(&h, pub, 32);
	cairn_hasher_final(&h, d);
	memcpy(id, d, 4);
}

void note_verifier_key(const char *name, const uint8_t pub[32], char *out, size_t cap)
{
	uint8_t id[4], k[33] = {SIG_ED25519};
	char b64[64];
	memcpy(k + 1, pub, 32);
	note_key_id(name, pub, id);
	cairn_base_encode(CAIRN_BASE64PAD, k, sizeof k, b64, sizeof b64, NULL);
	snprintf(out, cap, "%s+%02x%02x%02x%02x+%s", name, id[0], id[1], id[2], id[3], b64);
}

static int name_ok(const char *name, size_t n)
{
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (name[i] == ' ' || name[i] == '+' || name[i] == '\n' || name[i] == '\t')
			return 0;
	return 1;
}

/* The text must be lines ending in "\n", with no blank line (a blank line
 * ends the text of a note). */
static int text_ok(const char *text, size_t n)
{
	if (n == 0 || text[n - 1] != '\n')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (text[i] == '\n' && (i == 0 || text[i - 1] == '\n'))
			return 0;
	return 1;
}

int note_sign(const char *text, const char *name, EVP_PKEY *key, char *out, size_t cap, char *err)
{
	size_t tl = strlen(text), nl = strlen(name), siglen = 64, publen = 32;
	uint8_t pub[32], blob[4 + 64];
	char b64[128];
	int rc = -1;

	if (!text_ok(text, tl) || !name_ok(name, nl)) {
		ERR("a note's text is lines ending in a newline, with no blank line; its key name "
		    "has no spaces or '+'");
		return -1;
	}
	if (EVP_PKEY_get_raw_public_key(key, pub, &publen) != 1 || publen != 32) {
		ERR("the signing key is not an Ed25519 key");
		return -1;
	}
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (!ctx || EVP_DigestSignInit(ctx, NULL, NULL, NULL, key) != 1 ||
	    EVP_DigestSign(ctx, blob + 4, &siglen, (const uint8_t *)text, tl) != 1 || siglen != 64) {
		ERR("signing failed");
		goto done;
	}
	note_key_id(name, pub, blob);
	cairn_base_encode(CAIRN_BASE64PAD, blob, sizeof blob, b64, sizeof b64, NULL);
	if ((size_t)snprintf(out, cap, "%s\n%s%s %s\n", text, DASH, name, b64) >= cap) {
		ERR("note longer than its buffer");
		goto done;
	}
	rc = 0;
done:
	EVP_MD_CTX_free(ctx);
	return rc;
}

static int ed25519_ok(const uint8_t pub[32], const uint8_t sig[64], const char *msg, size_t len)
{
	EVP_PKEY *k = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, 32);
	EVP_MD_CTX *ctx = k ? EVP_MD_CTX_new() : NULL;
	int ok = ctx && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, k) == 1 &&
	         EVP_DigestVerify(ctx, sig, 64, (const uint8_t *)msg, len) == 1;
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(k);
	return ok;
}

int note_verify(const char *note, size_t len, const char *name, const uint8_t pub[32],
                size_t *text_len, char *err)
{
	uint8_t want_id[4];
	size_t nl = strlen(name), split = 0;
	int found = 0;

	if (len > NOTE_MAX || memchr(note, '\0', len)) {
		ERR("not a note: too long, or a NUL byte");
		return -1;
	}
	/* the text ends at the first blank line */
	for (size_t i = 1; i < len; i++)
		if (note[i] == '\n' && note[i - 1] == '\n') {
			split = i;
			break;
		}
	if (!split || !text_ok(note, split)) {
		ERR("not a note: no text followed by a blank line");
		return -1;
	}
	if (note[len - 1] != '\n') {
		ERR("not a note: the last signature line does not end in a newline");
		return -1;
	}
	note_key_id(name, pub, want_id);
	for (size_t at = split + 1; at < len;) {
		const char *line = note + at, *end = memchr(line, '\n', len - at);
		size_t ll = (size_t)(end - line);
		if (ll < sizeof DASH || memcmp(line, DASH, sizeof DASH - 1) != 0) {
			ERR("not a note: a signature line does not start with an em dash");
			return -1;
		}
		const char *nm = line + sizeof DASH - 1, *sp = memchr(nm, ' ', (size_t)(end - nm));
		if (!sp || !name_ok(nm, (size_t)(sp - nm))) {
			ERR("not a note: a signature line has no key name");
			return -1;
		}
		uint8_t blob[128];
		size_t bl;
		if (cairn_base_decode(CAIRN_BASE64PAD, sp + 1, (size_t)(end - sp - 1), blob, sizeof blob,
		                      &bl) != 0 || bl < 5) {
			ERR("not a note: a signature is not base64");
			return -1;
		}
		/* other signers and other key types are not ours to judge */
		if ((size_t)(sp - nm) == nl && memcmp(nm, name, nl) == 0 && bl == 68 &&
		    CRYPTO_memcmp(blob, want_id, 4) == 0 && ed25519_ok(pub, blob + 4, note, split))
			found = 1;
		at += ll + 1;
	}
	if (!found)
		return 1;
	*text_len = split;
	return 0;
}

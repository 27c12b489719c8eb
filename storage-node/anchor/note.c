#include "note.h"

#include "cairn/hash.h"
#include "cairn/multihash.h"
#include "cairn/multibase.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#define ERR(...) snprintf(err, CAIRN_ERR_MAX, __VA_ARGS__)
static const char DASH[] = "\xe2\x80\x94 "; /* U+2014 and a space */

static void key_id(const char *name, uint8_t type, const uint8_t pub[32], uint8_t id[4])
{
	cairn_hasher h;
	uint8_t d[CAIRN_HASH_LEN], sep[2] = {'\n', type};
	cairn_hasher_init(&h, CAIRN_MH_SHA2_256);
	cairn_hasher_update(&h, name, strlen(name));
	cairn_hasher_update(&h, sep, 2);
	cairn_hasher_update(&h, pub, 32);
	cairn_hasher_final(&h, d);
	memcpy(id, d, 4);
}

void note_key_id(const char *name, const uint8_t pub[32], uint8_t id[4])
{
	key_id(name, NOTE_KEY_ED25519, pub, id);
}

void note_verifier_key(const char *name, const uint8_t pub[32], char *out, size_t cap)
{
	note_vkey_text(name, NOTE_KEY_ED25519, pub, out, cap);
}

void note_vkey_text(const char *name, uint8_t type, const uint8_t pub[32], char *out, size_t cap)
{
	uint8_t id[4], k[33] = {type};
	char b64[64];
	memcpy(k + 1, pub, 32);
	key_id(name, type, pub, id);
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

int note_vkey_parse(const char *vkey, note_vkey *k, char *err)
{
	const char *p1 = strchr(vkey, '+'), *p2 = p1 ? strchr(p1 + 1, '+') : NULL;
	uint8_t raw[64], id[4];
	size_t n;
	unsigned x[4];
	if (!p1 || !p2 || p2 - p1 != 9 || !name_ok(vkey, (size_t)(p1 - vkey)) ||
	    (size_t)(p1 - vkey) >= sizeof k->name) {
		ERR("a verifier key is <name>+<8 hex digits>+<base64 key>");
		return -1;
	}
	if (sscanf(p1 + 1, "%2x%2x%2x%2x", &x[0], &x[1], &x[2], &x[3]) != 4 ||
	    strspn(p1 + 1, "0123456789abcdef") != 8) {
		ERR("a verifier key's key ID is 8 lower-case hex digits");
		return -1;
	}
	if (cairn_base_decode(CAIRN_BASE64PAD, p2 + 1, strlen(p2 + 1), raw, sizeof raw, &n) != 0 || n != 33 ||
	    (raw[0] != NOTE_KEY_ED25519 && raw[0] != NOTE_KEY_COSIGNATURE)) {
		ERR("a verifier key's key is base64 of an Ed25519 note key (type 1) or cosignature key "
		    "(type 4): 33 bytes");
		return -1;
	}
	memcpy(k->name, vkey, (size_t)(p1 - vkey));
	k->name[p1 - vkey] = '\0';
	k->type = raw[0];
	memcpy(k->pub, raw + 1, 32);
	key_id(k->name, k->type, k->pub, id);
	for (int i = 0; i < 4; i++)
		if (id[i] != x[i]) {
			ERR("a verifier key's key ID does not match its name and key");
			return -1;
		}
	memcpy(k->id, id, 4);
	return 0;
}

int note_vkey_parse_as(const char *vkey, uint8_t type, note_vkey *k, char *err)
{
	if (note_vkey_parse(vkey, k, err) != 0)
		return -1;
	if (k->type != type) {
		ERR("%s", type == NOTE_KEY_COSIGNATURE
		              ? "a witness's cosignature key (type 4; 'cairn witness key' prints one) is "
		                "needed, not a log's note key (type 1)"
		              : "a log's note key (type 1; 'cairn anchor key' prints one) is needed, not a "
		                "witness's cosignature key (type 4)");
		return -1;
	}
	return 0;
}

/* The text of a note: up to its blank line, that line's first newline
 * included. 0 if there is none. */
static size_t text_of(const char *note, size_t len)
{
	for (size_t i = 1; i < len; i++)
		if (note[i] == '\n' && note[i - 1] == '\n')
			return text_ok(note, i) ? i : 0;
	return 0;
}

/* The message a v1 cosignature signs: "cosignature/v1\ntime T\n" ‖ text. */
static char *cosig_message(const char *text, size_t tl, uint64_t t, size_t *ml)
{
	char head[64];
	int hl = snprintf(head, sizeof head, "cosignature/v1\ntime %llu\n", (unsigned long long)t);
	char *m = malloc((size_t)hl + tl);
	if (m) {
		memcpy(m, head, (size_t)hl);
		memcpy(m + hl, text, tl);
		*ml = (size_t)hl + tl;
	}
	return m;
}

int note_cosign(const char *note, size_t len, const char *name, EVP_PKEY *key, uint64_t t, char *line,
                size_t cap, char *err)
{
	size_t tl = text_of(note, len), ml = 0, siglen = 64, publen = 32;
	uint8_t pub[32], blob[4 + 8 + 64];
	char b64[160];
	int rc = -1;
	if (!tl || !name_ok(name, strlen(name)) || t > INT64_MAX) {
		ERR("cosigning: not a note, or a key name with spaces or '+'");
		return -1;
	}
	if (EVP_PKEY_get_raw_public_key(key, pub, &publen) != 1 || publen != 32) {
		ERR("cosigning: not an Ed25519 key");
		return -1;
	}
	char *m = cosig_message(note, tl, t, &ml);
	EVP_MD_CTX *ctx = m ? EVP_MD_CTX_new() : NULL;
	if (!ctx || EVP_DigestSignInit(ctx, NULL, NULL, NULL, key) != 1 ||
	    EVP_DigestSign(ctx, blob + 12, &siglen, (const uint8_t *)m, ml) != 1 || siglen != 64) {
		ERR("cosigning failed");
		goto done;
	}
	key_id(name, NOTE_KEY_COSIGNATURE, pub, blob);
	for (int i = 0; i < 8; i++)
		blob[4 + i] = (uint8_t)(t >> (56 - 8 * i));
	cairn_base_encode(CAIRN_BASE64PAD, blob, sizeof blob, b64, sizeof b64, NULL);
	if ((size_t)snprintf(line, cap, "%s%s %s\n", DASH, name, b64) >= cap) {
		ERR("cosignature line longer than its buffer");
		goto done;
	}
	rc = 0;
done:
	EVP_MD_CTX_free(ctx);
	free(m);
	return rc;
}

int note_cosig_find(const char *note, size_t len, const note_vkey *k, uint64_t *t, size_t *at, size_t *ll)
{
	size_t tl = text_of(note, len), nl = strlen(k->name);
	int rc = 1;
	if (!tl || k->type != NOTE_KEY_COSIGNATURE)
		return -1;
	for (size_t p = tl + 1; p < len;) {
		const char *line = note + p, *end = memchr(line, '\n', len - p);
		if (!end)
			break;
		size_t n = (size_t)(end - line);
		const char *nm = line + sizeof DASH - 1;
		uint8_t blob[128];
		size_t bl;
		if (n > sizeof DASH - 1 + nl + 1 && memcmp(line, DASH, sizeof DASH - 1) == 0 &&
		    memcmp(nm, k->name, nl) == 0 && nm[nl] == ' ' &&
		    cairn_base_decode(CAIRN_BASE64PAD, nm + nl + 1, (size_t)(end - nm - nl - 1), blob, sizeof blob,
		                      &bl) == 0 &&
		    bl == 76 && CRYPTO_memcmp(blob, k->id, 4) == 0) {
			uint64_t ts = 0;
			size_t ml;
			for (int i = 0; i < 8; i++)
				ts = ts << 8 | blob[4 + i];
			char *m = ts <= INT64_MAX ? cosig_message(note, tl, ts, &ml) : NULL;
			int good = m && ed25519_ok(k->pub, blob + 12, m, ml);
			free(m);
			if (good) {
				if (t)
					*t = ts;
				if (at)
					*at = p;
				if (ll)
					*ll = n + 1;
				return 0;
			}
			rc = 2; /* a line by this key that does not verify */
		}
		p += n + 1;
	}
	return rc;
}

#include "testutil.h"
#include "cairn/multibase.h"
#include "note.h"

#include <openssl/evp.h>

/* The example of golang.org/x/mod/sumdb/note (the reference implementation
 * of the signed-note format): key PRIVATE+KEY+PeterNeumann+c74f20a3+..., its
 * verifier key, the text and the exact note it signs. Ed25519 is
 * deterministic, so signing must reproduce the note byte for byte. */
static const char skey_b64[] = "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
static const char vkey[] = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
static const char text[] = "If you think cryptography is the answer to your problem,\n"
                           "then you don't know what your problem is.\n";
static const char note[] = "If you think cryptography is the answer to your problem,\n"
                           "then you don't know what your problem is.\n"
                           "\n"
                           "\xe2\x80\x94 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

static EVP_PKEY *go_key(uint8_t pub[32])
{
	uint8_t raw[40];
	size_t n, pl = 32;
	assert_int_equal(cairn_base_decode(CAIRN_BASE64PAD, skey_b64, strlen(skey_b64), raw,
	                                   sizeof raw, &n), 0);
	assert_int_equal(n, 33);
	assert_int_equal(raw[0], 1); /* Ed25519 */
	EVP_PKEY *k = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, raw + 1, 32);
	assert_non_null(k);
	assert_int_equal(EVP_PKEY_get_raw_public_key(k, pub, &pl), 1);
	return k;
}

static void go_vector(void **state)
{
	(void)state;
	uint8_t pub[32];
	char out[1024], vk[512], err[CAIRN_ERR_MAX];
	size_t tl;
	EVP_PKEY *k = go_key(pub);
	note_verifier_key("PeterNeumann", pub, vk, sizeof vk);
	assert_string_equal(vk, vkey);
	assert_int_equal(note_sign(text, "PeterNeumann", k, out, sizeof out, err), 0);
	assert_string_equal(out, note);
	assert_int_equal(note_verify(note, strlen(note), "PeterNeumann", pub, &tl, err), 0);
	assert_int_equal(tl, strlen(text));
	EVP_PKEY_free(k);
}

static void tampering(void **state)
{
	(void)state;
	uint8_t pub[32], other[32] = {0};
	char buf[1024], err[CAIRN_ERR_MAX];
	size_t tl;
	EVP_PKEY *k = go_key(pub);
	/* every single-byte change of the text or the signature is refused */
	size_t n = strlen(note);
	for (size_t i = 0; i < n; i++) {
		if (note[i] == '\n')
			continue;
		memcpy(buf, note, n + 1);
		buf[i] ^= 0x01;
		assert_int_not_equal(note_verify(buf, n, "PeterNeumann", pub, &tl, err), 0);
	}
	/* another name, another key */
	assert_int_equal(note_verify(note, n, "PeterNeumanX", pub, &tl, err), 1);
	assert_int_equal(note_verify(note, n, "PeterNeumann", other, &tl, err), 1);
	/* malformed notes */
	assert_int_equal(note_verify("no blank line\n", 14, "a", pub, &tl, err), -1);
	assert_int_equal(note_verify("text\n\nno dash\n", 14, "a", pub, &tl, err), -1);
	assert_int_equal(note_sign("two\n\nparagraphs\n", "a", k, buf, sizeof buf, err), -1);
	assert_int_equal(note_sign("no newline", "a", k, buf, sizeof buf, err), -1);
	assert_int_equal(note_sign("ok\n", "bad name", k, buf, sizeof buf, err), -1);
	EVP_PKEY_free(k);
}

/* Verifier keys: Go's vector parses to its name and key; a changed key
 * ID, name or key type is refused. Cosignatures (tlog-cosignature v1):
 * one made here is found by its key, at its time, and by no other key;
 * a flipped byte of the text or of the signature makes it invalid (2). */
static void vkeys_and_cosignatures(void **state)
{
	(void)state;
	uint8_t pub[32];
	char err[CAIRN_ERR_MAX], line[NOTE_COSIG_LINE_MAX], vk[512], note2[2048];
	note_vkey k, w, other;
	EVP_PKEY *key = go_key(pub);
	assert_int_equal(note_vkey_parse(vkey, &k, err), 0);
	assert_string_equal(k.name, "PeterNeumann");
	assert_int_equal(k.type, NOTE_KEY_ED25519);
	assert_memory_equal(k.pub, pub, 32);
	assert_int_equal(note_vkey_parse("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", &k, err), -1);
	assert_int_equal(note_vkey_parse("PeterNeumanX+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", &k, err), -1);
	assert_int_equal(note_vkey_parse("PeterNeumann+c74f20a3+Ahpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", &k, err), -1);
	assert_int_equal(note_vkey_parse("PeterNeumann", &k, err), -1);
	/* the same key as a witness's */
	note_vkey_text("witness.example/w1", NOTE_KEY_COSIGNATURE, pub, vk, sizeof vk);
	assert_int_equal(note_vkey_parse(vk, &w, err), 0);
	assert_int_equal(w.type, NOTE_KEY_COSIGNATURE);
	note_vkey_text("witness.example/w2", NOTE_KEY_COSIGNATURE, pub, vk, sizeof vk);
	assert_int_equal(note_vkey_parse(vk, &other, err), 0);
	assert_int_equal(note_cosign(note, strlen(note), "witness.example/w1", key, 1679315147, line, sizeof line, err), 0);
	assert_true(strncmp(line, "\xe2\x80\x94 witness.example/w1 ", 22) == 0);
	snprintf(note2, sizeof note2, "%s%s", note, line);
	uint64_t t = 0;
	size_t at, ll;
	assert_int_equal(note_cosig_find(note2, strlen(note2), &w, &t, &at, &ll), 0);
	assert_true(t == 1679315147);
	assert_int_equal(at, strlen(note));
	assert_int_equal(ll, strlen(line));
	assert_int_equal(note_cosig_find(note2, strlen(note2), &other, &t, NULL, NULL), 1);
	assert_int_equal(note_cosig_find(note, strlen(note), &w, &t, NULL, NULL), 1);
	assert_int_equal(note_cosig_find(note2, strlen(note2), &k, &t, NULL, NULL), -1); /* a note key */
	/* the log's signature still verifies beside the cosignature */
	size_t tl;
	assert_int_equal(note_verify(note2, strlen(note2), "PeterNeumann", pub, &tl, err), 0);
	char bad[2048];
	strcpy(bad, note2);
	bad[3] ^= 1; /* the text */
	assert_int_equal(note_cosig_find(bad, strlen(bad), &w, &t, NULL, NULL), 2);
	strcpy(bad, note2);
	bad[strlen(bad) - 10] = bad[strlen(bad) - 10] == 'A' ? 'B' : 'A'; /* the signature */
	assert_int_equal(note_cosig_find(bad, strlen(bad), &w, &t, NULL, NULL), 2);
	EVP_PKEY_free(key);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(go_vector),
		cmocka_unit_test(tampering),
		cmocka_unit_test(vkeys_and_cosignatures),
	};
	return RUN(tests);
}

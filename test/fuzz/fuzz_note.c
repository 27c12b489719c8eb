/* C2SP signed notes (checkpoints): the input is a note checked against a
 * fixed Ed25519 key (the seed corpus has notes it signed). One that
 * verifies has its text as a prefix ending in a newline, and signing that
 * text again gives a note that verifies to the same text (Ed25519 is
 * deterministic). */
#include "fuzz.h"
#include "note.h"

#include <openssl/evp.h>

#define NAME "cairn/fuzz"

static EVP_PKEY *key;
static uint8_t pub[32];

static void setup(void)
{
	uint8_t seed[32];
	size_t n = sizeof pub;
	for (int i = 0; i < 32; i++)
		seed[i] = (uint8_t)i;
	key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, sizeof seed);
	FUZZ_CHECK(key && EVP_PKEY_get_raw_public_key(key, pub, &n) == 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char text[NOTE_MAX + 1], again[NOTE_MAX + 512];
	char err[CAIRN_ERR_MAX];
	size_t tl, tl2;
	if (!key)
		setup();
	if (note_verify((const char *)data, size, NAME, pub, &tl, err) != 0)
		return 0;
	FUZZ_CHECK(tl > 0 && tl < size && tl <= NOTE_MAX && data[tl - 1] == '\n');
	/* note_sign takes a C string without blank lines */
	if (memchr(data, '\0', tl))
		return 0;
	memcpy(text, data, tl);
	text[tl] = '\0';
	FUZZ_CHECK(note_sign(text, NAME, key, again, sizeof again, err) == 0);
	FUZZ_CHECK(note_verify(again, strlen(again), NAME, pub, &tl2, err) == 0 && tl2 == tl);
	return 0;
}

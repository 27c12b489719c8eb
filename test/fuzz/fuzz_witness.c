#define _DEFAULT_SOURCE 1 /* mkdtemp */
/* A witness's add-checkpoint requests (witness.h), as any client on the
 * network may send them, to a witness of one log (its key from a fixed
 * seed; the seed corpus has checkpoints it signed). Every answer is one of
 * the protocol's statuses with a reason; a 200 carries a cosignature by
 * the witness's key over the request's checkpoint, whose note the log's
 * key signed; a 409 carries a size. */
#include "fuzz.h"
#include "repo.h"
#include "witness.h"

#include <unistd.h>

static repo r;
static witness w;
static char dir[64];
static note_vkey wk;

static void cleanup(void)
{
	char cmd[128];
	witness_close(&w);
	repo_close(&r);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

static EVP_PKEY *seeded(uint8_t first, uint8_t pub[32])
{
	uint8_t seed[32];
	size_t n = 32;
	for (int i = 0; i < 32; i++)
		seed[i] = (uint8_t)(first + i);
	EVP_PKEY *k = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, sizeof seed);
	FUZZ_CHECK(k && EVP_PKEY_get_raw_public_key(k, pub, &n) == 1);
	return k;
}

static void setup(void)
{
	char err[CAIRN_ERR_MAX], vk[512], id[64];
	uint8_t pub[32];
	snprintf(dir, sizeof dir, "%s/cairn-fuzz-XXXXXX", access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (!mkdtemp(dir) || repo_init(dir, NULL, NULL, NULL, err) != 0 || repo_open(&r, dir, NULL, err) != 0) {
		fprintf(stderr, "fuzz repo: %s\n", err);
		abort();
	}
	atexit(cleanup);
	/* the log: key from seed 0..31, origin cairn/<its PeerID> */
	EVP_PKEY *log_key = seeded(0, pub);
	FUZZ_CHECK(repo_key_peer_id(log_key, id, sizeof id) == 0);
	EVP_PKEY_free(log_key);
	w.r = &r;
	snprintf(w.logs[0].origin, sizeof w.logs[0].origin, "cairn/%s", id);
	note_vkey_text(w.logs[0].origin, NOTE_KEY_ED25519, pub, vk, sizeof vk);
	FUZZ_CHECK(note_vkey_parse(vk, &w.logs[0].key, err) == 0);
	w.nlogs = 1;
	/* the witness: key from seed 100..131 */
	w.key = seeded(100, w.pub);
	snprintf(w.name, sizeof w.name, "fuzz.example/witness");
	witness_vkey(&w, vk, sizeof vk);
	FUZZ_CHECK(note_vkey_parse(vk, &wk, err) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char out[WITNESS_REPLY_MAX], both[WITNESS_BODY_MAX + WITNESS_REPLY_MAX];
	char err[CAIRN_ERR_MAX];
	if (!w.key)
		setup();
	if (size > WITNESS_BODY_MAX)
		return 0;
	out[0] = '\0';
	int code = witness_add_checkpoint(&w, (const char *)data, size, out, sizeof out);
	FUZZ_CHECK(code == 200 || code == 400 || code == 403 || code == 404 || code == 409 || code == 422);
	FUZZ_CHECK(out[0] != '\0' && out[strlen(out) - 1] == '\n');
	if (code == 409) {
		char *end;
		strtoull(out, &end, 10);
		FUZZ_CHECK(end != out && *end == '\n' && end[1] == '\0');
	}
	if (code == 200) {
		/* the checkpoint: after the first blank line of the body */
		const char *p = (const char *)data, *e = p + size, *note = NULL;
		for (const char *q = p; q + 1 < e; q++)
			if (q[0] == '\n' && q[1] == '\n') {
				note = q + 2;
				break;
			}
		FUZZ_CHECK(note != NULL);
		size_t nl = (size_t)(e - note), tl;
		FUZZ_CHECK(note_verify(note, nl, w.logs[0].key.name, w.logs[0].key.pub, &tl, err) == 0);
		memcpy(both, note, nl);
		memcpy(both + nl, out, strlen(out));
		FUZZ_CHECK(note_cosig_find(both, nl + strlen(out), &wk, NULL, NULL, NULL) == 0);
	}
	return 0;
}

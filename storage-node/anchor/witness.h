/*
 * This node as a C2SP tlog-witness (c2sp.org/tlog-witness) for the logs
 * its config lists (Witness.Logs: each a verifier key, and an origin if
 * it is not the key's name). A log sends each new checkpoint with a
 * consistency proof from the size this witness last cosigned; the witness
 * checks both, records the new size before it answers, and returns its
 * cosignature (c2sp.org/tlog-cosignature v1, Ed25519, note.h):
 *
 *   request body    old <size>\n
 *                   <base64 hash>\n ...      at most CAIRN_TLOG_WITNESS_PROOF_MAX
 *                                            (parsed by core: cairn/tlog.h)
 *                   \n
 *                   <the checkpoint, a signed note>
 *   200             — <witness name> <base64 cosignature>\n
 *   400             malformed, or old > the checkpoint's size
 *   403             no valid signature by the key trusted for the origin
 *   404             an origin this witness does not follow
 *   409             old is not the size it last cosigned: the body is that
 *                   size and "\n" (text/x.tlog.size); 0 if none
 *   422             the proof does not verify, the same size with another
 *                   root, a proof with old 0, or a size 0 with a root that
 *                   is not the empty tree's: logged as a split view when
 *                   it contradicts a checkpoint cosigned before
 *
 * Kept in the repo's index (LMDB "witness", or cairn.witness_state with a
 * PostgreSQL index), per origin:
 *   key   the origin                value  size (8 bytes, BE) ‖ root (32)
 * The check of old against it and the new value are one atomic step (an
 * LMDB write transaction; a conditional upsert), so two requests racing
 * can never roll a log back.
 *
 * The key is witness.key (repo_witness_key), its own; the name is
 * Witness.Name, default "cairn-witness/<PeerID of witness.key>".
 */
#ifndef CAIRN_WITNESS_H
#define CAIRN_WITNESS_H

#include "note.h"
#include "repo.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <stdint.h>

#define WITNESS_LOGS_MAX 64
#define WITNESS_BODY_MAX 16384 /* a request body: old line, proof, checkpoint */
#define WITNESS_REPLY_MAX 1024

typedef struct witness_log {
	char origin[301];
	note_vkey key; /* type NOTE_KEY_ED25519: the log's note key */
} witness_log;

typedef struct witness {
	repo *r;
	char name[301];
	EVP_PKEY *key;
	uint8_t pub[32];
	witness_log logs[WITNESS_LOGS_MAX];
	size_t nlogs;
} witness;

/* Set w up from the config's Witness section (borrowed; NULL or no Logs:
 * 0 with w->nlogs 0, witnessing nothing), making witness.key if need be.
 * 0, or -1 with err saying what in the config is wrong. */
int witness_open(witness *w, repo *r, const json_t *cfg, char *err);

void witness_close(witness *w);

/* The witness's verifier key, "<name>+<key ID>+<base64(0x04 ‖ key)>"
 * (NOTE_KEY_COSIGNATURE), into out (CHECKPOINT_VKEY_MAX bytes). */
void witness_vkey(const witness *w, char *out, size_t cap);

/* One add-checkpoint request (body: len bytes, borrowed): returns the
 * HTTP status, with the reply's body in out (WITNESS_REPLY_MAX bytes,
 * NUL-terminated): cosignature lines, the size for a 409, or why. */
int witness_add_checkpoint(witness *w, const char *body, size_t len, char *out, size_t cap);

/* The name and key of a witness.key without a witness running (the CLI):
 * the default name unless name is given. 0, or -1 with err. */
int witness_key_text(repo *r, const char *name, char *vkey, size_t cap, char *err);

#endif

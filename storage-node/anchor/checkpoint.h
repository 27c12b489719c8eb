/*
 * Signed checkpoints of the anchoring log (anchorlog.h), in the C2SP
 * tlog-checkpoint format as a signed note (note.h), signed with the node's
 * Ed25519 identity key (a cluster's: log.key, repo_log_key; the origin
 * then names its PeerID, the cluster's):
 *
 *   cairn/<PeerID>              origin (also the key name)
 *   <tree size, decimal>
 *   <root hash, base64>
 *   <time, RFC 3339 UTC>        an extension line: when it was made
 *
 *   — cairn/<PeerID> <base64(key ID ‖ Ed25519 signature)>
 *   — <witness> <base64(key ID ‖ time ‖ signature)>   (cosignatures, as witnesses
 *                                                      return them: witnesser.h)
 *
 * Stored in the repo's index (database "checkpoints"):
 *   key   tree size (8 bytes, BE)
 *   value time, Unix seconds (8 bytes, BE) ‖ root (32 bytes) ‖ the note
 * so the newest is the last key, and one exists per size at most.
 */
#ifndef CAIRN_CHECKPOINT_H
#define CAIRN_CHECKPOINT_H

#include "note.h"
#include "repo.h"

#include <stdint.h>

/* the note with its signature and up to 16 witnesses' cosignatures
 * (each line "— <name> <104 base64 characters>\n") */
#define CHECKPOINT_NOTE_MAX 4096

typedef struct checkpoint {
	uint64_t size;
	uint8_t root[32];
	int64_t time;
	char note[CHECKPOINT_NOTE_MAX];
} checkpoint;

/* "cairn/<PeerID>": the log's origin line and key name. */
void checkpoint_origin(const repo *r, char *out, size_t cap);

/* The log's verifier key, as Go's note package and C2SP signed-note
 * write it: "cairn/<PeerID>+<key ID, 8 hex>+<base64(0x01 ‖ public key)>",
 * the public key being the one inside the PeerID. Witnesses and auditors
 * configure it. out: CHECKPOINT_VKEY_MAX bytes. 0, or -1 with err set. */
#define CHECKPOINT_VKEY_MAX 512
int checkpoint_vkey(const repo *r, char *out, char *err);

/* A checkpoint of the log as it is now: the existing one if the log has
 * not grown since, else a new one, signed and stored. *fresh (may be NULL)
 * says which. 0 or -1 with err set. */
int checkpoint_make(repo *r, checkpoint *cp, int *fresh, char *err);

/* Add a witness's cosignature line (line, len bytes, ending in "\n") to
 * the stored checkpoint of size, unless its note has a line by the same
 * key name already. 0 (added or there), 1 (no such checkpoint, or no room
 * under CHECKPOINT_NOTE_MAX), -1 with err. The caller checks the
 * cosignature first (note_cosig_find). */
int checkpoint_cosign(repo *r, uint64_t size, const char *line, size_t len, char *err);

/* The checkpoint of a tree size: 0, 1 (none), -1. */
int checkpoint_get(repo *r, uint64_t size, checkpoint *cp, char *err);

/* The newest checkpoint: 0, 1 (none yet), -1. */
int checkpoint_latest(repo *r, checkpoint *cp, char *err);

/* Each checkpoint, oldest first; fn returns non-zero to stop. 0, fn's
 * value, or -1. */
int checkpoint_foreach(repo *r, int (*fn)(void *ctx, const checkpoint *cp), void *ctx, char *err);

#endif

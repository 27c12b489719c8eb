/*
 * Anchoring proofs (docs/anchoring.md): the JSON object that shows a CID is
 * in the log, under a signed checkpoint, and where that checkpoint's root
 * is on chain. Built from the repo's index; used by the API and the CLI.
 */
#ifndef CAIRN_PROOF_H
#define CAIRN_PROOF_H

#include "checkpoint.h"
#include "repo.h"

#include <jansson.h>

/* Outcomes of proof_build besides 0 and -1: */
#define PROOF_NOT_LOGGED 1     /* the CID is not in the log */
#define PROOF_NO_CHECKPOINT 2  /* no checkpoint of the size asked for */
#define PROOF_PENDING 3        /* in the log, in no checkpoint yet */

/* The proof of cid against the checkpoint of size (has_size), or else the
 * newest anchored checkpoint covering it, or else the newest. On 0, *out
 * is a new JSON object; otherwise msg (CAIRN_ERR_MAX bytes) says why. */
int proof_build(repo *r, const cairn_cid *cid, int has_size, uint64_t size, json_t **out, char *msg);

/* {"size", "root", "time", "checkpoint"} of a checkpoint (new object). */
json_t *proof_checkpoint_json(const checkpoint *cp);

/* The same, with "anchor": {"chain", "tx", "block", "block_hash", "time"}
 * once it is confirmed on chain: 0 with *out a new object, or -1 with err
 * (CAIRN_ERR_MAX bytes) set. */
int proof_checkpoint_anchored(repo *r, const checkpoint *cp, json_t **out, char *err);

/* With the index in PostgreSQL: write the proofs of up to max anchored
 * leaves that have none yet into cairn.anchor_proofs (the cairn.anchors
 * view), oldest first, each against the checkpoint of size (the newest
 * confirmed one). *written says how many (0: none behind). 0 or -1 with
 * err set; nothing to do (0) with LMDB. */
int proof_publish(repo *r, uint64_t size, size_t max, size_t *written, char *err);

#endif

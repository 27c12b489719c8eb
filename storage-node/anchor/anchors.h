/*
 * The record of each checkpoint put on a chain ("anchors" in the index).
 *
 *   key    tree size (8 bytes, big-endian), so records sort by size
 *   value  JSON {"tx", "confirmed": bool, and once confirmed "chain",
 *          "block", "block_hash", "time"; for transactions signed here,
 *          "from", "nonce" and "txs", every hash sent for the checkpoint
 *          (replacements share the nonce: one of them is mined)}
 *
 * With the index in PostgreSQL: rows of cairn.chain_anchors (pgindex.h).
 * The anchorer (net/anchorer.c) writes them; proofs, the anchoring API, the
 * CLI and the PostgreSQL mirror read them. Every function returns 0, 1
 * (nothing there) or -1 with err (CAIRN_ERR_MAX bytes) set: a failed read is
 * never taken for "nothing there".
 */
#ifndef CAIRN_ANCHORS_H
#define CAIRN_ANCHORS_H

#include <jansson.h>
#include <stdint.h>

#include "repo.h"

/* Store the record of checkpoint size (replacing any). 0 or -1. */
int anchors_put(repo *r, uint64_t size, const json_t *rec, char *err);

/* The record of checkpoint size if confirmed on chain: 0 with *rec a new
 * JSON object {"chain", "tx", "block", "block_hash", "time"} (the caller
 * decrefs), 1 (none, or not confirmed yet), or -1. */
int anchors_confirmed(repo *r, uint64_t size, json_t **rec, char *err);

/* The size of the newest checkpoint confirmed on chain: 0 with *size set,
 * 1 (none yet), or -1. */
int anchors_newest_confirmed(repo *r, uint64_t *size, char *err);

/* The newest record if it is still pending (a transaction sent, not yet
 * confirmed), to resume after a restart: 0 with *size set and *rec the
 * record (the caller decrefs), 1 (none pending), or -1. */
int anchors_pending(repo *r, uint64_t *size, json_t **rec, char *err);

/* A flush asked for the log up to size to be anchored: with a PostgreSQL
 * index, recorded (index_meta "anchor_wanted", the largest asked) for the
 * cluster's anchorer, whichever node it runs on. 0 or -1; nothing to do
 * (0) with LMDB, where the anchorer is in the process that asks. */
int anchors_want(repo *r, uint64_t size, char *err);

/* The largest size a flush asked for: 0 with *size set, 1 (none), -1. */
int anchors_wanted(repo *r, uint64_t *size, char *err);

#endif

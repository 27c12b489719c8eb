/*
 * Anchoring proofs as C2SP tlog-proof bundles (c2sp.org/tlog-proof,
 * core's cairn/tlog.h), the self-contained text form auditors' tools
 * take, to and from the proof's JSON (proof.h):
 *
 *   c2sp.org/tlog-proof@v1
 *   extra <base64 of the JSON {"cid", then, once anchored: "chain", "tx",
 *          "block", "block_hash", "time"}>
 *   index <leaf index>
 *   <the path, base64, one hash a line, leaf level first>
 *
 *   <the checkpoint: its signed note, every signature and cosignature>
 *
 * The extra line is not authenticated (the spec says so): the CID is
 * checked by the inclusion proof and the chain fields by the chain, as in
 * the JSON. Size and root are the checkpoint's own lines.
 */
#ifndef CAIRN_PROOF_BUNDLE_H
#define CAIRN_PROOF_BUNDLE_H

#include <jansson.h>
#include <stddef.h>

/* The bundle of a proof object (borrowed): a malloc'd NUL-terminated
 * text, or NULL with why (cap bytes) set. */
char *proof_bundle_text(json_t *proof, char *why, size_t cap);

/* The proof object a bundle (len bytes at text, borrowed) holds: a new
 * object with the JSON proof's fields, or NULL with why (cap bytes) saying
 * what is malformed. */
json_t *proof_bundle_json(const char *text, size_t len, char *why, size_t cap);

/* Whether text (len bytes) starts with the bundle's first line. */
int proof_bundle_is(const char *text, size_t len);

#endif

/*
 * The part of checking an anchoring proof (docs/anchoring.md) that needs
 * no chain: its fields, the RFC 9162 inclusion path from the CID's leaf to
 * the root, the checkpoint's C2SP signature by the Ed25519 key inside the
 * PeerID its origin names, and that the checkpoint states the proof's size
 * and root. cairn audit then asks the chain about the rest.
 */
#ifndef CAIRN_PROOF_CHECK_H
#define CAIRN_PROOF_CHECK_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* 0 if p (a proof object, borrowed) holds so far; -1 with why (cap bytes)
 * saying what failed. signer, if not NULL, is the PeerID that must have
 * signed the checkpoint. */
int proof_check_offline(json_t *p, const char *signer, char *why, size_t cap);

/* n bytes from exactly 2n hex digits. 0, or -1. */
int proof_unhex(const char *s, uint8_t *out, size_t n);

/* The Ed25519 key inside a libp2p PeerID (base58btc). 0, or -1. */
int proof_peer_key(const char *peer, uint8_t pub[32]);

#endif

/*
 * C2SP signed notes (https://c2sp.org/signed-note), Ed25519 signatures:
 *
 *   <text: one or more lines, each ending in "\n">
 *   "\n"
 *   "— " <key name> " " base64(key ID (4 bytes) ‖ signature (64 bytes)) "\n"   (one per signer)
 *
 * The signature covers the text, final newline included. The key ID is
 * SHA-256(key name ‖ 0x0A ‖ 0x01 ‖ public key)[:4] (0x01: Ed25519). The
 * dash is U+2014; base64 is RFC 4648 with padding. A key name is non-empty
 * UTF-8 without spaces or '+'.
 */
#ifndef CAIRN_NOTE_H
#define CAIRN_NOTE_H

#include <openssl/evp.h>
#include "cairn/error.h" /* CAIRN_ERR_MAX */
#include <stddef.h>
#include <stdint.h>

#define NOTE_MAX 16384        /* longest note accepted */

/* The key ID of an Ed25519 public key under name. */
void note_key_id(const char *name, const uint8_t pub[32], uint8_t id[4]);

/* The verifier key text "<name>+<hex key ID>+<base64(0x01 ‖ pub)>" (as Go's
 * note package writes it) into out (at least 256 + strlen(name) bytes). */
void note_verifier_key(const char *name, const uint8_t pub[32], char *out, size_t cap);

/* Sign text (which must end in "\n" and hold no blank line) as name with
 * the Ed25519 key; the whole note goes to out. 0, or -1 with err set. */
int note_sign(const char *text, const char *name, EVP_PKEY *key, char *out, size_t cap, char *err);

/* Check note for a valid signature by name with pub. On 0, *text_len is
 * the length of the signed text at the start of note. 1: well-formed but
 * no valid signature by that key; -1: malformed (err says why). */
int note_verify(const char *note, size_t len, const char *name, const uint8_t pub[32],
                size_t *text_len, char *err);

#endif

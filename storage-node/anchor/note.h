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
#define NOTE_KEY_ED25519 0x01     /* a note signature key (signed-note) */
#define NOTE_KEY_COSIGNATURE 0x04 /* an Ed25519 cosignature/v1 key (tlog-cosignature) */
#define NOTE_COSIG_LINE_MAX 512   /* "— <name> <base64 of 76 bytes>\n", names up to 300 bytes */

/* A verifier key, parsed. */
typedef struct note_vkey {
	char name[301];
	uint8_t type; /* NOTE_KEY_ED25519 or NOTE_KEY_COSIGNATURE */
	uint8_t id[4];
	uint8_t pub[32];
} note_vkey;

/* The key ID of an Ed25519 public key under name. */
void note_key_id(const char *name, const uint8_t pub[32], uint8_t id[4]);

/* The verifier key text "<name>+<hex key ID>+<base64(0x01 ‖ pub)>" (as Go's
 * note package writes it) into out (at least 256 + strlen(name) bytes). */
void note_verifier_key(const char *name, const uint8_t pub[32], char *out, size_t cap);

/* "<name>+<hex key ID>+<base64(type ‖ pub)>" for a key of either type. */
void note_vkey_text(const char *name, uint8_t type, const uint8_t pub[32], char *out, size_t cap);

/* Parse a verifier key of either type, checking its key ID against its
 * name and key. 0, or -1 with err set. */
int note_vkey_parse(const char *vkey, note_vkey *k, char *err);

/* note_vkey_parse, and the key must be of type (NOTE_KEY_*). */
int note_vkey_parse_as(const char *vkey, uint8_t type, note_vkey *k, char *err);

/* A C2SP tlog-cosignature v1 (Ed25519) of a note's text at time t (Unix
 * seconds): Ed25519 over "cosignature/v1\ntime <t>\n" ‖ the text, written
 * as the signature line "— <name> base64(key ID ‖ t (8 bytes BE) ‖ sig)\n"
 * into line (NOTE_COSIG_LINE_MAX bytes suffice); the key ID is
 * SHA-256(name ‖ 0x0A ‖ 0x04 ‖ public key)[:4]. 0, or -1 with err. */
int note_cosign(const char *note, size_t len, const char *name, EVP_PKEY *key, uint64_t t, char *line,
                size_t cap, char *err);

/* Find a valid cosignature of note (len bytes) by k (a cosignature key):
 * 0 with *t its time and the line at note[*at .. *at + *ll) (each may be
 * NULL); 1 none by k; 2 one by k's name and key ID that does not verify;
 * -1 not a note or k not a cosignature key. */
int note_cosig_find(const char *note, size_t len, const note_vkey *k, uint64_t *t, size_t *at, size_t *ll);

/* Sign text (which must end in "\n" and hold no blank line) as name with
 * the Ed25519 key; the whole note goes to out. 0, or -1 with err set. */
int note_sign(const char *text, const char *name, EVP_PKEY *key, char *out, size_t cap, char *err);

/* Check note for a valid signature by name with pub. On 0, *text_len is
 * the length of the signed text at the start of note. 1: well-formed but
 * no valid signature by that key; -1: malformed (err says why). */
int note_verify(const char *note, size_t len, const char *name, const uint8_t pub[32],
                size_t *text_len, char *err);

#endif

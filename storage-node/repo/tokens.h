/*
 * API access tokens, in the repo's LMDB index (database "tokens"):
 *   key   the token's name: 1..TOKEN_NAME_MAX bytes of [A-Za-z0-9._-]
 *   value SHA-256 of the secret (32 bytes) ‖ created, Unix ms (8 bytes, BE)
 *         ‖ scope (1 byte: TOKEN_SCOPE_*)
 * A value of 40 bytes (no scope byte) was written before scopes existed,
 * when tokens gave access to the pinning service only: it reads as
 * TOKEN_SCOPE_PINS, so an upgrade never widens what a secret can do.
 *
 * A secret is TOKEN_PREFIX followed by 32 random bytes in base32 (lower
 * case, no padding): 58 characters. Only its hash is kept, so a copy of the
 * repo does not give away API access; the secret is shown once, by
 * `cairn token add`. The name is the identity the secret stands for: pin
 * service requests belong to it, and rotating a secret (rm, then add with
 * the same name) keeps them.
 *
 * With the index in PostgreSQL (pgindex.h): rows of cairn.tokens, the
 * hash UNIQUE, so checking a secret is one index lookup; every node of a
 * cluster sees a token once it is made. What a check found, and that
 * some token exists, is kept for TOKENS_CACHE_MS, so a busy API does not
 * ask the database once a request: a token removed elsewhere (another
 * node, the CLI) still opens this node's API for at most that long. The
 * first token made closes an open API at once (no token is not kept).
 *
 * LMDB keeps the database consistent between processes, so tokens can be
 * added and removed while a daemon runs and it sees the change at the next
 * request.
 */
#ifndef CAIRN_TOKENS_H
#define CAIRN_TOKENS_H

#include "repo.h"

#include <stdint.h>

#define TOKEN_NAME_MAX 64
#define TOKENS_CACHE_MS 2000
#define TOKENS_CACHE_SLOTS 64
#define TOKEN_PREFIX "cairn_"
#define TOKEN_SECRET_BYTES 32
/* "cairn_" + 52 base32 characters + NUL */
#define TOKEN_SECRET_MAX 64

/* What a token opens on the API listener. */
#define TOKEN_SCOPE_API 1  /* everything: /api/v0/..., /pins, /metrics */
#define TOKEN_SCOPE_PINS 2 /* the Pinning Service API (/pins) only */

typedef struct token {
	char name[TOKEN_NAME_MAX + 1];
	uint64_t created_ms;
	int scope; /* TOKEN_SCOPE_* */
} token;

/* "api" or "pins". */
const char *token_scope_name(int scope);

/* Is name a valid token name? 1 or 0. */
int token_name_valid(const char *name);

/* Create a token of the given scope; its secret goes to secret
 * (TOKEN_SECRET_MAX bytes). 0, 1 (a token of that name exists), or -1 with
 * err set. */
int tokens_add(repo *r, const char *name, int scope, char *secret, char *err);

/* Remove a token. 0, 1 (no such token), -1. */
int tokens_rm(repo *r, const char *name, char *err);

/* Call fn for each token in name order; stops when fn returns non-zero and
 * returns that; 0 at the end; -1 with err set. */
int tokens_foreach(repo *r, int (*fn)(void *ctx, const token *t), void *ctx, char *err);

/* Whose secret is this? 0 (t filled), 1 (no token has it), -1 (err set).
 * Compares hashes in constant time. */
int tokens_check(repo *r, const char *secret, size_t len, token *t, char *err);

/* Does the repo have any token? 1, 0, or -1 with err set. */
int tokens_any(repo *r, char *err);

#endif

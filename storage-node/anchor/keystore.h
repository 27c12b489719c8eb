/*
 * Ethereum keystores, version 3 (the "Web3 Secret Storage" JSON that
 * geth, foundry's `cast wallet` and ethers write): a secp256k1 key
 * encrypted with AES-128-CTR under a key derived from a password.
 *
 *   dk  = scrypt(password, salt, n, r, p, 32)  or
 *         PBKDF2-HMAC-SHA256(password, salt, c, 32)
 *   mac = keccak256(dk[16..32] ‖ ciphertext)   checked before decrypting
 *   key = AES-128-CTR(dk[0..16], iv, ciphertext)
 *
 * Either "crypto" (geth) or "Crypto" (ethers) holds the parameters. The
 * password is taken as its bytes (UTF-8, not normalised). Limits:
 * KEYSTORE_SCRYPT_MAX_MEM of scrypt memory, KEYSTORE_PBKDF2_MAX_ITER
 * iterations: a file asking for more is refused rather than obeyed.
 */
#ifndef CAIRN_KEYSTORE_H
#define CAIRN_KEYSTORE_H

#include "ethtx.h"

#include <stddef.h>

/* The largest key file read. */
#define KEYSTORE_FILE_MAX (64 * 1024)
/* scrypt's memory is 128 * r * n bytes (plus 128 * r * p): geth's
 * "standard" n = 2^18, r = 8 takes 256 MiB. */
#ifndef KEYSTORE_SCRYPT_MAX_MEM /* (the fuzz target sets small ones) */
#define KEYSTORE_SCRYPT_MAX_MEM (1024ull * 1024 * 1024)
#endif
#ifndef KEYSTORE_PBKDF2_MAX_ITER
#define KEYSTORE_PBKDF2_MAX_ITER 10000000
#endif
/* What `cairn chain key new` writes: geth's standard scrypt parameters. */
#define KEYSTORE_NEW_SCRYPT_N 262144
#define KEYSTORE_NEW_SCRYPT_R 8
#define KEYSTORE_NEW_SCRYPT_P 1

/* Decrypt the keystore JSON (len bytes) with the password (pwlen bytes):
 * the key into key (caller-owned, ideally locked memory) and its address
 * into addr. 0, or -1 with err (CAIRN_ERR_MAX bytes): not a keystore
 * (which field), unsupported parameters, or a wrong password (the MAC
 * does not match). Intermediate secrets are wiped. */
int keystore_decrypt(const char *json, size_t len, const char *password, size_t pwlen,
                     uint8_t key[ETH_KEY_LEN], uint8_t addr[ETH_ADDRESS_LEN], char *err);

/* The same from a file (at most KEYSTORE_FILE_MAX bytes). */
int keystore_load(const char *path, const char *password, size_t pwlen, uint8_t key[ETH_KEY_LEN],
                  uint8_t addr[ETH_ADDRESS_LEN], char *err);

/* Encrypt key under the password with scrypt (n, r, p) and random salt,
 * IV and id; write it to path, which must not exist, with mode 0600.
 * 0, or -1 with err set (nothing is left behind). */
int keystore_write(const char *path, const uint8_t key[ETH_KEY_LEN], const char *password,
                   size_t pwlen, unsigned long n, unsigned r, unsigned p, char *err);

/* The largest password read. */
#define KEYSTORE_PASSWORD_MAX 1024
/* The environment variable a password may come from. */
#define KEYSTORE_PASSWORD_ENV "CAIRN_CHAIN_KEY_PASSWORD"

/* A keystore's password, never from a command line: the first line of
 * file if given (its newline not included), else $CAIRN_CHAIN_KEY_PASSWORD.
 * Into out (KEYSTORE_PASSWORD_MAX bytes, caller-owned), its length in
 * *len. 1 if found, 0 if neither was given, -1 with err set. */
int keystore_password(const char *file, char *out, size_t *len, char *err);

/* 1 if the group or others may read path (ssh refuses such keys; cairn
 * warns), 0 otherwise or if it cannot tell. */
int keystore_too_open(const char *path);

#endif

#include "keystore.h"

#include "cairn/error.h"
#include "cairn/keccak.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#define ERR(...) snprintf(err, CAIRN_ERR_MAX, __VA_ARGS__)

#define SALT_MAX 64
#define DK_LEN 32

/* Hex of exactly n bytes (after an optional "0x"): 0, or -1. */
static int unhex(const char *s, uint8_t *out, size_t n)
{
	if (!s)
		return -1;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	if (strlen(s) != 2 * n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int v = 0;
		for (int k = 0; k < 2; k++) {
			char c = s[2 * i + k];
			int d = c >= '0' && c <= '9' ? c - '0'
			        : c >= 'a' && c <= 'f' ? c - 'a' + 10
			        : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
			if (d < 0)
				return -1;
			v = v * 16 + d;
		}
		out[i] = (uint8_t)v;
	}
	return 0;
}

/* Hex of variable length up to cap bytes: the length, or -1. */
static long unhex_var(const char *s, uint8_t *out, size_t cap)
{
	if (!s)
		return -1;
	size_t l = strlen(s) - (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') ? 2 : 0);
	if (l % 2 || l / 2 > cap || l == 0)
		return -1;
	return unhex(s, out, l / 2) == 0 ? (long)(l / 2) : -1;
}

static void tohex(const uint8_t *p, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[p[i] >> 4];
		out[2 * i + 1] = hex[p[i] & 15];
	}
	out[2 * n] = '\0';
}

/* A non-negative integer member: 0, or -1. */
static int get_uint(json_t *o, const char *name, unsigned long long max, unsigned long long *v)
{
	json_t *j = json_object_get(o, name);
	if (!json_is_integer(j) || json_integer_value(j) < 0 ||
	    (unsigned long long)json_integer_value(j) > max)
		return -1;
	*v = (unsigned long long)json_integer_value(j);
	return 0;
}

/* The derived key from kdf and kdfparams. 0, or -1 with err set. */
static int derive(json_t *crypto, const char *password, size_t pwlen, uint8_t dk[DK_LEN], char *err)
{
	const char *kdf = json_string_value(json_object_get(crypto, "kdf"));
	json_t *kp = json_object_get(crypto, "kdfparams");
	uint8_t salt[SALT_MAX];
	unsigned long long dklen, n, r, p, c;
	long sl;
	if (!kdf || !json_is_object(kp)) {
		ERR("not a keystore: no kdf or kdfparams");
		return -1;
	}
	if (get_uint(kp, "dklen", 1024, &dklen) != 0 || dklen != DK_LEN) {
		ERR("keystore: kdfparams.dklen must be 32");
		return -1;
	}
	if ((sl = unhex_var(json_string_value(json_object_get(kp, "salt")), salt, sizeof salt)) < 0) {
		ERR("keystore: kdfparams.salt is not hex of 1 to %d bytes", SALT_MAX);
		return -1;
	}
	if (strcmp(kdf, "scrypt") == 0) {
		if (get_uint(kp, "n", 1ull << 40, &n) != 0 || get_uint(kp, "r", 1ull << 20, &r) != 0 ||
		    get_uint(kp, "p", 1ull << 20, &p) != 0 || n < 2 || (n & (n - 1)) || r == 0 || p == 0) {
			ERR("keystore: scrypt needs n (a power of 2 over 1), r and p");
			return -1;
		}
		if (128 * r * n + 128 * r * p > KEYSTORE_SCRYPT_MAX_MEM) {
			ERR("keystore: scrypt n=%llu r=%llu asks for more than %llu MiB", n, r,
			    KEYSTORE_SCRYPT_MAX_MEM >> 20);
			return -1;
		}
		/* maxmem: what the parameters need and a little more */
		if (!EVP_PBE_scrypt(password, pwlen, salt, (size_t)sl, n, r, p,
		                    KEYSTORE_SCRYPT_MAX_MEM + (1u << 20), dk, DK_LEN)) {
			ERR("keystore: scrypt n=%llu r=%llu p=%llu failed (parameters out of range, or no memory)",
			    n, r, p);
			return -1;
		}
		return 0;
	}
	if (strcmp(kdf, "pbkdf2") == 0) {
		const char *prf = json_string_value(json_object_get(kp, "prf"));
		if (!prf || strcmp(prf, "hmac-sha256") != 0) {
			ERR("keystore: pbkdf2 with prf %s is not supported (hmac-sha256 is)", prf ? prf : "(none)");
			return -1;
		}
		if (get_uint(kp, "c", KEYSTORE_PBKDF2_MAX_ITER, &c) != 0 || c == 0) {
			ERR("keystore: pbkdf2 needs c, 1 to %d iterations", KEYSTORE_PBKDF2_MAX_ITER);
			return -1;
		}
		if (!PKCS5_PBKDF2_HMAC(password, (int)pwlen, salt, (int)sl, (int)c, EVP_sha256(), DK_LEN, dk)) {
			ERR("keystore: pbkdf2 failed");
			return -1;
		}
		return 0;
	}
	ERR("keystore: kdf %s is not supported (scrypt and pbkdf2 are)", kdf);
	return -1;
}

/* AES-128-CTR of n bytes (its own inverse). 0, or -1. */
static int aes_ctr(const uint8_t key[16], const uint8_t iv[16], const uint8_t *in, size_t n, uint8_t *out)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int l1 = 0, l2 = 0, ok = c && EVP_EncryptInit_ex(c, EVP_aes_128_ctr(), NULL, key, iv) &&
	                        EVP_EncryptUpdate(c, out, &l1, in, (int)n) &&
	                        EVP_EncryptFinal_ex(c, out + l1, &l2) && (size_t)(l1 + l2) == n;
	EVP_CIPHER_CTX_free(c);
	return ok ? 0 : -1;
}

static void mac_of(const uint8_t dk[DK_LEN], const uint8_t *ct, size_t n, uint8_t mac[32])
{
	cairn_keccak256 k;
	cairn_keccak256_init(&k);
	cairn_keccak256_update(&k, dk + 16, 16);
	cairn_keccak256_update(&k, ct, n);
	cairn_keccak256_final(&k, mac);
}

int keystore_decrypt(const char *json, size_t len, const char *password, size_t pwlen,
                     uint8_t key[ETH_KEY_LEN], uint8_t addr[ETH_ADDRESS_LEN], char *err)
{
	json_error_t je;
	json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je), *crypto = NULL;
	uint8_t dk[DK_LEN], iv[16], ct[ETH_KEY_LEN], mac[32], want[32], stated[ETH_ADDRESS_LEN];
	const char *cipher, *k;
	json_t *v;
	int rc = -1;
	if (!root || !json_is_object(root)) {
		ERR("not a keystore: %s", root ? "not a JSON object" : je.text);
		goto done;
	}
	v = json_object_get(root, "version");
	if (!json_is_integer(v) || json_integer_value(v) != 3) {
		ERR("not a version 3 keystore");
		goto done;
	}
	json_object_foreach(root, k, v) /* geth: "crypto"; ethers: "Crypto" */
		if (strcasecmp(k, "crypto") == 0)
			crypto = v;
	if (!json_is_object(crypto)) {
		ERR("not a keystore: no crypto object");
		goto done;
	}
	cipher = json_string_value(json_object_get(crypto, "cipher"));
	if (!cipher || strcmp(cipher, "aes-128-ctr") != 0) {
		ERR("keystore: cipher %s is not supported (aes-128-ctr is)", cipher ? cipher : "(none)");
		goto done;
	}
	if (unhex(json_string_value(json_object_get(json_object_get(crypto, "cipherparams"), "iv")), iv, 16) != 0 ||
	    unhex(json_string_value(json_object_get(crypto, "ciphertext")), ct, sizeof ct) != 0 ||
	    unhex(json_string_value(json_object_get(crypto, "mac")), want, sizeof want) != 0) {
		ERR("not a keystore: cipherparams.iv (16 bytes), ciphertext (32) and mac (32) must be hex");
		goto done;
	}
	if (derive(crypto, password, pwlen, dk, err) != 0)
		goto done;
	mac_of(dk, ct, sizeof ct, mac);
	if (CRYPTO_memcmp(mac, want, sizeof mac) != 0) {
		ERR("wrong password for this keystore (its MAC does not match)");
		goto done;
	}
	if (aes_ctr(dk, iv, ct, sizeof ct, key) != 0) {
		ERR("keystore: AES-128-CTR failed");
		goto done;
	}
	if (ethtx_address(key, addr, err) != 0)
		goto done;
	/* a stated address must be the key's: a mismatch is a damaged file */
	v = json_object_get(root, "address");
	if (json_is_string(v) && (unhex(json_string_value(v), stated, sizeof stated) != 0 ||
	                          memcmp(stated, addr, sizeof stated) != 0)) {
		ERR("keystore: its address is not its key's");
		goto done;
	}
	rc = 0;
done:
	if (rc != 0)
		OPENSSL_cleanse(key, ETH_KEY_LEN);
	OPENSSL_cleanse(dk, sizeof dk);
	json_decref(root);
	return rc;
}

int keystore_load(const char *path, const char *password, size_t pwlen, uint8_t key[ETH_KEY_LEN],
                  uint8_t addr[ETH_ADDRESS_LEN], char *err)
{
	char *buf = malloc(KEYSTORE_FILE_MAX + 1);
	FILE *f = fopen(path, "rb");
	size_t n = 0;
	int rc = -1;
	if (!buf) {
		ERR("out of memory");
		goto done;
	}
	if (!f) {
		ERR("%s: %s", path, strerror(errno));
		goto done;
	}
	n = fread(buf, 1, KEYSTORE_FILE_MAX + 1, f);
	if (ferror(f)) {
		ERR("%s: %s", path, strerror(errno));
		goto done;
	}
	if (n > KEYSTORE_FILE_MAX) {
		ERR("%s: not a keystore (over %d KiB)", path, KEYSTORE_FILE_MAX / 1024);
		goto done;
	}
	if (keystore_decrypt(buf, n, password, pwlen, key, addr, err) != 0) {
		char why[CAIRN_ERR_MAX];
		snprintf(why, sizeof why, "%s", err);
		ERR("%.200s: %.300s", path, why);
		goto done;
	}
	rc = 0;
done:
	if (f)
		fclose(f);
	if (buf)
		OPENSSL_cleanse(buf, n);
	free(buf);
	return rc;
}

int keystore_write(const char *path, const uint8_t key[ETH_KEY_LEN], const char *password,
                   size_t pwlen, unsigned long n, unsigned r, unsigned p, char *err)
{
	uint8_t salt[32], iv[16], uuid[16], dk[DK_LEN], ct[ETH_KEY_LEN], mac[32], addr[ETH_ADDRESS_LEN];
	char salt_x[65], iv_x[33], ct_x[65], mac_x[65], addr_x[41], id[37];
	char *text = NULL;
	json_t *root = NULL;
	int fd = -1, rc = -1;
	if (getrandom(salt, sizeof salt, 0) != (ssize_t)sizeof salt ||
	    getrandom(iv, sizeof iv, 0) != (ssize_t)sizeof iv ||
	    getrandom(uuid, sizeof uuid, 0) != (ssize_t)sizeof uuid) {
		ERR("no randomness: %s", strerror(errno));
		goto done;
	}
	if (ethtx_address(key, addr, err) != 0)
		goto done;
	if (!EVP_PBE_scrypt(password, pwlen, salt, sizeof salt, n, r, p, KEYSTORE_SCRYPT_MAX_MEM + (1u << 20),
	                    dk, DK_LEN)) {
		ERR("scrypt n=%lu r=%u p=%u failed", n, r, p);
		goto done;
	}
	if (aes_ctr(dk, iv, key, ETH_KEY_LEN, ct) != 0) {
		ERR("AES-128-CTR failed");
		goto done;
	}
	mac_of(dk, ct, sizeof ct, mac);
	uuid[6] = (uint8_t)((uuid[6] & 0x0f) | 0x40); /* a random (version 4) UUID */
	uuid[8] = (uint8_t)((uuid[8] & 0x3f) | 0x80);
	snprintf(id, sizeof id, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
	         uuid[0], uuid[1], uuid[2], uuid[3], uuid[4], uuid[5], uuid[6], uuid[7], uuid[8], uuid[9],
	         uuid[10], uuid[11], uuid[12], uuid[13], uuid[14], uuid[15]);
	tohex(salt, sizeof salt, salt_x);
	tohex(iv, sizeof iv, iv_x);
	tohex(ct, sizeof ct, ct_x);
	tohex(mac, sizeof mac, mac_x);
	tohex(addr, sizeof addr, addr_x);
	root = json_pack("{s:s, s:s, s:i, s:{s:s, s:{s:s}, s:s, s:s, s:{s:i, s:I, s:i, s:i, s:s}, s:s}}",
	                 "address", addr_x, "id", id, "version", 3, "crypto", "cipher", "aes-128-ctr",
	                 "cipherparams", "iv", iv_x, "ciphertext", ct_x, "kdf", "scrypt", "kdfparams", "dklen",
	                 DK_LEN, "n", (json_int_t)n, "r", (int)r, "p", (int)p, "salt", salt_x, "mac", mac_x);
	if (!root || !(text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER))) {
		ERR("out of memory");
		goto done;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		ERR("%s: %s", path, strerror(errno));
		goto done;
	}
	size_t len = strlen(text), off = 0;
	while (off < len) {
		ssize_t w = write(fd, text + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			ERR("%s: %s", path, strerror(errno));
			goto done;
		}
		off += (size_t)w;
	}
	if (write(fd, "\n", 1) != 1 || fsync(fd) != 0) {
		ERR("%s: %s", path, strerror(errno));
		goto done;
	}
	rc = 0;
done:
	if (fd >= 0) {
		close(fd);
		if (rc != 0)
			unlink(path);
	}
	OPENSSL_cleanse(dk, sizeof dk);
	free(text);
	json_decref(root);
	return rc;
}

int keystore_password(const char *file, char *out, size_t *len, char *err)
{
	if (!file) {
		const char *env = getenv(KEYSTORE_PASSWORD_ENV);
		if (!env)
			return 0;
		if (strlen(env) >= KEYSTORE_PASSWORD_MAX) {
			ERR("$%s: longer than %d bytes", KEYSTORE_PASSWORD_ENV, KEYSTORE_PASSWORD_MAX - 1);
			return -1;
		}
		*len = strlen(env);
		memcpy(out, env, *len + 1);
		return 1;
	}
	FILE *f = fopen(file, "r");
	if (!f) {
		ERR("password file %s: %s", file, strerror(errno));
		return -1;
	}
	size_t n = fread(out, 1, KEYSTORE_PASSWORD_MAX, f);
	int bad = ferror(f);
	fclose(f);
	if (bad) {
		ERR("password file %s: %s", file, strerror(errno));
		return -1;
	}
	size_t l = 0;
	while (l < n && out[l] != '\n' && out[l] != '\r')
		l++;
	if (l == KEYSTORE_PASSWORD_MAX) {
		OPENSSL_cleanse(out, KEYSTORE_PASSWORD_MAX);
		ERR("password file %s: its first line is longer than %d bytes", file, KEYSTORE_PASSWORD_MAX - 1);
		return -1;
	}
	OPENSSL_cleanse(out + l, n - l);
	out[l] = '\0';
	*len = l;
	return 1;
}

int keystore_too_open(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && (st.st_mode & 0077) != 0;
}

#define _DEFAULT_SOURCE 1 /* mkdtemp */
#include "testutil.h"
#include "keystore.h"

#include "cairn/error.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* The Web3 Secret Storage definition's PBKDF2 test vector (password
 * "testpassword"), which ethers 6.17.0 also decrypts to this key and
 * address; and a keystore ethers 6.17.0 wrote (encryptKeystoreJsonSync,
 * scrypt N=1024, r=8, p=1, the key "Crypto" spelled its way) under a
 * password with non-ASCII letters. */
static const char pbkdf2_json[] =
	"{\"crypto\":{\"cipher\":\"aes-128-ctr\",\"cipherparams\":{\"iv\":\"6087dab2f9fdbbfaddc31a909735c1e6\"},"
	"\"ciphertext\":\"5318b4d5bcd28de64ee5559e671353e16f075ecae9f99c7a79a38af5f869aa46\",\"kdf\":\"pbkdf2\","
	"\"kdfparams\":{\"c\":262144,\"dklen\":32,\"prf\":\"hmac-sha256\",\"salt\":"
	"\"ae3cd4e7013836a3df6bd7241b12db061dbe2c6785853cce422d148a624ce0bd\"},"
	"\"mac\":\"517ead924a9d0dc3124507e3393d175ce3ff7c1e96529c6c555ce9e51205e9b2\"},"
	"\"id\":\"3198bc9c-6672-5ab3-d995-4942343ae5b6\",\"version\":3}";
static const char scrypt_json[] =
	"{\"address\":\"2c7536e3605d9c16a7a3d7b1898e529396a65c23\",\"id\":\"94ac8dab-a902-41c2-88b3-258a5936b3f7\","
	"\"version\":3,\"Crypto\":{\"cipher\":\"aes-128-ctr\",\"cipherparams\":{\"iv\":\"fb14c8113ea59985c7b0ae9187dc4794\"},"
	"\"ciphertext\":\"5324482dd8a9ef040838279a154889901fa281b5c5c425b6c967c8fa75777113\",\"kdf\":\"scrypt\","
	"\"kdfparams\":{\"salt\":\"d389e775fc5b6bd605c4d43ffd41a9736d4152c468e372e9c84022a41e0c9198\",\"n\":1024,"
	"\"dklen\":32,\"p\":1,\"r\":8},\"mac\":\"8df0e9c54c807639c185d8d53d94ee8dae93ad989f703128c4b0d7769b0336bb\"}}";
static const char scrypt_pw[] = "cairn test \xc3\xa9t\xc3\xa9";

static void expect_key(const uint8_t key[32], const uint8_t addr[20], const char *key_hex, const char *address)
{
	uint8_t want[32];
	char text[43];
	unhex(key_hex, want);
	assert_memory_equal(key, want, 32);
	ethtx_address_text(addr, text);
	assert_string_equal(text, address);
}

static void spec_and_ethers(void **state)
{
	uint8_t key[32], addr[20];
	char err[CAIRN_ERR_MAX];
	(void)state;
	assert_int_equal(keystore_decrypt(pbkdf2_json, strlen(pbkdf2_json), "testpassword", 12, key, addr, err), 0);
	expect_key(key, addr, "7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d",
	           "0x008AeEda4D805471dF9b2A5B0f38A0C3bCBA786b");
	assert_int_equal(keystore_decrypt(scrypt_json, strlen(scrypt_json), scrypt_pw, strlen(scrypt_pw), key, addr, err), 0);
	expect_key(key, addr, "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318",
	           "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23");
}

static void refused(const char *json, const char *pw, const char *why)
{
	uint8_t key[32], addr[20];
	char err[CAIRN_ERR_MAX];
	memset(key, 0x5a, sizeof key);
	assert_int_equal(keystore_decrypt(json, strlen(json), pw, strlen(pw), key, addr, err), -1);
	if (!strstr(err, why))
		fail_msg("wanted '%s' in: %s", why, err);
	for (int i = 0; i < 32; i++) /* nothing of a key left on failure */
		assert_int_equal(key[i], 0);
}

/* scrypt_json with one substring replaced */
static const char *edited(const char *from, const char *to)
{
	static char buf[2048];
	const char *at = strstr(scrypt_json, from);
	assert_non_null(at);
	snprintf(buf, sizeof buf, "%.*s%s%s", (int)(at - scrypt_json), scrypt_json, to, at + strlen(from));
	return buf;
}

static void bad_input(void **state)
{
	(void)state;
	refused(scrypt_json, "cairn test ete", "wrong password");
	refused(pbkdf2_json, "testpassworD", "wrong password");
	refused("not json", "x", "not a keystore");
	refused("[]", "x", "not a keystore");
	refused("{\"version\":3}", "x", "no crypto object");
	refused(edited("\"version\":3", "\"version\":2"), scrypt_pw, "not a version 3 keystore");
	refused(edited("aes-128-ctr", "aes-128-cbc"), scrypt_pw, "cipher aes-128-cbc is not supported");
	refused(edited("\"kdf\":\"scrypt\"", "\"kdf\":\"argon2\""), scrypt_pw, "kdf argon2 is not supported");
	refused(edited("\"n\":1024", "\"n\":1000"), scrypt_pw, "power of 2");
	refused(edited("\"n\":1024", "\"n\":1073741824"), scrypt_pw, "asks for more than");
	refused(edited("\"dklen\":32", "\"dklen\":16"), scrypt_pw, "dklen must be 32");
	refused(edited("fb14c8113ea59985c7b0ae9187dc4794", "fb14"), scrypt_pw, "must be hex");
	refused(edited("2c7536e3605d9c16a7a3d7b1898e529396a65c23", "2c7536e3605d9c16a7a3d7b1898e529396a65c24"),
	        scrypt_pw, "its address is not its key's");
	refused(edited("\"salt\":\"d389", "\"salt\":\"zz89"), scrypt_pw, "salt is not hex");
}

static void write_and_read_back(void **state)
{
	char dir[] = "/tmp/cairn-ks-XXXXXX", path[64], err[CAIRN_ERR_MAX];
	uint8_t key[32], back[32], addr[20], want_addr[20];
	struct stat st;
	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/key.json", dir);
	unhex("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318", key);
	assert_int_equal(keystore_write(path, key, "pw", 2, 1024, 8, 1, err), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(keystore_load(path, "pw", 2, back, addr, err), 0);
	assert_memory_equal(back, key, 32);
	assert_int_equal(ethtx_address(key, want_addr, err), 0);
	assert_memory_equal(addr, want_addr, 20);
	/* never over an existing file */
	assert_int_equal(keystore_write(path, key, "pw", 2, 1024, 8, 1, err), -1);
	assert_non_null(strstr(err, "File exists"));
	assert_int_equal(keystore_load(path, "PW", 2, back, addr, err), -1);
	assert_non_null(strstr(err, "wrong password"));
	unlink(path);
	assert_int_equal(keystore_load(path, "pw", 2, back, addr, err), -1);
	assert_non_null(strstr(err, "No such file"));
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(spec_and_ethers),
		cmocka_unit_test(bad_input),
		cmocka_unit_test(write_and_read_back),
	};
	return RUN(tests);
}

/* Keystore files (keystore.h), as an operator might hand the daemon any
 * file: never a crash or a leak; a refusal always says why and leaves no
 * key behind; an accepted file yields a key whose address is the one the
 * file states, if it states one. The key derivation is kept cheap here
 * (small limits, set before the module is compiled into this target) so
 * the fuzzer explores the parsing, not scrypt. */
#define KEYSTORE_SCRYPT_MAX_MEM (1ull << 20)
#define KEYSTORE_PBKDF2_MAX_ITER 64
#include "../../storage-node/anchor/keystore.c"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t key[ETH_KEY_LEN], addr[ETH_ADDRESS_LEN], again[ETH_ADDRESS_LEN];
	char err[CAIRN_ERR_MAX];
	/* the first line is the password, the rest the file */
	const uint8_t *nl = memchr(data, '\n', size);
	size_t pwlen = nl ? (size_t)(nl - data) : 0, off = nl ? pwlen + 1 : 0;
	err[0] = '\0';
	memset(key, 0x5a, sizeof key);
	int rc = keystore_decrypt((const char *)data + off, size - off, (const char *)data, pwlen, key, addr, err);
	if (rc != 0) {
		FUZZ_CHECK(err[0] != '\0');
		for (size_t i = 0; i < sizeof key; i++)
			FUZZ_CHECK(key[i] == 0);
		return 0;
	}
	FUZZ_CHECK(ethtx_address(key, again, err) == 0);
	FUZZ_CHECK(memcmp(again, addr, sizeof addr) == 0);
	return 0;
}

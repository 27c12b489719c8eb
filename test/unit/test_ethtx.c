#include "testutil.h"
#include "ethtx.h"

#include "cairn/error.h"

/* Signed with the npm ethers 6.17.0 Wallet (its signTransaction, RFC 6979
 * like libsecp256k1) from the key below: the raw bytes, the transaction
 * hash, and the EIP-55 address must all be ethers'. The cases: mainnet
 * with an anchor's data (root ‖ size), anvil's chain with a nonce over
 * 255 and no tip, Base with the largest fee and 100 bytes of data. */
static const char key_hex[] = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";
static const char address[] = "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23";

static const struct {
	uint64_t chain, nonce, tip, fee, gas;
	int data; /* 0: none, 1: root ‖ size, 2: 100 × 0xab */
	const char *raw, *hash;
} vec[] = {
	{1, 0, 1000000000, 30000000000, 21640, 1,
	 "02f8930180843b9aca008506fc23ac00825488942c7536e3605d9c16a7a3d7b1898e529396a65c2380a811111111111111111111111111111111111111111111111111111111111111110000000000000400c001a015d96bb36f2d712e9a4731f4ad9d5b5bf58455aa9f5f3908d16d6a3c1b20cb2aa03f977c0e0b658ce0f631546d703f9abe2e0d45ce1d0f9af75b10a797ffcb3497",
	 "794e5cb40a75e642f535b7c9a392556afc53387cea014a69bd51f3a689cb5bae"},
	{31337, 300, 0, 875000000, 100000, 0,
	 "02f86b827a6982012c8084342770c0830186a0942c7536e3605d9c16a7a3d7b1898e529396a65c238080c080a053b406d2d3a220e375ff7e64956317ca99bbf2f6973c1748fabd16e325f44e86a05cb92a9efd94f275470b6c9de58590f1ead427287a739b0a1e794907e2c7701b",
	 "a05a994b8b9d8c20b22592313fbbcbbcaab0891344663380ff202f7387d67c21"},
	{8453, 1, 1500000, UINT64_MAX, 21000, 2,
	 "02f8d4822105018316e36088ffffffffffffffff825208942c7536e3605d9c16a7a3d7b1898e529396a65c2380b864ababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababc001a018a0e79b75b329c0321d29fef14d2f4c43e870ad904ddd55f6e6ff78facb865aa03fd40c0f6e5f3f38b121df5eb672e040eaf216c8981fac712b49556199bb7333",
	 "1af509182f9cfa49403c852ed484e8267c94db49a1b11b9f05885b95068511ec"},
};

static void address_of_key(void **state)
{
	uint8_t key[32], addr[20];
	char err[CAIRN_ERR_MAX], text[43];
	(void)state;
	unhex(key_hex, key);
	assert_int_equal(ethtx_address(key, addr, err), 0);
	ethtx_address_text(addr, text);
	assert_string_equal(text, address);
}

static void signs_as_ethers(void **state)
{
	uint8_t key[32], raw[512], want[512], hash[32], want_hash[32], data[100];
	char err[CAIRN_ERR_MAX];
	(void)state;
	unhex(key_hex, key);
	for (size_t i = 0; i < sizeof vec / sizeof vec[0]; i++) {
		eth_tx tx = {.chain_id = vec[i].chain, .nonce = vec[i].nonce, .max_priority_fee = vec[i].tip,
		             .max_fee = vec[i].fee, .gas = vec[i].gas};
		assert_int_equal(ethtx_address(key, tx.to, err), 0); /* to: the sender itself */
		if (vec[i].data == 1) {
			memset(data, 0x11, 32);
			memset(data + 32, 0, 8);
			data[38] = 0x04;
			tx.data = data;
			tx.data_len = 40;
		} else if (vec[i].data == 2) {
			memset(data, 0xab, 100);
			tx.data = data;
			tx.data_len = 100;
		}
		size_t len, n = unhex(vec[i].raw, want);
		assert_int_equal(ethtx_sign(&tx, key, raw, tx.data_len + ETHTX_OVERHEAD, &len, hash, err), 0);
		assert_int_equal(len, n);
		assert_memory_equal(raw, want, n);
		unhex(vec[i].hash, want_hash);
		assert_memory_equal(hash, want_hash, 32);
	}
}

static void bad_keys_and_buffers(void **state)
{
	uint8_t key[32] = {0}, addr[20], raw[64], hash[32];
	char err[CAIRN_ERR_MAX];
	size_t len;
	eth_tx tx = {.chain_id = 1};
	(void)state;
	assert_int_equal(ethtx_address(key, addr, err), -1); /* zero */
	assert_non_null(strstr(err, "not a secp256k1 private key"));
	memset(key, 0xff, sizeof key); /* above the group order */
	assert_int_equal(ethtx_sign(&tx, key, raw, sizeof raw + 100, &len, hash, err) == 0, 0);
	unhex(key_hex, key);
	assert_int_equal(ethtx_sign(&tx, key, raw, 20, &len, hash, err), -1);
	assert_non_null(strstr(err, "too small"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(address_of_key),
		cmocka_unit_test(signs_as_ethers),
		cmocka_unit_test(bad_keys_and_buffers),
	};
	return RUN(tests);
}

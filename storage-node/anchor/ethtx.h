/*
 * Ethereum transactions the node signs itself: EIP-1559 (type 2),
 * wrapped per EIP-2718, signed with secp256k1 (libsecp256k1), so that
 * anchoring works through RPC providers that hold no keys.
 *
 *   signing hash = keccak256(0x02 ‖ rlp([chainId, nonce, maxPriorityFeePerGas,
 *                      maxFeePerGas, gasLimit, to, value, data, accessList]))
 *   raw          = 0x02 ‖ rlp([… the same nine …, yParity, r, s])
 *   tx hash      = keccak256(raw)
 *
 * The access list is always empty. Signatures are deterministic
 * (RFC 6979) with a low s, as Ethereum requires; the same fields and key
 * give the bytes ethers gives. Keys are the caller's 32 bytes: this
 * module keeps no copy.
 */
#ifndef CAIRN_ETHTX_H
#define CAIRN_ETHTX_H

#include <stddef.h>
#include <stdint.h>

#define ETH_ADDRESS_LEN 20
#define ETH_KEY_LEN 32
#define ETH_HASH_LEN 32
/* A signed transaction's size beyond its data: the RLP of eleven fields
 * at their largest (8-byte integers, a 20-byte address, 32-byte r and s)
 * and the envelope. */
#define ETHTX_OVERHEAD 160

typedef struct eth_tx {
	uint64_t chain_id;
	uint64_t nonce;
	uint64_t max_priority_fee;  /* wei per gas */
	uint64_t max_fee;           /* wei per gas */
	uint64_t gas;
	uint8_t to[ETH_ADDRESS_LEN];
	uint64_t value;             /* wei */
	const uint8_t *data;        /* not owned */
	size_t data_len;
} eth_tx;

/* The address of the key (keccak256 of the uncompressed public key, last
 * 20 bytes). 0, or -1 with err (CAIRN_ERR_MAX bytes) for a key that is
 * not a valid secp256k1 secret (zero, or not below the group order). */
int ethtx_address(const uint8_t key[ETH_KEY_LEN], uint8_t addr[ETH_ADDRESS_LEN], char *err);

/* Sign tx with key: the raw transaction (for eth_sendRawTransaction)
 * into out (cap bytes; data_len + ETHTX_OVERHEAD always suffice), its
 * length in *len, and its hash (what the chain will call it) in hash.
 * 0, or -1 with err set. */
int ethtx_sign(const eth_tx *tx, const uint8_t key[ETH_KEY_LEN], uint8_t *out, size_t cap,
               size_t *len, uint8_t hash[ETH_HASH_LEN], char *err);

/* "0x" and 40 hex digits with EIP-55's mixed-case checksum, into out
 * (43 bytes). */
void ethtx_address_text(const uint8_t addr[ETH_ADDRESS_LEN], char out[43]);

#endif

/*
 * Putting checkpoints on an Ethereum chain, from the daemon's event loop.
 *
 * At each interval (or once enough leaves wait, or on anchor/flush) the
 * newest checkpoint's root goes on chain in a transaction from an account
 * to itself, input = root (32 bytes) ‖ tree size (8 bytes, big-endian):
 * with a key, an EIP-1559 transaction the node signs (ethtx.h: nonce from
 * eth_getTransactionCount "pending", tip from eth_maxPriorityFeePerGas,
 * max fee twice the latest base fee plus the tip, within the cap, gas from
 * eth_estimateGas) sent with eth_sendRawTransaction; without one,
 * eth_sendTransaction from the configured account (default: the node's
 * first eth_accounts entry), which the chain node signs (dev chains). The
 * anchorer waits for the receipt (status 1) and for K confirmations, reads
 * the block's hash and time, and records the anchor. Every step is kept in
 * the index ("anchors", keyed by tree size, a JSON record), so a restart
 * resumes a pending transaction instead of sending another; a transaction
 * the chain has forgotten (dropped) is sent again; an unreachable chain
 * is retried with backoff (1 s doubling to 30 s). Nothing is lost, and a
 * checkpoint is confirmed on chain once. With witnesses, the checkpoint
 * waits for --witness-quorum cosignatures before its transaction (moving
 * on to a newer checkpoint if one is made meanwhile): a witness that is
 * away delays anchoring, and nothing else.
 */
#ifndef CAIRN_ANCHORER_H
#define CAIRN_ANCHORER_H

#include <event2/event.h>

#include "chain.h"
#include <event2/http.h>

struct http_req;

#include "repo.h"

typedef struct anchor_opts {
	const char *rpc;            /* http(s):// URL of the chain node; NULL: no chain */
	const char *rpc_headers[CHAIN_HEADERS_MAX + 1]; /* "Name: value", NULL-terminated */
	size_t nrpc_headers;
	const char *ca_file;        /* trusted beside the system's CAs, or NULL */
	const char *from;           /* account; NULL: the first of eth_accounts */
	/* The node signs its own EIP-1559 transactions with this secp256k1 key
	 * (32 bytes, the caller's, kept for the anchorer's life: ideally in
	 * locked memory) and sends them with eth_sendRawTransaction; NULL:
	 * eth_sendTransaction from an account the chain node holds. */
	const uint8_t *key;
	unsigned long long max_fee_gwei; /* with key: never pay more per gas (0: no cap) */
	unsigned replace_after;     /* with key: blocks without a receipt before a replacement
	                             * (same nonce, fees up 12.5%); 0: the default */
	unsigned interval;          /* seconds between anchors of a growing log */
	unsigned long long batch;   /* anchor as soon as this many leaves wait (0: off) */
	unsigned confirmations;     /* blocks, counting the transaction's own */
	/* With witnesses (witnesser.h): a checkpoint goes on chain only once
	 * it carries their quorum of cosignatures; NULL: at once. Not owned. */
	struct witnesser *witnesses;
} anchor_opts;

#define ANCHOR_INTERVAL_DEFAULT 60
#define ANCHOR_CONFIRMATIONS_DEFAULT 1
#define ANCHOR_REPLACE_AFTER_DEFAULT 10
/* Hashes kept per checkpoint (a replacement adds one): the newest. */
#define ANCHOR_TXS_MAX 16
/* How long anchor/flush waits for the confirmation before answering 504. */
#define ANCHOR_FLUSH_TIMEOUT_SECS 120

typedef struct anchorer anchorer;

/* Start anchoring the log of repo r from base's loop (NULL with err, of
 * CAIRN_ERR_MAX bytes, set on a bad option). The caller keeps base and r. */
anchorer *anchorer_new(struct event_base *base, repo *r, const anchor_opts *o, char *err);
void anchorer_free(anchorer *a);

/* Anchor now, and answer req (an anchor/flush) once a checkpoint covering
 * the log as it is now is confirmed on chain. With progress, the answer
 * is ndjson: at once {"Waiting": {Size, Confirmed, Chain, RPC,
 * Confirmations, TimeoutSeconds}}, then the checkpoint, or an error line
 * {"Message", "Code": 0, "Type": "error"}. */
void anchorer_flush(anchorer *a, struct http_req *req, int progress);

/* Prometheus lines: transactions sent and failed, sends the fee cap held
 * back, the account's balance, the nonce in use, the newest anchor. On
 * a's loop. */
void anchorer_metrics(const anchorer *a, struct evbuffer *b);

#endif

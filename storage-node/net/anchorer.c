#include "anchorer.h"
#include "log.h"
#include "anchors.h"
#include "proof.h"
#include "cairn/multibase.h"

#include "anchorlog.h"
#include "chain.h"
#include "client.h"
#include "checkpoint.h"
#include "ethtx.h"
#include "http_util.h"
#include "witnesser.h"

#include <event2/buffer.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A transaction without a receipt this long is asked about: gone from the
 * node's pool means dropped, and it is sent again. */
#define DROP_CHECK_SECS 30
#define BACKOFF_MAX_SECS 30
#define POLL_MS 250
/* With a cluster's index: proofs written to cairn.anchor_proofs per turn
 * of the loop (a few queries and one INSERT for them all, some
 * milliseconds: proof_publish) */
#define ANCHOR_PUBLISH_STEP 256

/* A fee above the cap: asked again this often (and logged once a minute). */
#define FEE_RETRY_SECS 15
/* The account's balance is asked for at start, after each anchor, and
 * this often; below what LOW_BALANCE_ANCHORS anchors cost at the last
 * fee, a warning (once an hour). */
#define BALANCE_EVERY_SECS 300
#define LOW_BALANCE_ANCHORS 10
/* An anchor's gas before the first estimate: 21,000 and 40 bytes of data. */
#define ANCHOR_GAS_GUESS 21640

enum step { S_IDLE, S_CHAIN_ID, S_ACCOUNTS, S_WITNESS, S_SEND, S_RECEIPT, S_CHECK_TX, S_HEAD, S_BLOCK, S_BALANCE,
            /* signing: what a transaction needs, then the transaction */
            S_NONCE, S_TIP, S_BASE_FEE, S_GAS, S_SEND_RAW, S_WAIT_HEAD };

struct waiter {
	struct http_req *req;
	uint64_t size;
	time_t deadline;
	int streamed;           /* progress=true: ndjson, a "Waiting" line first */
	struct waiter *next;
};

struct anchorer {
	repo *r;
	chain *c;
	anchor_opts o;
	struct event *timer;
	enum step step;
	int busy;               /* a call is in flight */
	char chain_id[64];      /* "eip155:<id>" */
	char shown_rpc[256];    /* the RPC's URL without its path (a provider's key) */
	uint64_t chain_num;
	char from[64];
	/* signing (o.key set) */
	uint8_t addr[ETH_ADDRESS_LEN];
	uint64_t nonce, tip, base_fee, gas;
	int have_nonce;         /* nonce is the one this checkpoint's transactions use */
	time_t fee_logged;
	char txs[ANCHOR_TXS_MAX][80]; /* every hash sent for the checkpoint, oldest first */
	size_t ntxs, rx;        /* rx: whose receipt is asked next */
	uint64_t sent_block;    /* the head when the newest was sent (0: not asked yet) */
	uint64_t last_tip, last_max; /* the newest one's fees */
	int replacing;
	uint64_t replaced;      /* for /metrics */
	/* for /metrics (read on this loop) */
	uint64_t sent, failed, over_cap; /* transactions sent, failed on chain; sends the cap held back */
	uint64_t chain_errors;  /* steps that failed (the chain unreachable or refusing) and are retried */
	double balance;         /* wei; < 0 before the first answer */
	time_t balance_at, low_logged;
	uint64_t last_size;     /* the newest checkpoint confirmed, and its block's time */
	time_t last_time;
	uint64_t size;          /* the checkpoint being anchored; 0: none */
	uint8_t root[32];
	char tx[80], block_hash[80];
	uint64_t block;
	time_t sent_at, last_anchor;
	unsigned backoff;
	int want;               /* a flush asked to anchor now */
	uint64_t waits_logged;  /* the checkpoint whose wait for witnesses was logged */
	struct waiter *waiters;
	/* With a cluster's index (PostgreSQL): anchoring only while holding
	 * this lease, so one node at a time sends; NULL: always. */
	pgindex_lease *lease;
	int leading;
};

static void schedule(anchorer *a, unsigned ms)
{
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
	evtimer_add(a->timer, &tv);
}

/* Remember a hash sent for the checkpoint (the oldest goes when full). */
static void add_tx(anchorer *a, const char *h)
{
	if (!h || !*h)
		return;
	for (size_t i = 0; i < a->ntxs; i++)
		if (strcmp(a->txs[i], h) == 0)
			return;
	if (a->ntxs == ANCHOR_TXS_MAX) {
		memmove(a->txs[0], a->txs[1], sizeof a->txs[0] * (ANCHOR_TXS_MAX - 1));
		a->ntxs--;
	}
	snprintf(a->txs[a->ntxs++], sizeof a->txs[0], "%s", h);
}

/* Keep the record of the checkpoint being anchored; a failure is logged
 * (the step goes on from memory, and is retried from the chain on restart). */
static void record_put(anchorer *a, json_t *rec)
{
	char err[CAIRN_ERR_MAX];
	if (!rec || anchors_put(a->r, a->size, rec, err) != 0)
		log_error("anchoring: %s", rec ? err : "out of memory");
}

/* --- answering anchor/flush -------------------------------------------- */

/* Answer req with the anchored checkpoint of this size. */
/* One ndjson line of a streamed flush (j: taken). 0, or -1. */
static int flush_line(struct http_req *req, json_t *j)
{
	char *t = j ? json_dumps(j, JSON_COMPACT) : NULL;
	struct evbuffer *b = t ? evbuffer_new() : NULL;
	int rc = b && evbuffer_add_printf(b, "%s\n", t) > 0 ? 0 : -1;
	if (rc == 0)
		http_reply_chunk(req, b, NULL, NULL);
	if (b)
		evbuffer_free(b);
	free(t);
	json_decref(j);
	return rc;
}

/* The last line of a streamed flush, then its end; without that line the
 * answer says nothing, so the connection is cut rather than ended. */
static void flush_last(struct http_req *req, json_t *j)
{
	if (flush_line(req, j) == 0)
		http_reply_end(req);
	else
		http_req_cut(req);
}

/* A flush that cannot be answered with the checkpoint: code and why. */
static void flush_fail(struct http_req *req, int streamed, int code, const char *msg)
{
	if (streamed)
		flush_last(req, json_pack("{s:s, s:i, s:s}", "Message", msg, "Code", 0, "Type", "error"));
	else
		http_reply_rpc_error(req, code, "%s", msg);
}

/* The checkpoint of size, with its anchor: the flush's answer. */
static void answer(anchorer *a, struct http_req *req, int streamed, uint64_t size)
{
	char err[CAIRN_ERR_MAX];
	checkpoint *cp = malloc(sizeof *cp);
	json_t *rec = NULL;
	if (!cp || checkpoint_get(a->r, size, cp, err) != 0 ||
	    anchors_confirmed(a->r, size, &rec, err) != 0) {
		snprintf(err, sizeof err, "the anchor of checkpoint %" PRIu64 " cannot be read", size);
		flush_fail(req, streamed, 500, err);
		json_decref(rec);
		free(cp);
		return;
	}
	char root[65];
	cairn_base_encode(CAIRN_BASE16, cp->root, 32, root, sizeof root, NULL);
	json_t *j = json_pack("{s:I, s:s, s:s, s:o}", "size", (json_int_t)cp->size, "root", root,
	                      "checkpoint", cp->note, "anchor", rec);
	if (streamed)
		flush_last(req, j);
	else if (http_reply_json(req, 200, j) != 0)
		http_reply_rpc_error(req, 500, "out of memory");
	free(cp);
}

/* Answer the flushes that a confirmed checkpoint of size covers (when
 * confirmed), and those that timed out. The largest size still waited
 * for (0: none). */
static uint64_t settle_upto(anchorer *a, int confirmed, uint64_t size)
{
	time_t now = time(NULL);
	uint64_t want = 0;
	for (struct waiter **p = &a->waiters; *p;) {
		struct waiter *w = *p;
		if (confirmed && w->size <= size) {
			answer(a, w->req, w->streamed, size);
		} else if (now >= w->deadline) {
			char msg[128];
			snprintf(msg, sizeof msg, "not confirmed on chain within %d s; it goes on being anchored",
			         ANCHOR_FLUSH_TIMEOUT_SECS);
			flush_fail(w->req, w->streamed, 504, msg);
		} else {
			want = w->size > want ? w->size : want;
			p = &w->next;
			continue;
		}
		*p = w->next;
		free(w);
	}
	return want;
}

/* Answer the flushes this confirmation satisfies (or that timed out). */
static void settle_waiters(anchorer *a, int confirmed_now)
{
	settle_upto(a, confirmed_now, a->size);
}

/* --- the steps ----------------------------------------------------------- */

static void tick(evutil_socket_t fd, short what, void *arg);

static void fail(anchorer *a, const char *why)
{
	log_warn("anchoring: %s; retrying in %u s", why, a->backoff);
	a->chain_errors++;
	a->busy = 0;
	schedule(a, a->backoff * 1000);
	a->backoff = a->backoff * 2 > BACKOFF_MAX_SECS ? BACKOFF_MAX_SECS : a->backoff * 2;
}

static void ok_next(anchorer *a, enum step next, unsigned ms)
{
	a->busy = 0;
	a->backoff = 1;
	a->step = next;
	schedule(a, ms);
}

/* A call's answer that is a quantity ("0x…") into *out: 0, or -1 (the
 * step failed and is retried). */
static int quantity(anchorer *a, json_t *r, const char *err, const char *method, uint64_t *out)
{
	if (err || !json_is_string(r)) {
		char why[CAIRN_ERR_MAX];
		snprintf(why, sizeof why, "%s: %s", method, err ? err : "no number in the answer");
		fail(a, why);
		return -1;
	}
	*out = chain_quantity(json_string_value(r));
	return 0;
}

static void on_chain_id(void *ctx, json_t *r, const char *err)
{
	anchorer *a = ctx;
	if (err || !json_is_string(r)) {
		fail(a, err ? err : "eth_chainId gave no id");
		return;
	}
	a->chain_num = chain_quantity(json_string_value(r));
	snprintf(a->chain_id, sizeof a->chain_id, "eip155:%" PRIu64, a->chain_num);
	ok_next(a, S_IDLE, 0);
}

static void on_accounts(void *ctx, json_t *r, const char *err)
{
	anchorer *a = ctx;
	const char *first = json_string_value(json_array_get(r, 0));
	if (err || !first) {
		fail(a, err ? err : "the chain node has no accounts (use --chain-from)");
		return;
	}
	snprintf(a->from, sizeof a->from, "%s", first);
	ok_next(a, S_IDLE, 0);
}

/* The record of a transaction sent (or about to be: its hash and nonce
 * are known before it goes), so whoever anchors next, after a restart or
 * on another node, looks for it before sending anything. */
static void record_sent(anchorer *a)
{
	json_t *rec = json_pack("{s:s, s:s, s:b}", "chain", a->chain_id, "tx", a->tx, "confirmed", 0);
	if (rec && a->o.key) {
		json_t *txs = json_array();
		for (size_t i = 0; i < a->ntxs; i++)
			json_array_append_new(txs, json_string(a->txs[i]));
		json_object_set_new(rec, "from", json_string(a->from));
		json_object_set_new(rec, "nonce", json_integer((json_int_t)a->nonce));
		json_object_set_new(rec, "txs", txs);
	}
	record_put(a, rec);
	json_decref(rec);
}

static void on_sent(void *ctx, json_t *r, const char *err)
{
	anchorer *a = ctx;
	if (err || !json_is_string(r)) {
		fail(a, err ? err : "eth_sendTransaction gave no hash");
		return;
	}
	snprintf(a->tx, sizeof a->tx, "%s", json_string_value(r));
	a->sent_at = time(NULL);
	if (a->o.key) {
		if (a->replacing)
			log_info("anchoring checkpoint %" PRIu64 ": %s not mined after %u "
			         "blocks; replaced (nonce %" PRIu64 ", max fee %.3f gwei, tip %.3f gwei)",
			         a->size, a->ntxs >= 2 ? a->txs[a->ntxs - 2] : "?", a->o.replace_after, a->nonce,
			         a->last_max / 1e9, a->last_tip / 1e9);
		a->replaced += a->replacing;
		a->replacing = 0;
		a->sent_block = 0;
		add_tx(a, a->tx);
	}
	record_sent(a);
	log_info("anchoring checkpoint %" PRIu64 ": sent %s", a->size, a->tx);
	a->sent++;
	ok_next(a, S_RECEIPT, POLL_MS);
}

static void on_receipt(void *ctx, json_t *r, const char *err)
{
	anchorer *a = ctx;
	if (err) {
		fail(a, err);
		return;
	}
	if (json_is_null(r)) {
		/* signed here: any of the checkpoint's hashes may be the one mined */
		if (a->o.key && a->ntxs && ++a->rx < a->ntxs) {
			ok_next(a, S_RECEIPT, 0);
			return;
		}
		a->rx = 0;
		if (a->o.key) {
			ok_next(a, S_WAIT_HEAD, POLL_MS);
			return;
		}
		if (time(NULL) - a->sent_at >= DROP_CHECK_SECS) {
			ok_next(a, S_CHECK_TX, 0);
			return;
		}
		ok_next(a, S_RECEIPT, POLL_MS);
		return;
	}
	if (a->o.key && a->ntxs) /* the one mined is the one the proof names */
		snprintf(a->tx, sizeof a->tx, "%s", a->txs[a->rx]);
	a->rx = 0;
	const char *status = json_string_value(json_object_get(r, "status"));
	if (!status || chain_quantity(status) != 1) {
		log_warn("anchoring: %s failed on chain; sending again", a->tx);
		a->failed++;
		a->have_nonce = 0; /* the failed transaction used it */
		a->ntxs = 0;
		ok_next(a, S_SEND, 0);
		return;
	}
	a->block = chain_quantity(json_string_value(json_object_get(r, "blockNumber")));
	snprintf(a->block_hash, sizeof a->block_hash, "%s",
	         json_string_value(json_object_get(r, "blockHash")) ? json_string_value(json_object_get(r, "blockHash")) : "");
	ok_next(a, S_HEAD, 0);
}

static void on_check_tx(void *ctx, json_t *r, const char *err)
{
	anchorer *a = ctx;
	if (err) {
		fail(a, err);
		return;
	}
	if (json_is_null(r)) {
		log_warn("anchoring: %s is unknown to the chain node (dropped); "
		         "sending again", a->tx);
		ok_next(a, S_SEND, 0);
		return;
	}
	a->sent_at = time(NULL); /* still pending: wait another round */
	ok_next(a, S_RECEIPT, POLL_MS);
}

static void on_head(void *ctx, json_t *r, const char *err)
{
	anchorer *a = ctx;
	uint64_t head = 0;
	if (quantity(a, r, err, "eth_blockNumber", &head) != 0)
		return;
	if (head + 1 < a->block + a->o.confirmations) {
		ok_next(a, S_HEAD, POLL_MS);
		return;
	}
	ok_next(a, S_BLOCK, 0);
}

static void on_block(void *ctx, json_t *r, const char *err)
{
	anchorer *a = ctx;
	if (err) {
		fail(a, err);
		return;
	}
	const char *hash = json_string_value(json_object_get(r, "hash"));
	if (!hash || strcmp(hash, a->block_hash) != 0) {
		/* the block was replaced (a reorganisation): look at the receipt again */
		log_info("anchoring: block %" PRIu64 " changed; checking %s again",
		         a->block, a->tx);
		ok_next(a, S_RECEIPT, 0);
		return;
	}
	time_t t = (time_t)chain_quantity(json_string_value(json_object_get(r, "timestamp")));
	struct tm tm;
	char when[32];
	gmtime_r(&t, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_t *rec = json_pack("{s:s, s:s, s:I, s:s, s:s, s:b}", "chain", a->chain_id, "tx", a->tx,
	                        "block", (json_int_t)a->block, "block_hash", a->block_hash, "time",
	                        when, "confirmed", 1);
	record_put(a, rec);
	json_decref(rec);
	log_info("checkpoint %" PRIu64 " anchored: %s in block %" PRIu64 " (%s)",
	         a->size, a->tx, a->block, a->chain_id);
	a->last_anchor = time(NULL);
	a->last_size = a->size;
	a->last_time = t;
	a->balance_at = 0; /* it paid: ask again */
	settle_waiters(a, 1);
	a->size = 0;
	a->have_nonce = 0; /* the next checkpoint asks for the next one */
	a->ntxs = 0;
	a->sent_block = 0;
	ok_next(a, S_IDLE, 0);
}

/* --- signing: nonce, fees, gas, then the raw transaction ---------------- */

static void on_nonce(void *ctx, json_t *r, const char *err)
{
	anchorer *a = ctx;
	if (quantity(a, r, err, "eth_getTransactionCount", &a->nonce) != 0)
		return;
	a->have_nonce = 1;
	ok_next(a, S_TIP, 0);
}

static void on_tip(void *ctx, json_t *r, const char *err)
{
	anchorer *a = ctx;
	if (quantity(a, r, err, "eth_maxPriorityFeePerGas", &a->tip) == 0)
		ok_next(a, S_BASE_FEE, 0);
}

static void on_base_fee(void *ctx, json_t *r, const char *err)
{
	anchorer *a = ctx;
	const char *b = json_string_value(json_object_get(r, "baseFeePerGas"));
	if (err || !b) {
		fail(a, err ? err : "the latest block has no baseFeePerGas (a chain without EIP-1559?)");
		return;
	}
	a->base_fee = chain_quantity(b);
	ok_next(a, S_GAS, 0);
}

static void on_gas(void *ctx, json_t *r, const char *err)
{
	anchorer *a = ctx;
	if (quantity(a, r, err, "eth_estimateGas", &a->gas) == 0)
		ok_next(a, S_SEND_RAW, 0);
}

/* No receipt yet for a transaction signed here: replace it once it has
 * waited replace_after blocks, look for a drop now and then. */
static void on_wait_head(void *ctx, json_t *r, const char *err)
{
	anchorer *a = ctx;
	uint64_t head = 0;
	if (quantity(a, r, err, "eth_blockNumber", &head) != 0)
		return;
	if (!a->sent_block)
		a->sent_block = head;
	if (head >= a->sent_block + a->o.replace_after) {
		a->replacing = 1;
		ok_next(a, S_TIP, 0);
		return;
	}
	if (time(NULL) - a->sent_at >= DROP_CHECK_SECS) {
		ok_next(a, S_CHECK_TX, 0);
		return;
	}
	ok_next(a, S_RECEIPT, 0);
}

/* A replacement that could not go (its fee over the cap, or refused):
 * the ones sent are waited for again, for another replace_after blocks. */
static void replace_later(anchorer *a, const char *why)
{
	log_warn("anchoring checkpoint %" PRIu64 ": not replaced (%s); waiting %u "
	         "more blocks", a->size, why, a->o.replace_after);
	a->replacing = 0;
	a->sent_block = 0;
	if (a->ntxs)
		snprintf(a->tx, sizeof a->tx, "%s", a->txs[a->ntxs - 1]);
	ok_next(a, S_RECEIPT, POLL_MS);
}

static void on_sent_raw(void *ctx, json_t *r, const char *err)
{
	anchorer *a = ctx;
	if (err && a->replacing && !strstr(err, "already known") && !strstr(err, "known transaction")) {
		a->busy = 0;
		replace_later(a, err);
		return;
	}
	if (err)
		a->step = S_SEND; /* after the backoff: fees asked again, the nonce kept */
	if (err && strstr(err, "nonce too low")) {
		/* the nonce went to another transaction of this account */
		a->have_nonce = 0;
	} else if (err && (strstr(err, "already known") || strstr(err, "known transaction"))) {
		/* sent before (an answer that was lost): it is ours, by its hash */
		json_t *h = json_string(a->tx);
		on_sent(a, h, NULL);
		json_decref(h);
		return;
	}
	on_sent(a, r, err);
}

/* Sign the checkpoint's transaction with what was gathered and send it;
 * or wait, if the fee is above the cap. */
static void send_raw(anchorer *a)
{
	char err[CAIRN_ERR_MAX], hex[2 + 2 * (40 + ETHTX_OVERHEAD) + 1] = "0x";
	uint8_t data[40], raw[40 + ETHTX_OVERHEAD], hash[ETH_HASH_LEN];
	size_t len;
	/* the max fee: room for the base fee to double, within the cap */
	uint64_t cap = a->o.max_fee_gwei ? a->o.max_fee_gwei * 1000000000ull : UINT64_MAX;
	uint64_t want = a->base_fee * 2 + a->tip;
	if (a->base_fee + a->tip > cap && a->replacing) {
		a->over_cap++;
		replace_later(a, "the fee now is above --chain-max-fee-gwei");
		return;
	}
	if (a->base_fee + a->tip > cap) {
		time_t now = time(NULL);
		a->over_cap++;
		if (now - a->fee_logged >= 60) {
			log_warn("anchoring checkpoint %" PRIu64 ": not sent: the fee now "
			         "(base %.3f + tip %.3f gwei) is above --chain-max-fee-gwei %llu; asking again "
			         "every %d s", a->size, a->base_fee / 1e9, a->tip / 1e9, a->o.max_fee_gwei,
			         FEE_RETRY_SECS);
			a->fee_logged = now;
		}
		ok_next(a, S_TIP, FEE_RETRY_SECS * 1000);
		return;
	}
	memcpy(data, a->root, 32);
	repo_put_be64(a->size, data + 32);
	uint64_t tip = a->tip, max = want < cap ? want : cap;
	if (a->replacing) {
		/* mempools take a replacement only with both fees up by 10%
		 * (geth) or 12.5% (others): 12.5%, rounded up */
		uint64_t min_tip = a->last_tip + (a->last_tip + 7) / 8, min_max = a->last_max + (a->last_max + 7) / 8;
		tip = tip > min_tip ? tip : min_tip;
		max = max > min_max ? max : min_max;
		max = max > tip ? max : tip;
		if (max > cap) {
			a->over_cap++;
			replace_later(a, "its fee would be above --chain-max-fee-gwei");
			return;
		}
	}
	a->last_tip = tip;
	a->last_max = max;
	eth_tx tx = {.chain_id = a->chain_num, .nonce = a->nonce, .max_priority_fee = tip, .max_fee = max,
	             .gas = a->gas, .value = 0, .data = data, .data_len = sizeof data};
	memcpy(tx.to, a->addr, sizeof tx.to);
	if (ethtx_sign(&tx, a->o.key, raw, sizeof raw, &len, hash, err) != 0) {
		fail(a, err);
		return;
	}
	cairn_base_encode(CAIRN_BASE16, raw, len, hex + 2, sizeof hex - 2, NULL);
	/* its hash, should the answer say "already known" */
	snprintf(a->tx, sizeof a->tx, "0x");
	cairn_base_encode(CAIRN_BASE16, hash, sizeof hash, a->tx + 2, sizeof a->tx - 2, NULL);
	/* written ahead: a crash (or a lost lease) between sending and hearing
	 * back leaves a record naming this hash and nonce, so the next sender
	 * finds the transaction or replaces it with the same nonce, and at
	 * most one is ever mined for the checkpoint */
	add_tx(a, a->tx);
	record_sent(a);
	a->busy = 1;
	chain_call(a->c, "eth_sendRawTransaction", json_pack("[s]", hex), on_sent_raw, a);
}

/* --- the account's balance ---------------------------------------------- */

/* A quantity too large for 64 bits (a balance in wei), as a double. */
static double big_quantity(const char *s)
{
	double v = 0;
	if (!s || strncmp(s, "0x", 2) != 0)
		return -1;
	for (s += 2; *s; s++) {
		int d = *s >= '0' && *s <= '9' ? *s - '0' : *s >= 'a' && *s <= 'f' ? *s - 'a' + 10
		        : *s >= 'A' && *s <= 'F' ? *s - 'A' + 10 : -1;
		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

static void on_balance(void *ctx, json_t *r, const char *err)
{
	anchorer *a = ctx;
	double b = big_quantity(json_string_value(r));
	if (err || b < 0) {
		fail(a, err ? err : "eth_getBalance gave no balance");
		return;
	}
	a->balance = b;
	a->balance_at = time(NULL);
	/* what an anchor costs at the last fee asked (signed here), else the
	 * gas alone at the base fee is unknown: no warning */
	double per = (double)(a->gas ? a->gas : ANCHOR_GAS_GUESS) * (double)(a->base_fee * 2 + a->tip);
	if (a->o.key && a->base_fee && b < LOW_BALANCE_ANCHORS * per && a->balance_at - a->low_logged >= 3600) {
		log_warn("anchoring: %s has %.6f ETH, less than %d anchors "
		         "cost at the current fee (%.6f ETH each): fund it", a->from, b / 1e18,
		         LOW_BALANCE_ANCHORS, per / 1e18);
		a->low_logged = a->balance_at;
	}
	ok_next(a, S_IDLE, 0);
}

void anchorer_metrics(const anchorer *a, struct evbuffer *b)
{
	evbuffer_add_printf(b,
	                    "# HELP cairn_anchor_signing Whether the node signs its anchoring transactions (--chain-key).\n"
	                    "# TYPE cairn_anchor_signing gauge\ncairn_anchor_signing %d\n"
	                    "# HELP cairn_anchor_transactions_total Anchoring transactions, by what became of them.\n"
	                    "# TYPE cairn_anchor_transactions_total counter\n"
	                    "cairn_anchor_transactions_total{result=\"sent\"} %" PRIu64 "\n"
	                    "cairn_anchor_transactions_total{result=\"failed\"} %" PRIu64 "\n"
	                    "cairn_anchor_transactions_total{result=\"replaced\"} %" PRIu64 "\n"
	                    "# HELP cairn_anchor_fee_over_cap_total Sends held back because the fee was above --chain-max-fee-gwei.\n"
	                    "# TYPE cairn_anchor_fee_over_cap_total counter\ncairn_anchor_fee_over_cap_total %" PRIu64 "\n"
	                    "# HELP cairn_anchor_chain_errors_total Anchoring steps that failed (the chain RPC unreachable or refusing) and are retried.\n"
	                    "# TYPE cairn_anchor_chain_errors_total counter\ncairn_anchor_chain_errors_total %" PRIu64 "\n",
	                    a->o.key != NULL, a->sent, a->failed, a->replaced, a->over_cap, a->chain_errors);
	evbuffer_add_printf(b, "# HELP cairn_anchor_leader Whether this node is the one that anchors "
	                       "(1 on a single node; in a cluster, the holder of the lease).\n"
	                       "# TYPE cairn_anchor_leader gauge\ncairn_anchor_leader %d\n",
	                    a->lease ? a->leading : 1);
	/* what the log holds that no confirmed anchor covers yet */
	char err[CAIRN_ERR_MAX];
	uint64_t log_size, done = 0;
	int confirmed = anchors_newest_confirmed(a->r, &done, err);
	if (anchorlog_size(a->r, &log_size, err) == 0 && confirmed >= 0)
		evbuffer_add_printf(b, "# HELP cairn_anchor_leaves_waiting Leaves of the log that no checkpoint confirmed on chain covers yet.\n"
		                       "# TYPE cairn_anchor_leaves_waiting gauge\ncairn_anchor_leaves_waiting %" PRIu64 "\n",
		                    confirmed == 0 && done <= log_size ? log_size - done : log_size);
	if (a->balance >= 0)
		evbuffer_add_printf(b, "# HELP cairn_anchor_balance_wei The sending account's balance, in wei.\n"
		                       "# TYPE cairn_anchor_balance_wei gauge\ncairn_anchor_balance_wei %.17g\n",
		                    a->balance);
	if (a->o.key && (a->have_nonce || a->sent))
		evbuffer_add_printf(b, "# HELP cairn_anchor_nonce The nonce of the newest transaction signed here.\n"
		                       "# TYPE cairn_anchor_nonce gauge\ncairn_anchor_nonce %" PRIu64 "\n",
		                    a->nonce);
	if (a->last_size)
		evbuffer_add_printf(b, "# HELP cairn_anchor_last_size The tree size of the newest checkpoint confirmed on chain.\n"
		                       "# TYPE cairn_anchor_last_size gauge\ncairn_anchor_last_size %" PRIu64 "\n"
		                       "# HELP cairn_anchor_last_time_seconds When the block of that anchor was made (Unix time).\n"
		                       "# TYPE cairn_anchor_last_time_seconds gauge\ncairn_anchor_last_time_seconds %lld\n",
		                    a->last_size, (long long)a->last_time);
}

/* Idle: decide whether a checkpoint should go on chain now. */
static void idle(anchorer *a)
{
	char err[CAIRN_ERR_MAX];
	uint64_t size, done;
	/* A failed read of the records is never "nothing pending": that could
	 * send a second transaction for a checkpoint already sent. */
	json_t *rec = NULL;
	int pending = anchors_pending(a->r, &a->size, &rec, err);
	int confirmed = pending < 0 ? -1 : anchors_newest_confirmed(a->r, &done, err);
	if (pending < 0 || confirmed < 0) {
		log_error("anchoring: reading the anchor records: %s", err);
		a->size = 0;
		schedule(a, 1000);
		return;
	}
	if (confirmed == 1)
		done = 0;
	/* a cluster's anchorer also keeps cairn.anchors (a view of the
	 * proofs) up with what is confirmed, a few proofs per turn so the
	 * loop is not held */
	if (a->lease && done > 0) {
		size_t wrote = 0;
		if (proof_publish(a->r, done, ANCHOR_PUBLISH_STEP, &wrote, err) != 0)
			log_warn("anchoring: writing proofs to cairn.anchor_proofs: %s", err);
		else if (wrote > 0 && pending != 0) {
			schedule(a, 0); /* (the loop serves what is ready first) */
			return;
		}
	}
	if (pending == 0) {
		checkpoint cp;
		json_t *n = json_object_get(rec, "nonce"), *h;
		json_int_t nonce = json_is_integer(n) ? json_integer_value(n) : -1;
		size_t i;
		snprintf(a->tx, sizeof a->tx, "%s", json_string_value(json_object_get(rec, "tx")));
		a->ntxs = a->rx = 0;
		json_array_foreach(json_object_get(rec, "txs"), i, h)
			add_tx(a, json_string_value(h));
		add_tx(a, a->tx);
		json_decref(rec);
		if (checkpoint_get(a->r, a->size, &cp, err) == 0) {
			memcpy(a->root, cp.root, 32);
			/* transactions signed here: resends and replacements keep the
			 * nonce, so at most one of them is ever mined */
			if (a->o.key && nonce >= 0) {
				a->nonce = (uint64_t)nonce;
				a->have_nonce = 1;
			}
			a->sent_at = time(NULL);
			a->step = S_RECEIPT; /* resume: never send a second transaction blindly */
			schedule(a, 0);
			return;
		}
		a->size = 0;
	}
	if (anchorlog_size(a->r, &size, err) != 0) {
		log_error("anchoring: %s", err);
		schedule(a, 1000);
		return;
	}
	time_t now = time(NULL);
	if (now - a->balance_at >= BALANCE_EVERY_SECS) {
		a->step = S_BALANCE;
		schedule(a, 0);
		return;
	}
	uint64_t wanted = 0; /* what flushes on the cluster's other nodes asked for */
	int asked = a->lease && anchors_wanted(a->r, &wanted, err) == 0 && wanted > done;
	int due = size > done && (a->want || asked || (a->o.batch && size - done >= a->o.batch) ||
	                          now - a->last_anchor >= (time_t)a->o.interval);
	if (!due) {
		settle_waiters(a, 0);
		schedule(a, 500);
		return;
	}
	checkpoint *cp = malloc(sizeof *cp);
	if (!cp || checkpoint_make(a->r, cp, NULL, err) != 0) {
		log_error("anchoring: %s", cp ? err : "out of memory");
		free(cp);
		schedule(a, 1000);
		return;
	}
	a->want = 0;
	a->size = cp->size;
	memcpy(a->root, cp->root, 32);
	free(cp);
	a->step = a->o.witnesses ? S_WITNESS : S_SEND;
	schedule(a, 0);
}

/* Before a checkpoint goes on chain: its witnesses' quorum. The
 * witnesser asks them about the newest checkpoint, so that is the one
 * waited for. */
static void witnessed(anchorer *a)
{
	char err[CAIRN_ERR_MAX];
	checkpoint *cp = malloc(sizeof *cp);
	int rc = cp ? checkpoint_latest(a->r, cp, err) : -1;
	if (rc != 0) {
		log_error("anchoring: %s", !cp ? "out of memory" : rc > 0 ? "the checkpoint is gone" : err);
		free(cp);
		schedule(a, 1000);
		return;
	}
	if (cp->size > a->size) {
		a->size = cp->size;
		memcpy(a->root, cp->root, 32);
	}
	unsigned have = witnesser_count(a->o.witnesses, cp->note, strlen(cp->note));
	unsigned want = witnesser_quorum(a->o.witnesses);
	free(cp);
	if (have >= want) {
		a->step = S_SEND;
		schedule(a, 0);
		return;
	}
	if (a->waits_logged != a->size) {
		log_info("anchoring: checkpoint %llu waits for its witnesses: %u of %u cosignatures",
		         (unsigned long long)a->size, have, want);
		a->waits_logged = a->size;
	}
	settle_waiters(a, 0);
	schedule(a, 250);
}

/* Not the cluster's anchorer: answer this node's flushes from the
 * records the one that anchors writes, and pass their wish on to it. */
static void follow(anchorer *a)
{
	char err[CAIRN_ERR_MAX];
	uint64_t done = 0;
	if (!a->waiters)
		return;
	int rc = anchors_newest_confirmed(a->r, &done, err);
	uint64_t want = settle_upto(a, rc == 0, done);
	if (a->want && want && anchors_want(a->r, want, err) == 0)
		a->want = 0;
}

/* With a cluster's index: 1 while this node holds the anchoring lease
 * (taking it when it is free); else follow and look again in a second. */
static int lead(anchorer *a)
{
	char err[CAIRN_ERR_MAX];
	int held = pgindex_lease_hold(a->lease, err);
	if (held == 1) {
		if (!a->leading) {
			/* start from the records: a transaction the last anchorer
			 * sent is resumed, never sent twice */
			log_info("anchoring: this node anchors for the cluster now");
			a->leading = 1;
			a->step = S_IDLE;
			a->size = 0;
			a->ntxs = a->rx = 0;
			a->have_nonce = 0;
			a->replacing = 0;
		}
		return 1;
	}
	if (a->leading)
		log_warn("anchoring: no longer the cluster's anchorer (%s)",
		         held < 0 ? err : "another node holds the lease");
	a->leading = 0;
	a->step = S_IDLE;
	follow(a);
	schedule(a, 1000);
	return 0;
}

static void tick(evutil_socket_t fd, short what, void *arg)
{
	anchorer *a = arg;
	(void)fd;
	(void)what;
	if (a->busy)
		return;
	if (!a->chain_id[0]) {
		a->busy = 1;
		chain_call(a->c, "eth_chainId", NULL, on_chain_id, a);
		return;
	}
	if (!a->from[0]) { /* (with a key, from is its address) */
		a->busy = 1;
		chain_call(a->c, "eth_accounts", NULL, on_accounts, a);
		return;
	}
	if (a->lease && !lead(a))
		return;
	char q[80];
	if (a->step == S_SEND && a->o.key)
		a->step = a->have_nonce ? S_TIP : S_NONCE;
	switch (a->step) {
	case S_IDLE:
	case S_CHAIN_ID:
	case S_ACCOUNTS:
		idle(a);
		return;
	case S_WITNESS:
		witnessed(a);
		return;
	case S_SEND: {
		uint8_t data[40];
		char hex[2 + 80 + 1] = "0x";
		memcpy(data, a->root, 32);
		repo_put_be64(a->size, data + 32);
		cairn_base_encode(CAIRN_BASE16, data, sizeof data, hex + 2, sizeof hex - 2, NULL);
		a->busy = 1;
		chain_call(a->c, "eth_sendTransaction",
		           json_pack("[{s:s, s:s, s:s}]", "from", a->from, "to", a->from, "data", hex),
		           on_sent, a);
		return;
	}
	case S_NONCE:
		a->busy = 1;
		chain_call(a->c, "eth_getTransactionCount", json_pack("[s, s]", a->from, "pending"), on_nonce, a);
		return;
	case S_TIP:
		a->busy = 1;
		chain_call(a->c, "eth_maxPriorityFeePerGas", NULL, on_tip, a);
		return;
	case S_BASE_FEE:
		a->busy = 1;
		chain_call(a->c, "eth_getBlockByNumber", json_pack("[s, b]", "latest", 0), on_base_fee, a);
		return;
	case S_GAS: {
		uint8_t data[40];
		char hex[2 + 80 + 1] = "0x";
		memcpy(data, a->root, 32);
		repo_put_be64(a->size, data + 32);
		cairn_base_encode(CAIRN_BASE16, data, sizeof data, hex + 2, sizeof hex - 2, NULL);
		a->busy = 1;
		chain_call(a->c, "eth_estimateGas",
		           json_pack("[{s:s, s:s, s:s}]", "from", a->from, "to", a->from, "data", hex), on_gas, a);
		return;
	}
	case S_SEND_RAW:
		send_raw(a);
		return;
	case S_BALANCE:
		a->busy = 1;
		chain_call(a->c, "eth_getBalance", json_pack("[s, s]", a->from, "latest"), on_balance, a);
		return;
	case S_RECEIPT:
		a->busy = 1;
		chain_call(a->c, "eth_getTransactionReceipt",
		           json_pack("[s]", a->o.key && a->ntxs ? a->txs[a->rx] : a->tx), on_receipt, a);
		return;
	case S_WAIT_HEAD:
		a->busy = 1;
		chain_call(a->c, "eth_blockNumber", NULL, on_wait_head, a);
		return;
	case S_CHECK_TX:
		a->busy = 1;
		chain_call(a->c, "eth_getTransactionByHash", json_pack("[s]", a->tx), on_check_tx, a);
		return;
	case S_HEAD:
		a->busy = 1;
		chain_call(a->c, "eth_blockNumber", NULL, on_head, a);
		return;
	case S_BLOCK:
		snprintf(q, sizeof q, "0x%" PRIx64, a->block);
		a->busy = 1;
		chain_call(a->c, "eth_getBlockByNumber", json_pack("[s, b]", q, 0), on_block, a);
		return;
	}
}

/* The newest confirmed anchor, for /metrics from the start: its size and
 * its block's time ("YYYY-MM-DDTHH:MM:SSZ", UTC). */
static void newest_anchor(anchorer *a)
{
	char err[CAIRN_ERR_MAX];
	json_t *rec = NULL;
	uint64_t size;
	int y, mo, d, h, mi, sec;
	if (anchors_newest_confirmed(a->r, &size, err) != 0 || anchors_confirmed(a->r, size, &rec, err) != 0)
		return;
	const char *t = json_string_value(json_object_get(rec, "time"));
	if (t && sscanf(t, "%4d-%2d-%2dT%2d:%2d:%2dZ", &y, &mo, &d, &h, &mi, &sec) == 6) {
		/* days since 1970-01-01 of a proleptic Gregorian date */
		int yy = mo <= 2 ? y - 1 : y, era = (yy >= 0 ? yy : yy - 399) / 400;
		int yoe = yy - era * 400, doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
		long days = (long)era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
		a->last_time = (time_t)(days * 86400 + h * 3600 + mi * 60 + sec);
		a->last_size = size;
	}
	json_decref(rec);
}

anchorer *anchorer_new(struct event_base *base, repo *r, const anchor_opts *o, char *err)
{
	anchorer *a = calloc(1, sizeof *a);
	if (!a) {
		snprintf(err, CAIRN_ERR_MAX, "out of memory");
		return NULL;
	}
	a->r = r;
	a->o = *o;
	if (!a->o.interval)
		a->o.interval = ANCHOR_INTERVAL_DEFAULT;
	if (!a->o.confirmations)
		a->o.confirmations = ANCHOR_CONFIRMATIONS_DEFAULT;
	if (!a->o.replace_after)
		a->o.replace_after = ANCHOR_REPLACE_AFTER_DEFAULT;
	if (o->key) {
		if (ethtx_address(o->key, a->addr, err) != 0) {
			free(a);
			return NULL;
		}
		ethtx_address_text(a->addr, a->from);
	} else if (o->from) {
		snprintf(a->from, sizeof a->from, "%s", o->from);
	}
	a->backoff = 1;
	a->last_anchor = time(NULL);
	a->balance = -1;
	if (r->pg && !(a->lease = pgindex_lease_new(r->pg, PGINDEX_LOCK_ANCHORER))) {
		snprintf(err, CAIRN_ERR_MAX, "out of memory");
		free(a);
		return NULL;
	}
	newest_anchor(a);
	http_url_redact(o->rpc, a->shown_rpc, sizeof a->shown_rpc);
	a->c = chain_new(base, o->rpc, o->rpc_headers, o->ca_file, err);
	a->timer = a->c ? evtimer_new(base, tick, a) : NULL;
	if (!a->timer) {
		anchorer_free(a);
		return NULL;
	}
	schedule(a, 0);
	return a;
}

void anchorer_flush(anchorer *a, struct http_req *req, int progress)
{
	struct waiter *w = malloc(sizeof *w);
	char err[CAIRN_ERR_MAX];
	uint64_t size;
	if (!w || anchorlog_size(a->r, &size, err) != 0) {
		free(w);
		http_reply_rpc_error(req, 500, "%s", w ? err : "out of memory");
		return;
	}
	uint64_t done;
	int rc = anchors_newest_confirmed(a->r, &done, err);
	if (rc < 0) {
		free(w);
		http_reply_rpc_error(req, 500, "%s", err);
		return;
	}
	if (rc == 0 && size <= done) { /* already on chain */
		free(w);
		answer(a, req, 0, done);
		return;
	}
	if (size == 0) {
		free(w);
		http_reply_rpc_error(req, 409, "the anchoring log is empty: anchor/add some CIDs first");
		return;
	}
	w->req = req;
	w->size = size;
	w->deadline = time(NULL) + ANCHOR_FLUSH_TIMEOUT_SECS;
	w->streamed = 0;
	if (progress) {
		/* say at once what the answer waits for */
		struct evkeyvalq *h = http_req_out(req);
		evhttp_add_header(h, "Content-Type", "application/json");
		evhttp_add_header(h, "X-Chunked-Output", "1");
		http_reply_start(req, 200, "OK");
		w->streamed = 1;
		flush_line(req, json_pack("{s:{s:I, s:I, s:s?, s:s, s:i, s:i}}", "Waiting", "Size", (json_int_t)size,
		                          "Confirmed", (json_int_t)(rc == 0 ? done : 0), "Chain",
		                          a->chain_id[0] ? a->chain_id : NULL, "RPC", a->shown_rpc,
		                          "Confirmations", (int)a->o.confirmations, "TimeoutSeconds",
		                          ANCHOR_FLUSH_TIMEOUT_SECS));
	}
	w->next = a->waiters;
	a->waiters = w;
	a->want = 1;
	if (!a->busy && a->step == S_IDLE)
		schedule(a, 0);
}

void anchorer_free(anchorer *a)
{
	if (!a)
		return;
	while (a->waiters) {
		struct waiter *w = a->waiters;
		a->waiters = w->next;
		flush_fail(w->req, w->streamed, 503, "the daemon is stopping");
		free(w);
	}
	if (a->timer)
		event_free(a->timer);
	chain_free(a->c);
	pgindex_lease_free(a->lease);
	free(a);
}

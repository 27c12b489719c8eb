/*
 * The repo: everything a node keeps on disk, under $CAIRN_PATH (default
 * ~/.cairn). Layout (docs/repo.md):
 *
 *   version        "1\n": the repo format
 *   config         JSON: addresses, datastore options, identity (PeerID)
 *   identity.key   Ed25519 private key, PKCS#8 PEM, mode 0600
 *   blocks/        the blockstore (blockstore.h)
 *   index/         LMDB environment: pins (pinstore.h), pin service requests
 *                  (pinreq.h), API tokens (tokens.h), the anchoring log
 *                  (anchorlog.h), the pin journal (pinstore.h)
 *   repo.lock      flock()ed by whoever has the repo open; holds its pid
 *
 * With the index in PostgreSQL (config Index {Type "postgres", DSN}, made
 * by `cairn init --index DSN`; pgindex.h) there is no index/ directory:
 * the tables are shared by every node of a cluster, and
 *   log.key        the cluster's Ed25519 key for checkpoints, PKCS#8 PEM,
 *                  mode 0600: the same file on every node
 */
#ifndef CAIRN_REPO_H
#define CAIRN_REPO_H

#include <jansson.h>
#include <lmdb.h>

#include "blockstore.h"
#include "cairn/error.h" /* CAIRN_ERR_MAX */
#include "pgindex.h"

#define REPO_VERSION "1"
/* Longest repo path accepted: leaves room in every 4 KiB path buffer for
 * blocks/<shard>/<key>.data and similar names under it. */
#define REPO_PATH_MAX 3600
#define REPO_DEFAULT_API "127.0.0.1:5001"
#define REPO_DEFAULT_GATEWAY "127.0.0.1:8080"
/* While a daemon runs, the file in the repo that names its API (Kubo's
 * "api"): one line, the multiaddr /ip4/HOST/tcp/PORT. The CLI reads it
 * to find the daemon that holds the repo. */
#define REPO_API_FILE "api"
/* The cluster's checkpoint key, with a PostgreSQL index. */
#define REPO_LOG_KEY "log.key"
/* LMDB reserves address space, not disk: 1 TiB of index is plenty. (A
 * ThreadSanitizer build, whose shadow memory leaves no room for 1 TiB,
 * passes a smaller one: -DREPO_MAP_SIZE=...) */
#ifndef REPO_MAP_SIZE
#define REPO_MAP_SIZE (1ull << 40)
#endif

#define REPO_REPLICATE_MAX 8

typedef struct repo {
	char path[4096];
	int lock_fd;
	json_t *config;
	blockstore bs;
	MDB_env *env;
	MDB_dbi pins, pinreqs, tokens;
	MDB_dbi log_nodes, log_leaves, log_cids; /* the anchoring log (anchorlog.h) */
	MDB_dbi checkpoints;                     /* its signed checkpoints (checkpoint.h) */
	MDB_dbi anchors;                         /* their chain anchors (anchors.h) */
	MDB_dbi meta;                            /* counters: "pin_gen" (pinstore.h) */
	MDB_dbi pinjournal;                      /* pin changes for a mirror (pinstore.h) */
	MDB_dbi replicas;                        /* replication queue (replicator.h) */
	MDB_dbi witness;                         /* logs this node witnesses (witness.h) */
	/* Who hears of pin changes, in the change's own transaction; set only
	 * through pinstore_outbox_* by the services that register. */
	struct pin_outbox {
		int journal;                           /* journal every change (pgmirror.h) */
		uint8_t targets[REPO_REPLICATE_MAX][8]; /* queue new recursive pins for these */
		size_t ntargets;
	} outbox;
	char peer_id[128];
	/* The index in PostgreSQL (pgindex.h), or NULL: LMDB (env). */
	pgindex *pg;
	/* Whose key signs checkpoints: the PeerID of log.key with a
	 * PostgreSQL index (the cluster's), else peer_id. */
	char log_id[128];
	/* Pin requests by status (pinreq.h), kept by this process from the
	 * first pinreq_counts on (pinreq_counted); for /metrics. */
	int64_t pinreq_count[5];
	int pinreq_counted;
	/* With PostgreSQL: the token checks answered lately (tokens.h);
	 * NULL until the first */
	struct tokens_cache *tokens_cache;
} repo;

/* $CAIRN_PATH, else $HOME/.cairn. Returns 0, or -1 if neither is set. */
int repo_default_path(char *buf, size_t cap);

/* Create a repo at path (which must not hold one), its config's Datastore
 * (docs/repo.md) a copy of datastore, or {"Compression": true} (flatfs)
 * when NULL. A backend elsewhere (rados) is opened first, so a repo is
 * made only on a store that answers.
 *
 * index NULL: the index is LMDB, under path. Else {"Type": "postgres",
 * "DSN": ...}: the schema is made there if it is not yet (pgindex.h), and
 * the checkpoint key is log_key (a PEM file, copied to log.key) or, for
 * the first node of a cluster, a new one; a database that already holds
 * another cluster's index is refused.
 *
 * Returns 0, REPO_E_DATASTORE (as repo_open), or -1 with a message in
 * err. */
int repo_init(const char *path, const json_t *datastore, const json_t *index, const char *log_key,
              char *err);

/* Open an initialised repo and take its lock. If another process holds the
 * lock, fails and, when holder is not NULL, stores that process's pid there
 * (0 if unknown). Returns 0, REPO_E_DATASTORE when the blockstore's backend
 * or a PostgreSQL index could not be opened (their config, or a cluster or
 * server unreachable: errno says which), or -1, with a message in err. */
#define REPO_E_DATASTORE (-2)
int repo_open(repo *r, const char *path, int *holder, char *err);

/* Open only the repo's index, without the lock: for state that LMDB keeps
 * consistent between processes by itself (tokens), so it can be changed
 * while a daemon runs. r->bs is not opened. 0 or -1 with err set. */
int repo_open_index(repo *r, const char *path, char *err);

void repo_close(repo *r);

/* Index keys and values hold integers big-endian, so keys sort by value. */
static inline void repo_put_be64(uint64_t v, uint8_t *out)
{
	for (int i = 0; i < 8; i++)
		out[i] = (uint8_t)(v >> (56 - 8 * i));
}

static inline uint64_t repo_get_be64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* The node's Ed25519 key (identity.key), for signing; the caller frees it
 * with EVP_PKEY_free. NULL with err set. */
#include <openssl/evp.h>
EVP_PKEY *repo_identity_key(const repo *r, char *err);

/* The key that signs checkpoints (r->log_id's): log.key with a PostgreSQL
 * index, else the identity key. As repo_identity_key. */
EVP_PKEY *repo_log_key(const repo *r, char *err);

/* The libp2p PeerID of an Ed25519 key ("12D3KooW...", base58btc of the
 * identity multihash of its PublicKey protobuf, as Kubo derives it) into
 * out (64 bytes suffice). 0, or -1 for another kind of key. */
int repo_key_peer_id(EVP_PKEY *key, char *out, size_t cap);

/* The key this node cosigns checkpoints with as a witness (witness.h):
 * REPO_WITNESS_KEY, made (mode 0600) if create and there is none. As
 * repo_identity_key. A key of its own: cosignatures and the log's note
 * signatures never share one. */
#define REPO_WITNESS_KEY "witness.key"
EVP_PKEY *repo_witness_key(const repo *r, int create, char *err);

/* The usual end of an index call: LMDB's rc as 0 (success), 1 (rc is
 * `absent`: MDB_NOTFOUND or MDB_KEYEXIST, as the call means it), or -1
 * with err set to "<what>: <LMDB's message>". */
int repo_index_result(int rc, int absent, const char *what, char *err);

/* One-key writes to an index database, each its own transaction.
 * repo_index_put: 0, 1 (flags has MDB_NOOVERWRITE and the key exists), or
 * -1 with err set. repo_index_del: 0, 1 (no such key), or -1. */
int repo_index_put(repo *r, MDB_dbi dbi, const MDB_val *k, const MDB_val *v, unsigned flags,
                   char *err);
int repo_index_del(repo *r, MDB_dbi dbi, const MDB_val *k, char *err);

/* One-key read of a JSON value, in its own read transaction: 0 with *out
 * a new reference (the caller decrefs), 1 (no such key), or -1 with err
 * set (LMDB failed, or the stored value is not JSON). */
int repo_index_get_json(repo *r, MDB_dbi dbi, const MDB_val *k, json_t **out, char *err);

/* Visit the entries of dbi, in one read transaction: in key order
 * (REPO_FORWARD) from the first key, or from start (NULL: the first) on;
 * or backwards (REPO_BACKWARD) from the last key, or from the last key
 * before start. k and v are valid during the call only. fn returns 0 to
 * go on; anything else stops the walk and is returned. 0 at the end,
 * fn's value, or -1 with err set if LMDB failed. */
#define REPO_FORWARD 0
#define REPO_BACKWARD 1
typedef int (*repo_visit_fn)(void *ctx, const MDB_val *k, const MDB_val *v);
int repo_index_foreach(repo *r, MDB_dbi dbi, int direction, const MDB_val *start, repo_visit_fn fn,
                       void *ctx, char *err);

/* A config string, e.g. repo_config_str(r, "Addresses", "API"); NULL if absent. */
const char *repo_config_str(const repo *r, const char *section, const char *key);

/* Editing the config file (cairn config, api/v0/config): what a running
 * daemon read at its start stays in effect until it restarts. */
#define REPO_CONFIG_KEY_MAX 256
/* The config file of the repo at path, read afresh: a new reference, or
 * NULL with err set. */
json_t *repo_config_load(const char *path, char *err);
/* cfg (borrowed) as the config file of the repo at path, whole: a temporary
 * file, fsync, rename; mode 0600. 0, or -1 with err set. */
int repo_config_save(const char *path, const json_t *cfg, char *err);
/* The value at a dotted key ("Addresses.API") of cfg: borrowed, or NULL. */
json_t *repo_config_get(json_t *cfg, const char *key);
/* Set the value at a dotted key (value: taken, also on failure), making
 * the objects on the way. Identity is the key pair's: it cannot be set.
 * 0, or -1 with err set. */
int repo_config_set(json_t *cfg, const char *key, json_t *value, char *err);

#endif

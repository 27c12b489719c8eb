/*
 * The repo's index in PostgreSQL (`cairn init --index DSN`): what LMDB
 * keeps for a single node, in tables of one database that every node of a
 * cluster uses (docs/cluster.md). Schema "cairn":
 *
 *   index_meta     key text PK, value text: "schema" (PGINDEX_SCHEMA), and
 *                  "cluster", the PeerID of the cluster's log key
 *   pins           cid ipfs_cid PK, pin_type, name, pinned_at
 *   pin_requests   id bytea(16) PK, status, cid ipfs_cid, doc jsonb,
 *                  created_at (pinreq.h: the id starts with it); the
 *                  ones not settled (queued, pinning) are indexed
 *                  (schema version 3)
 *   tokens         name PK, secret_sha256 bytea(32), scope, created_at
 *   log_leaves     leaf_index bigint PK, cid ipfs_cid UNIQUE, logged_at
 *   log_nodes      (level, idx) PK, hash bytea(32): anchorlog.h's subtrees
 *   checkpoints    tree_size PK, root bytea(32), made_at, note text
 *   chain_anchors  tree_size PK, record jsonb (anchors.h), confirmed
 *   anchor_proofs  leaf_index PK, proof anchored_cid: each anchored leaf's
 *                  proof, against the newest confirmed checkpoint when it
 *                  was written, by the anchorer (proof_publish)
 *   witness_state  origin PK, tree_size, root bytea(32), updated_at: the
 *                  newest checkpoint cosigned of each log this cluster
 *                  witnesses (witness.h; schema version 2)
 *   objects        a view of pins with the mirror's columns (pgmirror.h),
 *   anchors        and one of anchor_proofs with the mirror's columns,
 *                  so queries written against a mirror keep working
 *
 * The tables are the truth: a row is there once its transaction has
 * committed, and PostgreSQL makes that durable. Every function here is
 * synchronous; a query on a healthy server takes a fraction of a
 * millisecond, and one that is down fails fast. A connection that fails
 * or breaks marks the server away for PGINDEX_BACKOFF_MS, or until a
 * connection succeeds (pgindex_available: the daemon answers 503 and
 * /healthz says so; calls fail with errno ENOTCONN). If finding that out
 * was slow (a timeout, not a refusal), calls also fail at once for that
 * long instead of waiting again, as the RADOS store does (bs_rados.h).
 *
 * Connections are pooled, one per concurrent caller (loops, workers), up
 * to PGINDEX_POOL_MAX; a caller beyond that waits for one to come back.
 */
#ifndef CAIRN_PGINDEX_H
#define CAIRN_PGINDEX_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

/* The schema this cairn writes; an index of a newer one is refused, an
 * older one is migrated step by step when a node opens it. */
#define PGINDEX_SCHEMA 3
#define PGINDEX_POOL_MAX 16
#define PGINDEX_BACKOFF_MS 2000
/* A failure that took this long holds calls back (PGINDEX_BACKOFF_MS) */
#define PGINDEX_SLOW_MS 500
/* connect_timeout when the DSN sets none, seconds */
#define PGINDEX_CONNECT_TIMEOUT 3

/* Advisory lock keys (pg_advisory_xact_lock / pg_try_advisory_lock), in
 * the 64-bit space: "cairn" in ASCII, then what the lock serialises. */
#define PGINDEX_LOCK_SCHEMA 0x636169726e000001ll /* creating or migrating the schema */
#define PGINDEX_LOCK_LOG 0x636169726e000002ll    /* appends to the log */
#define PGINDEX_LOCK_PINREQ 0x636169726e000003ll /* pin request ids (creation times) */
#define PGINDEX_LOCK_ANCHORER 0x636169726e000004ll /* the node that anchors (a lease) */
#define PGINDEX_LOCK_GC 0x636169726e000005ll       /* the node that collects garbage */
#define PGINDEX_LOCK_WITNESSER 0x636169726e000006ll /* the node that asks witnesses */

typedef struct pgindex pgindex;

/* Connect to dsn (a libpq connection string or URI; copied) and check the
 * schema: CREATE EXTENSION cairn must have been run, and the schema must
 * exist (create) or is made (create = 1: `cairn init --index`). The
 * cluster's name (index_meta "cluster") goes to cluster (cap bytes; "" if
 * none yet). NULL with err set; errno ENOTCONN if the server did not
 * answer. */
pgindex *pgindex_open(const char *dsn, int create, char *cluster, size_t cap, char *err);
void pgindex_close(pgindex *x);

/* Record the cluster's name (the log key's PeerID) if none is: 0, 1 (the
 * index names another cluster: its name in cluster), or -1 with err set. */
int pgindex_claim(pgindex *x, const char *name, char *cluster, size_t cap, char *err);

/* 0 while the server is known to be away (a connection failed within
 * PGINDEX_BACKOFF_MS and none succeeded since), else 1. */
int pgindex_available(pgindex *x);

/* A connection for one caller, which gives it back with pgindex_give; a
 * transaction begun on it must end before that. NULL with err set (and
 * errno ENOTCONN) while the server is away. */
PGconn *pgindex_take(pgindex *x, char *err);
void pgindex_give(pgindex *x, PGconn *c);

/*
 * A lease: a session-level advisory lock held on a connection of its own
 * (not the pool's), so that one node of a cluster does a thing at a time.
 * PostgreSQL drops it when that session ends, however the node ends:
 * killed, partitioned away (once the server notices the dead connection:
 * TCP keepalives), or the server restarted. Blocking calls; for a loop
 * that asks about once a second.
 */
typedef struct pgindex_lease pgindex_lease;
pgindex_lease *pgindex_lease_new(pgindex *x, int64_t key);
/* 1 if this process holds the lease (it is taken when free), 0 if
 * another session does, -1 with err set if the server cannot be asked
 * (then it is not held: its connection is gone). */
int pgindex_lease_hold(pgindex_lease *l, char *err);
/* Give the lease up (its connection closes). */
void pgindex_lease_free(pgindex_lease *l);

/*
 * Claims: session-level advisory locks, many, on one connection of their
 * own, so that of a cluster's nodes one at a time works on a thing (a pin
 * request: pinsvc_job.h) and another can take it over once that node's
 * session ends, however it ends. The keys are the caller's (64-bit; keep
 * them clear of PGINDEX_LOCK_*). Should the connection break, its claims
 * are gone with it: the caller's work goes on, and another node may take
 * it up as well. Blocking calls.
 */
typedef struct pgindex_claims pgindex_claims;
pgindex_claims *pgindex_claims_new(pgindex *x);
/* Take key: 1 (taken: this session holds it now; *session says which
 * session), 0 (another session holds it), -1 with err set (the server
 * cannot be asked). Take a key once: a session's advisory locks count. */
int pgindex_claims_take(pgindex_claims *c, int64_t key, unsigned *session, char *err);
/* Let key go, if the session that took it is still the connection's
 * (else it went with that session). */
void pgindex_claims_drop(pgindex_claims *c, int64_t key, unsigned session);
void pgindex_claims_free(pgindex_claims *c);

/* Parameters of one statement: bytes go binary, numbers and text as text. */
#define PGP_MAX 8
typedef struct pgp {
	int n;
	const char *v[PGP_MAX];
	int l[PGP_MAX];
	int f[PGP_MAX];
	char num[PGP_MAX][24];
} pgp;
void pgp_bytes(pgp *p, const void *b, size_t n);
void pgp_text(pgp *p, const char *s);
void pgp_i64(pgp *p, int64_t v);

/* Run one statement on c (p may be NULL); results come back binary. The
 * result when it succeeded (the caller PQclears it), or NULL with err set
 * to "<what>: <the server's message>"; a broken connection starts the
 * back-off and sets errno ENOTCONN, a statement the server refused sets
 * EIO. */
PGresult *pgindex_run(pgindex *x, PGconn *c, const char *what, const char *sql, const pgp *p,
                      char *err);

/* Statements without parameters, several separated by ';' (PQexec): 0,
 * or -1 with err and errno as pgindex_run. */
int pgindex_script(pgindex *x, PGconn *c, const char *what, const char *sql, char *err);

/* Begin a transaction on c that holds the advisory lock key (one of
 * PGINDEX_LOCK_*) until it ends, so that its work is serialised with
 * every node's: 0, or -1 with err and errno as pgindex_run. */
int pgindex_begin_locked(pgindex *x, PGconn *c, int64_t key, const char *what, char *err);
/* Roll back the transaction open on c, if one is (a failed step's end). */
void pgindex_rollback(PGconn *c);

/* One statement on a connection of its own: pgindex_run between take and
 * give. */
PGresult *pgindex_exec(pgindex *x, const char *what, const char *sql, const pgp *p, char *err);

/* A statement whose outcome is a row count: the count, or -1 with err. */
int64_t pgindex_command(pgindex *x, const char *what, const char *sql, const pgp *p, char *err);

/* A statement that changes rows where found (an UPDATE, a DELETE, an
 * INSERT … ON CONFLICT DO NOTHING): 0 if it changed one or more, 1 if
 * none, -1 with err set. */
int pgindex_change(pgindex *x, const char *what, const char *sql, const pgp *p, char *err);

/* Binary result fields. */
int64_t pgr_i64(const PGresult *r, int row, int col); /* bigint */
int pgr_bool(const PGresult *r, int row, int col);
/* The field's bytes (bytea, text; jsonb without its version byte) and length. */
const char *pgr_bytes(const PGresult *r, int row, int col, size_t *n);

#endif

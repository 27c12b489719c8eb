#include "pgindex.h"

#include "cairn/error.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ERR(...) snprintf(err, CAIRN_ERR_MAX, __VA_ARGS__)

struct pgindex {
	char *dsn;
	pthread_mutex_t mu;
	pthread_cond_t back; /* a connection came back to the pool */
	PGconn *idle[PGINDEX_POOL_MAX];
	int nidle, nopen;
	/* ms, CLOCK_MONOTONIC; 0: none. down_until: a connection failed,
	 * so the server is reported away (503, /healthz) until then or until
	 * a connection succeeds. hold_until: one failed slowly (a timeout),
	 * so calls fail at once until then instead of waiting again. */
	int64_t down_until, hold_until;
};

/* The schema (pgindex.h), version 1. The extension's types make the
 * columns what they say: a pin's cid is an ipfs_cid, so an auditor can
 * JOIN it to anchored_cid proofs and call the extension's functions on it. */
static const char schema_v1[] =
	"CREATE SCHEMA IF NOT EXISTS cairn;"
	"CREATE TABLE cairn.index_meta ("
	" key text PRIMARY KEY,"
	" value text NOT NULL);"
	"CREATE TABLE cairn.pins ("
	" cid ipfs_cid PRIMARY KEY,"
	" pin_type text NOT NULL CHECK (pin_type IN ('recursive', 'direct')),"
	" name text NOT NULL DEFAULT '' CHECK (octet_length(name) <= 255),"
	" pinned_at timestamptz NOT NULL DEFAULT now());"
	"CREATE TABLE cairn.pin_requests ("
	" id bytea PRIMARY KEY CHECK (length(id) = 16),"
	" status text NOT NULL CHECK (status IN ('queued', 'pinning', 'pinned', 'failed')),"
	" cid ipfs_cid NOT NULL,"
	" doc jsonb NOT NULL,"
	" created_at timestamptz NOT NULL);"
	"CREATE INDEX pin_requests_pinned_idx ON cairn.pin_requests (cid) WHERE status = 'pinned';"
	"CREATE TABLE cairn.tokens ("
	" name text PRIMARY KEY CHECK (name ~ '^[A-Za-z0-9._-]{1,64}$'),"
	" secret_sha256 bytea NOT NULL UNIQUE CHECK (length(secret_sha256) = 32),"
	" scope text NOT NULL CHECK (scope IN ('api', 'pins')),"
	" created_at timestamptz NOT NULL);"
	"CREATE TABLE cairn.log_leaves ("
	" leaf_index bigint PRIMARY KEY CHECK (leaf_index >= 0),"
	" cid ipfs_cid NOT NULL UNIQUE,"
	" logged_at timestamptz NOT NULL DEFAULT now());"
	"CREATE TABLE cairn.log_nodes ("
	" level smallint NOT NULL CHECK (level BETWEEN 0 AND 63),"
	" idx bigint NOT NULL CHECK (idx >= 0),"
	" hash bytea NOT NULL CHECK (length(hash) = 32),"
	" PRIMARY KEY (level, idx));"
	"CREATE TABLE cairn.checkpoints ("
	" tree_size bigint PRIMARY KEY CHECK (tree_size >= 0),"
	" root bytea NOT NULL CHECK (length(root) = 32),"
	" made_at timestamptz NOT NULL,"
	" note text NOT NULL);"
	"CREATE TABLE cairn.chain_anchors ("
	" tree_size bigint PRIMARY KEY,"
	" record jsonb NOT NULL,"
	" confirmed boolean GENERATED ALWAYS AS"
	"  (coalesce(jsonb_typeof(record->'confirmed') = 'boolean' AND (record->>'confirmed')::boolean,"
	"   false)) STORED);"
	"CREATE TABLE cairn.anchor_proofs ("
	" leaf_index bigint PRIMARY KEY,"
	" proof anchored_cid NOT NULL);"
	"CREATE VIEW cairn.anchors AS"
	" SELECT (SELECT value FROM cairn.index_meta WHERE key = 'cluster') AS node, proof,"
	"  anchor_cid(proof) AS cid, leaf_index, anchor_size(proof) AS tree_size,"
	"  anchor_chain(proof) AS chain, anchor_tx(proof) AS tx, anchor_block(proof) AS block,"
	"  anchor_time(proof) AS anchored_at FROM cairn.anchor_proofs;"
	"CREATE VIEW cairn.objects AS"
	" SELECT (SELECT value FROM cairn.index_meta WHERE key = 'cluster') AS node,"
	"  cid, pin_type, name, pinned_at FROM cairn.pins;"
	"INSERT INTO cairn.index_meta VALUES ('schema', '1');";

/* Version 2: the state of the logs the cluster witnesses (witness.h). */
static const char schema_v2[] =
	"CREATE TABLE cairn.witness_state ("
	" origin text PRIMARY KEY,"
	" tree_size bigint NOT NULL CHECK (tree_size >= 0),"
	" root bytea NOT NULL CHECK (length(root) = 32),"
	" updated_at timestamptz NOT NULL DEFAULT now());"
	"UPDATE cairn.index_meta SET value = '2' WHERE key = 'schema';";

/* Version 3: the pin requests not settled yet, which every node of a
 * cluster looks through for ones no node works on (pinsvc_job.h). */
static const char schema_v3[] =
	"CREATE INDEX pin_requests_open_idx ON cairn.pin_requests (id)"
	" WHERE status IN ('queued', 'pinning');"
	"UPDATE cairn.index_meta SET value = '3' WHERE key = 'schema';";

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int pgindex_available(pgindex *x)
{
	int64_t until = __atomic_load_n(&x->down_until, __ATOMIC_RELAXED);
	return until == 0 || now_ms() >= until;
}

/* Calls may try the server (no slow failure holds them back). */
static int may_try(pgindex *x)
{
	int64_t until = __atomic_load_n(&x->hold_until, __ATOMIC_RELAXED);
	return until == 0 || now_ms() >= until;
}

/* A connection was made: the server answers. */
static void back(pgindex *x)
{
	__atomic_store_n(&x->down_until, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&x->hold_until, 0, __ATOMIC_RELAXED);
}

/* The server went away (a connection failed or broke; since started, in
 * ms): report it away for a while, hold calls back if finding out was
 * slow (a refused connection costs nothing to try again; a timeout does),
 * and drop idle connections (they went with it). x->mu not held. */
static void gone(pgindex *x, int64_t since)
{
	PGconn *drop[PGINDEX_POOL_MAX];
	int n;
	int64_t now = now_ms();
	__atomic_store_n(&x->down_until, now + PGINDEX_BACKOFF_MS, __ATOMIC_RELAXED);
	if (now - since >= PGINDEX_SLOW_MS)
		__atomic_store_n(&x->hold_until, now + PGINDEX_BACKOFF_MS, __ATOMIC_RELAXED);
	pthread_mutex_lock(&x->mu);
	n = x->nidle;
	memcpy(drop, x->idle, sizeof(PGconn *) * (size_t)n);
	x->nidle = 0;
	x->nopen -= n;
	pthread_cond_broadcast(&x->back);
	pthread_mutex_unlock(&x->mu);
	for (int i = 0; i < n; i++)
		PQfinish(drop[i]);
}

/* "<what>: PostgreSQL: <m>" into err, without m's trailing newline, at
 * most 400 bytes of it. */
static void server_message(const char *what, const char *m, char *err)
{
	size_t l = strlen(m);
	while (l > 0 && (m[l - 1] == '\n' || m[l - 1] == ' '))
		l--;
	ERR("%s: PostgreSQL: %.*s", what, (int)(l < 400 ? l : 400), m);
}

/* A new connection: the DSN, with our connect_timeout and
 * application_name where it names none. NULL with err set. */
static PGconn *dial(const char *dsn, char *err)
{
	/* keepalives: a server that vanished (a partition, a host down) is
	 * noticed within about 20 s even by a connection that only waits */
	const char *keys[] = {"connect_timeout", "application_name", "keepalives_idle",
	                      "keepalives_interval", "keepalives_count", "dbname", NULL};
	char timeout[16];
	snprintf(timeout, sizeof timeout, "%d", PGINDEX_CONNECT_TIMEOUT);
	const char *vals[] = {timeout, "cairn", "10", "5", "2", dsn, NULL};
	/* expand_dbname: dbname holds the whole DSN, whose settings win over
	 * the ones before it */
	PGconn *c = PQconnectdbParams(keys, vals, 1);
	if (!c) {
		ERR("index: out of memory");
		return NULL;
	}
	if (PQstatus(c) != CONNECTION_OK) {
		server_message("index", PQerrorMessage(c), err);
		PQfinish(c);
		return NULL;
	}
	return c;
}

/* A connection: an idle one (*pooled = 1) or a new one. */
static PGconn *take(pgindex *x, int *pooled, char *err)
{
	*pooled = 0;
	if (!may_try(x)) {
		ERR("index: PostgreSQL is not answering (retrying shortly)");
		errno = ENOTCONN;
		return NULL;
	}
	pthread_mutex_lock(&x->mu);
	while (x->nidle == 0 && x->nopen >= PGINDEX_POOL_MAX)
		pthread_cond_wait(&x->back, &x->mu);
	if (x->nidle > 0) {
		PGconn *c = x->idle[--x->nidle];
		pthread_mutex_unlock(&x->mu);
		*pooled = 1;
		return c;
	}
	x->nopen++;
	pthread_mutex_unlock(&x->mu);
	int64_t t0 = now_ms();
	PGconn *c = dial(x->dsn, err);
	if (!c) {
		pthread_mutex_lock(&x->mu);
		x->nopen--;
		pthread_cond_signal(&x->back);
		pthread_mutex_unlock(&x->mu);
		gone(x, t0);
		errno = ENOTCONN;
	} else {
		back(x);
	}
	return c;
}

PGconn *pgindex_take(pgindex *x, char *err)
{
	int pooled;
	return take(x, &pooled, err);
}

void pgindex_give(pgindex *x, PGconn *c)
{
	if (!c)
		return;
	/* a connection that broke, or was left inside a transaction, is not
	 * handed to the next caller */
	int bad = PQstatus(c) != CONNECTION_OK || PQtransactionStatus(c) != PQTRANS_IDLE;
	pthread_mutex_lock(&x->mu);
	if (bad)
		x->nopen--;
	else
		x->idle[x->nidle++] = c;
	pthread_cond_signal(&x->back);
	pthread_mutex_unlock(&x->mu);
	if (bad)
		PQfinish(c);
}

void pgp_bytes(pgp *p, const void *b, size_t n)
{
	p->v[p->n] = b;
	p->l[p->n] = (int)n;
	p->f[p->n] = 1;
	p->n++;
}

void pgp_text(pgp *p, const char *s)
{
	p->v[p->n] = s;
	p->l[p->n] = 0;
	p->f[p->n] = 0;
	p->n++;
}

void pgp_i64(pgp *p, int64_t v)
{
	snprintf(p->num[p->n], sizeof p->num[0], "%lld", (long long)v);
	pgp_text(p, p->num[p->n]);
}

/* A statement failed: err says why (the server's message), res is
 * cleared, and errno is ENOTCONN (the connection broke: the back-off
 * starts) or EIO (the server refused the statement). */
static void failed(pgindex *x, PGconn *c, PGresult *res, int64_t t0, const char *what, char *err)
{
	const char *m = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	server_message(what, m ? m : PQerrorMessage(c), err);
	PQclear(res);
	if (PQstatus(c) != CONNECTION_OK) {
		gone(x, t0);
		errno = ENOTCONN;
	} else {
		errno = EIO;
	}
}

PGresult *pgindex_run(pgindex *x, PGconn *c, const char *what, const char *sql, const pgp *p,
                      char *err)
{
	int64_t t0 = now_ms();
	PGresult *res = PQexecParams(c, sql, p ? p->n : 0, NULL, p ? p->v : NULL, p ? p->l : NULL,
	                             p ? p->f : NULL, 1);
	ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return res;
	failed(x, c, res, t0, what, err);
	return NULL;
}

int pgindex_script(pgindex *x, PGconn *c, const char *what, const char *sql, char *err)
{
	/* PQexec, not PQexecParams: only it runs several statements */
	int64_t t0 = now_ms();
	PGresult *res = PQexec(c, sql);
	ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
		PQclear(res);
		return 0;
	}
	failed(x, c, res, t0, what, err);
	return -1;
}

int pgindex_begin_locked(pgindex *x, PGconn *c, int64_t key, const char *what, char *err)
{
	pgp p = {0};
	pgp_i64(&p, key);
	if (pgindex_script(x, c, what, "BEGIN", err) != 0)
		return -1;
	PGresult *res = pgindex_run(x, c, what, "SELECT pg_advisory_xact_lock($1::bigint)", &p, err);
	PQclear(res);
	return res ? 0 : -1;
}

void pgindex_rollback(PGconn *c)
{
	if (PQstatus(c) == CONNECTION_OK && PQtransactionStatus(c) != PQTRANS_IDLE)
		PQclear(PQexec(c, "ROLLBACK"));
}

PGresult *pgindex_exec(pgindex *x, const char *what, const char *sql, const pgp *p, char *err)
{
	int pooled;
	PGconn *c = take(x, &pooled, err);
	if (!c)
		return NULL;
	PGresult *res = pgindex_run(x, c, what, sql, p, err);
	if (!res && pooled && PQstatus(c) != CONNECTION_OK) {
		/* An idle connection that the server closed meanwhile (it
		 * restarted, or failed over): the statement went out on a
		 * socket the server had already left, so it did not run. Once
		 * more on a new connection, past the back-off that started: if
		 * the server is back, nobody sees its restart. */
		pgindex_give(x, c);
		__atomic_store_n(&x->hold_until, 0, __ATOMIC_RELAXED);
		if (!(c = take(x, &pooled, err)))
			return NULL;
		res = pgindex_run(x, c, what, sql, p, err);
	}
	int saved = errno;
	pgindex_give(x, c);
	errno = saved;
	return res;
}

int64_t pgindex_command(pgindex *x, const char *what, const char *sql, const pgp *p, char *err)
{
	PGresult *res = pgindex_exec(x, what, sql, p, err);
	if (!res)
		return -1;
	int64_t n = atoll(PQcmdTuples(res));
	PQclear(res);
	return n;
}

int pgindex_change(pgindex *x, const char *what, const char *sql, const pgp *p, char *err)
{
	int64_t n = pgindex_command(x, what, sql, p, err);
	return n < 0 ? -1 : n == 0 ? 1 : 0;
}

int64_t pgr_i64(const PGresult *r, int row, int col)
{
	const char *p = PQgetvalue(r, row, col);
	uint64_t v = 0;
	if (PQgetlength(r, row, col) != 8)
		return 0;
	for (int i = 0; i < 8; i++) /* int8's binary form: big-endian */
		v = v << 8 | (uint8_t)p[i];
	return (int64_t)v;
}

int pgr_bool(const PGresult *r, int row, int col)
{
	return PQgetlength(r, row, col) == 1 && PQgetvalue(r, row, col)[0] != 0;
}

const char *pgr_bytes(const PGresult *r, int row, int col, size_t *n)
{
	const char *v = PQgetvalue(r, row, col);
	int l = PQgetlength(r, row, col);
	/* jsonb's binary form is a version byte (1) and the text */
	if (PQftype(r, col) == 3802 /* JSONBOID */ && l > 0) {
		v++;
		l--;
	}
	*n = (size_t)l;
	return v;
}

/* Make or migrate the schema, under its lock: 0 or -1 with err set. The
 * version an index has is index_meta's "schema". */
static int schema(pgindex *x, PGconn *c, int create, char *err)
{
	PGresult *res = NULL;
	int rc = -1, have = 0;

	if (!(res = pgindex_run(x, c, "index", "SELECT 1 FROM pg_extension WHERE extname = 'cairn'",
	                        NULL, err)))
		return -1;
	if (PQntuples(res) == 0) {
		ERR("index: the database has no cairn extension: run CREATE EXTENSION cairn in it "
		    "first (as a role that may)");
		goto done;
	}
	PQclear(res);
	res = NULL;
	if (pgindex_begin_locked(x, c, PGINDEX_LOCK_SCHEMA, "index", err) != 0 ||
	    pgindex_script(x, c, "index", "SET LOCAL client_min_messages = warning", err) != 0)
		goto done;
	if (!(res = pgindex_run(x, c, "index", "SELECT to_regclass('cairn.index_meta') IS NOT NULL",
	                        NULL, err)))
		goto done;
	int exists = pgr_bool(res, 0, 0);
	PQclear(res);
	res = NULL;
	if (exists) {
		if (!(res = pgindex_run(x, c, "index",
		                        "SELECT value FROM cairn.index_meta WHERE key = 'schema'", NULL, err)))
			goto done;
		size_t n;
		const char *v = PQntuples(res) == 1 ? pgr_bytes(res, 0, 0, &n) : "0";
		have = atoi(v);
		PQclear(res);
		res = NULL;
	}
	if (!exists && !create) {
		ERR("index: the database has no cairn index (schema cairn): make it with "
		    "'cairn init --index DSN'");
		goto done;
	}
	if (have > PGINDEX_SCHEMA) {
		ERR("index: its schema is version %d, newer than this cairn's (%d): upgrade cairn", have,
		    PGINDEX_SCHEMA);
		goto done;
	}
	if (!exists) {
		if (pgindex_script(x, c, "index: creating the schema", schema_v1, err) != 0)
			goto done;
		have = 1;
	}
	/* then each later version, one step at a time */
	if (have < 2 && pgindex_script(x, c, "index: migrating the schema to version 2", schema_v2, err) != 0)
		goto done;
	if (have < 3 && pgindex_script(x, c, "index: migrating the schema to version 3", schema_v3, err) != 0)
		goto done;
	if (!(res = pgindex_run(x, c, "index", "COMMIT", NULL, err)))
		goto done;
	rc = 0;
done:
	PQclear(res);
	if (rc != 0)
		pgindex_rollback(c);
	return rc;
}

static int cluster_name(pgindex *x, PGconn *c, char *cluster, size_t cap, char *err)
{
	PGresult *res = pgindex_run(x, c, "index",
	                            "SELECT value FROM cairn.index_meta WHERE key = 'cluster'", NULL, err);
	if (!res)
		return -1;
	size_t n = 0;
	const char *v = PQntuples(res) == 1 ? pgr_bytes(res, 0, 0, &n) : "";
	snprintf(cluster, cap, "%.*s", (int)n, v);
	PQclear(res);
	return 0;
}

pgindex *pgindex_open(const char *dsn, int create, char *cluster, size_t cap, char *err)
{
	pgindex *x = calloc(1, sizeof *x);
	if (!x || !(x->dsn = strdup(dsn))) {
		free(x);
		ERR("index: out of memory");
		return NULL;
	}
	pthread_mutex_init(&x->mu, NULL);
	pthread_cond_init(&x->back, NULL);
	PGconn *c = pgindex_take(x, err);
	if (!c)
		goto fail;
	int saved = 0;
	if (schema(x, c, create, err) != 0 || cluster_name(x, c, cluster, cap, err) != 0)
		saved = errno == ENOTCONN ? ENOTCONN : EINVAL;
	pgindex_give(x, c);
	if (saved) {
		errno = saved;
		goto fail;
	}
	/* a failure at open says nothing of later calls: no back-off held */
	back(x);
	return x;
fail:
	saved = errno;
	pgindex_close(x);
	errno = saved;
	return NULL;
}

int pgindex_claim(pgindex *x, const char *name, char *cluster, size_t cap, char *err)
{
	pgp p = {0};
	pgp_text(&p, name);
	PGresult *res = pgindex_exec(x, "index",
	                             "WITH ins AS (INSERT INTO cairn.index_meta VALUES ('cluster', $1)"
	                             " ON CONFLICT (key) DO NOTHING RETURNING value)"
	                             " SELECT value FROM ins UNION ALL"
	                             " SELECT value FROM cairn.index_meta WHERE key = 'cluster'",
	                             &p, err);
	if (!res)
		return -1;
	size_t n = 0;
	const char *v = PQntuples(res) >= 1 ? pgr_bytes(res, 0, 0, &n) : "";
	snprintf(cluster, cap, "%.*s", (int)n, v);
	PQclear(res);
	return strcmp(cluster, name) == 0 ? 0 : 1;
}

/* A connection of a caller's own (a lease's, claims'), not the pool's:
 * *c as it is if it is up (0), else a new one (1: a new session), or
 * NULL while the server is held back or cannot be reached (-1, err set). */
static int own_conn(pgindex *x, PGconn **c, char *err)
{
	if (*c && PQstatus(*c) != CONNECTION_OK) {
		PQfinish(*c);
		*c = NULL;
	}
	if (*c)
		return 0;
	if (!may_try(x)) {
		ERR("index: PostgreSQL is not answering (retrying shortly)");
		return -1;
	}
	int64_t t0 = now_ms();
	if (!(*c = dial(x->dsn, err))) {
		gone(x, t0);
		return -1;
	}
	back(x);
	return 1;
}

struct pgindex_lease {
	pgindex *x;
	int64_t key;
	PGconn *c;
	int held;
};

pgindex_lease *pgindex_lease_new(pgindex *x, int64_t key)
{
	pgindex_lease *l = calloc(1, sizeof *l);
	if (l) {
		l->x = x;
		l->key = key;
	}
	return l;
}

int pgindex_lease_hold(pgindex_lease *l, char *err)
{
	PGresult *res;
	int fresh = own_conn(l->x, &l->c, err);
	if (fresh != 0) /* no session, or a new one: it holds nothing yet */
		l->held = 0;
	if (fresh < 0)
		return -1;
	pgp p = {0};
	pgp_i64(&p, l->key);
	/* held: the session is alive, so the lock is still ours (a round trip
	 * tells); not held: try to take it */
	res = pgindex_run(l->x, l->c, "index: lease",
	                  l->held ? "SELECT true WHERE $1::bigint IS NOT NULL"
	                          : "SELECT pg_try_advisory_lock($1::bigint)", &p, err);
	if (!res) {
		PQfinish(l->c);
		l->c = NULL;
		l->held = 0;
		return -1;
	}
	l->held = PQntuples(res) == 1 && pgr_bool(res, 0, 0);
	PQclear(res);
	return l->held;
}

void pgindex_lease_free(pgindex_lease *l)
{
	if (!l)
		return;
	PQfinish(l->c);
	free(l);
}

struct pgindex_claims {
	pgindex *x;
	PGconn *c;
	unsigned session; /* counts the connections made */
};

pgindex_claims *pgindex_claims_new(pgindex *x)
{
	pgindex_claims *c = calloc(1, sizeof *c);
	if (c)
		c->x = x;
	return c;
}

int pgindex_claims_take(pgindex_claims *c, int64_t key, unsigned *session, char *err)
{
	int fresh = own_conn(c->x, &c->c, err);
	if (fresh < 0)
		return -1;
	c->session += fresh;
	*session = c->session;
	pgp p = {0};
	pgp_i64(&p, key);
	PGresult *res = pgindex_run(c->x, c->c, "index: claim", "SELECT pg_try_advisory_lock($1::bigint)", &p, err);
	if (!res) {
		PQfinish(c->c);
		c->c = NULL;
		return -1;
	}
	int taken = PQntuples(res) == 1 && pgr_bool(res, 0, 0);
	PQclear(res);
	return taken;
}

void pgindex_claims_drop(pgindex_claims *c, int64_t key, unsigned session)
{
	char err[CAIRN_ERR_MAX];
	/* a lock the session does not hold would be a WARNING on stderr */
	if (!c->c || PQstatus(c->c) != CONNECTION_OK || session != c->session)
		return;
	pgp p = {0};
	pgp_i64(&p, key);
	PQclear(pgindex_run(c->x, c->c, "index: claim", "SELECT pg_advisory_unlock($1::bigint)", &p, err));
}

void pgindex_claims_free(pgindex_claims *c)
{
	if (!c)
		return;
	PQfinish(c->c);
	free(c);
}

void pgindex_close(pgindex *x)
{
	if (!x)
		return;
	for (int i = 0; i < x->nidle; i++)
		PQfinish(x->idle[i]);
	pthread_mutex_destroy(&x->mu);
	pthread_cond_destroy(&x->back);
	free(x->dsn);
	free(x);
}

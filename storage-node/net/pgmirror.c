#include "pgmirror.h"
#include "log.h"

#include "anchors.h"
#include "anchorlog.h"
#include "pinstore.h"
#include "proof.h"

#include <event2/buffer.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The tables (pgmirror.h). Generated columns keep one source of truth in
 * cairn.anchors: the proof; the rest is read out of it by the extension's
 * IMMUTABLE accessors, so a row cannot disagree with its proof. */
static const char schema_sql[] =
	"SET client_min_messages = warning;"
	"CREATE EXTENSION IF NOT EXISTS cairn;"
	"CREATE SCHEMA IF NOT EXISTS cairn;"
	"CREATE TABLE IF NOT EXISTS cairn.objects ("
	" node text NOT NULL,"
	" cid ipfs_cid NOT NULL,"
	" pin_type text NOT NULL CHECK (pin_type IN ('recursive', 'direct')),"
	" name text NOT NULL DEFAULT '',"
	" pinned_at timestamptz NOT NULL DEFAULT now(),"
	" PRIMARY KEY (node, cid));"
	"CREATE INDEX IF NOT EXISTS objects_cid_idx ON cairn.objects (cid);"
	"CREATE TABLE IF NOT EXISTS cairn.anchors ("
	" node text NOT NULL,"
	" proof anchored_cid NOT NULL,"
	" cid ipfs_cid GENERATED ALWAYS AS (anchor_cid(proof)) STORED,"
	" leaf_index bigint GENERATED ALWAYS AS (anchor_index(proof)) STORED,"
	" tree_size bigint GENERATED ALWAYS AS (anchor_size(proof)) STORED,"
	" chain text GENERATED ALWAYS AS (anchor_chain(proof)) STORED,"
	" tx text GENERATED ALWAYS AS (anchor_tx(proof)) STORED,"
	" block bigint GENERATED ALWAYS AS (anchor_block(proof)) STORED,"
	" anchored_at timestamptz GENERATED ALWAYS AS (anchor_time(proof)) STORED,"
	" PRIMARY KEY (node, leaf_index));"
	"CREATE INDEX IF NOT EXISTS anchors_cid_idx ON cairn.anchors (cid);"
	"CREATE TABLE IF NOT EXISTS cairn.mirror_state ("
	" node text PRIMARY KEY,"
	" pin_gen bigint NOT NULL DEFAULT -1,"
	" anchored bigint NOT NULL DEFAULT 0,"
	" updated_at timestamptz NOT NULL DEFAULT now());";

enum stage { ST_DOWN, ST_CONNECTING, ST_IDLE, ST_BUSY };
enum query { Q_SETUP, Q_PINS, Q_RESYNC_BEGIN, Q_RESYNC_PAGE, Q_RESYNC_END, Q_ANCHORS };

struct pgmirror {
	struct event_base *base;
	repo *r;
	char *dsn;
	PGconn *conn;
	struct event *io;    /* the connection's socket, armed for what libpq waits on */
	struct event *timer; /* the next poll, or the next connection attempt */
	enum stage stage;
	enum query q;        /* in flight, when ST_BUSY */
	PostgresPollingStatusType poll;
	unsigned backoff;
	int64_t pg_gen;      /* PostgreSQL's pin generation; -1: never synced */
	uint64_t pg_anchored;
	uint64_t next_gen, next_anchored; /* true once the query in flight commits */
	int got_state; /* the setup read mirror_state */
	int resyncing, resync_started, resync_more;
	uint64_t resync_gen;
	cairn_cid resync_after;
	char err[CAIRN_ERR_MAX];
	pin_change changes[PGMIRROR_BATCH]; /* a journal batch being sent */
	pin page[PGMIRROR_BATCH];           /* a resync page being sent */
};

static void arm_io(pgmirror *m, short what);
static void work(pgmirror *m);

static void schedule(pgmirror *m, unsigned ms)
{
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
	evtimer_add(m->timer, &tv);
}

/* libpq's messages end in a newline, and some span lines (a hint on the
 * next, indented): the log joins those (common/log.h). */
static void set_err(pgmirror *m, const char *msg)
{
	snprintf(m->err, sizeof m->err, "%s", msg && *msg ? msg : "unknown error");
	size_t len = strlen(m->err);
	while (len && (m->err[len - 1] == '\n' || m->err[len - 1] == ' '))
		m->err[--len] = '\0';
}

/* Drop the connection (an open transaction rolls back with it) and try
 * again later. State is re-read from PostgreSQL on the next connection. */
static void fail(pgmirror *m)
{
	log_warn("pg mirror: %s; retrying in %u s", m->err, m->backoff);
	if (m->io) {
		event_free(m->io);
		m->io = NULL;
	}
	PQfinish(m->conn);
	m->conn = NULL;
	m->stage = ST_DOWN;
	m->resyncing = 0;
	/* pg_gen stays as last known, for /metrics; the next connection reads it again */
	schedule(m, m->backoff * 1000);
	m->backoff = m->backoff * 2 > PGMIRROR_BACKOFF_MAX_S ? PGMIRROR_BACKOFF_MAX_S : m->backoff * 2;
}

static void send_query(pgmirror *m, enum query q, const char *sql)
{
	m->err[0] = '\0';
	m->q = q;
	m->stage = ST_BUSY;
	if (!PQsendQuery(m->conn, sql)) {
		set_err(m, PQerrorMessage(m->conn));
		fail(m);
		return;
	}
	int f = PQflush(m->conn);
	if (f < 0) {
		set_err(m, PQerrorMessage(m->conn));
		fail(m);
		return;
	}
	arm_io(m, EV_READ | (f ? EV_WRITE : 0));
}

/* Send what b holds (NUL-terminated here) as one query string. */
static void send_buffer(pgmirror *m, enum query q, struct evbuffer *b)
{
	evbuffer_add(b, "", 1);
	send_query(m, q, (const char *)evbuffer_pullup(b, -1));
}

static void connected(pgmirror *m)
{
	char sql[sizeof schema_sql + 512];
	PQsetnonblocking(m->conn, 1);
	log_info("pg mirror: connected to database %s on %s", PQdb(m->conn),
	         PQhost(m->conn));
	m->backoff = 1;
	m->got_state = 0;
	/* mirror_state is read last: the one result with a row */
	snprintf(sql, sizeof sql,
	         "%sINSERT INTO cairn.mirror_state (node) VALUES ('%s') ON CONFLICT (node) DO NOTHING;"
	         "SELECT pin_gen, anchored FROM cairn.mirror_state WHERE node = '%s'",
	         schema_sql, m->r->peer_id, m->r->peer_id);
	send_query(m, Q_SETUP, sql);
}

static void connect_step(pgmirror *m)
{
	m->poll = PQconnectPoll(m->conn);
	if (m->poll == PGRES_POLLING_FAILED) {
		set_err(m, PQerrorMessage(m->conn));
		fail(m);
	} else if (m->poll == PGRES_POLLING_OK) {
		connected(m);
	} else {
		arm_io(m, m->poll == PGRES_POLLING_READING ? EV_READ : EV_WRITE);
	}
}

static void start_connect(pgmirror *m)
{
	m->conn = PQconnectStart(m->dsn);
	if (!m->conn || PQstatus(m->conn) == CONNECTION_BAD) {
		set_err(m, m->conn ? PQerrorMessage(m->conn) : "out of memory");
		fail(m);
		return;
	}
	m->stage = ST_CONNECTING;
	/* as libpq asks: behave as if PQconnectPoll had said "writing" */
	arm_io(m, EV_WRITE);
}

/* The results of the query in flight: 1 when all are in, 0 when more are
 * to come, -1 on an error (m->err set). */
static int collect(pgmirror *m)
{
	if (!PQconsumeInput(m->conn)) {
		set_err(m, PQerrorMessage(m->conn));
		return -1;
	}
	while (!PQisBusy(m->conn)) {
		PGresult *res = PQgetResult(m->conn);
		if (!res)
			return m->err[0] ? -1 : 1;
		ExecStatusType st = PQresultStatus(res);
		if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
			if (!m->err[0])
				set_err(m, PQresultErrorMessage(res));
		} else if (m->q == Q_SETUP && st == PGRES_TUPLES_OK && PQntuples(res) == 1) {
			m->pg_gen = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
			m->pg_anchored = strtoull(PQgetvalue(res, 0, 1), NULL, 10);
			m->got_state = 1;
		}
		PQclear(res);
	}
	return 0;
}

/* The query in flight committed: what it wrote is now PostgreSQL's. */
static void committed(pgmirror *m)
{
	char err[CAIRN_ERR_MAX];
	m->stage = ST_IDLE;
	switch (m->q) {
	case Q_SETUP:
		if (!m->got_state) {
			set_err(m, "cairn.mirror_state has no row for this node");
			fail(m);
			return;
		}
		break;
	case Q_PINS:
		m->pg_gen = (int64_t)m->next_gen;
		if (pinstore_journal_trim(m->r, m->next_gen, err) != 0)
			log_error("pg mirror: %s", err);
		break;
	case Q_RESYNC_BEGIN:
	case Q_RESYNC_PAGE:
		break;
	case Q_RESYNC_END:
		m->resyncing = 0;
		m->pg_gen = (int64_t)m->resync_gen;
		log_info("pg mirror: pins resynced at generation %" PRIu64 "",
		         m->resync_gen);
		if (pinstore_journal_trim(m->r, m->resync_gen, err) != 0)
			log_error("pg mirror: %s", err);
		break;
	case Q_ANCHORS:
		m->pg_anchored = m->next_anchored;
		break;
	}
	work(m);
}

static void on_io(evutil_socket_t fd, short what, void *arg)
{
	pgmirror *m = arg;
	(void)fd;
	if (m->stage == ST_CONNECTING) {
		connect_step(m);
		return;
	}
	int f = 0;
	if ((what & EV_WRITE) && (f = PQflush(m->conn)) < 0) {
		set_err(m, PQerrorMessage(m->conn));
		fail(m);
		return;
	}
	if (what & EV_READ) {
		int rc = collect(m);
		if (rc < 0) {
			fail(m);
			return;
		}
		if (rc > 0) {
			committed(m);
			return;
		}
		f = PQflush(m->conn);
	}
	arm_io(m, EV_READ | (f > 0 ? EV_WRITE : 0));
}

/* Wait for the socket (libpq may change it while connecting). */
static void arm_io(pgmirror *m, short what)
{
	if (m->io)
		event_free(m->io);
	m->io = event_new(m->base, PQsocket(m->conn), what, on_io, m);
	if (!m->io || event_add(m->io, NULL) != 0) {
		set_err(m, "out of memory");
		fail(m);
	}
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	pgmirror *m = arg;
	(void)fd;
	(void)what;
	if (m->stage == ST_DOWN)
		start_connect(m);
	else if (m->stage == ST_IDLE)
		work(m);
}

/* ---- the work: what PostgreSQL lacks, in order ---- */

static void cid_text(const cairn_cid *c, char *out)
{
	cairn_cid_to_string(c, out, CAIRN_CID_TEXT_MAX, NULL);
}

/* ('node', 'cid', 'type', 'name') */
static int pin_row(pgmirror *m, struct evbuffer *b, const pin *p)
{
	char cid[CAIRN_CID_TEXT_MAX];
	char *name = PQescapeLiteral(m->conn, p->name, strlen(p->name));
	if (!name)
		return -1;
	cid_text(&p->cid, cid);
	evbuffer_add_printf(b, "('%s', '%s', '%s', %s)", m->r->peer_id, cid,
	                    p->type == PIN_DIRECT ? "direct" : "recursive", name);
	PQfreemem(name);
	return 0;
}

#define UPSERT_HEAD "INSERT INTO cairn.objects (node, cid, pin_type, name) VALUES "
#define UPSERT_TAIL                                                                                \
	" ON CONFLICT (node, cid) DO UPDATE SET pin_type = EXCLUDED.pin_type, name = EXCLUDED.name;"

/* Replay journal entries after PostgreSQL's generation, one statement
 * each (a CID may change twice in a batch), in one transaction. 1 if sent,
 * 0 if the journal does not continue from there (resync), -1. */
static int send_journal(pgmirror *m)
{
	pin_change *ch = m->changes;
	char err[CAIRN_ERR_MAX], cid[CAIRN_CID_TEXT_MAX];
	size_t n;
	if (pinstore_journal_read(m->r, (uint64_t)m->pg_gen + 1, ch, PGMIRROR_BATCH, &n, err) != 0) {
		set_err(m, err);
		return -1;
	}
	if (n == 0)
		return 0;
	struct evbuffer *b = evbuffer_new();
	if (!b)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (ch[i].op == '+') {
			evbuffer_add_printf(b, UPSERT_HEAD);
			if (pin_row(m, b, &ch[i].p) != 0) {
				evbuffer_free(b);
				set_err(m, "out of memory");
				return -1;
			}
			evbuffer_add_printf(b, UPSERT_TAIL);
		} else {
			cid_text(&ch[i].p.cid, cid);
			evbuffer_add_printf(b, "DELETE FROM cairn.objects WHERE node = '%s' AND cid = '%s';",
			                    m->r->peer_id, cid);
		}
	}
	m->next_gen = ch[n - 1].gen;
	evbuffer_add_printf(b, "UPDATE cairn.mirror_state SET pin_gen = %" PRIu64 ", updated_at = now() "
	                       "WHERE node = '%s'", m->next_gen, m->r->peer_id);
	send_buffer(m, Q_PINS, b);
	evbuffer_free(b);
	return 1;
}

/* A resync: one transaction that upserts every pin, page by page, noting
 * each in a temporary table, then deletes the rows of pins that are gone
 * and records the generation it started from. Changes made meanwhile are
 * journaled with later generations and replayed after it. */
static int send_resync(pgmirror *m)
{
	pin *page = m->page;
	char err[CAIRN_ERR_MAX], cid[CAIRN_CID_TEXT_MAX];
	size_t n;
	struct evbuffer *b;

	if (!m->resync_started) {
		m->resync_started = 1;
		m->resync_more = 1;
		send_query(m, Q_RESYNC_BEGIN,
		           "BEGIN;CREATE TEMP TABLE cairn_seen (cid ipfs_cid PRIMARY KEY) ON COMMIT DROP");
		return 1;
	}
	if (!(b = evbuffer_new()))
		return -1;
	if (!m->resync_more) {
		evbuffer_add_printf(b,
		                    "DELETE FROM cairn.objects o WHERE o.node = '%s' AND NOT EXISTS "
		                    "(SELECT 1 FROM cairn_seen s WHERE s.cid = o.cid);"
		                    "UPDATE cairn.mirror_state SET pin_gen = %" PRIu64 ", updated_at = now() "
		                    "WHERE node = '%s';COMMIT",
		                    m->r->peer_id, m->resync_gen, m->r->peer_id);
		send_buffer(m, Q_RESYNC_END, b);
		evbuffer_free(b);
		return 1;
	}
	if (pinstore_page(m->r, m->resync_started > 1 ? &m->resync_after : NULL, page,
	                  PGMIRROR_BATCH, &n, err) != 0) {
		evbuffer_free(b);
		set_err(m, err);
		return -1;
	}
	m->resync_started = 2;
	m->resync_more = n == PGMIRROR_BATCH;
	if (n == 0) { /* nothing (more) pinned: straight to the end */
		evbuffer_free(b);
		return send_resync(m);
	}
	m->resync_after = page[n - 1].cid;
	evbuffer_add_printf(b, UPSERT_HEAD);
	for (size_t i = 0; i < n; i++) {
		if (i)
			evbuffer_add(b, ",", 1);
		if (pin_row(m, b, &page[i]) != 0) {
			evbuffer_free(b);
			set_err(m, "out of memory");
			return -1;
		}
	}
	evbuffer_add_printf(b, UPSERT_TAIL "INSERT INTO cairn_seen VALUES ");
	for (size_t i = 0; i < n; i++) {
		cid_text(&page[i].cid, cid);
		evbuffer_add_printf(b, "%s('%s')", i ? "," : "", cid);
	}
	send_buffer(m, Q_RESYNC_PAGE, b);
	evbuffer_free(b);
	return 1;
}

/* Proofs of the leaves PostgreSQL lacks, against the newest anchored
 * checkpoint. 1 if sent, 0 if there are none, -1. */
static int send_anchors(pgmirror *m)
{
	char err[CAIRN_ERR_MAX] = "";
	uint64_t size;
	int rc = anchors_newest_confirmed(m->r, &size, err);
	if (rc < 0) {
		set_err(m, err);
		return -1;
	}
	if (rc == 1 || size <= m->pg_anchored)
		return 0;
	uint64_t end = size - m->pg_anchored > PGMIRROR_PROOF_BATCH ? m->pg_anchored + PGMIRROR_PROOF_BATCH
	                                                             : size;
	struct evbuffer *b = evbuffer_new();
	if (!b)
		return -1;
	evbuffer_add_printf(b, "INSERT INTO cairn.anchors (node, proof) VALUES ");
	for (uint64_t i = m->pg_anchored; i < end; i++) {
		cairn_cid cid;
		json_t *j = NULL;
		char *text = NULL, *lit = NULL;
		if (anchorlog_leaf(m->r, i, &cid, err) != 0 ||
		    proof_build(m->r, &cid, 1, size, &j, err) != 0 ||
		    !(text = json_dumps(j, JSON_COMPACT)) ||
		    !(lit = PQescapeLiteral(m->conn, text, strlen(text)))) {
			json_decref(j);
			free(text);
			evbuffer_free(b);
			set_err(m, err[0] ? err : "out of memory");
			return -1;
		}
		evbuffer_add_printf(b, "%s('%s', %s)", i > m->pg_anchored ? "," : "", m->r->peer_id, lit);
		PQfreemem(lit);
		free(text);
		json_decref(j);
	}
	m->next_anchored = end;
	evbuffer_add_printf(b, " ON CONFLICT (node, leaf_index) DO NOTHING;"
	                       "UPDATE cairn.mirror_state SET anchored = %" PRIu64 ", updated_at = now() "
	                       "WHERE node = '%s'", end, m->r->peer_id);
	send_buffer(m, Q_ANCHORS, b);
	evbuffer_free(b);
	return 1;
}

static void work(pgmirror *m)
{
	char err[CAIRN_ERR_MAX];
	uint64_t gen;
	int rc = 0;
	m->err[0] = '\0';
	if (m->stage != ST_IDLE)
		return;
	if (m->resyncing) {
		rc = send_resync(m);
	} else if (pinstore_gen(m->r, &gen, err) != 0) {
		set_err(m, err);
		rc = -1;
	} else if (m->pg_gen != (int64_t)gen) {
		rc = m->pg_gen >= 0 && m->pg_gen < (int64_t)gen ? send_journal(m) : 0;
		if (rc == 0) { /* no journal from there: start over from the pins */
			m->resyncing = 1;
			m->resync_started = 0;
			m->resync_gen = gen;
			log_info("pg mirror: resyncing pins (PostgreSQL has generation "
			         "%" PRId64 ", the repo %" PRIu64 ")", m->pg_gen, gen);
			rc = send_resync(m);
		}
	} else {
		rc = send_anchors(m);
	}
	if (rc < 0) {
		/* a local failure: log it, keep the connection, try again later */
		log_warn("pg mirror: %s", m->err);
		if (m->stage == ST_IDLE)
			schedule(m, m->backoff * 1000);
		return;
	}
	if (rc == 0 && m->stage == ST_IDLE)
		schedule(m, PGMIRROR_POLL_MS);
}

pgmirror *pgmirror_new(struct event_base *base, repo *r, const char *dsn, char *err)
{
	pgmirror *m = calloc(1, sizeof *m);
	if (!m || !(m->dsn = strdup(dsn)) || !(m->timer = evtimer_new(base, on_timer, m))) {
		if (m)
			free(m->dsn);
		free(m);
		snprintf(err, CAIRN_ERR_MAX, "out of memory");
		return NULL;
	}
	m->base = base;
	m->r = r;
	m->backoff = 1;
	m->pg_gen = -1;
	m->stage = ST_DOWN;
	/* from here on every pin change waits in the journal until PostgreSQL
	 * has it; the generation read at the first sync predates none of them */
	pinstore_outbox_journal(r);
	schedule(m, 0);
	return m;
}

void pgmirror_free(pgmirror *m)
{
	if (!m)
		return;
	if (m->io)
		event_free(m->io);
	event_free(m->timer);
	PQfinish(m->conn);
	free(m->dsn);
	free(m);
}

void pgmirror_status(pgmirror *m, int *up, uint64_t *pins_behind, uint64_t *leaves_behind)
{
	char err[CAIRN_ERR_MAX];
	uint64_t gen = 0, size = 0;
	pinstore_gen(m->r, &gen, err);
	if (anchors_newest_confirmed(m->r, &size, err) != 0)
		size = 0;
	*up = m->stage == ST_IDLE || m->stage == ST_BUSY;
	*pins_behind = m->pg_gen < 0 ? gen : gen > (uint64_t)m->pg_gen ? gen - (uint64_t)m->pg_gen : 0;
	*leaves_behind = size > m->pg_anchored ? size - m->pg_anchored : 0;
}

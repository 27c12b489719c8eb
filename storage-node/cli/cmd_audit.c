/*
 * cairn audit: check anchoring proofs (docs/anchoring.md) trusting nothing
 * but the chain. For each proof: the inclusion path leads from the CID's
 * leaf to the root (RFC 9162); the checkpoint is signed (C2SP signed note)
 * by the key inside the PeerID it names, and states the same size and
 * root; the transaction on the chain carries root ‖ size, sits in the
 * named block of the named chain, succeeded, and has enough confirmations.
 */
#include "client.h"
#include "cairn/cid.h"
#include "cli.h"
#include "cairn/error.h"
#include "cairn/merkle.h"
#include "cairn/multibase.h"
#include "chain.h"
#include "note.h"
#include "proof_check.h"
#include "proof_input.h"
#include "proof_bundle.h"
#include "note.h"
#include "witnesser.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <limits.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <getopt.h>
#include <unistd.h>

#define AUDIT_PG_DEFAULT_QUERY                                                                      \
	"SELECT node || ':' || leaf_index, proof FROM cairn.anchors ORDER BY node, leaf_index"

static const char audit_usage[] =
	"usage: cairn audit --chain-rpc URL [--ca-file FILE] [--confirmations K] [--signer PEERID]\n"
	"                   [--witness VKEY]... [--quorum N]\n"
	"                   [--format table|csv|json] [FILE|-]... | --pg DSN [--query SQL]\n"
	"\n"
	"Check anchoring proofs against the chain at URL (http:// or https://; with\n"
	"--ca-file, that CA is trusted beside the system's), trusting nothing else:\n"
	"inclusion in the log, the checkpoint's signature, the transaction's input,\n"
	"block, chain id and confirmations (K, default 1). With --signer, the\n"
	"checkpoint must be signed by that node. With --witness VKEY (repeatable:\n"
	"witnesses' cosignature keys, as 'cairn witness key' prints them), the\n"
	"checkpoint must carry valid cosignatures of --quorum N of them (default:\n"
	"all): what shows the log gave auditors no split view.\n"
	"\n"
	"A FILE holds one proof per line, one JSON array of proofs, or proofs one\n"
	"after another, or C2SP tlog-proof bundles; standard input when no FILE is given. Every proof is\n"
	"checked, and reported as a row: record (FILE:LINE), cid, index, size,\n"
	"chain, tx, block, block_time, signer, result (verified, false or\n"
	"unchecked) and the reason; a summary line closes the report (on stderr\n"
	"for csv). json is one document: {\"rows\": [...], \"summary\": {...}}.\n"
	"\n"
	"With --pg, the proofs come from PostgreSQL (DSN: a libpq connection\n"
	"string or URI) a row at a time. SQL returning one column gives the\n"
	"proofs (anchored_cid, jsonb or text); two or more: the record's id, then\n"
	"the proof. The default reads the daemon's mirror:\n"
	"  " AUDIT_PG_DEFAULT_QUERY "\n"
	"\n"
	"Exit status: 0 every proof verified; 1 at least one is false; 2 usage;\n"
	"3 none is false but something could not be checked (the chain or the\n"
	"database unreachable, a failed query, unreadable or COPY-escaped input).\n";

struct chainq {
	CURL *curl;            /* one handle: its connection is kept between calls */
	struct curl_slist *headers;
	char shown[256];       /* the URL without its path (a provider's key) */
	char errbuf[CURL_ERROR_SIZE]; /* curl's message for the last call */
	int id;
	int64_t chain_id;   /* -1 until asked */
	uint64_t head;
	int have_head;
	/* the chain could not be reached (no connection, TLS, no answer in
	 * time): nothing could be checked, which is not a failed proof */
	int unreachable;
	char unreachable_why[CAIRN_ERR_MAX];
};

static size_t take_reply(char *p, size_t size, size_t n, void *arg)
{
	return fwrite(p, size, n, arg) * size;
}

/* One JSON-RPC call: the result (new reference), or NULL with why set. */
static json_t *rpc(struct chainq *q, const char *method, json_t *params, char *why, size_t cap)
{
	char *buf = NULL, *errbuf = q->errbuf;
	size_t len = 0;
	long status = 0;
	json_t *req = json_pack("{s:s, s:i, s:s, s:o}", "jsonrpc", "2.0", "id", ++q->id, "method",
	                        method, "params", params ? params : json_array());
	char *body = req ? json_dumps(req, JSON_COMPACT) : NULL;
	json_decref(req);
	FILE *m = open_memstream(&buf, &len);
	if (!body || !m) {
		snprintf(why, cap, "out of memory");
		free(body);
		if (m)
			fclose(m);
		free(buf);
		return NULL;
	}
	if (q->unreachable) { /* once is enough to know */
		snprintf(why, cap, "chain: %s", q->unreachable_why);
		free(body);
		fclose(m);
		free(buf);
		return NULL;
	}
	errbuf[0] = '\0';
	curl_easy_setopt(q->curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(q->curl, CURLOPT_WRITEFUNCTION, take_reply);
	curl_easy_setopt(q->curl, CURLOPT_WRITEDATA, m);
	CURLcode crc = curl_easy_perform(q->curl);
	curl_easy_getinfo(q->curl, CURLINFO_RESPONSE_CODE, &status);
	fclose(m);
	free(body);
	json_t *res = NULL;
	if (crc != CURLE_OK) {
		enum http_call_error e = http_curl_error(crc);
		snprintf(why, cap, "chain: %s: %s", q->shown, errbuf[0] ? errbuf : curl_easy_strerror(crc));
		if (e == HTTP_CALL_CONNECT || e == HTTP_CALL_TLS || e == HTTP_CALL_TIMEOUT) {
			q->unreachable = 1;
			snprintf(q->unreachable_why, sizeof q->unreachable_why, "%s: %s", q->shown,
			         errbuf[0] ? errbuf : curl_easy_strerror(crc));
		}
	} else {
		json_t *j = json_loads(buf ? buf : "", 0, NULL);
		json_t *e = json_object_get(j, "error");
		if (!j || status != 200)
			snprintf(why, cap, "chain: HTTP %ld", status);
		else if (e)
			snprintf(why, cap, "chain: %s", json_string_value(json_object_get(e, "message")));
		else if ((res = json_object_get(j, "result")))
			json_incref(res);
		json_decref(j);
	}
	free(buf);
	return res;
}

/* What a row says about its proof (docs/anchoring.md, "cairn audit"). */
enum verdict {
	V_VERIFIED,  /* every check passed */
	V_FALSE,     /* a check failed: the proof does not hold */
	V_UNCHECKED, /* a check could not be made (chain, input): no finding */
};

static const char *const verdict_name[] = {"verified", "false", "unchecked"};

/* COPY's text format doubles every backslash, so a checkpoint exported that
 * way reaches us with "\n" as two characters and no line break: its
 * signature cannot check, through no fault of the proof. */
static int copy_escaped(const char *note)
{
	return note && !strchr(note, '\n') && strstr(note, "\\n");
}

/* Check one proof; why (cap bytes) says what failed, "" when verified. */
static enum verdict audit_one(struct chainq *q, json_t *p, unsigned conf, const char *signer,
                              char *why, size_t cap)
{
	const char *root_s = json_string_value(json_object_get(p, "root"));
	json_int_t size = json_integer_value(json_object_get(p, "size"));
	if (!json_is_object(p)) {
		snprintf(why, cap, "malformed proof: not a JSON object");
		return V_FALSE;
	}
	if (copy_escaped(json_string_value(json_object_get(p, "checkpoint")))) {
		snprintf(why, cap, "the input looks COPY-escaped (backslashes doubled by COPY's text "
		                   "format): export with psql -At or COPY ... (FORMAT csv), docs/sql.md");
		return V_UNCHECKED;
	}
	/* 1. the log and 2. the checkpoint */
	if (proof_check_offline(p, signer, why, cap) != 0)
		return V_FALSE;
	/* 3. the chain: from here on, a question the chain did not answer
	 * leaves the proof unchecked, not false */
	const char *chain = json_string_value(json_object_get(p, "chain"));
	const char *tx = json_string_value(json_object_get(p, "tx"));
	const char *bhash = json_string_value(json_object_get(p, "block_hash"));
	const char *when = json_string_value(json_object_get(p, "time"));
	json_int_t block = json_integer_value(json_object_get(p, "block"));
	if (!chain || !tx || !bhash || !when || !json_is_integer(json_object_get(p, "block"))) {
		snprintf(why, cap, "not anchored: the proof has no chain, tx, block, block_hash or time");
		return V_FALSE;
	}
	if (q->chain_id < 0) {
		json_t *r = rpc(q, "eth_chainId", NULL, why, cap);
		if (!r)
			return V_UNCHECKED;
		q->chain_id = (int64_t)chain_quantity(json_string_value(r));
		json_decref(r);
	}
	char want_chain[64];
	snprintf(want_chain, sizeof want_chain, "eip155:%" PRId64, q->chain_id);
	if (strcmp(chain, want_chain) != 0) {
		/* the proof may hold on its own chain: this RPC cannot say */
		snprintf(why, cap, "chain: the proof names %.40s, the RPC serves %s (audit it with an "
		                   "RPC of that chain)", chain, want_chain);
		return V_UNCHECKED;
	}
	json_t *t = rpc(q, "eth_getTransactionByHash", json_pack("[s]", tx), why, cap);
	if (!t)
		return V_UNCHECKED;
	char want_in[2 + 80 + 1] = "0x", sz[17];
	snprintf(want_in + 2, 65, "%s", root_s);
	snprintf(sz, sizeof sz, "%016llx", (unsigned long long)size);
	strcat(want_in, sz);
	const char *in = json_string_value(json_object_get(t, "input"));
	if (!in)
		in = json_string_value(json_object_get(t, "data"));
	int bad_in = !in || strcasecmp(in, want_in) != 0;
	uint64_t tblock = chain_quantity(json_string_value(json_object_get(t, "blockNumber")));
	int null_tx = json_is_null(t);
	json_decref(t);
	if (null_tx) {
		snprintf(why, cap, "transaction: %.70s is not on this chain", tx);
		return V_FALSE;
	}
	if (bad_in) {
		snprintf(why, cap, "transaction: its input is not this root and size");
		return V_FALSE;
	}
	if (tblock != (uint64_t)block) {
		snprintf(why, cap, "transaction: in block %" PRIu64 ", not %lld", tblock, (long long)block);
		return V_FALSE;
	}
	json_t *rc2 = rpc(q, "eth_getTransactionReceipt", json_pack("[s]", tx), why, cap);
	if (!rc2)
		return V_UNCHECKED;
	uint64_t st = chain_quantity(json_string_value(json_object_get(rc2, "status")));
	json_decref(rc2);
	if (st != 1) {
		snprintf(why, cap, "transaction: failed on chain");
		return V_FALSE;
	}
	char bq[32];
	snprintf(bq, sizeof bq, "0x%llx", (unsigned long long)block);
	json_t *b = rpc(q, "eth_getBlockByNumber", json_pack("[s, b]", bq, 0), why, cap);
	if (!b)
		return V_UNCHECKED;
	const char *h = json_string_value(json_object_get(b, "hash"));
	time_t ts = (time_t)chain_quantity(json_string_value(json_object_get(b, "timestamp")));
	int hash_ok = h && strcasecmp(h, bhash) == 0;
	json_decref(b);
	if (!hash_ok) {
		snprintf(why, cap, "block: %lld has another hash", (long long)block);
		return V_FALSE;
	}
	struct tm tm;
	char bt[32];
	gmtime_r(&ts, &tm);
	strftime(bt, sizeof bt, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (strcmp(bt, when) != 0) {
		snprintf(why, cap, "time: the proof says %.40s, the block's is %s", when, bt);
		return V_FALSE;
	}
	if (!q->have_head) {
		json_t *hd = rpc(q, "eth_blockNumber", NULL, why, cap);
		if (!hd)
			return V_UNCHECKED;
		q->head = chain_quantity(json_string_value(hd));
		q->have_head = 1;
		json_decref(hd);
	}
	if (q->head + 1 < (uint64_t)block + conf) {
		snprintf(why, cap, "confirmations: %" PRIu64 " of %u",
		         q->head + 1 >= (uint64_t)block ? q->head + 1 - (uint64_t)block : 0, conf);
		return V_FALSE;
	}
	why[0] = '\0';
	return V_VERIFIED;
}

enum fmt { FMT_TABLE, FMT_CSV, FMT_JSON };

/* The report's columns, in this order in every format (docs/anchoring.md):
 * record, cid, index, size, chain, tx, block, block_time, signer, result,
 * reason. Values are the proof's claims; result says whether they held. */
struct audit {
	struct chainq q;
	unsigned conf;
	const char *signer;
	note_vkey witnesses[WITNESSER_MAX]; /* --witness: cosigners required */
	size_t nwitnesses;
	unsigned quorum;                     /* of them, on each proof's checkpoint */
	enum fmt f;
	unsigned long n[3]; /* rows by verdict */
	char why_unchecked[CAIRN_ERR_MAX]; /* the first reason a row was unchecked */
};

/* CSV field per RFC 4180: quoted when it holds a comma, quote or line end. */
static void csv_field(const char *s, int last)
{
	if (s && strpbrk(s, ",\"\r\n")) {
		putchar('"');
		for (; *s; s++) {
			if (*s == '"')
				putchar('"');
			putchar(*s);
		}
		putchar('"');
	} else if (s) {
		fputs(s, stdout);
	}
	putchar(last ? '\n' : ',');
}

static void report_open(struct audit *a)
{
	if (a->f == FMT_JSON)
		printf("{\"rows\":[");
	else if (a->f == FMT_CSV)
		printf("record,cid,index,size,chain,tx,block,block_time,signer,result,reason\n");
	else
		printf("%-9s  %-20s  %-59s  %7s  %7s  %-14s  %8s  %-20s  %-52s  %-66s  %s\n", "RESULT",
		       "RECORD", "CID", "INDEX", "SIZE", "CHAIN", "BLOCK", "BLOCK TIME", "SIGNER", "TX",
		       "REASON");
}

static const char *dash(const char *s)
{
	return s && *s ? s : "-";
}

/* One row. p: the proof as read (borrowed; any JSON, or NULL). */
static void report_row(struct audit *a, const char *record, json_t *p, enum verdict v, const char *why)
{
	json_t *o = json_is_object(p) ? p : NULL;
	const char *s[5] = {
		json_string_value(json_object_get(o, "cid")),
		json_string_value(json_object_get(o, "chain")),
		json_string_value(json_object_get(o, "tx")),
		json_string_value(json_object_get(o, "time")),
		json_string_value(json_object_get(o, "checkpoint")),
	};
	json_t *num[3] = {json_object_get(o, "index"), json_object_get(o, "size"), json_object_get(o, "block")};
	char nb[3][24], signer[64] = "";
	for (int i = 0; i < 3; i++)
		if (json_is_integer(num[i]))
			snprintf(nb[i], sizeof nb[i], "%" JSON_INTEGER_FORMAT, json_integer_value(num[i]));
		else
			nb[i][0] = '\0';
	/* the signer: the PeerID the checkpoint's origin line names */
	if (s[4] && !strncmp(s[4], "cairn/", 6))
		snprintf(signer, sizeof signer, "%.*s", (int)strcspn(s[4] + 6, "\n\\"), s[4] + 6);
	if (a->f == FMT_JSON) {
		json_t *r = json_object();
		json_object_set_new(r, "record", json_string(record));
		json_object_set_new(r, "cid", s[0] ? json_string(s[0]) : json_null());
		json_object_set_new(r, "index", json_is_integer(num[0]) ? json_copy(num[0]) : json_null());
		json_object_set_new(r, "size", json_is_integer(num[1]) ? json_copy(num[1]) : json_null());
		json_object_set_new(r, "chain", s[1] ? json_string(s[1]) : json_null());
		json_object_set_new(r, "tx", s[2] ? json_string(s[2]) : json_null());
		json_object_set_new(r, "block", json_is_integer(num[2]) ? json_copy(num[2]) : json_null());
		json_object_set_new(r, "block_time", s[3] ? json_string(s[3]) : json_null());
		json_object_set_new(r, "signer", signer[0] ? json_string(signer) : json_null());
		json_object_set_new(r, "result", json_string(verdict_name[v]));
		json_object_set_new(r, "reason", why[0] ? json_string(why) : json_null());
		char *t = json_dumps(r, JSON_COMPACT | JSON_PRESERVE_ORDER);
		printf("%s\n%s", a->n[0] + a->n[1] + a->n[2] ? "," : "", t ? t : "{}");
		free(t);
		json_decref(r);
	} else if (a->f == FMT_CSV) {
		const char *f[] = {record, s[0], nb[0], nb[1], s[1], s[2], nb[2], s[3], signer, verdict_name[v], why};
		for (int i = 0; i < 11; i++)
			csv_field(f[i], i == 10);
	} else {
		printf("%-9s  %-20s  %-59s  %7s  %7s  %-14s  %8s  %-20s  %-52s  %-66s  %s\n",
		       verdict_name[v], record, dash(s[0]), dash(nb[0]), dash(nb[1]), dash(s[1]),
		       dash(nb[2]), dash(s[3]), dash(signer), dash(s[2]), why);
	}
	a->n[v]++;
	if (v == V_UNCHECKED && !a->why_unchecked[0]) /* said once, at the end */
		snprintf(a->why_unchecked, sizeof a->why_unchecked, "%s", why);
}

static void report_close(struct audit *a)
{
	unsigned long all = a->n[0] + a->n[1] + a->n[2];
	if (a->f == FMT_JSON) {
		printf("%s],\n\"summary\":{\"checked\":%lu,\"verified\":%lu,\"false\":%lu,\"unchecked\":%lu}}\n",
		       all ? "\n" : "", all, a->n[V_VERIFIED], a->n[V_FALSE], a->n[V_UNCHECKED]);
		return;
	}
	/* CSV keeps to its rows: the summary goes beside it, on stderr */
	FILE *to = a->f == FMT_CSV ? stderr : stdout;
	fprintf(to, "%lu checked: %lu verified, %lu false, %lu unchecked\n", all, a->n[V_VERIFIED],
	        a->n[V_FALSE], a->n[V_UNCHECKED]);
}

/* Audit one proof as read (p: borrowed, NULL when unreadable, then
 * why_bad says why) and report it under record. */
static void audit_json(struct audit *a, const char *record, json_t *p, const char *why_bad)
{
	char why[512];
	enum verdict v;
	if (why_bad) {
		snprintf(why, sizeof why, "%s", why_bad);
		v = V_FALSE;
	} else {
		v = audit_one(&a->q, p, a->conf, a->signer, why, sizeof why);
	}
	/* witnesses: a quorum of their cosignatures on the checkpoint, or
	 * the proof is false (a finding outranks what the chain left open) */
	const char *note = json_string_value(json_object_get(p, "checkpoint"));
	if (v != V_FALSE && a->nwitnesses && note) {
		unsigned have = 0;
		char names[256] = "";
		for (size_t i = 0; i < a->nwitnesses; i++) {
			if (note_cosig_find(note, strlen(note), &a->witnesses[i], NULL, NULL, NULL) == 0)
				have++;
			else if (strlen(names) + strlen(a->witnesses[i].name) + 3 < sizeof names)
				snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", names[0] ? ", " : "",
				         a->witnesses[i].name);
		}
		if (have < a->quorum) {
			snprintf(why, sizeof why, "witnesses: %u of the %u cosignatures required (none valid by %s)",
			         have, a->quorum, names);
			v = V_FALSE;
		}
	}
	report_row(a, record, p, v, why);
}

/* The proofs a query returns, a row at a time (single-row mode), so a
 * large audit holds one proof in memory. One column: the proof, recorded
 * as "row N"; two or more: the record's id, then the proof. 0, or -1 when
 * PostgreSQL could not be reached or the query failed (said on stderr). */
static int audit_pg(struct audit *a, const char *dsn, const char *sql)
{
	int rc = -1;
	unsigned long row = 0;
	PGresult *res = NULL;
	PGconn *c = PQconnectdb(dsn);
	if (!c || PQstatus(c) != CONNECTION_OK) {
		cli_error("audit", "could not check: PostgreSQL: %s", c ? PQerrorMessage(c) : "out of memory");
		goto done;
	}
	if (!PQsendQuery(c, sql) || !PQsetSingleRowMode(c)) {
		cli_error("audit", "could not check: PostgreSQL: %s", PQerrorMessage(c));
		goto done;
	}
	rc = 0;
	while ((res = PQgetResult(c))) {
		ExecStatusType st = PQresultStatus(res);
		if (st == PGRES_SINGLE_TUPLE && PQnfields(res) < 1) {
			cli_error("audit", "could not check: the query returns no column");
			rc = -1;
		} else if (st == PGRES_SINGLE_TUPLE) {
			int pc = PQnfields(res) > 1; /* the proof's column */
			char rec[128];
			row++;
			if (pc && !PQgetisnull(res, 0, 0))
				snprintf(rec, sizeof rec, "%s", PQgetvalue(res, 0, 0));
			else
				snprintf(rec, sizeof rec, "row %lu", row);
			if (PQgetisnull(res, 0, pc)) {
				audit_json(a, rec, NULL, "malformed proof: NULL");
			} else {
				/* a proof's JSON (anchored_cid, jsonb, text) or a tlog-proof bundle */
				const char *v = PQgetvalue(res, 0, pc);
				size_t vl = (size_t)PQgetlength(res, 0, pc);
				json_error_t jerr;
				char why[300];
				json_t *p = proof_bundle_is(v, vl) ? proof_bundle_json(v, vl, why, sizeof why)
				                                   : json_loads(v, 0, &jerr);
				if (!p && !proof_bundle_is(v, vl))
					snprintf(why, sizeof why, "malformed proof: not JSON: %s", jerr.text);
				audit_json(a, rec, p, p ? NULL : why);
				json_decref(p);
			}
		} else if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
			cli_error("audit", "could not check: PostgreSQL: %s", PQresultErrorMessage(res));
			rc = -1;
		}
		PQclear(res);
	}
done:
	PQfinish(c);
	return rc;
}

struct audit_opts {
	const char *url, *signer, *dsn, *sql, *ca_file;
	unsigned conf;
	note_vkey witnesses[WITNESSER_MAX];
	size_t nwitnesses;
	unsigned quorum;
	enum fmt f;
	char **files;
	int nfiles;
};

/* The options, once: 0, -1 (--help was printed), or EXIT_USAGE. */
static int audit_parse(int argc, char **argv, struct audit_opts *o)
{
	enum { OPT_RPC = 256, OPT_CONF, OPT_SIGNER, OPT_FORMAT, OPT_PG, OPT_QUERY, OPT_CA, OPT_WITNESS,
	       OPT_QUORUM };
	static const struct option longopts[] = {
		{"chain-rpc", required_argument, NULL, OPT_RPC},
		{"confirmations", required_argument, NULL, OPT_CONF},
		{"signer", required_argument, NULL, OPT_SIGNER},
		{"format", required_argument, NULL, OPT_FORMAT},
		{"pg", required_argument, NULL, OPT_PG},
		{"query", required_argument, NULL, OPT_QUERY},
		{"ca-file", required_argument, NULL, OPT_CA},
		{"witness", required_argument, NULL, OPT_WITNESS},
		{"quorum", required_argument, NULL, OPT_QUORUM},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	char *end;
	unsigned long k;
	int c;
	*o = (struct audit_opts){.conf = 1, .f = FMT_TABLE};
	opterr = 0;
	optind = 1;
	/* '+': options come before the proofs' files, as they always did */
	while ((c = getopt_long(argc, argv, "+:h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_RPC: o->url = optarg; break;
		case OPT_SIGNER: o->signer = optarg; break;
		case OPT_PG: o->dsn = optarg; break;
		case OPT_QUERY: o->sql = optarg; break;
		case OPT_CA: o->ca_file = optarg; break;
		case OPT_WITNESS: {
			char kerr[CAIRN_ERR_MAX];
			if (o->nwitnesses == WITNESSER_MAX) {
				cli_error("audit", "at most %d --witness", WITNESSER_MAX);
				return EXIT_USAGE;
			}
			note_vkey *wk = &o->witnesses[o->nwitnesses];
			if (note_vkey_parse_as(optarg, NOTE_KEY_COSIGNATURE, wk, kerr) != 0) {
				cli_error("audit", "--witness '%s': %s", optarg, kerr);
				return EXIT_USAGE;
			}
			o->nwitnesses++;
			break;
		}
		case OPT_QUORUM:
			k = strtoul(optarg, &end, 10);
			if (*end || !*optarg || k == 0 || k > WITNESSER_MAX) {
				cli_error("audit", "--quorum takes a number of witnesses, not '%s'", optarg);
				return EXIT_USAGE;
			}
			o->quorum = (unsigned)k;
			break;
		case OPT_CONF:
			k = strtoul(optarg, &end, 10);
			if (*end || !*optarg || k == 0 || k > 1000000) {
				cli_error("audit", "--confirmations takes a positive number, not '%s'", optarg);
				return EXIT_USAGE;
			}
			o->conf = (unsigned)k;
			break;
		case OPT_FORMAT:
			if (!strcmp(optarg, "csv"))
				o->f = FMT_CSV;
			else if (!strcmp(optarg, "json"))
				o->f = FMT_JSON;
			else if (!strcmp(optarg, "table"))
				o->f = FMT_TABLE;
			else {
				cli_error("audit", "--format is table, csv or json, not '%s'", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'h':
			fputs(audit_usage, stdout);
			return -1;
		case ':':
			cli_error("audit", "option '%s' needs a value", argv[optind - 1]);
			return EXIT_USAGE;
		default:
			cli_error("audit", "unknown option '%s'\n\n%s", argv[optind - 1], audit_usage);
			return EXIT_USAGE;
		}
	}
	o->files = argv + optind;
	o->nfiles = argc - optind;
	if (!o->url) {
		cli_error("audit", "--chain-rpc URL is required: the chain is the only thing trusted");
		return EXIT_USAGE;
	}
	if (o->quorum > o->nwitnesses) {
		cli_error("audit", "--quorum %u: more than the %zu --witness given", o->quorum, o->nwitnesses);
		return EXIT_USAGE;
	}
	if (!o->quorum)
		o->quorum = (unsigned)o->nwitnesses;
	if (o->sql && !o->dsn) {
		cli_error("audit", "--query needs --pg DSN");
		return EXIT_USAGE;
	}
	if (o->dsn && o->nfiles) {
		cli_error("audit", "proofs come from files or from --pg, not both");
		return EXIT_USAGE;
	}
	return 0;
}

struct file_ctx {
	struct audit *a;
	const char *name;
};

/* A value proof_input_read found, named FILE:LINE. */
static void on_value(void *arg, unsigned long line, json_t *p, const char *why)
{
	struct file_ctx *fc = arg;
	char rec[PATH_MAX + 32];
	snprintf(rec, sizeof rec, "%s:%lu", fc->name, line);
	audit_json(fc->a, rec, p, why);
}

/* Audit the proofs in one file ("-": standard input), in any layout
 * proof_input reads. A file that cannot be read is an unchecked row. */
static void audit_file(struct audit *a, const char *path)
{
	struct file_ctx fc = {a, strcmp(path, "-") ? path : "stdin"};
	FILE *in = strcmp(path, "-") ? fopen(path, "r") : stdin;
	char why[PATH_MAX + 64];
	int err = in ? proof_input_read(in, on_value, &fc) : errno;
	if (err) {
		snprintf(why, sizeof why, "%s: %s", path, strerror(err));
		report_row(a, fc.name, NULL, V_UNCHECKED, why); /* a file that cannot be read */
	}
	if (in && in != stdin)
		fclose(in);
}

int cmd_audit(int argc, char **argv)
{
	struct audit_opts o;
	int rc = audit_parse(argc, argv, &o);
	if (rc)
		return rc < 0 ? 0 : rc;
	static struct audit a;
	a = (struct audit){.q = {.chain_id = -1}, .conf = o.conf, .signer = o.signer, .f = o.f,
	                   .nwitnesses = o.nwitnesses, .quorum = o.quorum};
	memcpy(a.witnesses, o.witnesses, sizeof a.witnesses);
	struct chainq *q = &a.q;
	http_url_redact(o.url, q->shown, sizeof q->shown);
	if (!http_url_ok(o.url)) {
		cli_error("audit", "--chain-rpc '%s' is not an http:// or https:// URL", q->shown);
		return EXIT_USAGE;
	}
	if (o.ca_file && access(o.ca_file, R_OK) != 0) {
		cli_error("audit", "--ca-file %s: %s", o.ca_file, strerror(errno));
		return EXIT_USAGE;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || !(q->curl = curl_easy_init()) ||
	    !(q->headers = curl_slist_append(NULL, "Content-Type: application/json"))) {
		cli_error("audit", "libcurl could not start");
		if (q->curl)
			curl_easy_cleanup(q->curl);
		return EXIT_UNCHECKED;
	}
	http_easy_setup(q->curl, o.ca_file, CHAIN_TIMEOUT_SECS * 1000, q->errbuf);
	curl_easy_setopt(q->curl, CURLOPT_URL, o.url);
	curl_easy_setopt(q->curl, CURLOPT_HTTPHEADER, q->headers);
	int source_failed = 0;
	report_open(&a);
	if (o.dsn) {
		source_failed = audit_pg(&a, o.dsn, o.sql ? o.sql : AUDIT_PG_DEFAULT_QUERY) != 0;
	} else if (o.nfiles) {
		for (int i = 0; i < o.nfiles; i++)
			audit_file(&a, o.files[i]);
	} else {
		audit_file(&a, "-");
	}
	report_close(&a);
	unsigned long all = a.n[0] + a.n[1] + a.n[2];
	if (a.n[V_FALSE])
		rc = EXIT_FAIL; /* a finding outranks what could not be checked */
	else if (source_failed || a.n[V_UNCHECKED] || !all)
		rc = EXIT_UNCHECKED;
	else
		rc = 0;
	if (!all && !source_failed)
		cli_error("audit", "no proofs were read: nothing was checked");
	if (a.n[V_UNCHECKED])
		cli_error("audit", "could not check %lu of %lu: %s", a.n[V_UNCHECKED], all, a.why_unchecked);
	if (q->unreachable)
		cli_error("audit", "the chain RPC %s could not be reached", q->unreachable_why);
	curl_slist_free_all(q->headers);
	curl_easy_cleanup(q->curl);
	curl_global_cleanup();
	return rc;
}

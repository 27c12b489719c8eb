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

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <getopt.h>
#include <unistd.h>

#define AUDIT_PG_DEFAULT_QUERY "SELECT proof FROM cairn.anchors ORDER BY node, leaf_index"

static const char audit_usage[] =
	"usage: cairn audit --chain-rpc URL [--ca-file FILE] [--confirmations K] [--signer PEERID]\n"
	"                   [--format table|csv|json] [FILE|-]... | --pg DSN [--query SQL]\n"
	"\n"
	"Check anchoring proofs (JSON, one per file or one per line; standard input\n"
	"when no FILE is given) against the chain at URL (http:// or https://; with\n"
	"--ca-file, that CA is trusted beside the system's), trusting nothing else:\n"
	"inclusion in the log, the checkpoint's signature, the transaction's input,\n"
	"block, chain id and confirmations (K, default 1). With --signer, the\n"
	"checkpoint must be signed by that node. Exit 1 if any proof fails, 3 if\n"
	"the chain could not be reached (a refused connection, a certificate that\n"
	"does not check, no answer in time): then nothing was checked.\n"
	"\n"
	"With --pg, the proofs are the first column of the rows SQL returns (an\n"
	"anchored_cid, jsonb or text), read from PostgreSQL (DSN: a libpq\n"
	"connection string or URI) a row at a time; the default query reads the\n"
	"daemon's mirror: " AUDIT_PG_DEFAULT_QUERY "\n";

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

/* Check one proof; 0 if it holds, else why (cap bytes) says what failed. */
static int audit_one(struct chainq *q, json_t *p, unsigned conf, const char *signer, char *why,
                     size_t cap)
{
	const char *root_s = json_string_value(json_object_get(p, "root"));
	json_int_t size = json_integer_value(json_object_get(p, "size"));
	int rc = -1;

	/* 1. the log and 2. the checkpoint */
	if (proof_check_offline(p, signer, why, cap) != 0)
		return -1;
	/* 3. the chain */
	const char *chain = json_string_value(json_object_get(p, "chain"));
	const char *tx = json_string_value(json_object_get(p, "tx"));
	const char *bhash = json_string_value(json_object_get(p, "block_hash"));
	const char *when = json_string_value(json_object_get(p, "time"));
	json_int_t block = json_integer_value(json_object_get(p, "block"));
	if (!chain || !tx || !bhash || !when || !json_is_integer(json_object_get(p, "block"))) {
		snprintf(why, cap, "not anchored: the proof has no chain, tx, block, block_hash or time");
		goto done;
	}
	if (q->chain_id < 0) {
		json_t *r = rpc(q, "eth_chainId", NULL, why, cap);
		if (!r)
			goto done;
		q->chain_id = (int64_t)chain_quantity(json_string_value(r));
		json_decref(r);
	}
	char want_chain[64];
	snprintf(want_chain, sizeof want_chain, "eip155:%" PRId64, q->chain_id);
	if (strcmp(chain, want_chain) != 0) {
		snprintf(why, cap, "chain: the proof names %.40s, the node is %s", chain, want_chain);
		goto done;
	}
	json_t *t = rpc(q, "eth_getTransactionByHash", json_pack("[s]", tx), why, cap);
	if (!t)
		goto done;
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
		goto done;
	}
	if (bad_in) {
		snprintf(why, cap, "transaction: its input is not this root and size");
		goto done;
	}
	if (tblock != (uint64_t)block) {
		snprintf(why, cap, "transaction: in block %" PRIu64 ", not %lld", tblock, (long long)block);
		goto done;
	}
	json_t *rc2 = rpc(q, "eth_getTransactionReceipt", json_pack("[s]", tx), why, cap);
	if (!rc2)
		goto done;
	uint64_t st = chain_quantity(json_string_value(json_object_get(rc2, "status")));
	json_decref(rc2);
	if (st != 1) {
		snprintf(why, cap, "transaction: failed on chain");
		goto done;
	}
	char bq[32];
	snprintf(bq, sizeof bq, "0x%llx", (unsigned long long)block);
	json_t *b = rpc(q, "eth_getBlockByNumber", json_pack("[s, b]", bq, 0), why, cap);
	if (!b)
		goto done;
	const char *h = json_string_value(json_object_get(b, "hash"));
	time_t ts = (time_t)chain_quantity(json_string_value(json_object_get(b, "timestamp")));
	int hash_ok = h && strcasecmp(h, bhash) == 0;
	json_decref(b);
	if (!hash_ok) {
		snprintf(why, cap, "block: %lld has another hash", (long long)block);
		goto done;
	}
	struct tm tm;
	char bt[32];
	gmtime_r(&ts, &tm);
	strftime(bt, sizeof bt, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (strcmp(bt, when) != 0) {
		snprintf(why, cap, "time: the proof says %s, the block's is %s", when, bt);
		goto done;
	}
	if (!q->have_head) {
		json_t *hd = rpc(q, "eth_blockNumber", NULL, why, cap);
		if (!hd)
			goto done;
		q->head = chain_quantity(json_string_value(hd));
		q->have_head = 1;
		json_decref(hd);
	}
	if (q->head + 1 < (uint64_t)block + conf) {
		snprintf(why, cap, "confirmations: %" PRIu64 " of %u", q->head + 1 - (uint64_t)block, conf);
		goto done;
	}
	snprintf(why, cap, "ok");
	rc = 0;
done:
	return rc;
}

enum fmt { FMT_TABLE, FMT_CSV, FMT_JSON };

static void report(enum fmt f, json_t *p, const char *why, int first)
{
	const char *cid = json_string_value(json_object_get(p, "cid"));
	long long idx = (long long)json_integer_value(json_object_get(p, "index"));
	long long blk = (long long)json_integer_value(json_object_get(p, "block"));
	int ok = strcmp(why, "ok") == 0;
	if (f == FMT_JSON) {
		json_t *j = json_pack("{s:s?, s:I, s:I, s:b, s:s}", "cid", cid, "index", (json_int_t)idx,
		                      "block", (json_int_t)blk, "ok", ok, "reason", why);
		char *t = j ? json_dumps(j, JSON_COMPACT) : NULL;
		printf("%s%s", first ? "[" : ",\n", t ? t : "{}");
		free(t);
		json_decref(j);
	} else if (f == FMT_CSV) {
		if (first)
			printf("cid,index,block,ok,reason\n");
		printf("%s,%lld,%lld,%s,\"%s\"\n", cid ? cid : "", idx, blk, ok ? "true" : "false", why);
	} else {
		if (first)
			printf("%-62s %8s %8s  %s\n", "CID", "INDEX", "BLOCK", "RESULT");
		printf("%-62s %8lld %8lld  %s%s\n", cid ? cid : "?", idx, blk, ok ? "" : "FAIL: ", why);
	}
}

struct tally {
	struct chainq *q;
	unsigned conf;
	const char *signer;
	enum fmt f;
	int seen, failed;
};

/* Audit one parsed proof (NULL: unreadable, why says so) and report it. */
static void audit_json(struct tally *t, json_t *p, const char *why_bad)
{
	char why[512];
	json_t *empty = NULL;
	if (!p)
		p = empty = json_object();
	if (why_bad)
		snprintf(why, sizeof why, "%s", why_bad);
	else if (!json_is_object(p))
		snprintf(why, sizeof why, "malformed proof: not a JSON object");
	else
		audit_one(t->q, p, t->conf, t->signer, why, sizeof why);
	report(t->f, p, why, t->seen == 0);
	t->seen++;
	t->failed += strcmp(why, "ok") != 0;
	json_decref(empty);
}

/* The proofs a query returns, a row at a time (single-row mode), so a
 * large audit holds one proof in memory. 0, or -1 after an error message. */
static int audit_pg(struct tally *t, const char *dsn, const char *sql)
{
	int rc = -1;
	PGresult *res = NULL;
	PGconn *c = PQconnectdb(dsn);
	if (!c || PQstatus(c) != CONNECTION_OK) {
		cli_error("audit", "PostgreSQL: %s", c ? PQerrorMessage(c) : "out of memory");
		goto done;
	}
	if (!PQsendQuery(c, sql) || !PQsetSingleRowMode(c)) {
		cli_error("audit", "PostgreSQL: %s", PQerrorMessage(c));
		goto done;
	}
	rc = 0;
	while ((res = PQgetResult(c))) {
		ExecStatusType st = PQresultStatus(res);
		if (st == PGRES_SINGLE_TUPLE) {
			if (PQnfields(res) < 1) {
				cli_error("audit", "the query returns no column");
				rc = -1;
			} else if (PQgetisnull(res, 0, 0)) {
				audit_json(t, NULL, "malformed proof: NULL");
			} else {
				json_error_t jerr;
				json_t *p = json_loads(PQgetvalue(res, 0, 0), 0, &jerr);
				char why[300];
				snprintf(why, sizeof why, "malformed proof: not JSON: %s", jerr.text);
				audit_json(t, p, p ? NULL : why);
				json_decref(p);
			}
		} else if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
			cli_error("audit", "PostgreSQL: %s", PQresultErrorMessage(res));
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
	enum fmt f;
	char **files;
	int nfiles;
};

/* The options, once: 0, -1 (--help was printed), or EXIT_USAGE. */
static int audit_parse(int argc, char **argv, struct audit_opts *o)
{
	enum { OPT_RPC = 256, OPT_CONF, OPT_SIGNER, OPT_FORMAT, OPT_PG, OPT_QUERY, OPT_CA };
	static const struct option longopts[] = {
		{"chain-rpc", required_argument, NULL, OPT_RPC},
		{"confirmations", required_argument, NULL, OPT_CONF},
		{"signer", required_argument, NULL, OPT_SIGNER},
		{"format", required_argument, NULL, OPT_FORMAT},
		{"pg", required_argument, NULL, OPT_PG},
		{"query", required_argument, NULL, OPT_QUERY},
		{"ca-file", required_argument, NULL, OPT_CA},
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

/* Audit the proofs in each file ("-": standard input): one JSON value, or
 * one per line. How many files could not be read or were not JSON. */
static int audit_files(struct tally *t, char **files, int nfiles)
{
	int failed = 0;
	for (int i = 0; i < nfiles; i++) {
		FILE *in = strcmp(files[i], "-") ? fopen(files[i], "r") : stdin;
		if (!in) {
			cli_error("audit", "%s: %s", files[i], strerror(errno));
			failed++;
			continue;
		}
		/* a file holds one proof (possibly pretty-printed) or one per line */
		json_error_t jerr;
		json_t *all = json_loadf(in, JSON_DISABLE_EOF_CHECK, &jerr);
		while (all) {
			audit_json(t, all, NULL);
			json_decref(all);
			int c;
			while ((c = fgetc(in)) == '\n' || c == ' ' || c == '\r' || c == '\t')
				;
			if (c == EOF)
				break;
			ungetc(c, in);
			all = json_loadf(in, JSON_DISABLE_EOF_CHECK, &jerr);
			if (!all) {
				cli_error("audit", "%s: not JSON: %s (line %d)", files[i], jerr.text, jerr.line);
				failed++;
			}
		}
		if (!t->seen && !all && feof(in) == 0) {
			cli_error("audit", "%s: not JSON: %s", files[i], jerr.text);
			failed++;
		}
		if (in != stdin)
			fclose(in);
	}
	return failed;
}

int cmd_audit(int argc, char **argv)
{
	struct audit_opts o;
	int rc = audit_parse(argc, argv, &o);
	if (rc)
		return rc < 0 ? 0 : rc;
	struct chainq q = {.chain_id = -1};
	http_url_redact(o.url, q.shown, sizeof q.shown);
	if (!http_url_ok(o.url)) {
		cli_error("audit", "--chain-rpc '%s' is not an http:// or https:// URL", q.shown);
		return EXIT_USAGE;
	}
	if (o.ca_file && access(o.ca_file, R_OK) != 0) {
		cli_error("audit", "--ca-file %s: %s", o.ca_file, strerror(errno));
		return EXIT_USAGE;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || !(q.curl = curl_easy_init()) ||
	    !(q.headers = curl_slist_append(NULL, "Content-Type: application/json"))) {
		cli_error("audit", "libcurl could not start");
		if (q.curl)
			curl_easy_cleanup(q.curl);
		return EXIT_FAIL;
	}
	http_easy_setup(q.curl, o.ca_file, CHAIN_TIMEOUT_SECS * 1000, q.errbuf);
	curl_easy_setopt(q.curl, CURLOPT_URL, o.url);
	curl_easy_setopt(q.curl, CURLOPT_HTTPHEADER, q.headers);
	struct tally t = {&q, o.conf, o.signer, o.f, 0, 0};
	int failed = 0;
	if (o.dsn) {
		rc = audit_pg(&t, o.dsn, o.sql ? o.sql : AUDIT_PG_DEFAULT_QUERY);
		if (o.f == FMT_JSON && t.seen)
			printf("]\n");
		if (rc != 0)
			rc = EXIT_FAIL;
		else if (!t.seen) {
			cli_error("audit", "the query returned no proofs");
			rc = EXIT_FAIL;
		} else {
			rc = t.failed ? EXIT_FAIL : 0;
		}
	} else {
		char *stdin_only[] = {"-"};
		failed = o.nfiles ? audit_files(&t, o.files, o.nfiles) : audit_files(&t, stdin_only, 1);
		failed += t.failed;
		if (o.f == FMT_JSON && t.seen)
			printf("]\n");
		if (!t.seen && !failed) {
			cli_error("audit", "no proofs given");
			rc = EXIT_USAGE;
		} else {
			rc = failed ? EXIT_FAIL : 0;
		}
	}
	if (q.unreachable) {
		/* not "the proofs fail": nothing could be checked */
		cli_error("audit", "could not check: the chain RPC %s", q.unreachable_why);
		rc = EXIT_UNCHECKED;
	}
	curl_slist_free_all(q.headers);
	curl_easy_cleanup(q.curl);
	curl_global_cleanup();
	return rc;
}

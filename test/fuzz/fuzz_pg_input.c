/*
 * The extension's input functions in a real PostgreSQL backend: the first
 * byte picks the type (ipfs_cid, multihash, anchored_cid), the rest is its
 * text. The server must answer every input with a value or a data
 * exception (SQLSTATE class 22), never an internal error or a crash, and a
 * value must survive text and binary round trips (out -> in, send -> recv)
 * unchanged.
 *
 * The backend is not instrumented, so libFuzzer mutates without coverage
 * feedback from it; the seed corpus holds valid values of each type
 * (anchored_cid: real proofs) for the mutations to start from. Connects
 * with libpq's PG* environment (test/fuzz/run starts a private server).
 */
#include "fuzz.h"

#include <libpq-fe.h>

static PGconn *conn;

static void setup(void)
{
	conn = PQconnectdb("");
	if (PQstatus(conn) != CONNECTION_OK) {
		fprintf(stderr, "fuzz_pg_input: %s", PQerrorMessage(conn));
		exit(1);
	}
	PGresult *r = PQexec(conn, "CREATE EXTENSION IF NOT EXISTS cairn");
	FUZZ_CHECK(PQresultStatus(r) == PGRES_COMMAND_OK);
	PQclear(r);
}

/* The server answered with an error: it must be about the data. */
static void expect_data_error(PGresult *r)
{
	const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	if (PQstatus(conn) != CONNECTION_OK) {
		fprintf(stderr, "the backend died: %s\n", PQerrorMessage(conn));
		abort();
	}
	if (!state || strncmp(state, "22", 2) != 0) {
		fprintf(stderr, "SQLSTATE %s: %s\n", state ? state : "(none)",
		        PQresultErrorMessage(r));
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const types[] = {"ipfs_cid", "multihash", "anchored_cid"};
	char sql[256], text[65536];
	if (!conn)
		setup();
	if (size < 1 || size - 1 >= sizeof text)
		return 0;
	const char *type = types[data[0] % 3];
	/* a C string: PostgreSQL text never holds NUL */
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';

	const char *params[1] = {text};
	snprintf(sql, sizeof sql, "SELECT $1::text::%s::text", type);
	PGresult *r = PQexecParams(conn, sql, 1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		/* not UTF-8 is refused before our function runs (22021 too) */
		expect_data_error(r);
		PQclear(r);
		return 0;
	}
	char *out = strdup(PQgetvalue(r, 0, 0));
	PQclear(r);
	FUZZ_CHECK(out != NULL);

	/* text: out then in gives the same value and the same text */
	params[0] = out;
	r = PQexecParams(conn, sql, 1, NULL, params, NULL, NULL, 0);
	FUZZ_CHECK(PQresultStatus(r) == PGRES_TUPLES_OK && strcmp(PQgetvalue(r, 0, 0), out) == 0);
	PQclear(r);

	/* binary: send, then recv of those bytes, gives the same text */
	snprintf(sql, sizeof sql, "SELECT $1::text::%s", type);
	r = PQexecParams(conn, sql, 1, NULL, params, NULL, NULL, 1);
	FUZZ_CHECK(PQresultStatus(r) == PGRES_TUPLES_OK);
	int blen = PQgetlength(r, 0, 0);
	char *bin = malloc(blen > 0 ? (size_t)blen : 1);
	FUZZ_CHECK(bin != NULL);
	memcpy(bin, PQgetvalue(r, 0, 0), (size_t)blen);
	PQclear(r);
	snprintf(sql, sizeof sql, "SELECT $1::%s::text", type);
	const char *bparams[1] = {bin};
	int lens[1] = {blen}, fmts[1] = {1};
	r = PQexecParams(conn, sql, 1, NULL, bparams, lens, fmts, 0);
	FUZZ_CHECK(PQresultStatus(r) == PGRES_TUPLES_OK && strcmp(PQgetvalue(r, 0, 0), out) == 0);
	PQclear(r);
	free(bin);
	free(out);
	return 0;
}

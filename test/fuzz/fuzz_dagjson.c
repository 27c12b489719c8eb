/* DAG-JSON (and plain JSON) in: what the reader accepts becomes strict
 * DAG-CBOR (the checker agrees), measuring gives the size writing does,
 * and the canonical JSON of the result reads back to the same bytes. A
 * too-small output buffer is said, never overrun. The first input byte
 * picks plain JSON when odd. */
#include "fuzz.h"
#include "cairn/dagcbor.h"
#include "cairn/dagjson.h"
#include "cairn/error.h"

#define IN_MAX (64 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t cbor[CAIRN_DAGJSON_DECODE_MAX(IN_MAX)], again[CAIRN_DAGJSON_DECODE_MAX(IN_MAX * 4)];
	static char json[IN_MAX * 8];
	static size_t work[(sizeof again + IN_MAX * 8) / sizeof(size_t) + 64];
	if (size < 1 || size > IN_MAX)
		return 0;
	unsigned flags = data[0] & 1 ? CAIRN_IPLD_PLAIN_JSON : 0;
	const char *in = (const char *)data + 1;
	size_t len = size - 1, measured, n, jn, bn;
	cairn_ipld_opts o = {.flags = flags};
	int rc = cairn_dagjson_decode(in, len, NULL, 0, &measured, &o);
	if (rc != CAIRN_OK) {
		FUZZ_CHECK(o.why != NULL && o.err_at <= len);
		return 0;
	}
	FUZZ_CHECK(measured <= CAIRN_DAGJSON_DECODE_MAX(len));
	o = (cairn_ipld_opts){.flags = flags, .work = work, .work_len = sizeof work};
	rc = cairn_dagjson_decode(in, len, cbor, sizeof cbor, &n, &o);
	if (rc == CAIRN_E_JSON) {
		/* only what a measuring run cannot see: a duplicate key, a "/"
		 * key that would lead once written canonically */
		FUZZ_CHECK(strstr(o.why, "duplicate") != NULL || strstr(o.why, "read back") != NULL);
		return 0;
	}
	FUZZ_CHECK(rc == CAIRN_OK && n == measured);
	FUZZ_CHECK(cairn_dagcbor_check(cbor, n, NULL) == CAIRN_OK);
	if (n > 0) {
		cairn_ipld_opts s = {.flags = flags, .work = work, .work_len = sizeof work};
		size_t small;
		FUZZ_CHECK(cairn_dagjson_decode(in, len, cbor, n - 1, &small, &s) == CAIRN_E_BUFFER);
		o = (cairn_ipld_opts){.flags = flags, .work = work, .work_len = sizeof work};
		FUZZ_CHECK(cairn_dagjson_decode(in, len, cbor, sizeof cbor, &n, &o) == CAIRN_OK);
	}
	cairn_ipld_opts e = {.flags = flags, .work = work, .work_len = sizeof work};
	rc = cairn_dagjson_encode(cbor, n, json, sizeof json, &jn, &e);
	FUZZ_CHECK(rc == CAIRN_OK);
	cairn_ipld_opts d = {.flags = flags, .work = work, .work_len = sizeof work};
	FUZZ_CHECK(cairn_dagjson_decode(json, jn, again, sizeof again, &bn, &d) == CAIRN_OK);
	FUZZ_CHECK(bn == n && memcmp(again, cbor, n) == 0);
	return 0;
}

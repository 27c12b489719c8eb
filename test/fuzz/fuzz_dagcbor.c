/* DAG-CBOR: a block the strict checker accepts has one DAG-JSON form, and
 * reading that back gives the same bytes (so one value, one CID); measuring
 * agrees with writing; the links the checker reports are the links the
 * JSON carries, in the same order. A value the checker refuses is never
 * written as JSON. */
#include "fuzz.h"
#include "cairn/cid.h"
#include "cairn/dagcbor.h"
#include "cairn/dagjson.h"
#include "cairn/error.h"

#define IN_MAX (64 * 1024)

struct seen {
	uint8_t cids[64][CAIRN_CID_MAX_BYTES];
	size_t lens[64];
	size_t n;
	int compare; /* second pass: match the first */
	size_t at;
};

static int on_link(void *ctx, const uint8_t *cid, size_t len)
{
	struct seen *s = ctx;
	FUZZ_CHECK(cairn_cid_check_shape(cid, len) == CAIRN_OK);
	if (s->compare) {
		if (s->at < 64 && s->at < s->n)
			FUZZ_CHECK(s->lens[s->at] == len && memcmp(s->cids[s->at], cid, len) == 0);
		s->at++;
	} else if (s->n < 64) {
		memcpy(s->cids[s->n], cid, len);
		s->lens[s->n++] = len;
	} else {
		s->n++;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char json[CAIRN_DAGJSON_DECODE_MAX(IN_MAX) * 4];
	static uint8_t back[CAIRN_DAGJSON_DECODE_MAX(sizeof json)];
	static size_t work[(sizeof back + sizeof json) / sizeof(size_t) + 64];
	static struct seen s;
	size_t jn, jn2, bn;
	if (size > IN_MAX)
		return 0;
	memset(&s, 0, sizeof s);
	cairn_ipld_opts o = {.on_link = on_link, .ctx = &s};
	int rc = cairn_dagcbor_check(data, size, &o);
	if (rc != CAIRN_OK) {
		FUZZ_CHECK(o.why != NULL && o.err_at <= size);
		cairn_ipld_opts e = {0};
		FUZZ_CHECK(cairn_dagjson_encode(data, size, NULL, 0, &jn, &e) != CAIRN_OK);
		return 0;
	}
	cairn_ipld_kind k;
	FUZZ_CHECK(cairn_dagcbor_kind(data, size, &k) == CAIRN_OK);
	cairn_ipld_opts e = {0};
	rc = cairn_dagjson_encode(data, size, NULL, 0, &jn, &e);
	if (rc == CAIRN_E_JSON)
		return 0; /* a map with the key "/": no DAG-JSON form */
	FUZZ_CHECK(rc == CAIRN_OK);
	if (jn > sizeof json)
		return 0;
	e.work = work;
	e.work_len = sizeof work;
	FUZZ_CHECK(cairn_dagjson_encode(data, size, json, sizeof json, &jn2, &e) == CAIRN_OK && jn2 == jn);
	s.compare = 1;
	cairn_ipld_opts d = {.on_link = on_link, .ctx = &s, .work = work, .work_len = sizeof work};
	FUZZ_CHECK(CAIRN_DAGJSON_DECODE_WORK(jn, sizeof back) <= sizeof work);
	rc = cairn_dagjson_decode(json, jn, back, sizeof back, &bn, &d);
	if (rc != CAIRN_OK)
		fprintf(stderr, "%.*s\n%s at %zu\n", (int)jn, json, d.why, d.err_at);
	FUZZ_CHECK(rc == CAIRN_OK);
	FUZZ_CHECK(s.at == s.n);
	FUZZ_CHECK(bn == size && memcmp(back, data, size) == 0);
	return 0;
}

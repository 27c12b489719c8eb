/* CID, binary: what decodes re-encodes to the same bytes, formats as text
 * that parses back to the same CID, and compares equal to itself. */
#include "fuzz.h"
#include "cairn/cid.h"
#include "cairn/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cairn_cid c, back;
	size_t used, n, tlen;
	uint8_t out[CAIRN_CID_MAX_BYTES];
	char text[CAIRN_CID_TEXT_MAX + 1];
	if (cairn_cid_decode(data, size, &c, &used) != CAIRN_OK)
		return 0;
	FUZZ_CHECK(used <= size && used <= CAIRN_CID_MAX_BYTES);
	FUZZ_CHECK(c.version <= 1);
	FUZZ_CHECK(cairn_cid_encode(&c, out, sizeof out, &n) == CAIRN_OK);
	FUZZ_CHECK(n == used && memcmp(out, data, n) == 0);
	FUZZ_CHECK(cairn_cid_to_string(&c, text, sizeof text, &tlen) == CAIRN_OK);
	FUZZ_CHECK(cairn_cid_parse(text, tlen, &back) == CAIRN_OK);
	FUZZ_CHECK(cairn_cid_compare(&c, &back) == 0);
	return 0;
}

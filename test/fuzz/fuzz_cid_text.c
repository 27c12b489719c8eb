/* CID, text (what ipfs_cid_in and every CID argument of the API take):
 * what parses formats back to text that parses to the same CID, in its
 * default base and in base32 and base58btc. */
#include "fuzz.h"
#include "cairn/cid.h"
#include "cairn/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const cairn_base bases[] = {CAIRN_BASE32, CAIRN_BASE58BTC, CAIRN_BASE36};
	cairn_cid c, back;
	char text[CAIRN_CID_TEXT_MAX + 1];
	size_t tlen;
	if (cairn_cid_parse((const char *)data, size, &c) != CAIRN_OK)
		return 0;
	FUZZ_CHECK(c.version <= 1);
	FUZZ_CHECK(cairn_cid_to_string(&c, text, sizeof text, &tlen) == CAIRN_OK);
	FUZZ_CHECK(cairn_cid_parse(text, tlen, &back) == CAIRN_OK && cairn_cid_compare(&c, &back) == 0);
	if (c.version == 0)
		return 0; /* v0 has one text form */
	for (size_t i = 0; i < sizeof bases / sizeof bases[0]; i++) {
		FUZZ_CHECK(cairn_cid_format(&c, bases[i], text, sizeof text, &tlen) == CAIRN_OK);
		FUZZ_CHECK(cairn_cid_parse(text, tlen, &back) == CAIRN_OK);
		FUZZ_CHECK(cairn_cid_compare(&c, &back) == 0);
	}
	return 0;
}

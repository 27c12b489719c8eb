/* multibase: decoding, then encoding in the same base and decoding again,
 * gives the same bytes; an encoding that decodes is never longer than its
 * bound. */
#include "fuzz.h"
#include "cairn/error.h"
#include "cairn/multibase.h"

#define CAP 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t a[CAP], b[CAP];
	static char text[4 * CAP];
	size_t alen, blen, tlen;
	cairn_base base, base2;
	if (size == 0 || size > CAP)
		return 0;
	if (cairn_multibase_decode((const char *)data, size, a, sizeof a, &alen, &base) != CAIRN_OK)
		return 0;
	FUZZ_CHECK(alen <= size);
	FUZZ_CHECK(cairn_base_from_prefix((char)data[0], &base2) == CAIRN_OK && base2 == base);
	FUZZ_CHECK(cairn_multibase_encode(base, a, alen, text, sizeof text, &tlen) == CAIRN_OK);
	FUZZ_CHECK(cairn_multibase_decode(text, tlen, b, sizeof b, &blen, NULL) == CAIRN_OK);
	FUZZ_CHECK(blen == alen && memcmp(a, b, alen) == 0);
	return 0;
}

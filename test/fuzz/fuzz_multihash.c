/* multihash (binary): what decodes is a supported function with a valid
 * length, and re-encodes to the bytes it came from. */
#include "fuzz.h"
#include "cairn/error.h"
#include "cairn/multihash.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cairn_multihash mh;
	size_t used, n;
	uint8_t out[CAIRN_MH_MAX_BYTES];
	if (cairn_mh_decode(data, size, &mh, &used) != CAIRN_OK)
		return 0;
	FUZZ_CHECK(used <= size && mh.len <= CAIRN_MH_DIGEST_MAX);
	FUZZ_CHECK(cairn_mh_validate(mh.code, mh.len) == CAIRN_OK);
	FUZZ_CHECK(cairn_mh_encode(&mh, out, sizeof out, &n) == CAIRN_OK);
	FUZZ_CHECK(n == used && memcmp(out, data, n) == 0);
	return 0;
}

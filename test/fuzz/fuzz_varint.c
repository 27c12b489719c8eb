/* varint: what decodes re-encodes to the same bytes (minimal encoding). */
#include "fuzz.h"
#include "cairn/error.h"
#include "cairn/varint.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t v;
	size_t used, n;
	uint8_t out[16];
	if (cairn_varint_decode(data, size, &v, &used) != CAIRN_OK)
		return 0;
	FUZZ_CHECK(used >= 1 && used <= size && used <= 9);
	FUZZ_CHECK(cairn_varint_encode(v, out, sizeof out, &n) == CAIRN_OK);
	FUZZ_CHECK(n == used && memcmp(out, data, n) == 0);
	return 0;
}

/* UnixFS Data messages: what decodes has a known type, in-range fields
 * (mode keeps all 32 bits: the spec reserves those above 0xfff),
 * views inside the input and as many blocksizes as it counted. */
#include "fuzz.h"
#include "cairn/error.h"
#include "cairn/unixfs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cairn_unixfs u;
	uint64_t bs;
	size_t cur = 0, nb = 0;
	if (cairn_unixfs_decode(data, size, &u) != CAIRN_OK)
		return 0;
	FUZZ_CHECK(u.type <= CAIRN_UNIXFS_HAMTSHARD);
	FUZZ_CHECK(!u.has_mtime || u.mtime_nsec < 1000000000u);
	FUZZ_CHECK(!u.has_data || (u.data >= data && u.data + u.data_len <= data + size));
	while (cairn_unixfs_next_blocksize(&u, &cur, &bs))
		nb++;
	FUZZ_CHECK(nb == u.nblocksizes);
	return 0;
}

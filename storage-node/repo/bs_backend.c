#include "bs_backend.h"

#include "cairn/multibase.h"

void bs_backend_key(const cairn_multihash *mh, char *out, size_t cap)
{
	uint8_t buf[CAIRN_MH_MAX_BYTES];
	size_t n;

	cairn_mh_encode(mh, buf, sizeof buf, &n);
	cairn_base_encode(CAIRN_BASE32, buf, n, out, cap, NULL);
}

int bs_backend_key_parse(const char *key, size_t n, cairn_multihash *mh)
{
	uint8_t buf[CAIRN_MH_MAX_BYTES + 8];
	size_t len, used;

	if (cairn_base_decode(CAIRN_BASE32, key, n, buf, sizeof buf, &len) != 0 ||
	    cairn_mh_decode(buf, len, mh, &used) != 0 || used != len)
		return -1;
	return 0;
}

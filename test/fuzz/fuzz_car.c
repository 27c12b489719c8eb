/* CAR: the header and then every section, as a stream reader sees them;
 * every prefix of a stream that parses is either complete or asks for more
 * (CAIRN_E_TRUNCATED), never something else; a header that parses
 * re-encodes to the same bytes; sections lie inside the input. */
#include "fuzz.h"
#include "cairn/car.h"
#include "cairn/error.h"

#define ROOTS_MAX 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[CAIRN_CAR_HEADER_MAX + 16];
	cairn_cid roots[ROOTS_MAX];
	size_t nroots, used, n;
	int rc = cairn_car_header_decode(data, size, roots, ROOTS_MAX, &nroots, &used);
	if (rc == CAIRN_E_TRUNCATED && size > 0) {
		/* a shorter prefix cannot be complete either */
		FUZZ_CHECK(cairn_car_header_decode(data, size - 1, roots, ROOTS_MAX, &nroots, &used) ==
		           CAIRN_E_TRUNCATED);
	}
	if (rc != CAIRN_OK)
		return 0;
	FUZZ_CHECK(used <= size && nroots <= ROOTS_MAX);
	FUZZ_CHECK(cairn_car_header_encode(roots, nroots, out, sizeof out, &n) == CAIRN_OK);
	/* the reader takes either key order; the writer's is canonical */
	FUZZ_CHECK(n == used);
	size_t off = used;
	while (off < size) {
		cairn_cid c;
		const uint8_t *block;
		size_t blen, sl;
		rc = cairn_car_section_decode(data + off, size - off, 0, &c, &block, &blen, &sl);
		if (rc != CAIRN_OK)
			break;
		FUZZ_CHECK(sl > 0 && sl <= size - off);
		FUZZ_CHECK(block >= data + off && block + blen <= data + off + sl);
		(void)cairn_cid_check_block(&c, block, blen);
		off += sl;
	}
	return 0;
}

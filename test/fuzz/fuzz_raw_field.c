/* Raw HTTP header blocks, as the API's early token check reads them off
 * the wire before libevent parses them: a field found has its value inside
 * the block, trimmed, NUL-terminated within the buffer; the block is never
 * read past its length. */
#define _GNU_SOURCE 1 /* memmem */
#include "fuzz.h"
#include "http_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[64];
	/* a copy of exactly the input's size: ASan sees any read past it */
	char *block = malloc(size ? size : 1);
	if (!block)
		return 0;
	memcpy(block, data, size);
	if (http_raw_field(block, size, "Authorization", out, sizeof out)) {
		size_t l = strnlen(out, sizeof out);
		FUZZ_CHECK(l < sizeof out);
		FUZZ_CHECK(l == 0 || (out[0] != ' ' && out[l - 1] != ' ' && out[l - 1] != '\r'));
		FUZZ_CHECK(l == 0 || memmem(block, size, out, l) != NULL);
	}
	free(block);
	return 0;
}

/* HTTP Range: the first two bytes are the body's size, the rest the
 * header. A satisfiable range lies inside the body and is never empty; a
 * header that is not a well-formed single byte range is ignored (0), and
 * only one that starts past the end (or asks for no suffix) is refused. */
#include "fuzz.h"
#include "http_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char h[512];
	uint64_t off = 0, len = 0;
	if (size < 2 || size - 2 >= sizeof h)
		return 0;
	uint64_t body = (uint64_t)data[0] << 8 | data[1];
	memcpy(h, data + 2, size - 2);
	h[size - 2] = '\0';
	int r = http_parse_range(h, body, &off, &len);
	FUZZ_CHECK(r >= -1 && r <= 1);
	if (r == 1)
		FUZZ_CHECK(len >= 1 && off < body && len <= body - off);
	if (r != 0) {
		/* only digits, one '-', after "bytes=" */
		FUZZ_CHECK(strncmp(h, "bytes=", 6) == 0);
		FUZZ_CHECK(strspn(h + 6, "0123456789-") == strlen(h + 6));
	}
	return 0;
}

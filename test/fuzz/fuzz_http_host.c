/* The Host header: what the parser accepts is a lower-case name of at most
 * HTTP_HOST_MAX bytes that is the header's own start (case aside), with a
 * port view that is "" or ':' and 1 to 5 digits right after it; a name
 * holds no ':' unless it is a bracketed IPv6 literal. Every plain name of
 * URL characters within the limit is accepted. */
#include "fuzz.h"
#include "host.h"

#include <strings.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char buf[600];
	if (size >= sizeof buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	http_host h;
	int rc = http_host_parse(buf, &h);
	FUZZ_CHECK(rc == 0 || rc == -1);
	size_t hl = strlen(buf);
	int plain = hl > 0 && hl <= HTTP_HOST_MAX && strspn(buf, "abcdefghijklmnopqrstuvwxyz"
	                                                           "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~") == hl;
	if (plain)
		FUZZ_CHECK(rc == 0 && h.len == hl && *h.port == '\0');
	if (rc != 0)
		return 0;
	FUZZ_CHECK(h.len > 0 && h.len <= HTTP_HOST_MAX && strlen(h.name) == h.len);
	FUZZ_CHECK(strncasecmp(h.name, buf, h.len) == 0);
	for (size_t i = 0; i < h.len; i++)
		FUZZ_CHECK(!(h.name[i] >= 'A' && h.name[i] <= 'Z'));
	FUZZ_CHECK(h.port == buf + h.len);
	if (*h.port) {
		size_t d = strspn(h.port + 1, "0123456789");
		FUZZ_CHECK(h.port[0] == ':' && d >= 1 && d <= 5 && h.port[1 + d] == '\0');
	}
	if (strchr(h.name, ':'))
		FUZZ_CHECK(h.name[0] == '[' && h.name[h.len - 1] == ']');
	return 0;
}

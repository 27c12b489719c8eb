/* Routing v1 filters (IPIP-484) as the gateway reads them from a query:
 * the input is a filter value, then after a NUL a multiaddr. A parsed
 * filter holds non-empty names within the limits, taken from the value; a
 * multiaddr's names are non-empty views into it without '/'; a filter of
 * nothing passes everything; a filter of only exclusions passes exactly
 * the sets none of whose names it excludes. */
#include "fuzz.h"
#include "routing_filter.h"

#include <strings.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char buf[1024];
	if (size >= sizeof buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	const char *value = buf, *ma = memchr(buf, '\0', size) ? buf + strlen(buf) + 1 : "";
	if (ma > buf + size)
		ma = "";
	routing_filter f;
	int rc = routing_filter_parse(value, &f);
	FUZZ_CHECK(rc == 0 || rc == -1);
	if (rc == 0) {
		FUZZ_CHECK(f.given && f.npos >= 0 && f.npos <= ROUTING_FILTER_MAX && f.nneg >= 0 &&
		           f.nneg <= ROUTING_FILTER_MAX);
		for (int i = 0; i < f.npos; i++)
			FUZZ_CHECK(f.pos[i][0] && strlen(f.pos[i]) <= ROUTING_FILTER_NAME_MAX && !strchr(f.pos[i], ',') &&
			           strstr(value, f.pos[i]));
		for (int i = 0; i < f.nneg; i++)
			FUZZ_CHECK(f.neg[i][0] && strlen(f.neg[i]) <= ROUTING_FILTER_NAME_MAX && !strchr(f.neg[i], ','));
	}
	const char *names[16];
	size_t len[16];
	size_t n = routing_multiaddr_names(ma, names, len, 16);
	FUZZ_CHECK(n <= 16);
	for (size_t i = 0; i < n; i++) {
		FUZZ_CHECK(len[i] > 0 && names[i] >= ma && names[i] + len[i] <= ma + strlen(ma));
		FUZZ_CHECK(!memchr(names[i], '/', len[i]));
	}
	routing_filter none;
	FUZZ_CHECK(routing_filter_parse(NULL, &none) == 0 && !none.given);
	FUZZ_CHECK(routing_filter_pass(&none, names, len, n) == 1);
	if (rc == 0 && f.npos == 0 && f.nneg > 0) {
		int excluded = 0;
		for (size_t i = 0; i < n; i++)
			for (int k = 0; k < f.nneg; k++)
				excluded |= strlen(f.neg[k]) == len[i] && !strncasecmp(f.neg[k], names[i], len[i]);
		if (n == 0)
			for (int k = 0; k < f.nneg; k++)
				excluded |= !strcasecmp(f.neg[k], "unknown");
		FUZZ_CHECK(routing_filter_pass(&f, names, len, n) == !excluded);
	}
	return 0;
}

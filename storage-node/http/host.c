#include "host.h"

#include <string.h>

/* The characters of a host name as URLs write them: RFC 3986's unreserved
 * set (letters, digits, "-._~"). Percent-encoded and sub-delims hosts are
 * legal in a URI but never name a gateway. */
static int name_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
	       c == '_' || c == '~';
}

static int ipv6_char(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.';
}

int http_host_parse(const char *header, http_host *h)
{
	size_t n;
	if (!header || !*header)
		return -1;
	if (header[0] == '[') { /* [IPv6]:port */
		const char *close = strchr(header, ']');
		if (!close || close == header + 1)
			return -1;
		n = (size_t)(close - header) + 1;
		for (size_t i = 1; i + 1 < n; i++)
			if (!ipv6_char((unsigned char)header[i]))
				return -1;
	} else {
		n = strcspn(header, ":");
		if (n == 0)
			return -1;
		for (size_t i = 0; i < n; i++)
			if (!name_char((unsigned char)header[i]))
				return -1;
	}
	if (n > HTTP_HOST_MAX)
		return -1;
	const char *port = header + n;
	if (*port) {
		size_t digits = strspn(port + 1, "0123456789");
		if (port[0] != ':' || digits == 0 || digits > 5 || port[1 + digits])
			return -1;
	}
	for (size_t i = 0; i < n; i++) {
		char c = header[i];
		h->name[i] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
	}
	h->name[n] = '\0';
	h->len = n;
	h->port = port;
	return 0;
}

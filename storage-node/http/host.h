/*
 * The Host header (RFC 9110 section 7.2, RFC 3986 section 3.2.2): a host
 * name, an IPv4 address or a bracketed IPv6 literal, then an optional
 * ":PORT". The gateway reads subdomains out of it.
 */
#ifndef CAIRN_HOST_H
#define CAIRN_HOST_H

#include <stddef.h>

/* The longest host name DNS holds (RFC 1035 section 2.3.4). */
#define HTTP_HOST_MAX 253

typedef struct http_host {
	char name[HTTP_HOST_MAX + 1]; /* lower case, NUL-terminated, without the port;
	                               * an IPv6 literal keeps its brackets */
	size_t len;
	const char *port;             /* ":PORT" (1 to 5 digits) or "": a view into the header */
} http_host;

/* Parse header into *h: 0, or -1 when it names no host this node would
 * answer for (empty, longer than HTTP_HOST_MAX, a character no host name
 * holds, an unclosed IPv6 literal, a port that is not 1 to 5 digits). */
int http_host_parse(const char *header, http_host *h);

#endif

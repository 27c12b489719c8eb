/*
 * Delegated routing filters (IPIP-484): filter-protocols and filter-addrs
 * as the routing v1 handler applies them (routing.h).
 */
#ifndef CAIRN_ROUTING_FILTER_H
#define CAIRN_ROUTING_FILTER_H

#include <stddef.h>

/* A filter holds at most this many names, each at most this long (IPIP-484:
 * transfer protocol names are at most 63 characters). */
#define ROUTING_FILTER_MAX 16
#define ROUTING_FILTER_NAME_MAX 63

/* A filter of IPIP-484 (filter-protocols, filter-addrs): names, some
 * negated with '!', compared without case; "unknown" stands for a
 * provider that has none of what is filtered. */
typedef struct routing_filter {
	int given;                         /* the parameter was there */
	int npos, nneg;
	char pos[ROUTING_FILTER_MAX][ROUTING_FILTER_NAME_MAX + 1];
	char neg[ROUTING_FILTER_MAX][ROUTING_FILTER_NAME_MAX + 1];
} routing_filter;

/* Parse a comma-separated filter value (v NULL: no filter given): 0, or
 * -1 for too many or too long names (a 400). Empty names are skipped. */
int routing_filter_parse(const char *v, routing_filter *f);

/* Does a set of names (names[0..n), each len[i] long; none: "unknown")
 * pass f? Kept if it has a wanted name (or nothing is wanted), and no
 * unwanted one. Names compare without case. */
int routing_filter_pass(const routing_filter *f, const char *const *names, const size_t *len, size_t n);

/* The protocol names of a multiaddr ("/ip4/1.2.3.4/tcp/80/http": ip4,
 * tcp, http), at most cap, as views into ma: how many. A protocol that
 * takes a value is followed by it. */
size_t routing_multiaddr_names(const char *ma, const char **names, size_t *len, size_t cap);

#endif

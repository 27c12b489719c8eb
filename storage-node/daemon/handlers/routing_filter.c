#include "routing_filter.h"

#include <string.h>
#include <strings.h>

int routing_filter_parse(const char *v, routing_filter *f)
{
	memset(f, 0, sizeof *f);
	if (!v)
		return 0;
	f->given = 1;
	while (*v) {
		size_t n = strcspn(v, ",");
		int neg = n > 0 && v[0] == '!';
		const char *name = v + neg;
		size_t nl = n - (size_t)neg;
		if (nl > ROUTING_FILTER_NAME_MAX)
			return -1;
		if (nl) {
			int *cnt = neg ? &f->nneg : &f->npos;
			char(*into)[ROUTING_FILTER_NAME_MAX + 1] = neg ? f->neg : f->pos;
			if (*cnt == ROUTING_FILTER_MAX)
				return -1;
			memcpy(into[*cnt], name, nl);
			into[*cnt][nl] = '\0';
			(*cnt)++;
		}
		v += n + (v[n] == ',');
	}
	return 0;
}

static int in_list(const char (*list)[ROUTING_FILTER_NAME_MAX + 1], int n, const char *name, size_t len)
{
	for (int i = 0; i < n; i++)
		if (strlen(list[i]) == len && strncasecmp(list[i], name, len) == 0)
			return 1;
	return 0;
}

/* Does a set of names (names[0..n), each len[i] long; none: "unknown")
 * pass f? Kept if it has a wanted name (or nothing is wanted), and no
 * unwanted one. */
int routing_filter_pass(const routing_filter *f, const char *const *names, const size_t *len, size_t n)
{
	int want = f->npos == 0, veto = 0;
	if (n == 0) {
		want = want || in_list(f->pos, f->npos, "unknown", 7);
		veto = in_list(f->neg, f->nneg, "unknown", 7);
	}
	for (size_t i = 0; i < n; i++) {
		want = want || in_list(f->pos, f->npos, names[i], len[i]);
		veto = veto || in_list(f->neg, f->nneg, names[i], len[i]);
	}
	return want && !veto;
}

/* The protocol names of a multiaddr ("/ip4/1.2.3.4/tcp/80/http": ip4,
 * tcp, http): a protocol that takes a value is followed by it. */
size_t routing_multiaddr_names(const char *ma, const char **names, size_t *len, size_t cap)
{
	static const char *const valued[] = {"ip4", "ip6", "tcp", "udp", "dns", "dns4", "dns6", "dnsaddr",
	                                     "p2p", "ipfs", "sni", "ip6zone", "ipcidr"};
	size_t n = 0;
	const char *p = ma;
	while (*p == '/' && n < cap) {
		p++;
		size_t l = strcspn(p, "/");
		if (!l)
			break;
		names[n] = p;
		len[n++] = l;
		int takes = 0;
		for (size_t i = 0; i < sizeof valued / sizeof *valued; i++)
			takes = takes || (strlen(valued[i]) == l && strncmp(valued[i], p, l) == 0);
		p += l;
		if (takes && *p == '/')
			p += 1 + strcspn(p + 1, "/");
	}
	return n;
}


/*
 * ipldwire.h: what the DAG-CBOR and DAG-JSON codecs share (private to core/,
 * not installed): a bounded output writer that can also just count, map-key
 * orders, UTF-8 validation and skipping one checked DAG-CBOR value.
 */
#ifndef CAIRN_IPLDWIRE_H
#define CAIRN_IPLDWIRE_H

#include <stddef.h>
#include <stdint.h>

#include "cairn/dagcbor.h"

/* Report an error into o (if given): where in the input and which rule,
 * a static text. Returns rc, so that `return ipld_fail(...)` says it all. */
static inline int ipld_fail(cairn_ipld_opts *o, size_t at, const char *why, int rc)
{
	if (o) {
		o->err_at = at;
		o->why = why;
	}
	return rc;
}

/* Output into a caller's buffer. With out == NULL it only counts, so one
 * function serves both "how big" and "write"; past cap it stops writing and
 * sets full, still counting. */
typedef struct cairn_ipld_out {
	uint8_t *out;
	size_t cap;
	size_t n;
	int full;
} cairn_ipld_out;

void cairn_ipld_out_put(cairn_ipld_out *w, const void *b, size_t n);
void cairn_ipld_out_head(cairn_ipld_out *w, unsigned major, uint64_t v);
/* tag 42, bytes 0x00 ‖ cid */
void cairn_ipld_out_link(cairn_ipld_out *w, const uint8_t *cid, size_t n);

/* DAG-CBOR map order: shorter first, then bytewise (<0, 0, >0). */
int cairn_ipld_key_cmp_cbor(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);
/* Strict UTF-8: no overlongs, no surrogates, nothing above U+10FFFF. */
int cairn_ipld_utf8_valid(const uint8_t *s, size_t n);
/* Length of the first value of in (DAG-CBOR), bounds-checked. */
int cairn_ipld_cbor_skip(const uint8_t *in, size_t len, size_t *used);

#endif

#include "cairn/dagcbor.h"
#include "cairn/cid.h"
#include "cairn/dagpb.h"
#include "cairn/error.h"
#include "cborwire.h"
#include "ipldwire.h"

#include <string.h>

/* One open list or map while checking: items still to read, and for a map
 * the previous key, against which the next must sort strictly after. */
struct level {
	uint64_t left;
	int map;
	const uint8_t *prev;
	size_t prev_len;
};

/* DAG-CBOR's map order: shorter keys first, then bytewise. */
int cairn_ipld_key_cmp_cbor(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	if (alen != blen)
		return alen < blen ? -1 : 1;
	return memcmp(a, b, alen);
}

int cairn_ipld_utf8_valid(const uint8_t *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		uint8_t c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t k;
		uint8_t lo = 0x80, hi = 0xbf;
		if (c >= 0xc2 && c <= 0xdf)
			k = 1;
		else if (c >= 0xe0 && c <= 0xef) {
			k = 2;
			if (c == 0xe0)
				lo = 0xa0; /* overlong */
			else if (c == 0xed)
				hi = 0x9f; /* UTF-16 surrogates */
		} else if (c >= 0xf0 && c <= 0xf4) {
			k = 3;
			if (c == 0xf0)
				lo = 0x90; /* overlong */
			else if (c == 0xf4)
				hi = 0x8f; /* above U+10FFFF */
		} else
			return 0;
		if (n - i - 1 < k)
			return 0;
		if (s[i + 1] < lo || s[i + 1] > hi)
			return 0;
		for (size_t j = 2; j <= k; j++)
			if ((s[i + j] & 0xc0) != 0x80)
				return 0;
		i += k + 1;
	}
	return 1;
}

static const char *head_why(int h)
{
	return h == -1 ? "input ends inside a value"
	     : h == -2 ? "indefinite lengths and reserved headers are not allowed"
	               : "integer or length not in its shortest form";
}

int cairn_dagcbor_check(const uint8_t *in, size_t len, cairn_ipld_opts *o)
{
	struct level st[CAIRN_IPLD_MAX_DEPTH + 1];
	int depth = 1;
	size_t p = 0;
	st[0] = (struct level){1, 0, NULL, 0}; /* the root: one value */
	while (depth > 0) {
		struct level *L = &st[depth - 1];
		if (L->left == 0) {
			depth--;
			continue;
		}
		int is_key = L->map && L->left % 2 == 0;
		L->left--;
		if (p >= len)
			return ipld_fail(o, p, "input ends inside a value", CAIRN_E_TRUNCATED);
		uint8_t ib = in[p];
		if (ib >> 5 == CBOR_SIMPLE) {
			if (is_key)
				return ipld_fail(o, p, "map key is not a string", CAIRN_E_CBOR);
			if (ib == CBOR_FALSE || ib == CBOR_TRUE || ib == CBOR_NULL) {
				p++;
				continue;
			}
			if (ib != CBOR_FLOAT64)
				return ipld_fail(o, p, "only false, true, null and 64-bit floats are allowed",
				            CAIRN_E_CBOR);
			if (len - p < 9)
				return ipld_fail(o, p, "input ends inside a value", CAIRN_E_TRUNCATED);
			/* exponent all ones: an infinity or NaN */
			if ((in[p + 1] & 0x7f) == 0x7f && (in[p + 2] & 0xf0) == 0xf0)
				return ipld_fail(o, p, "NaN and infinities are not allowed", CAIRN_E_CBOR);
			p += 9;
			continue;
		}
		unsigned major;
		uint64_t v;
		int h = cbor_get_head(in + p, len - p, &major, &v);
		if (h < 0)
			return ipld_fail(o, p, head_why(h), h == -1 ? CAIRN_E_TRUNCATED : CAIRN_E_CBOR);
		if (is_key && major != CBOR_TEXT)
			return ipld_fail(o, p, "map key is not a string", CAIRN_E_CBOR);
		size_t rest = len - p - (size_t)h; /* bytes after the head */
		switch (major) {
		case CBOR_UINT:
		case CBOR_NEGINT:
			p += (size_t)h;
			break;
		case CBOR_BYTES:
		case CBOR_TEXT:
			if (v > rest)
				return ipld_fail(o, p, "input ends inside a value", CAIRN_E_TRUNCATED);
			if (major == CBOR_TEXT && !cairn_ipld_utf8_valid(in + p + h, (size_t)v))
				return ipld_fail(o, p, "string is not valid UTF-8", CAIRN_E_CBOR);
			if (is_key) {
				const uint8_t *k = in + p + h;
				if (L->prev) {
					int c = cairn_ipld_key_cmp_cbor(L->prev, L->prev_len, k, (size_t)v);
					if (c == 0)
						return ipld_fail(o, p, "duplicate map key", CAIRN_E_CBOR);
					if (c > 0)
						return ipld_fail(o, p, "map keys not in length-first order",
						            CAIRN_E_CBOR);
				}
				L->prev = k;
				L->prev_len = (size_t)v;
			}
			p += (size_t)h + (size_t)v;
			break;
		case CBOR_ARRAY:
		case CBOR_MAP:
			/* every item takes at least one byte: a count beyond the
			 * input is truncation, found before any work is spent */
			if (v > rest || (major == CBOR_MAP && v > rest / 2))
				return ipld_fail(o, p, "input ends inside a value", CAIRN_E_TRUNCATED);
			if (depth > CAIRN_IPLD_MAX_DEPTH)
				return ipld_fail(o, p, "nested deeper than 128 lists and maps", CAIRN_E_LIMIT);
			st[depth++] = (struct level){major == CBOR_MAP ? 2 * v : v, major == CBOR_MAP,
			                             NULL, 0};
			p += (size_t)h;
			break;
		case CBOR_TAG: {
			if (v != CBOR_TAG_CID)
				return ipld_fail(o, p, "only tag 42 (a link) is allowed", CAIRN_E_CBOR);
			size_t at = p;
			p += (size_t)h;
			uint64_t blen;
			h = cbor_get_head(in + p, len - p, &major, &blen);
			if (h < 0)
				return ipld_fail(o, p, head_why(h), h == -1 ? CAIRN_E_TRUNCATED : CAIRN_E_CBOR);
			if (major != CBOR_BYTES)
				return ipld_fail(o, at, "tag 42 does not wrap bytes", CAIRN_E_CBOR);
			if (blen > len - p - (size_t)h)
				return ipld_fail(o, p, "input ends inside a value", CAIRN_E_TRUNCATED);
			const uint8_t *b = in + p + h;
			if (blen < 1 || b[0] != 0x00)
				return ipld_fail(o, at, "link bytes do not start with 0x00", CAIRN_E_CBOR);
			if (cairn_cid_check_shape(b + 1, (size_t)blen - 1) != CAIRN_OK)
				return ipld_fail(o, at, "link is not a CID", CAIRN_E_CBOR);
			if (o && o->on_link) {
				int rc = o->on_link(o->ctx, b + 1, (size_t)blen - 1);
				if (rc)
					return ipld_fail(o, at, "stopped by the link callback", rc);
			}
			p += (size_t)h + (size_t)blen;
			break;
		}
		}
	}
	if (p != len)
		return ipld_fail(o, p, "bytes after the value", CAIRN_E_TRAILING);
	return CAIRN_OK;
}

int cairn_ipld_cbor_skip(const uint8_t *in, size_t len, size_t *used)
{
	uint64_t items = 1;
	size_t p = 0;
	while (items > 0) {
		items--;
		if (p >= len)
			return CAIRN_E_CBOR;
		if (in[p] >> 5 == CBOR_SIMPLE) {
			p += in[p] == CBOR_FLOAT64 ? 9 : 1;
			continue;
		}
		unsigned major;
		uint64_t v;
		int h = cbor_get_head(in + p, len - p, &major, &v);
		if (h < 0)
			return CAIRN_E_CBOR;
		size_t rest = len - p - (size_t)h;
		p += (size_t)h;
		if (major == CBOR_BYTES || major == CBOR_TEXT) {
			if (v > rest)
				return CAIRN_E_CBOR;
			p += (size_t)v;
		} else if (major == CBOR_ARRAY || major == CBOR_MAP || major == CBOR_TAG) {
			uint64_t n = major == CBOR_TAG ? 1 : v;
			if (n > rest || (major == CBOR_MAP && n > rest / 2))
				return CAIRN_E_CBOR;
			items += major == CBOR_MAP ? 2 * n : n;
		}
	}
	if (p > len)
		return CAIRN_E_CBOR;
	*used = p;
	return CAIRN_OK;
}

int cairn_dagcbor_kind(const uint8_t *in, size_t len, cairn_ipld_kind *kind)
{
	if (len == 0)
		return CAIRN_E_CBOR;
	switch (in[0] >> 5) {
	case CBOR_UINT:
	case CBOR_NEGINT: *kind = CAIRN_IPLD_INT; return CAIRN_OK;
	case CBOR_BYTES: *kind = CAIRN_IPLD_BYTES; return CAIRN_OK;
	case CBOR_TEXT: *kind = CAIRN_IPLD_STRING; return CAIRN_OK;
	case CBOR_ARRAY: *kind = CAIRN_IPLD_LIST; return CAIRN_OK;
	case CBOR_MAP: *kind = CAIRN_IPLD_MAP; return CAIRN_OK;
	case CBOR_TAG: *kind = CAIRN_IPLD_LINK; return CAIRN_OK;
	}
	switch (in[0]) {
	case CBOR_FALSE:
	case CBOR_TRUE: *kind = CAIRN_IPLD_BOOL; return CAIRN_OK;
	case CBOR_NULL: *kind = CAIRN_IPLD_NULL; return CAIRN_OK;
	case CBOR_FLOAT64: *kind = CAIRN_IPLD_FLOAT; return CAIRN_OK;
	}
	return CAIRN_E_CBOR;
}

int cairn_dagcbor_link(const uint8_t *in, size_t len, const uint8_t **cid, size_t *cid_len)
{
	unsigned major;
	uint64_t v, blen;
	int h = cbor_get_head(in, len, &major, &v);
	if (h < 0 || major != CBOR_TAG || v != CBOR_TAG_CID)
		return CAIRN_E_INVAL;
	int h2 = cbor_get_head(in + h, len - (size_t)h, &major, &blen);
	if (h2 < 0 || major != CBOR_BYTES || blen < 2 || blen > len - (size_t)h - (size_t)h2)
		return CAIRN_E_INVAL;
	*cid = in + h + h2 + 1;
	*cid_len = (size_t)blen - 1;
	return CAIRN_OK;
}

/* A list index as the pathing spec writes it: decimal, no sign, no
 * leading zero (so "01" names nothing, as in go-ipld-prime). */
static int parse_index(const char *s, size_t n, uint64_t *out)
{
	if (n == 0 || n > 19 || (n > 1 && s[0] == '0'))
		return -1;
	uint64_t x = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		x = x * 10 + (uint64_t)(s[i] - '0');
	}
	*out = x;
	return 0;
}

int cairn_dagcbor_lookup(const uint8_t *in, size_t len, const char *seg, size_t seglen,
                         size_t *off, size_t *vlen)
{
	unsigned major;
	uint64_t n;
	int h = cbor_get_head(in, len, &major, &n);
	if (h < 0 || (major != CBOR_MAP && major != CBOR_ARRAY))
		return CAIRN_E_PATH;
	uint64_t want = 0;
	if (major == CBOR_ARRAY && (parse_index(seg, seglen, &want) != 0 || want >= n))
		return CAIRN_E_PATH;
	size_t p = (size_t)h, used;
	for (uint64_t i = 0; i < n; i++) {
		int hit = major == CBOR_ARRAY && i == want;
		if (major == CBOR_MAP) {
			uint64_t klen;
			unsigned kmajor;
			int kh = cbor_get_head(in + p, len - p, &kmajor, &klen);
			if (kh < 0 || kmajor != CBOR_TEXT || klen > len - p - (size_t)kh)
				return CAIRN_E_CBOR;
			hit = klen == seglen && memcmp(in + p + kh, seg, seglen) == 0;
			p += (size_t)kh + (size_t)klen;
		}
		if (cairn_ipld_cbor_skip(in + p, len - p, &used) != CAIRN_OK)
			return CAIRN_E_CBOR;
		if (hit) {
			*off = p;
			*vlen = used;
			return CAIRN_OK;
		}
		p += used;
	}
	return CAIRN_E_PATH;
}

/* ---- dag-pb as DAG-CBOR ---- */

void cairn_ipld_out_put(cairn_ipld_out *w, const void *b, size_t n)
{
	if (w->out && !w->full) {
		if (n > w->cap - w->n) {
			w->full = 1;
		} else if (n) {
			memcpy(w->out + w->n, b, n);
		}
	}
	w->n += n;
}

void cairn_ipld_out_head(cairn_ipld_out *w, unsigned major, uint64_t v)
{
	uint8_t h[9];
	cairn_ipld_out_put(w, h, cbor_put_head(h, major, v));
}

static void out_text(cairn_ipld_out *w, const char *s, size_t n)
{
	cairn_ipld_out_head(w, CBOR_TEXT, n);
	cairn_ipld_out_put(w, s, n);
}

void cairn_ipld_out_link(cairn_ipld_out *w, const uint8_t *cid, size_t n)
{
	static const uint8_t zero = 0x00;
	cairn_ipld_out_head(w, CBOR_TAG, CBOR_TAG_CID);
	cairn_ipld_out_head(w, CBOR_BYTES, n + 1);
	cairn_ipld_out_put(w, &zero, 1);
	cairn_ipld_out_put(w, cid, n);
}

int cairn_dagpb_to_dagcbor(const uint8_t *in, size_t len, uint8_t *out, size_t cap,
                           size_t *outlen)
{
	cairn_pbnode node;
	int rc = cairn_pbnode_decode(in, len, &node);
	if (rc)
		return rc;
	cairn_ipld_out w = {out, cap, 0, 0};
	/* keys in DAG-CBOR order: "Data" (4) before "Links" (5); in a link
	 * "Hash" < "Name" (both 4, bytewise) < "Tsize" (5) */
	cairn_ipld_out_head(&w, CBOR_MAP, node.has_data ? 2 : 1);
	if (node.has_data) {
		out_text(&w, "Data", 4);
		cairn_ipld_out_head(&w, CBOR_BYTES, node.data_len);
		cairn_ipld_out_put(&w, node.data, node.data_len);
	}
	out_text(&w, "Links", 5);
	cairn_ipld_out_head(&w, CBOR_ARRAY, node.nlinks);
	size_t cursor = 0;
	cairn_pblink l;
	for (size_t i = 0; i < node.nlinks; i++) {
		if (cairn_pbnode_next_link(&node, &cursor, &l) != 1)
			return CAIRN_E_PROTOBUF; /* fewer links than counted: cannot happen */
		cairn_ipld_out_head(&w, CBOR_MAP, 1 + (uint64_t)l.has_name + (uint64_t)l.has_tsize);
		out_text(&w, "Hash", 4);
		cairn_ipld_out_link(&w, l.hash, l.hash_len);
		if (l.has_name) {
			/* a dag-pb Name is a string in the data model */
			if (!cairn_ipld_utf8_valid((const uint8_t *)l.name, l.name_len))
				return CAIRN_E_PROTOBUF;
			out_text(&w, "Name", 4);
			cairn_ipld_out_head(&w, CBOR_TEXT, l.name_len);
			cairn_ipld_out_put(&w, l.name, l.name_len);
		}
		if (l.has_tsize) {
			out_text(&w, "Tsize", 5);
			cairn_ipld_out_head(&w, CBOR_UINT, l.tsize);
		}
	}
	*outlen = w.n;
	return w.full ? CAIRN_E_BUFFER : CAIRN_OK;
}

int cairn_raw_to_dagcbor(const uint8_t *in, size_t len, uint8_t *out, size_t cap, size_t *outlen)
{
	cairn_ipld_out w = {out, cap, 0, 0};
	cairn_ipld_out_head(&w, CBOR_BYTES, len);
	cairn_ipld_out_put(&w, in, len);
	*outlen = w.n;
	return w.full ? CAIRN_E_BUFFER : CAIRN_OK;
}

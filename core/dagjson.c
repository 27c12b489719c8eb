#include "cairn/dagjson.h"
#include "cairn/cid.h"
#include "cairn/error.h"
#include "cairn/multibase.h"
#include "cborwire.h"
#include "ipldwire.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Sort records of `stride` size_t's, each starting with the offset in base of
 * a CBOR text key, by that key: DAG-CBOR order or bytewise (DAG-JSON).
 * Heapsort: no allocation and no quadratic worst case on hostile input. */
struct keysort {
	size_t *rec;
	size_t stride;
	const uint8_t *base;
	int cbor_order;
};

static void key_at(const uint8_t *base, size_t off, const uint8_t **k, size_t *klen)
{
	unsigned major = 0;
	uint64_t v = 0;
	int h = cbor_get_head(base + off, 9, &major, &v);
	*k = base + off + (h > 0 ? h : 0);
	*klen = (size_t)v;
}

static int ks_cmp(const struct keysort *s, size_t i, size_t j)
{
	const uint8_t *a, *b;
	size_t al, bl;
	key_at(s->base, s->rec[i * s->stride], &a, &al);
	key_at(s->base, s->rec[j * s->stride], &b, &bl);
	if (s->cbor_order)
		return cairn_ipld_key_cmp_cbor(a, al, b, bl);
	int c = memcmp(a, b, al < bl ? al : bl);
	return c ? c : (al > bl) - (al < bl);
}

static void ks_swap(const struct keysort *s, size_t i, size_t j)
{
	for (size_t k = 0; k < s->stride; k++) {
		size_t t = s->rec[i * s->stride + k];
		s->rec[i * s->stride + k] = s->rec[j * s->stride + k];
		s->rec[j * s->stride + k] = t;
	}
}

static void ks_sift(const struct keysort *s, size_t root, size_t n)
{
	for (;;) {
		size_t c = 2 * root + 1;
		if (c >= n)
			return;
		if (c + 1 < n && ks_cmp(s, c, c + 1) < 0)
			c++;
		if (ks_cmp(s, root, c) >= 0)
			return;
		ks_swap(s, root, c);
		root = c;
	}
}

static void key_sort(const struct keysort *s, size_t n)
{
	for (size_t i = n / 2; i-- > 0;)
		ks_sift(s, i, n);
	for (size_t end = n; end-- > 1;) {
		ks_swap(s, 0, end);
		ks_sift(s, 0, end);
	}
}

/* ==== DAG-CBOR -> DAG-JSON ==== */

struct enc {
	cairn_ipld_out w;
	size_t *stk;      /* key offsets of the maps being written */
	size_t stk_cap;
	size_t stk_top;
	unsigned flags;
	cairn_ipld_opts *o;
	const uint8_t *base;
};

static void put(struct enc *e, const char *s, size_t n)
{
	cairn_ipld_out_put(&e->w, s, n);
}

static void put_u64(struct enc *e, uint64_t v)
{
	char d[21];
	size_t i = sizeof d;
	do {
		d[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	put(e, d + i, sizeof d - i);
}

/*
 * A double as JavaScript's Number.prototype.toString writes it (ECMA-262
 * Number::toString): the shortest digits that read back to the same double,
 * plain from 1e-6 up to 1e21, otherwise d.ddde±x. @ipld/dag-json then adds
 * ".0" when there is no '.' or exponent, and so do we. -0 keeps its sign
 * ("-0.0"), where JavaScript would lose it.
 */
static size_t format_double(double d, char *buf)
{
	char e[40];
	int prec;
	for (prec = 1; prec <= 17; prec++) {
		snprintf(e, sizeof e, "%.*e", prec - 1, d);
		if (strtod(e, NULL) == d)
			break;
	}
	size_t o = 0;
	const char *p = e;
	if (*p == '-') {
		buf[o++] = '-';
		p++;
	}
	char digits[20];
	int k = 0;
	for (; *p && *p != 'e'; p++)
		if (*p != '.')
			digits[k++] = *p;
	int x = atoi(p + 1); /* d.ddd × 10^x */
	if (k == 1 && digits[0] == '0')
		x = 0;
	int n = x + 1;
	if (k <= n && n <= 21) {
		memcpy(buf + o, digits, (size_t)k);
		o += (size_t)k;
		for (int i = k; i < n; i++)
			buf[o++] = '0';
		buf[o++] = '.';
		buf[o++] = '0';
	} else if (0 < n && n <= 21) {
		memcpy(buf + o, digits, (size_t)n);
		o += (size_t)n;
		buf[o++] = '.';
		memcpy(buf + o, digits + n, (size_t)(k - n));
		o += (size_t)(k - n);
	} else if (-6 < n && n <= 0) {
		buf[o++] = '0';
		buf[o++] = '.';
		for (int i = 0; i < -n; i++)
			buf[o++] = '0';
		memcpy(buf + o, digits, (size_t)k);
		o += (size_t)k;
	} else {
		buf[o++] = digits[0];
		if (k > 1) {
			buf[o++] = '.';
			memcpy(buf + o, digits + 1, (size_t)(k - 1));
			o += (size_t)(k - 1);
		}
		o += (size_t)snprintf(buf + o, 8, "e%c%d", n - 1 < 0 ? '-' : '+', abs(n - 1));
	}
	return o;
}

/* A string as JSON.stringify writes it: the two-character escapes where
 * JSON has one, \u00xx for other control characters, the rest as is. */
static void put_string(struct enc *e, const uint8_t *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	put(e, "\"", 1);
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = s[i];
		const char *esc = NULL;
		char u[6];
		size_t elen = 2;
		switch (c) {
		case '"': esc = "\\\""; break;
		case '\\': esc = "\\\\"; break;
		case '\b': esc = "\\b"; break;
		case '\f': esc = "\\f"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		case '\t': esc = "\\t"; break;
		default:
			if (c < 0x20) {
				memcpy(u, "\\u00", 4);
				u[4] = hex[c >> 4];
				u[5] = hex[c & 15];
				esc = u;
				elen = 6;
			}
		}
		if (!esc)
			continue;
		put(e, (const char *)s + run, i - run);
		put(e, esc, elen);
		run = i + 1;
	}
	put(e, (const char *)s + run, n - run);
	put(e, "\"", 1);
}

static void put_base64(struct enc *e, const uint8_t *s, size_t n)
{
	char q[4];
	size_t i = 0;
	for (; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];
		q[0] = b64[v >> 18];
		q[1] = b64[v >> 12 & 63];
		q[2] = b64[v >> 6 & 63];
		q[3] = b64[v & 63];
		put(e, q, 4);
	}
	if (n - i == 1) {
		q[0] = b64[s[i] >> 2];
		q[1] = b64[(s[i] & 3) << 4];
		put(e, q, 2);
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)s[i] << 8 | s[i + 1];
		q[0] = b64[v >> 10];
		q[1] = b64[v >> 4 & 63];
		q[2] = b64[(v & 15) << 2];
		put(e, q, 3);
	}
}

/* The entry of the map at in (checked DAG-CBOR) whose key comes first
 * bytewise, as DAG-JSON writes it: its key and value. 0 if the map is empty. */
static int first_key(const uint8_t *in, size_t len, const uint8_t **k, size_t *klen, const uint8_t **v)
{
	unsigned major = 0;
	uint64_t n = 0;
	size_t p = (size_t)cbor_get_head(in, len, &major, &n), u;
	int found = 0;
	for (uint64_t i = 0; i < n; i++) {
		const uint8_t *kk;
		size_t kl;
		key_at(in + p, 0, &kk, &kl);
		cairn_ipld_cbor_skip(in + p, len - p, &u);
		p += u;
		int c = found ? memcmp(kk, *k, kl < *klen ? kl : *klen) : -1;
		if (!found || c < 0 || (c == 0 && kl < *klen)) {
			*k = kk;
			*klen = kl;
			*v = in + p;
			found = 1;
		}
		cairn_ipld_cbor_skip(in + p, len - p, &u);
		p += u;
	}
	return found;
}

/* Would this map (checked DAG-CBOR) read back from DAG-JSON as a link or
 * bytes? So when its first key is "/" and holds a string, or a map whose
 * own first key is "bytes" holding a string (slash_form's rules). */
static int reads_as_special(const uint8_t *in, size_t len)
{
	const uint8_t *k, *v, *k2, *v2;
	size_t kl, kl2;
	if (!first_key(in, len, &k, &kl, &v) || kl != 1 || k[0] != '/')
		return 0;
	if (v[0] >> 5 == CBOR_TEXT)
		return 1;
	if (v[0] >> 5 != CBOR_MAP)
		return 0;
	return first_key(v, len - (size_t)(v - in), &k2, &kl2, &v2) && kl2 == 5 &&
	       memcmp(k2, "bytes", 5) == 0 && v2[0] >> 5 == CBOR_TEXT;
}

/* Write the value at in[0..len) (part of a checked document); *used gets
 * its length. Recursion is bounded by the check's depth limit. */
static int enc_value(struct enc *e, const uint8_t *in, size_t len, size_t *used)
{
	size_t at = (size_t)(in - e->base);
	uint8_t ib = in[0];
	if (ib >> 5 == CBOR_SIMPLE) {
		if (ib == CBOR_FALSE)
			put(e, "false", 5);
		else if (ib == CBOR_TRUE)
			put(e, "true", 4);
		else if (ib == CBOR_NULL)
			put(e, "null", 4);
		else {
			uint64_t bits = 0;
			for (int i = 1; i <= 8; i++)
				bits = bits << 8 | in[i];
			double d;
			memcpy(&d, &bits, sizeof d);
			char buf[40];
			put(e, buf, format_double(d, buf));
			*used = 9;
			return CAIRN_OK;
		}
		*used = 1;
		return CAIRN_OK;
	}
	unsigned major = 0;
	uint64_t v = 0;
	int h = cbor_get_head(in, len, &major, &v);
	if (h < 0)
		return ipld_fail(e->o, at, "invalid DAG-CBOR", CAIRN_E_CBOR);
	size_t p = (size_t)h, u;
	int rc;
	switch (major) {
	case CBOR_UINT:
		put_u64(e, v);
		break;
	case CBOR_NEGINT:
		put(e, "-", 1);
		if (v == UINT64_MAX)
			put(e, "18446744073709551616", 20);
		else
			put_u64(e, v + 1);
		break;
	case CBOR_TEXT:
		put_string(e, in + p, (size_t)v);
		p += (size_t)v;
		break;
	case CBOR_BYTES:
		if (e->flags & CAIRN_IPLD_PLAIN_JSON)
			return ipld_fail(e->o, at, "plain JSON cannot hold bytes", CAIRN_E_JSON);
		put(e, "{\"/\":{\"bytes\":\"", 15);
		put_base64(e, in + p, (size_t)v);
		put(e, "\"}}", 3);
		p += (size_t)v;
		break;
	case CBOR_TAG: {
		if (e->flags & CAIRN_IPLD_PLAIN_JSON)
			return ipld_fail(e->o, at, "plain JSON cannot hold links", CAIRN_E_JSON);
		const uint8_t *cid;
		size_t clen, tlen;
		cairn_dagcbor_link(in, len, &cid, &clen);
		char text[CAIRN_CID_TEXT_MAX + 8];
		if (cid[0] == 0x12) /* CIDv0: base58btc without a prefix */
			rc = cairn_base_encode(CAIRN_BASE58BTC, cid, clen, text, sizeof text, &tlen);
		else
			rc = cairn_multibase_encode(CAIRN_BASE32, cid, clen, text, sizeof text, &tlen);
		if (rc)
			return ipld_fail(e->o, at, "link is not a CID", rc);
		put(e, "{\"/\":\"", 6);
		put(e, text, tlen);
		put(e, "\"}", 2);
		cairn_ipld_cbor_skip(in, len, &p);
		break;
	}
	case CBOR_ARRAY:
		put(e, "[", 1);
		for (uint64_t i = 0; i < v; i++) {
			if (i)
				put(e, ",", 1);
			rc = enc_value(e, in + p, len - p, &u);
			if (rc)
				return rc;
			p += u;
		}
		put(e, "]", 1);
		break;
	case CBOR_MAP: {
		/* DAG-JSON sorts keys bytewise, DAG-CBOR length first: when
		 * writing, collect the entries' offsets and sort them; measuring
		 * needs no order. */
		size_t n = (size_t)v, first = e->stk_top, q;
		int writing = e->w.out != NULL;
		if (writing && n > e->stk_cap - e->stk_top)
			return ipld_fail(e->o, at, "work area too small", CAIRN_E_BUFFER);
		for (size_t i = 0; i < n; i++) {
			if (writing)
				e->stk[first + i] = at + p;
			cairn_ipld_cbor_skip(in + p, len - p, &u); /* key */
			p += u;
			cairn_ipld_cbor_skip(in + p, len - p, &u); /* value */
			p += u;
		}
		if (writing) {
			e->stk_top += n;
			struct keysort ks = {e->stk + first, 1, e->base, 0};
			key_sort(&ks, n);
		}
		const uint8_t *end = in + len;
		if (!(e->flags & CAIRN_IPLD_PLAIN_JSON) && reads_as_special(in, len))
			return ipld_fail(e->o, at, "a map of the key \"/\" and a string (or bytes-shaped map) "
			                      "cannot be written as DAG-JSON: it would read back as a link or bytes",
			            CAIRN_E_JSON);
		put(e, "{", 1);
		q = (size_t)h;
		for (size_t i = 0; i < n; i++) {
			if (i)
				put(e, ",", 1);
			const uint8_t *kp = writing ? e->base + e->stk[first + i] : in + q, *k;
			size_t klen;
			key_at(kp, 0, &k, &klen);
			put_string(e, k, klen);
			put(e, ":", 1);
			const uint8_t *vp = k + klen;
			rc = enc_value(e, vp, (size_t)(end - vp), &u);
			if (rc)
				return rc;
			q = (size_t)(vp - in) + u;
		}
		put(e, "}", 1);
		e->stk_top = first;
		break;
	}
	}
	*used = p;
	return CAIRN_OK;
}

int cairn_dagjson_encode(const uint8_t *cbor, size_t len, char *out, size_t cap, size_t *outlen,
                         cairn_ipld_opts *o)
{
	int rc = cairn_dagcbor_check(cbor, len, o);
	if (rc)
		return rc;
	struct enc e = {{(uint8_t *)out, cap, 0, 0}, NULL, 0, 0, o ? o->flags : 0, o, cbor};
	if (out) {
		if (!o || !o->work)
			return ipld_fail(o, 0, "work area missing", CAIRN_E_INVAL);
		e.stk = o->work;
		e.stk_cap = o->work_len / sizeof(size_t);
	}
	size_t used;
	rc = enc_value(&e, cbor, len, &used);
	if (rc)
		return rc;
	*outlen = e.w.n;
	return e.w.full ? ipld_fail(o, 0, "output buffer too small", CAIRN_E_BUFFER) : CAIRN_OK;
}

/* ==== DAG-JSON -> DAG-CBOR ==== */

struct dec {
	const char *s;
	size_t len, p;
	cairn_ipld_out w;
	uint8_t *tmp;     /* a map's entries while they are put in order */
	size_t tmp_cap;
	size_t *stk;      /* per entry: offset and length in out, key offset in s */
	size_t stk_cap;   /* in entries */
	size_t stk_top;
	unsigned flags;
	cairn_ipld_opts *o;
	int depth;
};

static int dfail(struct dec *d, const char *why, int rc)
{
	return ipld_fail(d->o, d->p, why, rc);
}

static void ws(struct dec *d)
{
	while (d->p < d->len) {
		char c = d->s[d->p];
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			return;
		d->p++;
	}
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0'
	     : c >= 'a' && c <= 'f' ? c - 'a' + 10
	     : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/*
 * Read the JSON string at d->p (on its opening quote). With dst NULL it
 * only validates and measures: *n gets the UTF-8 length; with dst it writes
 * those bytes. d->p ends after the closing quote.
 */
static int str_read(struct dec *d, uint8_t *dst, size_t *n)
{
	size_t o = 0;
	d->p++; /* the quote */
	for (;;) {
		if (d->p >= d->len)
			return dfail(d, "string not closed", CAIRN_E_TRUNCATED);
		uint8_t c = (uint8_t)d->s[d->p];
		if (c == '"') {
			d->p++;
			*n = o;
			return CAIRN_OK;
		}
		if (c < 0x20)
			return dfail(d, "control character in a string", CAIRN_E_JSON);
		if (c != '\\') {
			/* a run of plain bytes, validated as UTF-8 at once */
			size_t start = d->p;
			while (d->p < d->len && d->s[d->p] != '"' && d->s[d->p] != '\\' &&
			       (uint8_t)d->s[d->p] >= 0x20)
				d->p++;
			if (!cairn_ipld_utf8_valid((const uint8_t *)d->s + start, d->p - start)) {
				d->p = start;
				return dfail(d, "string is not valid UTF-8", CAIRN_E_JSON);
			}
			if (dst)
				memcpy(dst + o, d->s + start, d->p - start);
			o += d->p - start;
			continue;
		}
		if (d->len - d->p < 2)
			return dfail(d, "string not closed", CAIRN_E_TRUNCATED);
		char x = d->s[d->p + 1];
		uint8_t one;
		switch (x) {
		case '"': one = '"'; break;
		case '\\': one = '\\'; break;
		case '/': one = '/'; break;
		case 'b': one = '\b'; break;
		case 'f': one = '\f'; break;
		case 'n': one = '\n'; break;
		case 'r': one = '\r'; break;
		case 't': one = '\t'; break;
		case 'u': {
			uint32_t cp = 0;
			for (int pass = 0; pass < 2; pass++) {
				if (d->len - d->p < 6 || d->s[d->p] != '\\' || d->s[d->p + 1] != 'u')
					return dfail(d, pass ? "lone UTF-16 surrogate" : "short \\u escape",
					             CAIRN_E_JSON);
				uint32_t u = 0;
				for (int i = 2; i < 6; i++) {
					int hv = hexval(d->s[d->p + i]);
					if (hv < 0)
						return dfail(d, "bad \\u escape", CAIRN_E_JSON);
					u = u << 4 | (uint32_t)hv;
				}
				if (pass == 0) {
					if (u >= 0xdc00 && u <= 0xdfff)
						return dfail(d, "lone UTF-16 surrogate", CAIRN_E_JSON);
					d->p += 6;
					cp = u;
					if (u < 0xd800 || u > 0xdbff)
						break;
				} else {
					if (u < 0xdc00 || u > 0xdfff)
						return dfail(d, "lone UTF-16 surrogate", CAIRN_E_JSON);
					d->p += 6;
					cp = 0x10000 + ((cp - 0xd800) << 10) + (u - 0xdc00);
				}
			}
			uint8_t b[4];
			size_t k;
			if (cp < 0x80) {
				b[0] = (uint8_t)cp;
				k = 1;
			} else if (cp < 0x800) {
				b[0] = (uint8_t)(0xc0 | cp >> 6);
				b[1] = (uint8_t)(0x80 | (cp & 63));
				k = 2;
			} else if (cp < 0x10000) {
				b[0] = (uint8_t)(0xe0 | cp >> 12);
				b[1] = (uint8_t)(0x80 | (cp >> 6 & 63));
				b[2] = (uint8_t)(0x80 | (cp & 63));
				k = 3;
			} else {
				b[0] = (uint8_t)(0xf0 | cp >> 18);
				b[1] = (uint8_t)(0x80 | (cp >> 12 & 63));
				b[2] = (uint8_t)(0x80 | (cp >> 6 & 63));
				b[3] = (uint8_t)(0x80 | (cp & 63));
				k = 4;
			}
			if (dst)
				memcpy(dst + o, b, k);
			o += k;
			continue;
		}
		default:
			return dfail(d, "bad escape in a string", CAIRN_E_JSON);
		}
		if (dst)
			dst[o] = one;
		o++;
		d->p += 2;
	}
}

/* A string written as CBOR text (or, for keys, the caller's choice of major). */
static int str_put(struct dec *d, unsigned major)
{
	size_t start = d->p, n;
	int rc = str_read(d, NULL, &n);
	if (rc)
		return rc;
	cairn_ipld_out_head(&d->w, major, n);
	if (d->w.out && !d->w.full && n <= d->w.cap - d->w.n) {
		d->p = start;
		str_read(d, d->w.out + d->w.n, &n);
	} else if (d->w.out) {
		d->w.full = 1;
	}
	d->w.n += n;
	return CAIRN_OK;
}

/* Read a short string (a CID or a "bytes" key) into buf. */
static int str_small(struct dec *d, char *buf, size_t cap, size_t *n)
{
	size_t start = d->p;
	int rc = str_read(d, NULL, n);
	if (rc)
		return rc;
	if (*n > cap) {
		d->p = start;
		return dfail(d, "string too long here", CAIRN_E_JSON);
	}
	d->p = start;
	return str_read(d, (uint8_t *)buf, n);
}

static int b64val(char c)
{
	const char *x = c ? strchr(b64, c) : NULL;
	return x ? (int)(x - b64) : -1;
}

/* {"/": {"bytes": "..."}}: d->p on the inner string's quote. */
static int bytes_put(struct dec *d)
{
	size_t q0 = d->p + 1, q1 = q0;
	while (q1 < d->len && d->s[q1] != '"')
		q1++;
	if (q1 >= d->len)
		return dfail(d, "string not closed", CAIRN_E_TRUNCATED);
	size_t end = q1;
	/* @ipld/dag-json writes no padding; padding is read all the same */
	if (end > q0 && d->s[end - 1] == '=')
		end--;
	if (end > q0 && d->s[end - 1] == '=')
		end--;
	size_t chars = end - q0;
	if (chars % 4 == 1 || (end != q1 && (chars + (q1 - end)) % 4 != 0))
		return dfail(d, "bad base64 length", CAIRN_E_JSON);
	size_t n = chars / 4 * 3 + (chars % 4 ? chars % 4 - 1 : 0);
	cairn_ipld_out_head(&d->w, CBOR_BYTES, n);
	uint8_t *dst = NULL;
	if (d->w.out && !d->w.full && n <= d->w.cap - d->w.n)
		dst = d->w.out + d->w.n;
	else if (d->w.out)
		d->w.full = 1;
	uint32_t acc = 0;
	size_t o = 0;
	int bits = 0;
	for (size_t i = q0; i < end; i++) {
		int v = b64val(d->s[i]);
		if (v < 0) {
			d->p = i;
			return dfail(d, "bad base64 character", CAIRN_E_JSON);
		}
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (dst)
				dst[o] = (uint8_t)(acc >> bits);
			o++;
		}
	}
	if (bits && (acc & ((1u << bits) - 1)) != 0) {
		d->p = end - 1;
		return dfail(d, "base64 has non-zero spare bits", CAIRN_E_JSON);
	}
	d->w.n += n;
	d->p = q1 + 1;
	return CAIRN_OK;
}

static int expect(struct dec *d, char c, const char *why)
{
	ws(d);
	if (d->p >= d->len)
		return dfail(d, why, CAIRN_E_TRUNCATED);
	if (d->s[d->p] != c)
		return dfail(d, why, CAIRN_E_JSON);
	d->p++;
	return CAIRN_OK;
}

/*
 * A map whose first key (as written) is "/" may be a link or bytes, by the
 * rules @ipld/dag-json reads with: a string value makes it a link, a map
 * value whose first key is "bytes" holding a string makes it bytes, and
 * either must then end. Anything else is an ordinary map. Read ahead from
 * after the "/" key, consuming nothing: 1 a link, 2 bytes, 0 a map.
 */
static int slash_form(struct dec *d)
{
	size_t save = d->p;
	int form = 0;
	ws(d);
	if (d->p < d->len && d->s[d->p] == ':') {
		d->p++;
		ws(d);
		if (d->p < d->len && d->s[d->p] == '"') {
			form = 1;
		} else if (d->p < d->len && d->s[d->p] == '{') {
			char key[8];
			size_t kn;
			d->p++;
			ws(d);
			if (d->p < d->len && d->s[d->p] == '"' && str_small(d, key, sizeof key, &kn) == 0 &&
			    kn == 5 && memcmp(key, "bytes", 5) == 0) {
				ws(d);
				if (d->p < d->len && d->s[d->p] == ':') {
					d->p++;
					ws(d);
					form = d->p < d->len && d->s[d->p] == '"' ? 2 : 0;
				}
			}
		}
	}
	d->p = save;
	return form;
}

/* The rest of {"/": CID} (form 1) or {"/": {"bytes": B64}} (form 2), from
 * after the key's colon. */
static int slash_put(struct dec *d, size_t at, int form)
{
	int rc;
	ws(d);
	if (form == 1) {
		char text[CAIRN_CID_TEXT_MAX + 1];
		uint8_t cid[CAIRN_CID_MAX_BYTES + 8];
		size_t tn, cn;
		size_t sp = d->p;
		rc = str_small(d, text, sizeof text, &tn);
		if (rc)
			return ipld_fail(d->o, sp, "link is not a CID", CAIRN_E_JSON);
		if (tn == CAIRN_CIDV0_TEXT_LEN && text[0] == 'Q' && text[1] == 'm')
			rc = cairn_base_decode(CAIRN_BASE58BTC, text, tn, cid, sizeof cid, &cn);
		else
			rc = cairn_multibase_decode(text, tn, cid, sizeof cid, &cn, NULL);
		if (rc == CAIRN_OK)
			rc = cairn_cid_check_shape(cid, cn);
		if (rc != CAIRN_OK)
			return ipld_fail(d->o, sp, "link is not a CID", CAIRN_E_JSON);
		if (d->o->on_link && (rc = d->o->on_link(d->o->ctx, cid, cn)) != 0)
			return ipld_fail(d->o, sp, "stopped by the link callback", rc);
		cairn_ipld_out_link(&d->w, cid, cn);
		if (expect(d, '}', "") != 0)
			return ipld_fail(d->o, at, "a link {\"/\": CID} has no other keys", CAIRN_E_JSON);
		return CAIRN_OK;
	}
	d->p++; /* the inner map's brace; slash_form saw the rest */
	ws(d);
	size_t kn;
	char key[8];
	str_small(d, key, sizeof key, &kn);
	if ((rc = expect(d, ':', "expected ':'")) != 0)
		return rc;
	ws(d);
	if ((rc = bytes_put(d)) != 0)
		return rc;
	if (expect(d, '}', "") != 0 || expect(d, '}', "") != 0)
		return ipld_fail(d->o, at, "bytes {\"/\": {\"bytes\": BASE64}} have no other keys", CAIRN_E_JSON);
	return CAIRN_OK;
}

/* Insert a container's head before its items, now that the count is known. */
static void head_before(struct dec *d, size_t start, unsigned major, uint64_t count)
{
	uint8_t h[9];
	size_t hs = cbor_put_head(h, major, count);
	if (d->w.out && !d->w.full) {
		if (hs > d->w.cap - d->w.n) {
			d->w.full = 1;
		} else {
			memmove(d->w.out + start + hs, d->w.out + start, d->w.n - start);
			memcpy(d->w.out + start, h, hs);
		}
	}
	d->w.n += hs;
}

static int number_put(struct dec *d)
{
	size_t start = d->p;
	int neg = 0, isfloat = 0;
	if (d->s[d->p] == '-') {
		neg = 1;
		d->p++;
	}
	if (d->p >= d->len || d->s[d->p] < '0' || d->s[d->p] > '9')
		return dfail(d, "bad number", CAIRN_E_JSON);
	if (d->s[d->p] == '0' && d->p + 1 < d->len && d->s[d->p + 1] >= '0' && d->s[d->p + 1] <= '9')
		return dfail(d, "leading zero in a number", CAIRN_E_JSON);
	while (d->p < d->len && d->s[d->p] >= '0' && d->s[d->p] <= '9')
		d->p++;
	size_t int_end = d->p;
	if (d->p < d->len && d->s[d->p] == '.') {
		isfloat = 1;
		d->p++;
		if (d->p >= d->len || d->s[d->p] < '0' || d->s[d->p] > '9')
			return dfail(d, "bad number", CAIRN_E_JSON);
		while (d->p < d->len && d->s[d->p] >= '0' && d->s[d->p] <= '9')
			d->p++;
	}
	if (d->p < d->len && (d->s[d->p] == 'e' || d->s[d->p] == 'E')) {
		isfloat = 1;
		d->p++;
		if (d->p < d->len && (d->s[d->p] == '+' || d->s[d->p] == '-'))
			d->p++;
		if (d->p >= d->len || d->s[d->p] < '0' || d->s[d->p] > '9')
			return dfail(d, "bad number", CAIRN_E_JSON);
		while (d->p < d->len && d->s[d->p] >= '0' && d->s[d->p] <= '9')
			d->p++;
	}
	if (!isfloat) {
		uint64_t m = 0;
		for (size_t i = start + (size_t)neg; i < int_end; i++) {
			unsigned dg = (unsigned)(d->s[i] - '0');
			if (m > (UINT64_MAX - dg) / 10) {
				/* -18446744073709551616 (-2^64) is the one value past
				 * UINT64_MAX that CBOR holds */
				if (neg && int_end - start == 21 &&
				    memcmp(d->s + start, "-18446744073709551616", 21) == 0) {
					cairn_ipld_out_head(&d->w, CBOR_NEGINT, UINT64_MAX);
					return CAIRN_OK;
				}
				d->p = start;
				return dfail(d, "integer out of range", CAIRN_E_JSON);
			}
			m = m * 10 + dg;
		}
		if (neg && m > 0)
			cairn_ipld_out_head(&d->w, CBOR_NEGINT, m - 1);
		else
			cairn_ipld_out_head(&d->w, CBOR_UINT, m);
		return CAIRN_OK;
	}
	char buf[512];
	size_t n = d->p - start;
	if (n >= sizeof buf) {
		d->p = start;
		return dfail(d, "number longer than 511 characters", CAIRN_E_LIMIT);
	}
	memcpy(buf, d->s + start, n);
	buf[n] = 0;
	double v = strtod(buf, NULL);
	if (!isfinite(v)) {
		d->p = start;
		return dfail(d, "number out of range", CAIRN_E_JSON);
	}
	uint64_t bits;
	memcpy(&bits, &v, sizeof bits);
	uint8_t f[9];
	f[0] = CBOR_FLOAT64;
	for (int i = 0; i < 8; i++)
		f[1 + i] = (uint8_t)(bits >> (56 - 8 * i));
	cairn_ipld_out_put(&d->w, f, 9);
	return CAIRN_OK;
}

static int value_put(struct dec *d);

/* After an item of a list (close ']') or an entry of a map ('}'): 0 at a
 * ',' (another follows), 1 at the close, or an error. */
static int after_item(struct dec *d, char close)
{
	ws(d);
	if (d->p >= d->len)
		return dfail(d, close == ']' ? "list not closed" : "map not closed", CAIRN_E_TRUNCATED);
	if (d->s[d->p] != ',' && d->s[d->p] != close)
		return dfail(d, close == ']' ? "expected ',' or ']'" : "expected ',' or '}'", CAIRN_E_JSON);
	return d->s[d->p++] == close;
}

static int array_put(struct dec *d)
{
	size_t start = d->w.n;
	uint64_t count = 0;
	int rc;
	d->p++;
	ws(d);
	if (d->p < d->len && d->s[d->p] == ']') {
		d->p++;
	} else {
		do {
			if ((rc = value_put(d)) != 0)
				return rc;
			count++;
		} while ((rc = after_item(d, ']')) == 0);
		if (rc < 0)
			return rc;
	}
	head_before(d, start, CBOR_ARRAY, count);
	return CAIRN_OK;
}

/* Same bytes as the key at kp (a CBOR text head and its bytes)? */
static int key_equal(const uint8_t *a, const uint8_t *b)
{
	const uint8_t *ka, *kb;
	size_t la, lb;
	key_at(a, 0, &ka, &la);
	key_at(b, 0, &kb, &lb);
	return la == lb && memcmp(ka, kb, la) == 0;
}

static int map_put(struct dec *d)
{
	size_t at = d->p, start = d->w.n, first = d->stk_top;
	int writing = d->w.out != NULL;
	uint64_t count = 0;
	int rc;
	/* value_put counted this map already: the limit is DAG-CBOR's */
	int deep = d->depth > CAIRN_IPLD_MAX_DEPTH;
	d->p++;
	ws(d);
	if (d->p < d->len && d->s[d->p] == '}') {
		if (deep)
			return ipld_fail(d->o, at, "nested deeper than 128 lists and maps", CAIRN_E_LIMIT);
		d->p++;
		head_before(d, start, CBOR_MAP, 0);
		return CAIRN_OK;
	}
	for (;;) {
		ws(d);
		if (d->p >= d->len)
			return dfail(d, "map not closed", CAIRN_E_TRUNCATED);
		if (d->s[d->p] != '"')
			return dfail(d, "map key is not a string", CAIRN_E_JSON);
		size_t kpos = d->p, kn;
		if ((rc = str_read(d, NULL, &kn)) != 0)
			return rc;
		if (kn == 1 && count == 0 && !(d->flags & CAIRN_IPLD_PLAIN_JSON)) {
			char c;
			size_t one, after = d->p;
			d->p = kpos;
			str_read(d, (uint8_t *)&c, &one);
			int form = c == '/' ? slash_form(d) : 0;
			if (form) {
				if ((rc = expect(d, ':', "expected ':'")) != 0)
					return rc;
				return slash_put(d, at, form);
			}
			d->p = after;
		}
		if (count == 0 && deep)
			return ipld_fail(d->o, at, "nested deeper than 128 lists and maps", CAIRN_E_LIMIT);
		d->p = kpos;
		size_t entry = d->w.n;
		if ((rc = str_put(d, CBOR_TEXT)) != 0)
			return rc;
		if ((rc = expect(d, ':', "expected ':'")) != 0)
			return rc;
		if ((rc = value_put(d)) != 0)
			return rc;
		if (writing) {
			if (d->stk_top >= d->stk_cap)
				return dfail(d, "work area too small", CAIRN_E_BUFFER);
			size_t *r = d->stk + 3 * d->stk_top++;
			r[0] = entry;
			r[1] = d->w.n - entry;
			r[2] = kpos;
		}
		count++;
		if ((rc = after_item(d, '}')) != 0) {
			if (rc < 0)
				return rc;
			break;
		}
	}
	if (writing && !d->w.full) {
		/* Put the entries in DAG-CBOR order: sort their records, refuse
		 * equal neighbours, copy the region out and back in order. */
		size_t *recs = d->stk + 3 * first, end = d->w.n;
		struct keysort ks = {recs, 3, d->w.out, 1};
		key_sort(&ks, (size_t)count);
		for (size_t i = 1; i < count; i++)
			if (key_equal(d->w.out + recs[3 * (i - 1)], d->w.out + recs[3 * i]))
				return ipld_fail(d->o, recs[3 * i + 2], "duplicate map key", CAIRN_E_JSON);
		if (end - start > d->tmp_cap)
			return dfail(d, "work area too small", CAIRN_E_BUFFER);
		memcpy(d->tmp, d->w.out + start, end - start);
		size_t o = start;
		for (size_t i = 0; i < count; i++) {
			memcpy(d->w.out + o, d->tmp + (recs[3 * i] - start), recs[3 * i + 1]);
			o += recs[3 * i + 1];
		}
	}
	d->stk_top = first;
	head_before(d, start, CBOR_MAP, count);
	/* "/" written after other keys reads as a map, but its canonical form
	 * puts "/" first and would read back as a link or bytes: refused, so
	 * that what is accepted is what is written back */
	if (writing && !d->w.full && !(d->flags & CAIRN_IPLD_PLAIN_JSON) &&
	    reads_as_special(d->w.out + start, d->w.n - start))
		return ipld_fail(d->o, at, "a map whose key \"/\" holds a string (or a bytes-shaped map) would read "
		                      "back as a link or bytes", CAIRN_E_JSON);
	return CAIRN_OK;
}

static int literal(struct dec *d, const char *word, uint8_t byte)
{
	size_t n = strlen(word);
	if (d->len - d->p < n || memcmp(d->s + d->p, word, n) != 0)
		return dfail(d, "unexpected character", CAIRN_E_JSON);
	d->p += n;
	cairn_ipld_out_put(&d->w, &byte, 1);
	return CAIRN_OK;
}

static int value_put(struct dec *d)
{
	ws(d);
	if (d->p >= d->len)
		return dfail(d, "input ends where a value should be", CAIRN_E_TRUNCATED);
	char c = d->s[d->p];
	int rc;
	switch (c) {
	case '{':
	case '[':
		/* a '{' may be a link or bytes ({"/": ...}), no map of the data
		 * model: map_put checks the depth once it knows */
		if (c == '[' && d->depth >= CAIRN_IPLD_MAX_DEPTH)
			return dfail(d, "nested deeper than 128 lists and maps", CAIRN_E_LIMIT);
		d->depth++;
		rc = c == '{' ? map_put(d) : array_put(d);
		d->depth--;
		return rc;
	case '"': return str_put(d, CBOR_TEXT);
	case 't': return literal(d, "true", CBOR_TRUE);
	case 'f': return literal(d, "false", CBOR_FALSE);
	case 'n': return literal(d, "null", CBOR_NULL);
	default:
		if (c == '-' || (c >= '0' && c <= '9'))
			return number_put(d);
		return dfail(d, "unexpected character", CAIRN_E_JSON);
	}
}

int cairn_dagjson_decode(const char *json, size_t len, uint8_t *out, size_t cap, size_t *outlen,
                         cairn_ipld_opts *o)
{
	if (!o)
		return CAIRN_E_INVAL;
	struct dec d = {json, len, 0, {out, cap, 0, 0}, NULL, 0, NULL, 0, 0, o->flags, o, 0};
	if (out) {
		size_t tmp = (cap + 15) & ~(size_t)15;
		if (!o->work || o->work_len < tmp)
			return ipld_fail(o, 0, "work area too small", CAIRN_E_BUFFER);
		d.tmp = o->work;
		d.tmp_cap = cap;
		d.stk = (size_t *)(void *)((uint8_t *)o->work + tmp);
		d.stk_cap = (o->work_len - tmp) / (3 * sizeof(size_t));
	}
	int rc = value_put(&d);
	if (rc)
		return rc;
	ws(&d);
	if (d.p != len)
		return dfail(&d, "bytes after the value", CAIRN_E_TRAILING);
	*outlen = d.w.n;
	return d.w.full ? ipld_fail(o, 0, "output buffer too small", CAIRN_E_BUFFER) : CAIRN_OK;
}

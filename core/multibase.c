#include "cairn/multibase.h"
#include "cairn/error.h"

#include <string.h>

/*
 * Two families: RFC 4648 bit-packing codecs (bits per character 4, 5 or 6)
 * and big-number codecs (radix 36 or 58) where each leading zero byte is
 * written as the alphabet's first character.
 */
enum family { RFC4648, BIGNUM };

struct base_def {
	cairn_base base;
	const char *name;
	const char *alphabet;
	enum family family;
	unsigned param; /* bits per char (RFC4648) or radix (BIGNUM) */
	int pad;        /* RFC 4648 '=' padding to whole groups */
};

static const struct base_def bases[] = {
	{CAIRN_BASE16, "base16", "0123456789abcdef", RFC4648, 4, 0},
	{CAIRN_BASE16UPPER, "base16upper", "0123456789ABCDEF", RFC4648, 4, 0},
	{CAIRN_BASE32, "base32", "abcdefghijklmnopqrstuvwxyz234567", RFC4648, 5, 0},
	{CAIRN_BASE32UPPER, "base32upper", "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", RFC4648, 5, 0},
	{CAIRN_BASE36, "base36", "0123456789abcdefghijklmnopqrstuvwxyz", BIGNUM, 36, 0},
	{CAIRN_BASE36UPPER, "base36upper", "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", BIGNUM, 36, 0},
	{CAIRN_BASE58BTC, "base58btc", "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz", BIGNUM, 58, 0},
	{CAIRN_BASE64, "base64", "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", RFC4648, 6, 0},
	{CAIRN_BASE64URL, "base64url", "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", RFC4648, 6, 0},
	{CAIRN_BASE64PAD, "base64pad", "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", RFC4648, 6, 1},
	{CAIRN_BASE64URLPAD, "base64urlpad", "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", RFC4648, 6, 1},
};

/* Characters in a whole RFC 4648 group: 24 bits of base64, 40 of base32. */
static size_t group_chars(const struct base_def *d)
{
	return d->param == 6 ? 4 : d->param == 5 ? 8 : 2;
}

static const struct base_def *find_def(cairn_base base)
{
	for (size_t i = 0; i < sizeof bases / sizeof bases[0]; i++)
		if (bases[i].base == base)
			return &bases[i];
	return NULL;
}

int cairn_base_from_name(const char *name, cairn_base *base)
{
	for (size_t i = 0; i < sizeof bases / sizeof bases[0]; i++) {
		if (strcmp(bases[i].name, name) == 0) {
			*base = bases[i].base;
			return CAIRN_OK;
		}
	}
	return CAIRN_E_BASE_UNKNOWN;
}

int cairn_base_from_prefix(char prefix, cairn_base *base)
{
	const struct base_def *d = find_def((cairn_base)(unsigned char)prefix);
	if (!d)
		return CAIRN_E_BASE_UNKNOWN;
	*base = d->base;
	return CAIRN_OK;
}

const char *cairn_base_name(cairn_base base)
{
	const struct base_def *d = find_def(base);
	return d ? d->name : NULL;
}

/* Payload length bound, without prefix or NUL. */
static size_t payload_max(const struct base_def *d, size_t len)
{
	if (d->family == RFC4648) {
		size_t n = (len * 8 + d->param - 1) / d->param, g = group_chars(d);
		return d->pad ? (n + g - 1) / g * g : n;
	}
	/* log(256)/log(58) = 1.3657..., log(256)/log(36) = 1.5474... */
	if (d->param == 58)
		return len * 137 / 100 + 1;
	return len * 155 / 100 + 1;
}

size_t cairn_multibase_encoded_max(cairn_base base, size_t len)
{
	const struct base_def *d = find_def(base);
	if (!d)
		return 0;
	return payload_max(d, len) + 2;
}

static int rfc4648_encode(const struct base_def *d, const uint8_t *in, size_t len,
                          char *out, size_t cap, size_t *outlen)
{
	size_t need = (len * 8 + d->param - 1) / d->param;
	if (need + 1 > cap)
		return CAIRN_E_BUFFER;
	unsigned mask = (1u << d->param) - 1;
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		acc = (acc << 8) | in[i];
		bits += 8;
		while (bits >= d->param) {
			bits -= d->param;
			out[o++] = d->alphabet[(acc >> bits) & mask];
		}
	}
	if (bits)
		out[o++] = d->alphabet[(acc << (d->param - bits)) & mask];
	if (d->pad) {
		size_t g = group_chars(d);
		if ((o + g - 1) / g * g + 1 > cap)
			return CAIRN_E_BUFFER;
		while (o % g)
			out[o++] = '=';
	}
	out[o] = '\0';
	*outlen = o;
	return CAIRN_OK;
}

static int bignum_encode(const struct base_def *d, const uint8_t *in, size_t len,
                         char *out, size_t cap, size_t *outlen)
{
	size_t zeros = 0;
	while (zeros < len && in[zeros] == 0)
		zeros++;
	if (zeros + 1 > cap)
		return CAIRN_E_BUFFER;
	/*
	 * Digits accumulate little-endian in out[zeros..], as raw values; once the
	 * number is complete they are reversed and mapped to the alphabet.
	 */
	uint8_t *dig = (uint8_t *)out + zeros;
	size_t room = cap - zeros - 1; /* keep one byte for the NUL */
	size_t n = 0;
	for (size_t i = zeros; i < len; i++) {
		uint32_t carry = in[i];
		for (size_t j = 0; j < n; j++) {
			carry += (uint32_t)dig[j] << 8;
			dig[j] = (uint8_t)(carry % d->param);
			carry /= d->param;
		}
		while (carry) {
			if (n >= room)
				return CAIRN_E_BUFFER;
			dig[n++] = (uint8_t)(carry % d->param);
			carry /= d->param;
		}
	}
	for (size_t i = 0; i < n / 2; i++) {
		uint8_t t = dig[i];
		dig[i] = dig[n - 1 - i];
		dig[n - 1 - i] = t;
	}
	for (size_t i = 0; i < n; i++)
		out[zeros + i] = d->alphabet[dig[i]];
	memset(out, d->alphabet[0], zeros);
	out[zeros + n] = '\0';
	*outlen = zeros + n;
	return CAIRN_OK;
}

static int encode_def(const struct base_def *d, const uint8_t *in, size_t len,
                      char *out, size_t cap, size_t *outlen)
{
	size_t dummy;
	if (!outlen)
		outlen = &dummy;
	if (d->family == RFC4648)
		return rfc4648_encode(d, in, len, out, cap, outlen);
	return bignum_encode(d, in, len, out, cap, outlen);
}

int cairn_base_encode(cairn_base base, const uint8_t *in, size_t len,
                      char *out, size_t cap, size_t *outlen)
{
	const struct base_def *d = find_def(base);
	if (!d)
		return CAIRN_E_BASE_UNKNOWN;
	return encode_def(d, in, len, out, cap, outlen);
}

int cairn_multibase_encode(cairn_base base, const uint8_t *in, size_t len,
                           char *out, size_t cap, size_t *outlen)
{
	const struct base_def *d = find_def(base);
	if (!d)
		return CAIRN_E_BASE_UNKNOWN;
	if (cap < 2)
		return CAIRN_E_BUFFER;
	out[0] = (char)d->base;
	size_t n;
	int rc = encode_def(d, in, len, out + 1, cap - 1, &n);
	if (rc)
		return rc;
	if (outlen)
		*outlen = n + 1;
	return CAIRN_OK;
}

/* Reverse alphabet: value of each character, or 0xff for "not in alphabet". */
static void build_table(const struct base_def *d, uint8_t table[256])
{
	memset(table, 0xff, 256);
	for (unsigned i = 0; d->alphabet[i]; i++)
		table[(unsigned char)d->alphabet[i]] = (uint8_t)i;
}

static int rfc4648_decode(const struct base_def *d, const char *in, size_t len,
                          uint8_t *out, size_t cap, size_t *outlen)
{
	uint8_t table[256];
	build_table(d, table);
	if (d->pad) {
		/* Whole groups only, with the '=' the last group's bits call for
		 * (and no more), then decode the rest as unpadded text. */
		size_t g = group_chars(d), np = 0;
		if (len % g)
			return CAIRN_E_BASE_PADDING;
		while (np < len && in[len - 1 - np] == '=')
			np++;
		size_t data = len - np;
		size_t want = (g - ((data * d->param + d->param - 1) / d->param) % g) % g;
		if (np != want || np >= g || (data * d->param) % 8 >= d->param)
			return CAIRN_E_BASE_PADDING;
		len = data;
	}
	/* Characters first: "not in the alphabet" is the more useful report. */
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		if (c == '=')
			return CAIRN_E_BASE_PADDING;
		if (table[c] == 0xff)
			return CAIRN_E_BASE_CHAR;
	}
	/* A final group of k characters must carry fewer than 8 spare bits. */
	if ((len * d->param) % 8 >= d->param)
		return CAIRN_E_BASE_PADDING;
	size_t need = len * d->param / 8;
	if (need > cap)
		return CAIRN_E_BUFFER;
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		acc = (acc << d->param) | table[(unsigned char)in[i]];
		bits += d->param;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (uint8_t)(acc >> bits);
		}
	}
	/* Spare bits must be zero, or two texts would name the same bytes. */
	if (bits && (acc & ((1u << bits) - 1)))
		return CAIRN_E_BASE_PADDING;
	*outlen = o;
	return CAIRN_OK;
}

static int bignum_decode(const struct base_def *d, const char *in, size_t len,
                         uint8_t *out, size_t cap, size_t *outlen)
{
	uint8_t table[256];
	build_table(d, table);
	size_t zeros = 0;
	while (zeros < len && in[zeros] == d->alphabet[0])
		zeros++;
	if (zeros > cap)
		return CAIRN_E_BUFFER;
	/* Bytes accumulate little-endian in out[zeros..], reversed at the end. */
	uint8_t *b = out + zeros;
	size_t room = cap - zeros;
	size_t n = 0;
	for (size_t i = zeros; i < len; i++) {
		uint8_t v = table[(unsigned char)in[i]];
		if (v == 0xff)
			return CAIRN_E_BASE_CHAR;
		uint32_t carry = v;
		for (size_t j = 0; j < n; j++) {
			carry += (uint32_t)b[j] * d->param;
			b[j] = (uint8_t)carry;
			carry >>= 8;
		}
		while (carry) {
			if (n >= room)
				return CAIRN_E_BUFFER;
			b[n++] = (uint8_t)carry;
			carry >>= 8;
		}
	}
	for (size_t i = 0; i < n / 2; i++) {
		uint8_t t = b[i];
		b[i] = b[n - 1 - i];
		b[n - 1 - i] = t;
	}
	memset(out, 0, zeros);
	*outlen = zeros + n;
	return CAIRN_OK;
}

int cairn_base_decode(cairn_base base, const char *in, size_t len,
                      uint8_t *out, size_t cap, size_t *outlen)
{
	const struct base_def *d = find_def(base);
	if (!d)
		return CAIRN_E_BASE_UNKNOWN;
	if (d->family == RFC4648)
		return rfc4648_decode(d, in, len, out, cap, outlen);
	return bignum_decode(d, in, len, out, cap, outlen);
}

int cairn_multibase_decode(const char *in, size_t len, uint8_t *out, size_t cap,
                           size_t *outlen, cairn_base *base)
{
	if (len == 0)
		return CAIRN_E_EMPTY;
	cairn_base b;
	int rc = cairn_base_from_prefix(in[0], &b);
	if (rc)
		return rc;
	rc = cairn_base_decode(b, in + 1, len - 1, out, cap, outlen);
	if (rc == CAIRN_OK && base)
		*base = b;
	return rc;
}

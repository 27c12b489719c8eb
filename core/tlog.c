#include "cairn/tlog.h"

#include "cairn/error.h"
#include "cairn/multibase.h"

#include <string.h>

#define B64_HASH 44 /* base64 of 32 bytes, with padding */

/* The line at *at (without its "\n"): 0 with *line, *n set and *at past
 * the newline; -1 if no newline is left. */
static int next_line(const char *text, size_t len, size_t *at, const char **line, size_t *n)
{
	const char *nl = *at < len ? memchr(text + *at, '\n', len - *at) : NULL;
	if (!nl)
		return -1;
	*line = text + *at;
	*n = (size_t)(nl - *line);
	*at += *n + 1;
	return 0;
}

/* A decimal without leading zeros that fits 64 bits: 0 or -1. */
static int decimal(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	if (n == 0 || n > 20 || (n > 1 && s[0] == '0'))
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		unsigned d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

static int hash_b64(const char *s, size_t n, uint8_t out[32])
{
	size_t got;
	return n == B64_HASH && cairn_base_decode(CAIRN_BASE64PAD, s, n, out, 32, &got) == CAIRN_OK &&
	               got == 32
	           ? 0
	           : -1;
}

int cairn_tlog_proof_parse(const char *text, size_t len, cairn_tlog_proof *p)
{
	size_t at = 0, n, hl = strlen(CAIRN_TLOG_PROOF_HEADER);
	const char *l;
	memset(p, 0, sizeof *p);
	if (next_line(text, len, &at, &l, &n) != 0 || n != hl || memcmp(l, CAIRN_TLOG_PROOF_HEADER, hl) != 0)
		return CAIRN_E_TLOG;
	if (next_line(text, len, &at, &l, &n) != 0)
		return CAIRN_E_TLOG;
	if (n > 6 && memcmp(l, "extra ", 6) == 0) {
		/* undecoded here: the caller decodes it into a buffer of its own */
		p->extra = l + 6;
		p->extra_len = n - 6;
		if (next_line(text, len, &at, &l, &n) != 0)
			return CAIRN_E_TLOG;
	}
	if (n < 7 || memcmp(l, "index ", 6) != 0 || decimal(l + 6, n - 6, &p->index) != 0)
		return CAIRN_E_TLOG;
	for (;;) {
		if (next_line(text, len, &at, &l, &n) != 0)
			return CAIRN_E_TLOG;
		if (n == 0)
			break;
		if (p->npath == CAIRN_MERKLE_MAX_PATH || hash_b64(l, n, p->path[p->npath]) != 0)
			return CAIRN_E_TLOG;
		p->npath++;
	}
	if (at == len)
		return CAIRN_E_TLOG;
	p->note = text + at;
	p->note_len = len - at;
	return CAIRN_OK;
}

int cairn_tlog_witness_parse(const char *text, size_t len, cairn_tlog_witness_req *r)
{
	size_t at = 0, n;
	const char *l;
	memset(r, 0, sizeof *r);
	if (next_line(text, len, &at, &l, &n) != 0 || n < 5 || memcmp(l, "old ", 4) != 0 ||
	    decimal(l + 4, n - 4, &r->old) != 0) {
		r->why = "the body starts with \"old <size>\" (a decimal, no leading zeros)";
		return CAIRN_E_TLOG;
	}
	for (;;) {
		if (next_line(text, len, &at, &l, &n) != 0) {
			r->why = "no blank line after the consistency proof";
			return CAIRN_E_TLOG;
		}
		if (n == 0)
			break;
		if (r->nproof == CAIRN_TLOG_WITNESS_PROOF_MAX) {
			r->why = "more than 63 consistency proof lines";
			return CAIRN_E_TLOG;
		}
		if (hash_b64(l, n, r->proof[r->nproof]) != 0) {
			r->why = "a consistency proof line is not a base64 SHA-256 hash";
			return CAIRN_E_TLOG;
		}
		r->nproof++;
	}
	r->note = text + at;
	r->note_len = len - at;
	return CAIRN_OK;
}

size_t cairn_tlog_proof_size(size_t extra_len, size_t npath, size_t note_len)
{
	size_t b64 = (extra_len + 2) / 3 * 4;
	return strlen(CAIRN_TLOG_PROOF_HEADER) + 1 + (extra_len ? 7 + b64 : 0) + 7 + 20 +
	       npath * (B64_HASH + 1) + 1 + note_len + 1;
}

int cairn_tlog_proof_write(const uint8_t *extra, size_t extra_len, uint64_t index,
                           const uint8_t (*path)[32], size_t npath, const char *note,
                           size_t note_len, char *out, size_t cap, size_t *written)
{
	size_t at, n;
	char digits[21];
	int d = 0;
	if (npath > CAIRN_MERKLE_MAX_PATH)
		return CAIRN_E_INVAL;
	if (cap < cairn_tlog_proof_size(extra_len, npath, note_len))
		return CAIRN_E_BUFFER;
	at = strlen(CAIRN_TLOG_PROOF_HEADER);
	memcpy(out, CAIRN_TLOG_PROOF_HEADER "\n", at + 1);
	at++;
	if (extra && extra_len) {
		memcpy(out + at, "extra ", 6);
		at += 6;
		if (cairn_base_encode(CAIRN_BASE64PAD, extra, extra_len, out + at, cap - at, &n) != CAIRN_OK)
			return CAIRN_E_BUFFER;
		at += n;
		out[at++] = '\n';
	}
	memcpy(out + at, "index ", 6);
	at += 6;
	do
		digits[d++] = (char)('0' + index % 10);
	while ((index /= 10) > 0);
	while (d > 0)
		out[at++] = digits[--d];
	out[at++] = '\n';
	for (size_t i = 0; i < npath; i++) {
		if (cairn_base_encode(CAIRN_BASE64PAD, path[i], 32, out + at, cap - at, &n) != CAIRN_OK)
			return CAIRN_E_BUFFER;
		at += n;
		out[at++] = '\n';
	}
	out[at++] = '\n';
	memcpy(out + at, note, note_len);
	at += note_len;
	out[at] = '\0';
	*written = at;
	return CAIRN_OK;
}

int cairn_tlog_checkpoint_parse(const char *note, size_t len, const char **origin,
                                size_t *origin_len, uint64_t *size, uint8_t root[32])
{
	size_t at = 0, n;
	const char *l;
	if (next_line(note, len, &at, &l, &n) != 0 || n == 0)
		return CAIRN_E_TLOG;
	/* a note's text has no control characters but its newlines */
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)l[i] < 0x20 || l[i] == 0x7f)
			return CAIRN_E_TLOG;
	*origin = l;
	*origin_len = n;
	if (next_line(note, len, &at, &l, &n) != 0 || decimal(l, n, size) != 0)
		return CAIRN_E_TLOG;
	if (next_line(note, len, &at, &l, &n) != 0 || hash_b64(l, n, root) != 0)
		return CAIRN_E_TLOG;
	return CAIRN_OK;
}

#include "proof_input.h"
#include "proof_bundle.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

/* the reason given for text that is not JSON: jansson's, and where */
#define WHY_MAX 300

/* The line count in b[0..n). */
static unsigned long lines_in(const char *b, size_t n)
{
	unsigned long l = 0;
	for (const char *e = b + n; (b = memchr(b, '\n', (size_t)(e - b))); b++)
		l++;
	return l;
}

static size_t skip_space(const char *b, size_t len, size_t at)
{
	while (at < len && (b[at] == ' ' || b[at] == '\t' || b[at] == '\r' || b[at] == '\n'))
		at++;
	return at;
}

void proof_input_values(const char *b, size_t len, unsigned long first, proof_input_fn fn, void *arg)
{
	size_t at = skip_space(b, len, 0);
	int array = at < len && b[at] == '[';
	char why[WHY_MAX];
	if (array)
		at = skip_space(b, len, at + 1);
	while (at < len && !(array && b[at] == ']')) {
		json_error_t jerr;
		unsigned long line = first + lines_in(b, at);
		json_t *p = json_loadb(b + at, len - at, JSON_DISABLE_EOF_CHECK | JSON_DECODE_ANY, &jerr);
		if (p) {
			fn(arg, line, p, NULL);
			json_decref(p);
			/* on success, jansson's position is the bytes it read */
			at = skip_space(b, len, at + (size_t)jerr.position);
			if (array && at < len && b[at] == ',') {
				at = skip_space(b, len, at + 1);
			} else if (array && (at >= len || b[at] != ']')) {
				fn(arg, first + lines_in(b, at), NULL,
				   "malformed input: the array of proofs is not closed");
				return;
			}
			continue;
		}
		/* named by the line it starts at, as a proof that parses is */
		snprintf(why, sizeof why, "malformed proof: not JSON: %s (line %lu)", jerr.text,
		         line + (jerr.line > 1 ? (unsigned long)jerr.line - 1 : 0));
		fn(arg, line, NULL, why);
		/* on to the next line that opens a value */
		const char *nx = b + at, *end = b + len;
		while ((nx = memchr(nx, '\n', (size_t)(end - nx))) && ++nx < end && *nx != '{')
			;
		if (!nx || nx >= end)
			return;
		at = (size_t)(nx - b);
	}
}

/* The rest of `in` after `head` (hlen bytes), read whole and handed to
 * proof_input_values. 0, or an errno value. */
static int read_rest(FILE *in, const char *head, size_t hlen, unsigned long first, proof_input_fn fn,
                     void *arg)
{
	char *rest = NULL, buf[65536];
	size_t rl = 0, got;
	int rc = 0;
	FILE *m = open_memstream(&rest, &rl);
	if (!m)
		return ENOMEM;
	fwrite(head, 1, hlen, m);
	while ((got = fread(buf, 1, sizeof buf, in)) > 0)
		fwrite(buf, 1, got, m);
	if (ferror(in))
		rc = errno ? errno : EIO;
	if (fclose(m) != 0 && !rc)
		rc = ENOMEM;
	if (!rc)
		proof_input_values(rest, rl, first, fn, arg);
	free(rest);
	return rc;
}

/* The state of a bundle being read (proof_bundle.h): its lines up to the
 * checkpoint's signatures, which end it. */
struct bundle {
	FILE *m;
	char *text;
	size_t len;
	unsigned long line; /* where it starts */
	int blanks;         /* blank lines seen: the second opens the signatures */
	int sigs;           /* signature lines seen */
};

/* Hand the bundle on (as the proof it holds, or why not). */
static void bundle_end(struct bundle *b, proof_input_fn fn, void *arg)
{
	char why[WHY_MAX];
	if (fclose(b->m) != 0) {
		fn(arg, b->line, NULL, "out of memory reading a tlog-proof");
	} else {
		json_t *p = proof_bundle_json(b->text, b->len, why, sizeof why);
		fn(arg, b->line, p, p ? NULL : why);
		json_decref(p);
	}
	free(b->text);
	b->m = NULL;
	b->text = NULL;
}

int proof_input_read(FILE *in, proof_input_fn fn, void *arg)
{
	char *line = NULL, why[WHY_MAX];
	size_t cap = 0;
	ssize_t n;
	unsigned long lno = 0;
	int per_line = 0, rc = 0;
	struct bundle b = {0};
	errno = 0;
	while ((n = getline(&line, &cap, in)) > 0) {
		lno++;
		size_t l = (size_t)n, s = skip_space(line, l, 0);
		/* a tlog-proof: its lines as they are, to the end of its
		 * checkpoint's signatures (the first line that is not one) */
		if (b.m) {
			int blank = line[0] == '\n' || (line[0] == '\r' && line[1] == '\n');
			int sig = strncmp(line, "\xe2\x80\x94 ", 4) == 0;
			if (b.blanks < 2 || sig || (blank && b.sigs == 0)) {
				b.blanks += blank;
				b.sigs += sig && b.blanks >= 2;
				fwrite(line, 1, (size_t)n, b.m);
				continue;
			}
			bundle_end(&b, fn, arg);
		}
		if (proof_bundle_is(line + s, (size_t)n - s)) {
			per_line = 1;
			b = (struct bundle){.line = lno};
			if (!(b.m = open_memstream(&b.text, &b.len))) {
				rc = ENOMEM;
				goto done;
			}
			fwrite(line + s, 1, (size_t)n - s, b.m);
			continue;
		}
		while (l > s && strchr(" \t\r\n", line[l - 1]))
			l--;
		if (s == l)
			continue; /* blank lines separate nothing */
		json_error_t jerr;
		json_t *p = json_loadb(line + s, l - s, JSON_DECODE_ANY, &jerr);
		/* the first value decides the layout: whole on its line, or not */
		if (!per_line && (line[s] == '[' || (!p && (size_t)jerr.position >= l - s))) {
			json_decref(p);
			rc = read_rest(in, line, (size_t)n, lno, fn, arg);
			goto done;
		}
		per_line = 1;
		if (p) {
			fn(arg, lno, p, NULL);
			json_decref(p);
		} else {
			snprintf(why, sizeof why, "malformed proof: not JSON: %s (column %d)", jerr.text,
			         jerr.column);
			fn(arg, lno, NULL, why);
		}
		errno = 0;
	}
	if (ferror(in))
		rc = errno ? errno : EIO;
	if (b.m)
		bundle_end(&b, fn, arg);
done:
	if (b.m) {
		fclose(b.m);
		free(b.text);
	}
	free(line);
	return rc;
}

/* How cairn audit reads a file of proofs (anchor/proof_input): any bytes,
 * through the stream reader and the whole-buffer reader. Every value is
 * handed on with a line inside the input, in order, with either a JSON
 * value or a reason; an input that is one JSON array is handed on element
 * by element, equal to what jansson reads, and a file of one JSON value
 * per line yields exactly those values at those lines. */
#include "fuzz.h"
#include "proof_input.h"

#include <jansson.h>

struct seen {
	unsigned long lines; /* the input's line count */
	unsigned long last, n;
	json_t *values;      /* what was handed on, in order (NULL: not JSON) */
	json_t *at;          /* their lines */
};

static void on_value(void *arg, unsigned long line, json_t *p, const char *why)
{
	struct seen *s = arg;
	FUZZ_CHECK(line >= 1 && line <= s->lines);
	FUZZ_CHECK(line >= s->last);
	FUZZ_CHECK((p != NULL) != (why != NULL));
	s->last = line;
	s->n++;
	json_array_append_new(s->values, p ? json_deep_copy(p) : json_null());
	json_array_append_new(s->at, json_integer((json_int_t)line));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *b = (const char *)data;
	unsigned long lines = 1;
	for (size_t i = 0; i < size; i++)
		lines += b[i] == '\n';
	struct seen s = {lines, 0, 0, json_array(), json_array()};
	struct seen w = {lines, 0, 0, json_array(), json_array()};

	proof_input_values(b, size, 1, on_value, &w);
	FUZZ_CHECK(w.n <= size + 1);
	FILE *in = size ? fmemopen((void *)b, size, "r") : NULL;
	if (in) {
		FUZZ_CHECK(proof_input_read(in, on_value, &s) == 0);
		fclose(in);
		FUZZ_CHECK(s.n <= size + 1);
	}

	/* one JSON array: its elements, in order, from both readers */
	json_error_t jerr;
	size_t lead = 0;
	while (lead < size && strchr(" \t\r\n", b[lead]) && b[lead])
		lead++;
	json_t *all = json_loadb(b, size, JSON_DECODE_ANY, &jerr);
	if (all && json_is_array(all) && lead < size && b[lead] == '[' && !memchr(b, '\0', size)) {
		FUZZ_CHECK(json_equal(all, w.values));
		if (in)
			FUZZ_CHECK(json_equal(all, s.values));
	}
	json_decref(all);

	/* one value per line (no blank line, each whole on its line): the
	 * stream reader hands on exactly those, at those lines */
	if (in && size && b[size - 1] == '\n' && !memchr(b, '\0', size)) {
		json_t *want = json_array(), *want_at = json_array();
		int every = 1;
		const char *p = b, *end = b + size;
		for (unsigned long l = 1; p < end && every; l++) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			json_t *v = json_loadb(p, (size_t)(nl - p), JSON_DECODE_ANY, &jerr);
			every = v && json_is_object(v);
			if (v) {
				json_array_append_new(want, v);
				json_array_append_new(want_at, json_integer((json_int_t)l));
			}
			p = nl + 1;
		}
		if (every) {
			FUZZ_CHECK(json_equal(want, s.values));
			FUZZ_CHECK(json_equal(want_at, s.at));
		}
		json_decref(want);
		json_decref(want_at);
	}
	json_decref(s.values);
	json_decref(s.at);
	json_decref(w.values);
	json_decref(w.at);
	return 0;
}

/* Anchoring proofs as cairn audit reads them (JSON, then the offline
 * checks: fields, inclusion path, checkpoint signature by the PeerID it
 * names, checkpoint size and root). A proof that passes has its leaf
 * inside the tree, and passes again after a round trip through JSON text;
 * changing its index makes it fail. The seeds are real proofs. */
#include "fuzz.h"
#include "proof_check.h"

#include <jansson.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[512];
	json_error_t jerr;
	json_t *p = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &jerr);
	if (!p)
		return 0;
	if (json_is_object(p) && proof_check_offline(p, NULL, why, sizeof why) == 0) {
		json_int_t index = json_integer_value(json_object_get(p, "index"));
		json_int_t tree = json_integer_value(json_object_get(p, "size"));
		FUZZ_CHECK(index >= 0 && index < tree);
		char *text = json_dumps(p, JSON_COMPACT);
		json_t *q = text ? json_loads(text, 0, &jerr) : NULL;
		FUZZ_CHECK(q && proof_check_offline(q, NULL, why, sizeof why) == 0);
		json_object_set_new(q, "index", json_integer(index ^ 1));
		FUZZ_CHECK(proof_check_offline(q, NULL, why, sizeof why) != 0);
		json_decref(q);
		free(text);
	}
	json_decref(p);
	return 0;
}

/* C2SP tlog-proof bundles and checkpoints (core's cairn/tlog.h): a bundle
 * the parser accepts, written again from its parts, is the same bytes
 * (canonical decimals and base64, the note verbatim); and the note's first
 * lines, when they read as a checkpoint, name a size and root that a
 * checkpoint written from them reads back the same. */
#include "fuzz.h"
#include "cairn/error.h"
#include "cairn/multibase.h"
#include "cairn/tlog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static cairn_tlog_proof p;
	static uint8_t extra[65536];
	static char out[200000];
	size_t el = 0, n;
	const char *text = (const char *)data;
	if (cairn_tlog_proof_parse(text, size, &p) != CAIRN_OK)
		return 0;
	FUZZ_CHECK(p.npath <= CAIRN_MERKLE_MAX_PATH && p.note_len > 0);
	FUZZ_CHECK(p.note >= text && p.note + p.note_len == text + size);
	if (p.extra && cairn_base_decode(CAIRN_BASE64PAD, p.extra, p.extra_len, extra, sizeof extra, &el) != 0)
		return 0; /* the extra line is checked by whoever decodes it */
	FUZZ_CHECK(!p.extra || el > 0);
	FUZZ_CHECK(cairn_tlog_proof_size(el, p.npath, p.note_len) <= sizeof out);
	FUZZ_CHECK(cairn_tlog_proof_write(p.extra ? extra : NULL, el, p.index, (const uint8_t(*)[32])p.path,
	                                  p.npath, p.note, p.note_len, out, sizeof out, &n) == CAIRN_OK);
	FUZZ_CHECK(n == size && memcmp(out, data, size) == 0);
	const char *origin;
	size_t ol;
	uint64_t tree;
	uint8_t root[32];
	if (cairn_tlog_checkpoint_parse(p.note, p.note_len, &origin, &ol, &tree, root) == CAIRN_OK) {
		char cp[512], b64[64];
		uint64_t tree2;
		uint8_t root2[32];
		const char *o2;
		size_t ol2;
		FUZZ_CHECK(ol > 0 && memchr(origin, '\n', ol) == NULL);
		if (ol > 300)
			return 0;
		cairn_base_encode(CAIRN_BASE64PAD, root, 32, b64, sizeof b64, NULL);
		int cl = snprintf(cp, sizeof cp, "%.*s\n%llu\n%s\n", (int)ol, origin, (unsigned long long)tree, b64);
		FUZZ_CHECK(cairn_tlog_checkpoint_parse(cp, (size_t)cl, &o2, &ol2, &tree2, root2) == CAIRN_OK);
		FUZZ_CHECK(ol2 == ol && tree2 == tree && memcmp(root2, root, 32) == 0);
		FUZZ_CHECK((size_t)cl <= p.note_len && memcmp(cp, p.note, (size_t)cl) == 0);
	}
	return 0;
}

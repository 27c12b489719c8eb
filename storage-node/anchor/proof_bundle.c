#include "proof_bundle.h"
#include "proof_check.h"

#include "cairn/multibase.h"
#include "cairn/tlog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* the chain fields, in the order the extra JSON gives them */
static const char *const chain_fields[] = {"chain", "tx", "block", "block_hash", "time"};
#define EXTRA_MAX 4096 /* a CID and the anchor's fields take a few hundred bytes */

int proof_bundle_is(const char *text, size_t len)
{
	size_t hl = strlen(CAIRN_TLOG_PROOF_HEADER);
	return len > hl && memcmp(text, CAIRN_TLOG_PROOF_HEADER, hl) == 0 &&
	       (text[hl] == '\n' || text[hl] == '\r');
}

char *proof_bundle_text(json_t *proof, char *why, size_t cap)
{
	json_t *path = json_object_get(proof, "path"), *extra = json_object();
	const char *note = json_string_value(json_object_get(proof, "checkpoint"));
	json_t *cid = json_object_get(proof, "cid"), *index = json_object_get(proof, "index");
	uint8_t hashes[CAIRN_MERKLE_MAX_PATH][32];
	char *ej = NULL, *out = NULL;
	size_t np = json_array_size(path), n;
	if (!extra || !note || !json_is_string(cid) || !json_is_integer(index) ||
	    json_integer_value(index) < 0 || !json_is_array(path) || np > CAIRN_MERKLE_MAX_PATH) {
		snprintf(why, cap, "not a proof object");
		goto done;
	}
	for (size_t i = 0; i < np; i++)
		if (proof_unhex(json_string_value(json_array_get(path, i)), hashes[i], 32) != 0) {
			snprintf(why, cap, "path[%zu] is not a hash", i);
			goto done;
		}
	json_object_set(extra, "cid", cid);
	for (size_t i = 0; i < sizeof chain_fields / sizeof chain_fields[0]; i++) {
		json_t *v = json_object_get(proof, chain_fields[i]);
		if (v && json_object_get(proof, "tx"))
			json_object_set(extra, chain_fields[i], v);
	}
	if (!(ej = json_dumps(extra, JSON_COMPACT | JSON_PRESERVE_ORDER))) {
		snprintf(why, cap, "out of memory");
		goto done;
	}
	size_t need = cairn_tlog_proof_size(strlen(ej), np, strlen(note));
	if (!(out = malloc(need)) ||
	    cairn_tlog_proof_write((const uint8_t *)ej, strlen(ej), (uint64_t)json_integer_value(index),
	                           (const uint8_t(*)[32])hashes, np, note, strlen(note), out, need, &n) != 0) {
		snprintf(why, cap, "out of memory");
		free(out);
		out = NULL;
	}
done:
	free(ej);
	json_decref(extra);
	return out;
}

json_t *proof_bundle_json(const char *text, size_t len, char *why, size_t cap)
{
	cairn_tlog_proof b;
	uint8_t raw[EXTRA_MAX], root[32];
	size_t rl = 0, ol;
	const char *origin;
	uint64_t size;
	char hex[65];
	json_t *extra = NULL, *p = NULL, *path;
	if (cairn_tlog_proof_parse(text, len, &b) != 0) {
		snprintf(why, cap, "malformed tlog-proof: not c2sp.org/tlog-proof@v1 (header, [extra], "
		         "index, base64 hashes, a blank line, the checkpoint)");
		return NULL;
	}
	if (!b.extra || cairn_base_decode(CAIRN_BASE64PAD, b.extra, b.extra_len, raw, sizeof raw, &rl) != 0 ||
	    !(extra = json_loadb((const char *)raw, rl, 0, NULL)) || !json_is_object(extra) ||
	    !json_is_string(json_object_get(extra, "cid"))) {
		snprintf(why, cap, "malformed tlog-proof: its extra line must be base64 JSON naming the \"cid\"");
		goto fail;
	}
	if (cairn_tlog_checkpoint_parse(b.note, b.note_len, &origin, &ol, &size, root) != 0) {
		snprintf(why, cap, "malformed tlog-proof: the checkpoint does not start with origin, size and root");
		goto fail;
	}
	if (!(p = json_object()) || !(path = json_array()))
		goto oom;
	json_object_set(p, "cid", json_object_get(extra, "cid"));
	json_object_set_new(p, "index", json_integer((json_int_t)b.index));
	json_object_set_new(p, "size", json_integer((json_int_t)size));
	cairn_base_encode(CAIRN_BASE16, root, 32, hex, sizeof hex, NULL);
	json_object_set_new(p, "root", json_string(hex));
	for (size_t i = 0; i < b.npath; i++) {
		cairn_base_encode(CAIRN_BASE16, b.path[i], 32, hex, sizeof hex, NULL);
		json_array_append_new(path, json_string(hex));
	}
	json_object_set_new(p, "path", path);
	for (size_t i = 0; i < sizeof chain_fields / sizeof chain_fields[0]; i++) {
		json_t *v = json_object_get(extra, chain_fields[i]);
		if (v)
			json_object_set(p, chain_fields[i], v);
	}
	json_t *note = json_stringn(b.note, b.note_len);
	if (!note) {
		snprintf(why, cap, "malformed tlog-proof: the checkpoint is not UTF-8 text");
		goto fail;
	}
	json_object_set_new(p, "checkpoint", note);
	json_decref(extra);
	return p;
oom:
	snprintf(why, cap, "out of memory");
fail:
	json_decref(extra);
	json_decref(p);
	return NULL;
}

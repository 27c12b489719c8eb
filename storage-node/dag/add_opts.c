#include "add_opts.h"

#include "cairn/error.h"

#include <stdio.h>

#define ERR(...) snprintf(err, CAIRN_ERR_MAX, __VA_ARGS__)

int add_opts_resolve(int cid_version, const char *hash, int raw_leaves, const char *chunker,
                     cairn_importer_opts *o, char *err)
{
	uint64_t code;
	if (cid_version > 1 || cid_version < -1) {
		ERR("unknown CID version %d (use 0 or 1)", cid_version);
		return -1;
	}
	if (hash) {
		if (cairn_mh_from_name(hash, &code) || code == CAIRN_MH_IDENTITY) {
			ERR("unsupported hash '%s' (use sha2-256 or blake3)", hash);
			return -1;
		}
		if (code != CAIRN_MH_SHA2_256 && cid_version == 0) {
			ERR("CIDv0 only supports sha2-256 (got hash %s)", hash);
			return -1;
		}
	} else {
		code = cid_version == 0 ? CAIRN_MH_SHA2_256 : CAIRN_MH_BLAKE3;
	}
	if (chunker) {
		switch (cairn_chunker_parse(chunker, &o->chunk_size)) {
		case CAIRN_OK:
			break;
		case CAIRN_E_LIMIT:
			ERR("chunk size in '%s' must be between 1 and %d", chunker, CAIRN_CHUNK_SIZE_MAX);
			return -1;
		default:
			ERR("unsupported chunker '%s' (use size-N)", chunker);
			return -1;
		}
	}
	o->hash = code;
	o->cid_version = cid_version == 0 ? 0 : 1;
	o->raw_leaves = raw_leaves >= 0 ? raw_leaves : o->cid_version == 1;
	return 0;
}

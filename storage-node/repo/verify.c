#include "verify.h"

#include "repo.h"

#include <stdio.h>
#include <stdlib.h>

void verify_start(verify_run *v, blockstore *bs, void (*on_bad)(void *, const cairn_cid *, const char *),
                  void *ctx)
{
	blockstore_iter_init(&v->it, bs);
	v->ok = v->bad = 0;
	v->on_bad = on_bad;
	v->ctx = ctx;
}

int verify_step(verify_run *v, uint64_t max_bytes, char *err)
{
	uint64_t read = 0;
	cairn_multihash mh;
	uint64_t size;
	int rc;

	while (read < max_bytes && (rc = blockstore_iter_next(&v->it, &mh, &size, err)) == 1) {
		cairn_cid cid = {.version = 1, .codec = CAIRN_CODEC_RAW, .mh = mh};
		uint8_t *data;
		size_t len;
		char gerr[CAIRN_ERR_MAX];
		read += size;
		int g = blockstore_get_disk(v->it.bs, &cid, &data, &len, gerr);
		if (g == 0) {
			free(data);
			v->ok++;
		} else if (g != BS_NOT_FOUND) {
			v->bad++;
			v->on_bad(v->ctx, &cid, g == BS_CORRUPT ? "corrupt: its bytes do not hash to its name" : gerr);
		}
	}
	if (read >= max_bytes)
		return 1;
	return rc;
}

void verify_end(verify_run *v)
{
	blockstore_iter_close(&v->it);
}

/*
 * repo verify: re-hash every stored block, in steps, so the daemon can
 * verify while it serves (one step per event-loop turn) and the CLI the
 * same way in a loop.
 */
#ifndef CAIRN_VERIFY_H
#define CAIRN_VERIFY_H

#include "blockstore.h"

/* A step reads about this many bytes of blocks before yielding. */
#define VERIFY_STEP_BYTES (8u * 1024 * 1024)

typedef struct verify_run {
	blockstore_iter it;
	uint64_t ok, bad;
	/* a damaged block: its CID (v1, raw: blocks are kept by multihash) and why */
	void (*on_bad)(void *ctx, const cairn_cid *cid, const char *why);
	void *ctx;
} verify_run;

void verify_start(verify_run *v, blockstore *bs, void (*on_bad)(void *, const cairn_cid *, const char *),
                  void *ctx);

/* Verify blocks until about max_bytes were read. 1 (more to do), 0 (done),
 * -1 (err set: the walk itself failed). A block removed meanwhile (GC) is
 * skipped, not damaged. */
int verify_step(verify_run *v, uint64_t max_bytes, char *err);

void verify_end(verify_run *v);

#endif

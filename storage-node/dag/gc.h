/*
 * Garbage collection: mark every block reachable from a pin (recursive pins
 * by walking their DAGs, direct pins alone) or from a pinned pinning service
 * request, then remove every other block,
 * and leftover temporary files from interrupted writes.
 */
#ifndef CAIRN_GC_H
#define CAIRN_GC_H

#include "repo.h"

typedef struct gc_result {
	uint64_t kept, removed, freed_bytes;
	uint64_t missing; /* pinned blocks that were not there to mark */
	uint64_t temp_files, temp_bytes; /* left by interrupted writes, removed */
} gc_result;

/* on_removed (may be NULL) is told each removed block; on_progress (may
 * be NULL) where the GC is, often: blocks marked live so far (swept 0),
 * then blocks the sweep has looked at. 0 or -1 (err). */
int repo_gc(repo *r, void (*on_removed)(void *ctx, const cairn_multihash *mh),
            void (*on_progress)(void *ctx, uint64_t marked, uint64_t swept), void *ctx,
            gc_result *res, char *err);

#endif

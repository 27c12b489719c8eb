/*
 * Garbage collection: mark every block reachable from a pin (recursive pins
 * by walking their DAGs, direct pins alone) or from a pinned pinning service
 * request, then remove every other block,
 * and leftover temporary files from interrupted writes.
 *
 * In a cluster (an index in PostgreSQL) the pins are every node's, and
 * uploads in flight on other nodes have blocks that no pin reaches yet:
 * only blocks stored (or met by a put) more than Datastore.GCGraceSeconds
 * ago are removed, each in one step with that check (bs_backend.h), and
 * one GC runs at a time in the cluster (an advisory lock). An upload
 * must finish within the grace window.
 */
#ifndef CAIRN_GC_H
#define CAIRN_GC_H

#include "repo.h"

typedef struct gc_result {
	uint64_t kept, removed, freed_bytes;
	uint64_t missing; /* pinned blocks that were not there to mark */
	uint64_t temp_files, temp_bytes; /* left by interrupted writes, removed */
	uint64_t young;   /* unreachable, kept: inside the grace window */
} gc_result;

/* The grace window's default in a cluster, seconds. */
#define GC_GRACE_CLUSTER 3600

/* Datastore.GCGraceSeconds, else GC_GRACE_CLUSTER with an index in
 * PostgreSQL, else 0 (one node: its GC and its writers exclude each other). */
int64_t gc_grace_seconds(const repo *r);

/* on_removed (may be NULL) is told each removed block; on_progress (may
 * be NULL) where the GC is, often: blocks marked live so far (swept 0),
 * then blocks the sweep has looked at. 0 or -1 (err). */
int repo_gc(repo *r, void (*on_removed)(void *ctx, const cairn_multihash *mh),
            void (*on_progress)(void *ctx, uint64_t marked, uint64_t swept), void *ctx,
            gc_result *res, char *err);

#endif

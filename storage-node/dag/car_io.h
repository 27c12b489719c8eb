/*
 * CARs in and out of the repo.
 *   stream_car    a CARv1 body for a root (DFS, no duplicates, a scope)
 *   car_import    a push parser: feed a CAR in any slicing; every block is
 *                 re-hashed against its CID before it is stored, so a CAR
 *                 can never put a block under a name it does not have
 */
#ifndef CAIRN_CAR_IO_H
#define CAIRN_CAR_IO_H

#include "source.h"
#include "repo.h"
#include "bs_writer.h"

/* A CAR whose header names header_root: first the nprefix blocks of
 * prefix (the blocks a path was resolved through; copied), then the DAG
 * below root. Scope as dag_iter; [from, to) a byte range (to = UINT64_MAX
 * for all). */
stream_source *stream_car(blockstore *bs, const cairn_cid *header_root, const cairn_cid *prefix,
                          size_t nprefix, const cairn_cid *root, int scope, uint64_t from,
                          uint64_t to);

#define CAR_IMPORT_MAX_ROOTS 64

/*
 * The import reads the header into buf, then each section into a
 * block_buf of its own, sized by the section's length prefix: a block's
 * bytes are copied once from the caller's input, and whoever wants them
 * past on_block (a writer, a reply sent by reference) takes a reference
 * instead of a copy.
 */
typedef struct car_import {
	repo *r;
	uint8_t *buf;          /* the header, until it parses */
	size_t len, cap;
	int have_header;
	cairn_cid roots[CAR_IMPORT_MAX_ROOTS];
	size_t nroots;
	uint8_t head[10];      /* a section's length varint, as it arrives */
	size_t nhead;
	block_buf *sec;        /* the section being filled: head, CID, data */
	size_t sec_have;
	uint64_t blocks, bytes;
	int io_errno;          /* on failure: the errno of a storage error, 0 for bad input */
	int cache;             /* blocks are a cache: committed without flushing */
	bs_batch batch;        /* its own writes (made at the first block) */
	/* if set, blocks go to this writer stream instead (bs_writer.h): the
	 * caller commits it, and car_import_finish() only checks the input */
	bs_wstream *ws;
	/* called with each block once it is verified and put (may be NULL);
	 * data lies inside buf, which the callee may keep by reference */
	void (*on_block)(void *ctx, const cairn_cid *cid, block_buf *buf, const uint8_t *data,
	                 size_t len);
	void *on_block_ctx;
	char err[CAIRN_ERR_MAX];
} car_import;

void car_import_init(car_import *ci, repo *r);

/* Feed bytes. 0, or -1 with ci->err set (malformed CAR, a block that does
 * not match its CID, a write error). */
int car_import_feed(car_import *ci, const void *data, size_t n);

/* End of input: checks nothing is left over and makes the blocks durable.
 * 0 or -1 with ci->err set. */
int car_import_finish(car_import *ci);

/* Pin root recursively, if its whole DAG is now in r (a CAR's root, once
 * the CAR is imported). 0, or -1 with a reason in err (CAIRN_ERR_MAX
 * bytes; e.g. a block the CAR did not carry). */
int car_pin_root(repo *r, const cairn_cid *root, char *err);

/* Release the parser; blocks not yet made durable (a failed import) are
 * dropped. */
void car_import_free(car_import *ci);

#endif

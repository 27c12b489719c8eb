#ifndef CAIRN_ADD_SINK_H
#define CAIRN_ADD_SINK_H

#include <stdio.h>

#include "api_client.h"
#include "cairn/importer.h"
#include "mhset.h"
#include "repo.h"

/*
 * Where an add's blocks go: the repo, a running daemon, or nowhere
 * (--only-hash). Results are printed through the sink too, so that a CID
 * is shown only once its blocks are durable (a printed CID is a promise).
 */
typedef struct sink sink;
struct sink {
	/* store a block (NULL: only hash) */
	int (*put)(sink *s, const cairn_cid *cid, const cairn_iov *iov, size_t n);
	/* make what was put durable, then release the queued output */
	int (*commit)(sink *s);
	/* pin root recursively (after a commit) */
	int (*pin)(sink *s, const cairn_cid *root);
	/* append root to the anchoring log (after a commit); its leaf index
	 * into *index */
	int (*anchor)(sink *s, const cairn_cid *root, uint64_t *index);
	repo *r;                 /* the repo sink's */
	const api_client *api;   /* the daemon sink's */
	uint8_t *car;            /* queued CAR sections, for the daemon */
	size_t car_len, car_cap;
	cairn_cid car_first;
	size_t batch;            /* flush at this many queued bytes */
	mhset *sent;             /* blocks already queued or sent */
	FILE *out;               /* where result lines go until released */
	char *outbuf;
	size_t outlen;
	int anchored;            /* the last root was anchored, at this leaf index */
	uint64_t anchor_index;
	char err[CAIRN_ERR_MAX];
};

/* Set sk up: nowhere with only_hash, else the repo (opened into r), or
 * the daemon that holds it (reached through api). sent is the set of
 * blocks sent to a daemon (initialised here). 0, or an exit status with
 * the reason printed. */
int sink_open(sink *sk, int only_hash, repo *r, api_client *api, mhset *sent);

/* Release what sink_open took (closes the repo). */
void sink_close(sink *sk);

/* The importer's block callback: ctx is the sink. */
int sink_store_block(void *ctx, const cairn_cid *cid, const cairn_iov *iov, size_t n);

#endif

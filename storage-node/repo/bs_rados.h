/*
 * The RADOS backend (bs_backend.h): one object per block in a Ceph pool,
 * through librados.
 *
 *   object name  the block's key: base32 (lower case, no prefix) of its
 *                binary multihash, as flatfs names its files (without
 *                ".data"), e.g. ciqb...; in the pool's default namespace
 *   object data  the format byte, then the payload (docs/repo.md)
 *
 * put() starts an asynchronous exclusive create with the whole object
 * (one op: create + write_full, so no reader ever sees it half written)
 * and returns; commit() waits for a batch's writes. RADOS acknowledges a
 * write only once every replica has it on stable storage, so a committed
 * batch is durable as a flatfs commit is. Two nodes writing the same block
 * race harmlessly: one creates it, the other is told it exists (KNOWN).
 * At most BS_RADOS_INFLIGHT writes are in flight per store; put() waits
 * for one to finish beyond that, bounding memory (each holds a copy of
 * its object until RADOS has it).
 *
 * Each object carries an xattr BS_RADOS_XATTR_SEEN: when it was stored,
 * or last met by a put that found it stored (KNOWN), as 12 decimal digits
 * of Unix seconds. A GC with a grace window removes an object in one op
 * that first compares that mark with its cutoff (gc.h), so a block that a
 * writer on another node has just been told exists is never taken.
 *
 * Every operation has a timeout (TimeoutSeconds): a cluster that stops
 * answering fails operations with ETIMEDOUT instead of hanging them. After
 * one times out, the store fails new operations at once for
 * BS_RADOS_BACKOFF_MS, then lets them through again to find out whether
 * the cluster is back, so an event loop does not wait a timeout per
 * request while it is gone.
 */
#ifndef CAIRN_BS_RADOS_H
#define CAIRN_BS_RADOS_H

#include "bs_backend.h"

#define BS_RADOS_INFLIGHT 32
#define BS_RADOS_XATTR_SEEN "cairn.seen"
#define BS_RADOS_BACKOFF_MS 2000
/* Most blocks fit in this many bytes (a 256 KiB chunk and its dag-pb
 * wrapping): a read asks for this much with the object's size in one
 * round trip, and a second only for a larger object. */
#define BS_RADOS_READ_HINT (256 * 1024 + 256)
#define BS_RADOS_DEFAULT_CLIENT "client.admin"
#define BS_RADOS_DEFAULT_TIMEOUT 10

typedef struct bs_rados_conf {
	const char *conf_file; /* a ceph.conf: monitors, keyring */
	const char *pool;
	const char *client;    /* the entity, e.g. client.admin; NULL for that */
	int timeout_s;         /* connect and each operation; <= 0 for the default */
} bs_rados_conf;

/* Connect to the cluster and open the pool. The backend (freed by its
 * close()), or NULL with err set and errno kept: ETIMEDOUT when no
 * monitor answered, ENOENT when the pool does not exist. */
bs_backend *bs_rados_open(const bs_rados_conf *c, char *err);

#endif

/*
 * Kubo's rules for `add` options, shared by the CLI and the RPC API:
 * a hash other than sha2-256 needs CIDv1; CIDv1 implies raw leaves unless
 * raw-leaves is given; cairn's defaults are CIDv1 and blake3.
 */
#ifndef CAIRN_ADD_OPTS_H
#define CAIRN_ADD_OPTS_H

#include "cairn/error.h"
#include "cairn/importer.h"


/* cid_version and raw_leaves are -1 when not given, hash and chunker NULL.
 * layout is set by the caller. Returns 0, or -1 with a message in err. */
int add_opts_resolve(int cid_version, const char *hash, int raw_leaves, const char *chunker,
                     cairn_importer_opts *o, char *err);

#endif

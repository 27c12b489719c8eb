/*
 * UnixFS trees as tar archives (the gateway's ?format=tar): see tar.c for
 * the byte layout and the rules on names.
 */
#ifndef CAIRN_TAR_H
#define CAIRN_TAR_H

#include "dag.h"
#include "source.h"

/* A tar stream of the file, directory or symlink root, its top entry
 * named root_name (a CID's text, or the last path segment). Directories
 * are listed as they are reached (one directory's names in memory at a
 * time per level); files go out a block at a time. A name that could
 * leave the archive ends the stream with DAG_INVALID (where: the
 * directory), so a client never gets a tree the DAG did not hold. NULL
 * when out of memory or root_name is not a plain name. */
stream_source *stream_tar(blockstore *bs, const cairn_cid *root, const char *root_name);

#endif

/*
 * The flatfs backend (bs_backend.h): one file per object, under sharded
 * directories (Kubo's flatfs "next-to-last/2" scheme):
 *
 *   <root>/<2 chars>/<key>.data
 *
 * The shard is the two characters before the last of the key.
 *
 * put() writes a temporary file in the object's shard directory,
 * .tmp-<pid>-<n>; commit() makes a batch's data durable with one syncfs(),
 * only then renames the files to their names, and makes the renames
 * durable with a second syncfs(). So a name never points at data that is
 * not on disk, and a batch costs one flush instead of one per block.
 * Until then the objects are invisible: a crash leaves only temporary
 * files, which open() (after a writer that never closed) and clean()
 * remove. docs/repo.md has the crash rules.
 */
#ifndef CAIRN_BS_FLATFS_H
#define CAIRN_BS_FLATFS_H

#include "bs_backend.h"

/* In the root while a process may have temporary files in flight:
 * created before its first one, removed when it closes with none left.
 * Found at open, it means a writer was interrupted: its temporary files
 * are removed then. */
#define BS_DIRTY_MARK ".writing"

/* Create the 1024 shard directories under root (at repo init): creating
 * them on demand cost a mkdir per block written. 0 or -1 with err set. */
int bs_flatfs_create(const char *root, char *err);

/* Open the store under root (an existing directory). The backend
 * (malloc'd; freed by its close()), or NULL with err set. */
bs_backend *bs_flatfs_open(const char *root, char *err);

#endif

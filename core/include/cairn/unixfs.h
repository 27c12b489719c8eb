/**
 * @file unixfs.h
 * @brief UnixFS Data messages, carried in a dag-pb node's Data field.
 *
 * Schema (protobuf 2):
 *   message Data {
 *     required DataType Type = 1;     Raw 0, Directory 1, File 2, Metadata 3,
 *                                     Symlink 4, HAMTShard 5
 *     optional bytes Data = 2;
 *     optional uint64 filesize = 3;
 *     repeated uint64 blocksizes = 4; (unpacked, as Kubo writes it)
 *     optional uint64 hashType = 5;
 *     optional uint64 fanout = 6;
 *     optional uint32 mode = 7;
 *     optional UnixTime mtime = 8;    { int64 Seconds = 1; fixed32 FractionalNanoseconds = 2; }
 *   }
 * Kubo writes fields in number order and always writes filesize for File
 * and Raw nodes (0 for an empty file); Data only when non-empty.
 */
#ifndef CAIRN_UNIXFS_H
#define CAIRN_UNIXFS_H

#include <stddef.h>
#include <stdint.h>

enum cairn_unixfs_type {
	CAIRN_UNIXFS_RAW = 0,
	CAIRN_UNIXFS_DIRECTORY = 1,
	CAIRN_UNIXFS_FILE = 2,
	CAIRN_UNIXFS_METADATA = 3,
	CAIRN_UNIXFS_SYMLINK = 4,
	CAIRN_UNIXFS_HAMTSHARD = 5,
};

/** Largest UnixFS leaf frame (PBNode + Data headers around a chunk). */
#define CAIRN_UNIXFS_FRAME_MAX 32

/** A decoded UnixFS message (views into the caller's buffer). */
typedef struct cairn_unixfs {
	unsigned type;
	const uint8_t *data;
	size_t data_len;
	int has_data;
	uint64_t filesize;
	int has_filesize;
	size_t nblocksizes;
	uint64_t hash_type, fanout;
	int has_hash_type, has_fanout;
	uint32_t mode;
	int has_mode;
	int64_t mtime_sec;
	uint32_t mtime_nsec;
	int has_mtime;
	const uint8_t *msg; /* whole message, for cairn_unixfs_next_blocksize() */
	size_t msg_len;
} cairn_unixfs;

/**
 * @brief Decode and validate a UnixFS Data message.
 * @param buf bytes of the message (not owned; must outlive @p u).
 * @return CAIRN_OK, CAIRN_E_PROTOBUF, CAIRN_E_UNIXFS (missing or unknown
 *         Type, wrong wire types, nanoseconds >= 1e9, mode over 32 bits...).
 *         A mode keeps all its 32 bits: the spec reserves the bits above
 *         0xfff and says they must be preserved.
 */
int cairn_unixfs_decode(const uint8_t *buf, size_t len, cairn_unixfs *u);

/**
 * @brief Iterate blocksizes in order. @p cursor starts at 0.
 * @return 1 with *size set, 0 at the end.
 */
int cairn_unixfs_next_blocksize(const cairn_unixfs *u, size_t *cursor, uint64_t *size);

/**
 * @brief Encode a File/Raw message as Kubo does: Type, [Data], filesize,
 *        blocksizes.
 * @param type        CAIRN_UNIXFS_FILE or CAIRN_UNIXFS_RAW.
 * @param data        inline file bytes (leaf nodes) or NULL.
 * @param data_len    length of @p data; 0 omits the Data field.
 * @param filesize    total file bytes under this node.
 * @param blocksizes  file bytes under each child, @p n entries (may be NULL).
 * @param out         caller-owned buffer.
 * @param cap         its size; cairn_unixfs_file_size() is exact.
 * @param written     receives the length; may be NULL.
 * @return CAIRN_OK or CAIRN_E_BUFFER.
 */
int cairn_unixfs_encode_file(unsigned type, const uint8_t *data, size_t data_len,
                             uint64_t filesize, const uint64_t *blocksizes, size_t n,
                             uint8_t *out, size_t cap, size_t *written);

/** @brief Exact size of what cairn_unixfs_encode_file() writes. */
size_t cairn_unixfs_file_size(size_t data_len, uint64_t filesize,
                              const uint64_t *blocksizes, size_t n);

/**
 * @brief The bytes around a chunk in a dag-pb UnixFS leaf, so a leaf block
 *        can be hashed or written as head ‖ chunk ‖ tail without copying the
 *        chunk: PBNode{Data: UnixFS{Type, Data: chunk, filesize: len}}.
 * @param type  CAIRN_UNIXFS_FILE (balanced layout) or CAIRN_UNIXFS_RAW (trickle).
 * @param len   chunk length (> 0; an empty leaf has no Data field and is
 *              encoded with cairn_unixfs_encode_file()).
 * @param head  receives the prefix; CAIRN_UNIXFS_FRAME_MAX bytes.
 * @param tail  receives the suffix; CAIRN_UNIXFS_FRAME_MAX bytes.
 */
void cairn_unixfs_leaf_frame(unsigned type, size_t len,
                             uint8_t head[CAIRN_UNIXFS_FRAME_MAX], size_t *head_len,
                             uint8_t tail[CAIRN_UNIXFS_FRAME_MAX], size_t *tail_len);

#endif

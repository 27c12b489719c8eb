/**
 * @file murmur3.h
 * @brief MurmurHash3 x64 (seed 0), as the UnixFS HAMT uses it: multihash
 *        murmur3-x64-64 (0x22) is the first 64-bit word (h1) of the 128-bit
 *        hash, written big-endian. HAMT shards take their bucket index from
 *        the top bits of those 8 bytes.
 */
#ifndef CAIRN_MURMUR3_H
#define CAIRN_MURMUR3_H

#include <stddef.h>
#include <stdint.h>

/**
 * @brief h1 of MurmurHash3_x64_128(data, len, seed 0).
 * @param data bytes to hash (not owned; may be NULL when @p len is 0).
 * @param len  number of bytes.
 * @return the 64-bit value; its big-endian bytes are the multihash digest.
 */
uint64_t cairn_murmur3_x64_64(const void *data, size_t len);

#endif

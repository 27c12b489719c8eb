/**
 * @file chunker.h
 * @brief Fixed-size chunking ("size-N", Kubo's default size-262144).
 *
 * A push-style splitter: the caller feeds bytes as they arrive and gets back
 * complete chunks. Whole chunks are returned as views into the caller's own
 * input when nothing is buffered, so the common case (reads aligned to the
 * chunk size) copies nothing; only chunks that straddle two feeds are
 * assembled in the caller-supplied buffer.
 */
#ifndef CAIRN_CHUNKER_H
#define CAIRN_CHUNKER_H

#include <stddef.h>
#include <stdint.h>

/** Kubo's default chunk size. */
#define CAIRN_CHUNK_SIZE_DEFAULT 262144
/** Largest chunk: 1 MiB, as Kubo (leaves must stay under the 2 MiB block limit). */
#define CAIRN_CHUNK_SIZE_MAX 1048576

/** Chunker state (caller-owned; members private). */
typedef struct cairn_chunker {
	size_t size;     /* chunk size */
	uint8_t *buf;    /* caller's buffer, >= size bytes */
	size_t pending;  /* bytes buffered in buf */
} cairn_chunker;

/**
 * @brief Parse a Kubo chunker spec. Only "size-N" (1 <= N <=
 *        CAIRN_CHUNK_SIZE_MAX) is supported; "default" means size-262144.
 * @param spec NUL-terminated.
 * @param size receives N.
 * @return CAIRN_OK, CAIRN_E_INVAL (unknown or malformed spec), CAIRN_E_LIMIT
 *         (N out of range).
 */
int cairn_chunker_parse(const char *spec, size_t *size);

/**
 * @brief Initialise.
 * @param c    state to initialise.
 * @param size chunk size, 1..CAIRN_CHUNK_SIZE_MAX.
 * @param buf  caller-owned buffer of at least @p size bytes; must outlive @p c.
 * @param cap  size of @p buf.
 * @return CAIRN_OK, CAIRN_E_LIMIT, CAIRN_E_BUFFER.
 */
int cairn_chunker_init(cairn_chunker *c, size_t size, uint8_t *buf, size_t cap);

/**
 * @brief Take bytes from (*data, *len) until a chunk is complete.
 * @param c     chunker.
 * @param data  in/out: advanced past the bytes consumed.
 * @param len   in/out: decreased accordingly.
 * @param chunk receives a view of the complete chunk (into the caller's
 *              input or into the chunker's buffer), valid until the next
 *              call.
 * @param chunk_len receives its length (always the chunk size).
 * @return 1 if a chunk was produced (call again with the rest), 0 if all
 *         input was consumed into the buffer.
 */
int cairn_chunker_push(cairn_chunker *c, const uint8_t **data, size_t *len,
                       const uint8_t **chunk, size_t *chunk_len);

/**
 * @brief At end of input, return the final partial chunk.
 * @return 1 if there was one (non-empty), 0 otherwise.
 */
int cairn_chunker_finish(cairn_chunker *c, const uint8_t **chunk, size_t *chunk_len);

#endif

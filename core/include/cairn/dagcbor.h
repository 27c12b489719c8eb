/**
 * @file dagcbor.h
 * @brief Strict DAG-CBOR (codec 0x71): validate, walk links, look up paths,
 *        and the dag-pb data model written as DAG-CBOR.
 *
 * Strict means what the IPLD DAG-CBOR spec requires of a block, so that one
 * data model value has exactly one encoding and one CID:
 * - heads in their shortest form, no indefinite lengths;
 * - map keys are text strings, each map's keys sorted length first, then
 *   bytewise, no duplicates;
 * - text is valid UTF-8;
 * - the only tag is 42 (a link): bytes 0x00 followed by one binary CID;
 * - the only simple values are false, true and null; floats are always 64-bit
 *   and never NaN or an infinity;
 * - one value fills the whole block, nested at most CAIRN_IPLD_MAX_DEPTH.
 *
 * Nothing here allocates: the functions read the caller's bytes and report
 * views into them. Byte layout of a link (what tag 42 wraps):
 *
 *   d8 2a | 58 LL | 00 | binary CID (LL - 1 bytes)
 *   tag42   bytes   multibase identity prefix
 */
#ifndef CAIRN_DAGCBOR_H
#define CAIRN_DAGCBOR_H

#include <stddef.h>
#include <stdint.h>

/** Deepest nesting of lists and maps either codec accepts. */
#define CAIRN_IPLD_MAX_DEPTH 128

/** The IPLD data model kinds. */
typedef enum cairn_ipld_kind {
	CAIRN_IPLD_NULL,
	CAIRN_IPLD_BOOL,
	CAIRN_IPLD_INT,
	CAIRN_IPLD_FLOAT,
	CAIRN_IPLD_STRING,
	CAIRN_IPLD_BYTES,
	CAIRN_IPLD_LIST,
	CAIRN_IPLD_MAP,
	CAIRN_IPLD_LINK,
} cairn_ipld_kind;

/**
 * Called once per link, in document order. @p cid is a view of the binary
 * CID inside the caller's input, valid for the call only; it has passed
 * cairn_cid_check_shape(). Return 0 to go on; any other value stops the walk
 * and is returned by the function that called it.
 */
typedef int (*cairn_ipld_link_fn)(void *ctx, const uint8_t *cid, size_t cid_len);

/**
 * Options and error report shared by the DAG-CBOR and DAG-JSON functions.
 * Zero it, then set what you need. The caller owns @c work.
 */
typedef struct cairn_ipld_opts {
	cairn_ipld_link_fn on_link; /**< optional: every link found */
	void *ctx;                  /**< passed to on_link */
	void *work;                 /**< scratch for ordering map keys (see dagjson.h) */
	size_t work_len;            /**< size of @c work */
	unsigned flags;             /**< CAIRN_IPLD_* flags (dagjson.h) */
	size_t err_at;              /**< out: input byte offset of the first error */
	const char *why;            /**< out: static text naming the error, or NULL */
} cairn_ipld_opts;

/**
 * @brief Check that @p in is one strict DAG-CBOR value, and report its links.
 * @param in  the block (not owned).
 * @param len its length.
 * @param o   options (on_link) and error report; may be NULL.
 * @return CAIRN_OK; CAIRN_E_CBOR (o->why says which rule, o->err_at where),
 *         CAIRN_E_TRUNCATED, CAIRN_E_TRAILING, CAIRN_E_LIMIT (too deep), or
 *         what on_link returned.
 */
int cairn_dagcbor_check(const uint8_t *in, size_t len, cairn_ipld_opts *o);

/**
 * @brief The kind of the value at the start of @p in (checked DAG-CBOR).
 * @param in  a value that passed cairn_dagcbor_check(), or a part of one
 *            that cairn_dagcbor_lookup() returned.
 * @param len its length.
 * @param kind receives the kind.
 * @return CAIRN_OK, or CAIRN_E_CBOR when @p in is not such a value.
 */
int cairn_dagcbor_kind(const uint8_t *in, size_t len, cairn_ipld_kind *kind);

/**
 * @brief The binary CID of a link value.
 * @param in,len a checked value of kind CAIRN_IPLD_LINK.
 * @param cid receives a view into @p in; @param cid_len its length.
 * @return CAIRN_OK, or CAIRN_E_INVAL when the value is not a link.
 */
int cairn_dagcbor_link(const uint8_t *in, size_t len, const uint8_t **cid, size_t *cid_len);

/**
 * @brief Follow one path segment: a key of a map, or a decimal index of a
 *        list (no sign, no leading zeros).
 * @param in,len a checked value (a whole block or a part of one).
 * @param seg    the segment (not NUL-terminated, not owned).
 * @param seglen its length.
 * @param off    receives the offset of the value found, within @p in.
 * @param vlen   receives the length of that value's encoding.
 * @return CAIRN_OK, or CAIRN_E_PATH when the value is neither map nor list,
 *         or has no such key or index.
 */
int cairn_dagcbor_lookup(const uint8_t *in, size_t len, const char *seg, size_t seglen,
                         size_t *off, size_t *vlen);

/**
 * @brief Write a dag-pb node as its IPLD data model in DAG-CBOR:
 *        {"Data": bytes?, "Links": [{"Hash": link, "Name": string?,
 *        "Tsize": int?}]}, as the dag-pb spec maps it. This is what
 *        `dag get` and the gateway's ?format=dag-json show of a dag-pb block.
 * @param in,len the dag-pb block (not owned).
 * @param out    caller-owned buffer, or NULL to learn the size.
 * @param cap    size of @p out.
 * @param outlen receives the encoded length.
 * @return CAIRN_OK, CAIRN_E_PROTOBUF, CAIRN_E_BUFFER.
 */
int cairn_dagpb_to_dagcbor(const uint8_t *in, size_t len, uint8_t *out, size_t cap,
                           size_t *outlen);

/**
 * @brief Write a raw block as its IPLD data model in DAG-CBOR: one bytes
 *        value (its shortest head, then the block).
 * @param in,len the raw block (not owned).
 * @param out    caller-owned buffer, or NULL to learn the size.
 * @param cap    size of @p out.
 * @param outlen receives the encoded length.
 * @return CAIRN_OK, CAIRN_E_BUFFER.
 */
int cairn_raw_to_dagcbor(const uint8_t *in, size_t len, uint8_t *out, size_t cap, size_t *outlen);

#endif

/**
 * @file dagpb.h
 * @brief The dag-pb codec (0x70): PBNode and PBLink, byte-exact with Kubo.
 *
 * Schema (protobuf 2, field numbers in brackets):
 *   message PBLink { optional bytes Hash [1]; optional string Name [2];
 *                    optional uint64 Tsize [3]; }
 *   message PBNode { repeated PBLink Links [2]; optional bytes Data [1]; }
 * Canonical encoding, which the decoder requires as the dag-pb spec says:
 * all Links before Data (yes, field 2 before field 1), link fields in order
 * Hash, Name, Tsize, each at most once, Hash present and a valid CID, no
 * unknown fields, minimal varints.
 *
 * Decoding never copies: the structs hold views into the caller's buffer,
 * which must outlive them.
 */
#ifndef CAIRN_DAGPB_H
#define CAIRN_DAGPB_H

#include <stddef.h>
#include <stdint.h>

/** A link: views into the encoded node (decode) or the caller's data (encode). */
typedef struct cairn_pblink {
	const uint8_t *hash;  /**< binary CID of the target */
	size_t hash_len;
	const char *name;     /**< link name, not NUL-terminated */
	size_t name_len;
	int has_name;         /**< Name field present (Kubo writes "" for file chunks) */
	uint64_t tsize;       /**< cumulative size of the target DAG */
	int has_tsize;
} cairn_pblink;

/** A decoded node. */
typedef struct cairn_pbnode {
	const uint8_t *data;  /**< Data bytes (a UnixFS message for UnixFS nodes) */
	size_t data_len;
	int has_data;
	size_t nlinks;        /**< number of links */
	const uint8_t *links; /**< encoded Links region, for cairn_pbnode_next_link() */
	size_t links_len;
} cairn_pbnode;

/**
 * @brief Decode and fully validate a dag-pb block.
 * @param buf  the block (not owned; must outlive @p node).
 * @param len  block length.
 * @param node receives views into @p buf.
 * @return CAIRN_OK, CAIRN_E_PROTOBUF, or a CID error for a bad link Hash.
 */
int cairn_pbnode_decode(const uint8_t *buf, size_t len, cairn_pbnode *node);

/**
 * @brief Iterate a decoded node's links in order.
 * @param node   node from cairn_pbnode_decode().
 * @param cursor caller's iteration state; start at 0.
 * @param link   receives the next link.
 * @return 1 if a link was returned, 0 after the last one.
 */
int cairn_pbnode_next_link(const cairn_pbnode *node, size_t *cursor, cairn_pblink *link);

/**
 * @brief Size of the encoded node for these links and data.
 */
size_t cairn_pbnode_encoded_size(const cairn_pblink *links, size_t nlinks,
                                 const uint8_t *data, size_t data_len, int has_data);

/**
 * @brief Encode a node canonically (Links, then Data).
 * @param links    array of @p nlinks links (views, not retained).
 * @param data     Data bytes or NULL; @p has_data says whether the field
 *                 is written (an empty Data field differs from none).
 * @param out      caller-owned buffer.
 * @param cap      size of @p out; cairn_pbnode_encoded_size() is exact.
 * @param written  receives the encoded length; may be NULL.
 * @return CAIRN_OK or CAIRN_E_BUFFER.
 */
int cairn_pbnode_encode(const cairn_pblink *links, size_t nlinks,
                        const uint8_t *data, size_t data_len, int has_data,
                        uint8_t *out, size_t cap, size_t *written);

#endif

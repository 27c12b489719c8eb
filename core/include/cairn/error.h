/**
 * @file error.h
 * @brief Error codes shared by every core module.
 *
 * Every core function that can fail returns an `int`: 0 (CAIRN_OK) on
 * success, one of the negative CAIRN_E_* codes below on failure. Codes are
 * stable: the PostgreSQL extension maps each to a SQLSTATE and the node to an
 * HTTP status, so never renumber one; append new codes at the end.
 */
#ifndef CAIRN_ERROR_H
#define CAIRN_ERROR_H

enum cairn_error {
	CAIRN_OK = 0,
	CAIRN_E_INVAL = -1,          /**< invalid argument (caller error) */
	CAIRN_E_BUFFER = -2,         /**< caller's output buffer too small */
	CAIRN_E_TRUNCATED = -3,      /**< input ends before the value does */
	CAIRN_E_VARINT_NONMINIMAL = -4, /**< varint has redundant 0x80 bytes */
	CAIRN_E_VARINT_OVERFLOW = -5,   /**< varint longer than 9 bytes / 63 bits */
	CAIRN_E_BASE_UNKNOWN = -6,   /**< unsupported multibase prefix */
	CAIRN_E_BASE_CHAR = -7,      /**< character outside the base's alphabet */
	CAIRN_E_BASE_PADDING = -8,   /**< impossible length or non-zero pad bits */
	CAIRN_E_MH_UNKNOWN = -9,     /**< unsupported multihash function */
	CAIRN_E_MH_LENGTH = -10,     /**< digest length wrong for the function */
	CAIRN_E_CID_VERSION = -11,   /**< CID version other than 0 or 1 */
	CAIRN_E_CID_CODEC = -12,     /**< unsupported CID codec */
	CAIRN_E_CID_V0 = -13,        /**< CIDv0 constraint broken (dag-pb + sha2-256/32 only) */
	CAIRN_E_TRAILING = -14,      /**< bytes left over after a complete value */
	CAIRN_E_PROTOBUF = -15,      /**< malformed protobuf (dag-pb / UnixFS) */
	CAIRN_E_UNIXFS = -16,        /**< well-formed protobuf, invalid UnixFS */
	CAIRN_E_CAR = -17,           /**< malformed CAR header or section */
	CAIRN_E_PROOF = -18,         /**< Merkle proof malformed (wrong length, bad index) */
	CAIRN_E_LIMIT = -19,         /**< a documented size limit was exceeded */
	CAIRN_E_STATE = -20,         /**< call not valid in the object's current state */
	CAIRN_E_CALLBACK = -21,      /**< a caller-supplied callback reported failure */
	CAIRN_E_EMPTY = -22,         /**< empty input where a value was required */
	CAIRN_E_MISMATCH = -23,      /**< bytes do not hash to the expected CID */
	CAIRN_E_CBOR = -24,          /**< not strict DAG-CBOR (malformed or non-canonical) */
	CAIRN_E_JSON = -25,          /**< not valid (DAG-)JSON, or a value JSON cannot hold */
	CAIRN_E_PATH = -26,          /**< path segment names nothing in the node */
	CAIRN_E_TLOG = -27,          /**< malformed tlog-proof bundle or checkpoint */
};

/**
 * @brief Human-readable text for an error code.
 * @param err a CAIRN_E_* code (or CAIRN_OK).
 * @return a static, NUL-terminated English string; never NULL. Unknown codes
 *         give "unknown error". The caller must not free it.
 */
const char *cairn_strerror(int err);

/**
 * The size of a message buffer: every function of the node and the CLI
 * that can fail for a reason worth telling takes `char *err` and writes at
 * most CAIRN_ERR_MAX bytes there (NUL included), cut short if longer.
 * Callers declare `char err[CAIRN_ERR_MAX]`. (Core itself returns codes.)
 */
#define CAIRN_ERR_MAX 512

#endif

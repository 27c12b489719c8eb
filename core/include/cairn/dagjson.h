/**
 * @file dagjson.h
 * @brief DAG-JSON (codec 0x0129) and plain JSON (0x0200), converted to and
 *        from strict DAG-CBOR, per the IPLD DAG-JSON spec.
 *
 * DAG-JSON is the IPLD data model in JSON:
 * - a link is {"/": "CID"} (CIDv0 in base58btc, CIDv1 in base32);
 * - bytes are {"/": {"bytes": "BASE64"}} (RFC 4648 alphabet, no padding);
 * - a map whose first key (as written) is "/" is read as @ipld/dag-json
 *   reads it: a link when the value is a string, bytes when the value is a
 *   map whose first key is "bytes" holding a string (either must then
 *   end, or it is an error), an ordinary map otherwise; a map that would
 *   read back as a link or bytes has no DAG-JSON form and is refused, in
 *   writing and in reading (where "/" came after other keys);
 * - written canonically: no whitespace, each map's keys sorted bytewise,
 *   floats as JavaScript prints them plus ".0" when that has neither '.'
 *   nor an exponent (so 1.0 stays a float), strings escaped as
 *   JSON.stringify does. This is byte for byte what @ipld/dag-json writes.
 *
 * Reading accepts any whitespace and key order and turns out canonical
 * DAG-CBOR, so one value always gets one CID. Duplicate keys, invalid UTF-8,
 * lone surrogates, integers outside [-2^64, 2^64-1] and numbers that
 * overflow a double are refused.
 *
 * With CAIRN_IPLD_PLAIN_JSON the same functions do plain JSON: "/" is an
 * ordinary key, and links and bytes cannot be written.
 *
 * Nothing here allocates. Each function writes into the caller's @p out, or
 * with @p out NULL only measures; ordering map keys needs scratch space,
 * the caller's o->work (aligned as malloc's), of the size the macros give.
 */
#ifndef CAIRN_DAGJSON_H
#define CAIRN_DAGJSON_H

#include <stddef.h>
#include <stdint.h>

#include "cairn/dagcbor.h"

/** Flag: plain JSON (codec json), not DAG-JSON. */
#define CAIRN_IPLD_PLAIN_JSON 1u

/** Scratch cairn_dagjson_encode() needs to write @p cbor_len bytes of input. */
#define CAIRN_DAGJSON_ENCODE_WORK(cbor_len) (((cbor_len) / 2 + 1) * sizeof(size_t))

/** Largest DAG-CBOR that @p json_len bytes of JSON can become (a float as
 *  short as "0e0" takes 9 bytes). */
#define CAIRN_DAGJSON_DECODE_MAX(json_len) (3 * (size_t)(json_len) + 16)

/** Scratch cairn_dagjson_decode() needs for @p json_len bytes of input and
 *  an output buffer of @p cap bytes. */
#define CAIRN_DAGJSON_DECODE_WORK(json_len, cap) \
	((((cap) + 15) & ~(size_t)15) + ((json_len) / 4 + 2) * 3 * sizeof(size_t))

/**
 * @brief Write a DAG-CBOR value as canonical DAG-JSON (or plain JSON).
 * @param cbor,len the value (not owned); it is checked strictly first, as
 *                 cairn_dagcbor_check() does, links reported to o->on_link.
 * @param out    caller-owned buffer, or NULL to learn the length only.
 * @param cap    size of @p out. No NUL is written.
 * @param outlen receives the JSON length.
 * @param o      options: work (CAIRN_DAGJSON_ENCODE_WORK(len) bytes, needed
 *               only when @p out is set), flags, on_link; error report.
 * @return CAIRN_OK; the errors of cairn_dagcbor_check(); CAIRN_E_JSON (plain
 *         JSON asked for and the value holds a link or bytes, or DAG-JSON
 *         and a map would read back as a link or bytes); CAIRN_E_BUFFER
 *         (out or work too small).
 */
int cairn_dagjson_encode(const uint8_t *cbor, size_t len, char *out, size_t cap, size_t *outlen,
                         cairn_ipld_opts *o);

/**
 * @brief Read DAG-JSON (or plain JSON) into canonical DAG-CBOR.
 * @param json,len the text (not owned, not NUL-terminated).
 * @param out    caller-owned buffer of CAIRN_DAGJSON_DECODE_MAX(len) bytes
 *               (or fewer if the caller knows better), or NULL to measure
 *               and find links only. A NULL run cannot see duplicate keys
 *               nor "/" keys out of place: it is for walking blocks
 *               already accepted.
 * @param cap    size of @p out.
 * @param outlen receives the DAG-CBOR length.
 * @param o      options: work (CAIRN_DAGJSON_DECODE_WORK(len, cap) bytes when
 *               @p out is set), flags, on_link; error report (err_at is a
 *               byte offset into @p json). Must not be NULL.
 * @return CAIRN_OK; CAIRN_E_JSON (o->why says what); CAIRN_E_TRUNCATED;
 *         CAIRN_E_LIMIT (nested too deep, number too long); CAIRN_E_BUFFER;
 *         or what on_link returned.
 */
int cairn_dagjson_decode(const char *json, size_t len, uint8_t *out, size_t cap, size_t *outlen,
                         cairn_ipld_opts *o);

#endif

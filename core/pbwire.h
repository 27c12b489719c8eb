/**
 * @file pbwire.h
 * @brief Internal: the few protobuf wire-format primitives dag-pb and UnixFS
 *        need. Not part of the public API.
 *
 * A field is varint(field_number << 3 | wire_type) followed by a varint
 * (wire type 0) or varint(length) ‖ bytes (wire type 2). Groups and fixed
 * 64-bit values never occur in these schemas; fixed32 (5) only in UnixFS
 * mtime nanoseconds.
 */
#ifndef CAIRN_PBWIRE_H
#define CAIRN_PBWIRE_H

#include <stddef.h>
#include <stdint.h>

#define PB_VARINT 0
#define PB_FIXED64 1
#define PB_LEN 2
#define PB_FIXED32 5

/** Cursor over a protobuf message held in the caller's buffer. */
typedef struct cairn_pbreader {
	const uint8_t *p;
	size_t len;
	size_t off;
} cairn_pbreader;

/** One decoded field: number, wire type, and its value or byte range. */
typedef struct cairn_pbfield {
	uint32_t number;
	unsigned wire;
	uint64_t value;       /* PB_VARINT, PB_FIXED32, PB_FIXED64 */
	const uint8_t *bytes; /* PB_LEN */
	size_t len;           /* PB_LEN */
} cairn_pbfield;

/*
 * Read the next field. Returns 1 with *f filled, 0 at a clean end of
 * message, or a negative CAIRN_E_PROTOBUF / CAIRN_E_TRUNCATED. Protobuf
 * varints may be up to 10 bytes and need not be minimal, unlike multiformats
 * varints, but dag-pb requires minimal encodings, so the caller says which.
 */
int cairn_pb_next(cairn_pbreader *r, cairn_pbfield *f, int strict);

/* Writers: each returns the bytes written, or 0 if cap is too small. */
size_t cairn_pb_put_varint(uint8_t *out, size_t cap, uint64_t v);
size_t cairn_pb_put_tag(uint8_t *out, size_t cap, uint32_t number, unsigned wire);

#endif

#include "cairn/unixfs.h"
#include "cairn/error.h"
#include "pbwire.h"
#include "cairn/varint.h"

#include <string.h>

static int decode_mtime(const uint8_t *p, size_t len, cairn_unixfs *u)
{
	cairn_pbreader r = {p, len, 0};
	cairn_pbfield f;
	int rc, have_sec = 0;
	while ((rc = cairn_pb_next(&r, &f, 0)) == 1) {
		if (f.number == 1 && f.wire == PB_VARINT) {
			u->mtime_sec = (int64_t)f.value;
			have_sec = 1;
		} else if (f.number == 2 && f.wire == PB_FIXED32) {
			if (f.value >= 1000000000u)
				return CAIRN_E_UNIXFS;
			u->mtime_nsec = (uint32_t)f.value;
		} else {
			return CAIRN_E_UNIXFS;
		}
	}
	if (rc < 0)
		return rc;
	if (!have_sec)
		return CAIRN_E_UNIXFS;
	u->has_mtime = 1;
	return CAIRN_OK;
}

int cairn_unixfs_decode(const uint8_t *buf, size_t len, cairn_unixfs *u)
{
	cairn_pbreader r = {buf, len, 0};
	cairn_pbfield f;
	int rc, have_type = 0;
	memset(u, 0, sizeof *u);
	u->msg = buf;
	u->msg_len = len;
	while ((rc = cairn_pb_next(&r, &f, 0)) == 1) {
		switch (f.number) {
		case 1:
			if (f.wire != PB_VARINT || f.value > CAIRN_UNIXFS_HAMTSHARD)
				return CAIRN_E_UNIXFS;
			u->type = (unsigned)f.value;
			have_type = 1;
			break;
		case 2:
			if (f.wire != PB_LEN)
				return CAIRN_E_UNIXFS;
			u->data = f.bytes;
			u->data_len = f.len;
			u->has_data = 1;
			break;
		case 3:
			if (f.wire != PB_VARINT)
				return CAIRN_E_UNIXFS;
			u->filesize = f.value;
			u->has_filesize = 1;
			break;
		case 4:
			/* Unpacked is what writers emit; accept packed too, as protobuf
			 * parsers must, and count entries either way. */
			if (f.wire == PB_VARINT) {
				u->nblocksizes++;
			} else if (f.wire == PB_LEN) {
				size_t off = 0;
				while (off < f.len) {
					uint64_t v;
					size_t n;
					if (cairn_varint_decode(f.bytes + off, f.len - off, &v, &n))
						return CAIRN_E_UNIXFS;
					off += n;
					u->nblocksizes++;
				}
			} else {
				return CAIRN_E_UNIXFS;
			}
			break;
		case 5:
		case 6:
			if (f.wire != PB_VARINT)
				return CAIRN_E_UNIXFS;
			if (f.number == 5) {
				u->hash_type = f.value;
				u->has_hash_type = 1;
			} else {
				u->fanout = f.value;
				u->has_fanout = 1;
			}
			break;
		case 7:
			if (f.wire != PB_VARINT || f.value > 0xffffffffu)
				return CAIRN_E_UNIXFS;
			u->mode = (uint32_t)f.value;
			u->has_mode = 1;
			break;
		case 8:
			if (f.wire != PB_LEN)
				return CAIRN_E_UNIXFS;
			rc = decode_mtime(f.bytes, f.len, u);
			if (rc)
				return rc;
			break;
		default:
			break; /* unknown fields are skipped, per protobuf rules */
		}
	}
	if (rc < 0)
		return rc;
	if (!have_type)
		return CAIRN_E_UNIXFS;
	return CAIRN_OK;
}

int cairn_unixfs_next_blocksize(const cairn_unixfs *u, size_t *cursor, uint64_t *size)
{
	/* The cursor is an entry index and each call rescans from the start:
	 * O(n) a call for n <= a node's link count, which keeps packed and
	 * unpacked encodings on one simple path. */
	cairn_pbreader r = {u->msg, u->msg_len, 0};
	cairn_pbfield f;
	size_t index = 0;
	while (cairn_pb_next(&r, &f, 0) == 1) {
		if (f.number != 4)
			continue;
		if (f.wire == PB_VARINT) {
			if (index++ == *cursor) {
				*size = f.value;
				(*cursor)++;
				return 1;
			}
		} else if (f.wire == PB_LEN) {
			size_t off = 0, n;
			uint64_t v;
			while (off < f.len && cairn_varint_decode(f.bytes + off, f.len - off, &v, &n) == 0) {
				off += n;
				if (index++ == *cursor) {
					*size = v;
					(*cursor)++;
					return 1;
				}
			}
		}
	}
	return 0;
}

size_t cairn_unixfs_file_size(size_t data_len, uint64_t filesize,
                              const uint64_t *blocksizes, size_t n)
{
	size_t s = 2; /* Type: tag + one-byte value */
	if (data_len)
		s += 1 + cairn_varint_size(data_len) + data_len;
	s += 1 + cairn_varint_size(filesize);
	for (size_t i = 0; i < n; i++)
		s += 1 + cairn_varint_size(blocksizes[i]);
	return s;
}

int cairn_unixfs_encode_file(unsigned type, const uint8_t *data, size_t data_len,
                             uint64_t filesize, const uint64_t *blocksizes, size_t n,
                             uint8_t *out, size_t cap, size_t *written)
{
	size_t need = cairn_unixfs_file_size(data_len, filesize, blocksizes, n);
	if (need > cap)
		return CAIRN_E_BUFFER;
	size_t o = 0;
	out[o++] = 0x08;
	out[o++] = (uint8_t)type;
	if (data_len) {
		out[o++] = 0x12;
		o += cairn_pb_put_varint(out + o, 10, data_len);
		memcpy(out + o, data, data_len);
		o += data_len;
	}
	out[o++] = 0x18;
	o += cairn_pb_put_varint(out + o, 10, filesize);
	for (size_t i = 0; i < n; i++) {
		out[o++] = 0x20;
		o += cairn_pb_put_varint(out + o, 10, blocksizes[i]);
	}
	if (written)
		*written = o;
	return CAIRN_OK;
}

void cairn_unixfs_leaf_frame(unsigned type, size_t len,
                             uint8_t head[CAIRN_UNIXFS_FRAME_MAX], size_t *head_len,
                             uint8_t tail[CAIRN_UNIXFS_FRAME_MAX], size_t *tail_len)
{
	/* tail = filesize field; UnixFS message = 08 type 12 len(chunk) chunk tail */
	size_t t = 0;
	tail[t++] = 0x18;
	t += cairn_pb_put_varint(tail + t, 10, len);
	size_t msg_len = 2 + 1 + cairn_varint_size(len) + len + t;
	size_t h = 0;
	head[h++] = 0x0a; /* PBNode.Data */
	h += cairn_pb_put_varint(head + h, 10, msg_len);
	head[h++] = 0x08;
	head[h++] = (uint8_t)type;
	head[h++] = 0x12;
	h += cairn_pb_put_varint(head + h, 10, len);
	*head_len = h;
	*tail_len = t;
}

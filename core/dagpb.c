#include "cairn/dagpb.h"
#include "cairn/cid.h"
#include "cairn/error.h"
#include "pbwire.h"
#include "cairn/varint.h"

#include <string.h>

/* Decode one PBLink message body; validates field order and the CID. */
static int link_decode(const uint8_t *p, size_t len, cairn_pblink *l)
{
	cairn_pbreader r = {p, len, 0};
	cairn_pbfield f;
	uint32_t last = 0;
	int rc;
	memset(l, 0, sizeof *l);
	while ((rc = cairn_pb_next(&r, &f, 1)) == 1) {
		if (f.number <= last)
			return CAIRN_E_PROTOBUF; /* out of order or repeated */
		last = f.number;
		switch (f.number) {
		case 1:
			if (f.wire != PB_LEN)
				return CAIRN_E_PROTOBUF;
			l->hash = f.bytes;
			l->hash_len = f.len;
			break;
		case 2:
			if (f.wire != PB_LEN)
				return CAIRN_E_PROTOBUF;
			l->name = (const char *)f.bytes;
			l->name_len = f.len;
			l->has_name = 1;
			break;
		case 3:
			if (f.wire != PB_VARINT)
				return CAIRN_E_PROTOBUF;
			l->tsize = f.value;
			l->has_tsize = 1;
			break;
		default:
			return CAIRN_E_PROTOBUF;
		}
	}
	if (rc < 0)
		return rc;
	if (!l->hash)
		return CAIRN_E_PROTOBUF;
	cairn_cid cid;
	return cairn_cid_decode(l->hash, l->hash_len, &cid, NULL);
}

int cairn_pbnode_decode(const uint8_t *buf, size_t len, cairn_pbnode *node)
{
	cairn_pbreader r = {buf, len, 0};
	cairn_pbfield f;
	int rc;
	memset(node, 0, sizeof *node);
	node->links = buf;
	while ((rc = cairn_pb_next(&r, &f, 1)) == 1) {
		if (f.wire != PB_LEN)
			return CAIRN_E_PROTOBUF;
		if (f.number == 2) {
			if (node->has_data)
				return CAIRN_E_PROTOBUF; /* Links after Data */
			cairn_pblink l;
			rc = link_decode(f.bytes, f.len, &l);
			if (rc)
				return rc;
			node->nlinks++;
			node->links_len = r.off;
		} else if (f.number == 1) {
			if (node->has_data)
				return CAIRN_E_PROTOBUF;
			node->data = f.bytes;
			node->data_len = f.len;
			node->has_data = 1;
		} else {
			return CAIRN_E_PROTOBUF;
		}
	}
	return rc < 0 ? rc : CAIRN_OK;
}

int cairn_pbnode_next_link(const cairn_pbnode *node, size_t *cursor, cairn_pblink *link)
{
	if (*cursor >= node->links_len)
		return 0;
	cairn_pbreader r = {node->links, node->links_len, *cursor};
	cairn_pbfield f;
	/* Already validated by cairn_pbnode_decode(): cannot fail here. */
	if (cairn_pb_next(&r, &f, 1) != 1 || link_decode(f.bytes, f.len, link) != CAIRN_OK)
		return 0;
	*cursor = r.off;
	return 1;
}

static size_t link_body_size(const cairn_pblink *l)
{
	size_t n = 1 + cairn_varint_size(l->hash_len) + l->hash_len;
	if (l->has_name)
		n += 1 + cairn_varint_size(l->name_len) + l->name_len;
	if (l->has_tsize)
		n += 1 + cairn_varint_size(l->tsize);
	return n;
}

size_t cairn_pbnode_encoded_size(const cairn_pblink *links, size_t nlinks,
                                 const uint8_t *data, size_t data_len, int has_data)
{
	(void)data;
	size_t n = 0;
	for (size_t i = 0; i < nlinks; i++) {
		size_t b = link_body_size(&links[i]);
		n += 1 + cairn_varint_size(b) + b;
	}
	if (has_data)
		n += 1 + cairn_varint_size(data_len) + data_len;
	return n;
}

/* Append helpers; sizes were checked up front so these cannot overflow. */
static size_t put_bytes(uint8_t *out, uint32_t field, const void *p, size_t len)
{
	size_t o = cairn_pb_put_tag(out, 16, field, PB_LEN);
	o += cairn_pb_put_varint(out + o, 16, len);
	if (len)
		memcpy(out + o, p, len);
	return o + len;
}

int cairn_pbnode_encode(const cairn_pblink *links, size_t nlinks,
                        const uint8_t *data, size_t data_len, int has_data,
                        uint8_t *out, size_t cap, size_t *written)
{
	size_t need = cairn_pbnode_encoded_size(links, nlinks, data, data_len, has_data);
	if (need > cap)
		return CAIRN_E_BUFFER;
	size_t o = 0;
	for (size_t i = 0; i < nlinks; i++) {
		const cairn_pblink *l = &links[i];
		o += cairn_pb_put_tag(out + o, 16, 2, PB_LEN);
		o += cairn_pb_put_varint(out + o, 16, link_body_size(l));
		o += put_bytes(out + o, 1, l->hash, l->hash_len);
		if (l->has_name)
			o += put_bytes(out + o, 2, l->name, l->name_len);
		if (l->has_tsize) {
			o += cairn_pb_put_tag(out + o, 16, 3, PB_VARINT);
			o += cairn_pb_put_varint(out + o, 16, l->tsize);
		}
	}
	if (has_data)
		o += put_bytes(out + o, 1, data, data_len);
	if (written)
		*written = o;
	return CAIRN_OK;
}

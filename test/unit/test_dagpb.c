#include "testutil.h"
#include "cairn/cid.h"
#include "cairn/dagpb.h"
#include "cairn/error.h"
#include "cairn/unixfs.h"

/* Kubo's well-known nodes: the empty directory and the empty file. */
static const char EMPTY_DIR_HEX[] = "0a020801";
static const char EMPTY_DIR_CID[] = "QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn";
static const char EMPTY_FILE_HEX[] = "0a0408021800";
static const char EMPTY_FILE_CID[] = "QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH";

/* A PBNode wrapping this UnixFS message has these bytes and this CIDv0. */
static void assert_node(const uint8_t *ufs, size_t un, const char *want_hex, const char *want_cid)
{
	uint8_t buf[64], want[16];
	size_t n, wn = unhex(want_hex, want);
	char text[CAIRN_CID_TEXT_MAX];
	cairn_multihash mh;
	cairn_cid cid;
	assert_int_equal(cairn_pbnode_encode(NULL, 0, ufs, un, 1, buf, sizeof buf, &n), CAIRN_OK);
	assert_int_equal(n, wn);
	assert_memory_equal(buf, want, n);
	cairn_mh_compute(&mh, CAIRN_MH_SHA2_256, buf, n);
	cairn_cid_set(&cid, 0, CAIRN_CODEC_DAG_PB, &mh);
	cairn_cid_to_string(&cid, text, sizeof text, NULL);
	assert_string_equal(text, want_cid);
}

static void known_nodes(void **state)
{
	(void)state;
	uint8_t buf[64], ufs[16];
	size_t n, un;

	/* empty directory: UnixFS {Type: Directory} */
	ufs[0] = 0x08; ufs[1] = 0x01; un = 2;
	assert_node(ufs, un, EMPTY_DIR_HEX, EMPTY_DIR_CID);

	/* empty file: UnixFS {Type: File, filesize: 0} */
	assert_int_equal(cairn_unixfs_encode_file(CAIRN_UNIXFS_FILE, NULL, 0, 0, NULL, 0, ufs,
	                                          sizeof ufs, &un), CAIRN_OK);
	assert_int_equal(un, cairn_unixfs_file_size(0, 0, NULL, 0));
	assert_node(ufs, un, EMPTY_FILE_HEX, EMPTY_FILE_CID);

	/* the empty PBNode is zero bytes: the CID spec's example CID */
	assert_int_equal(cairn_pbnode_encode(NULL, 0, NULL, 0, 0, buf, sizeof buf, &n), CAIRN_OK);
	assert_int_equal(n, 0);
	cairn_pbnode node;
	assert_int_equal(cairn_pbnode_decode(buf, 0, &node), CAIRN_OK);
	assert_false(node.has_data);
	assert_int_equal(node.nlinks, 0);
}

static void links_round_trip(void **state)
{
	(void)state;
	cairn_multihash mh;
	cairn_cid c1, c2;
	uint8_t h1[64], h2[64], buf[512];
	size_t l1, l2, n;
	cairn_mh_compute(&mh, CAIRN_MH_SHA2_256, "a", 1);
	cairn_cid_set(&c1, 0, CAIRN_CODEC_DAG_PB, &mh);
	cairn_mh_compute(&mh, CAIRN_MH_BLAKE3, "b", 1);
	cairn_cid_set(&c2, 1, CAIRN_CODEC_RAW, &mh);
	cairn_cid_encode(&c1, h1, sizeof h1, &l1);
	cairn_cid_encode(&c2, h2, sizeof h2, &l2);
	cairn_pblink links[2] = {
		{.hash = h1, .hash_len = l1, .name = "", .has_name = 1, .tsize = 300, .has_tsize = 1},
		{.hash = h2, .hash_len = l2, .name = "file.txt", .name_len = 8, .has_name = 1},
	};
	size_t sz = cairn_pbnode_encoded_size(links, 2, (const uint8_t *)"xy", 2, 1);
	assert_int_equal(cairn_pbnode_encode(links, 2, (const uint8_t *)"xy", 2, 1, buf, sizeof buf, &n), CAIRN_OK);
	assert_int_equal(n, sz);
	/* Links (field 2) come before Data (field 1). */
	assert_int_equal(buf[0], 0x12);
	assert_int_equal(buf[n - 4], 0x0a);
	/* first link: Hash, then Name "" (12 00), then Tsize 300 (18 ac 02) */
	assert_int_equal(buf[2], 0x0a);
	assert_int_equal(buf[3], l1);
	assert_memory_equal(buf + 4 + l1, "\x12\x00\x18\xac\x02", 5);
	cairn_pbnode node;
	assert_int_equal(cairn_pbnode_decode(buf, n, &node), CAIRN_OK);
	assert_int_equal(node.nlinks, 2);
	assert_true(node.has_data);
	assert_memory_equal(node.data, "xy", 2);
	size_t cur = 0;
	cairn_pblink l;
	assert_int_equal(cairn_pbnode_next_link(&node, &cur, &l), 1);
	assert_int_equal(l.hash_len, l1);
	assert_memory_equal(l.hash, h1, l1);
	assert_true(l.has_name);
	assert_int_equal(l.name_len, 0);
	assert_int_equal(l.tsize, 300);
	assert_int_equal(cairn_pbnode_next_link(&node, &cur, &l), 1);
	assert_int_equal(l.name_len, 8);
	assert_memory_equal(l.name, "file.txt", 8);
	assert_false(l.has_tsize);
	assert_int_equal(cairn_pbnode_next_link(&node, &cur, &l), 0);
	assert_int_equal(cairn_pbnode_encode(links, 2, (const uint8_t *)"xy", 2, 1, buf, n - 1, NULL),
	                 CAIRN_E_BUFFER);
}

static void malformed_pb(void **state)
{
	(void)state;
	/* a valid link body for reuse: Hash = v0 CID of sha256("") */
	static const char H[] = "0a221220e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
	char hex[512];
	static const struct { const char *fmt; int err; } bad[] = {
		{"0a0012%02x%s", CAIRN_E_PROTOBUF},       /* Data before Links */
		{"0a000a00", CAIRN_E_PROTOBUF},           /* Data twice */
		{"1a00", CAIRN_E_PROTOBUF},               /* unknown field 3 */
		{"0801", CAIRN_E_PROTOBUF},               /* Data as varint */
		{"0a05aabb", CAIRN_E_PROTOBUF},           /* length past the end */
		{"1200", CAIRN_E_PROTOBUF},               /* link without Hash */
		{"12021200", CAIRN_E_PROTOBUF},           /* link with only Name */
		{"12021801", CAIRN_E_PROTOBUF},           /* link with only Tsize */
		{"0a", CAIRN_E_PROTOBUF},                 /* truncated */
		{"0a8000", CAIRN_E_PROTOBUF},             /* non-minimal length varint */
		{"12030a0155", CAIRN_E_CID_VERSION},      /* link Hash not a CID */
		{"0b00", CAIRN_E_PROTOBUF},               /* group wire type */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(hex, sizeof hex, bad[i].fmt, (unsigned)(strlen(H) / 2), H);
		uint8_t buf[256];
		size_t n = unhex(hex, buf);
		cairn_pbnode node;
		int rc = cairn_pbnode_decode(buf, n, &node);
		if (rc != bad[i].err)
			fail_msg("case %zu (%s): got %d want %d", i, hex, rc, bad[i].err);
	}
	/* link fields out of order: Name before Hash */
	snprintf(hex, sizeof hex, "12%02x1200%s", (unsigned)(strlen(H) / 2 + 2), H);
	uint8_t buf[256];
	size_t n = unhex(hex, buf);
	cairn_pbnode node;
	assert_int_equal(cairn_pbnode_decode(buf, n, &node), CAIRN_E_PROTOBUF);
	/* and the same link in order decodes */
	snprintf(hex, sizeof hex, "12%02x%s1200", (unsigned)(strlen(H) / 2 + 2), H);
	n = unhex(hex, buf);
	assert_int_equal(cairn_pbnode_decode(buf, n, &node), CAIRN_OK);
	assert_int_equal(node.nlinks, 1);
}

static void unixfs_decode(void **state)
{
	(void)state;
	uint64_t sizes[3] = {262144, 262144, 5};
	uint8_t buf[64];
	size_t n;
	assert_int_equal(cairn_unixfs_encode_file(CAIRN_UNIXFS_FILE, NULL, 0, 524293, sizes, 3,
	                                          buf, sizeof buf, &n), CAIRN_OK);
	assert_int_equal(n, cairn_unixfs_file_size(0, 524293, sizes, 3));
	cairn_unixfs u;
	assert_int_equal(cairn_unixfs_decode(buf, n, &u), CAIRN_OK);
	assert_int_equal(u.type, CAIRN_UNIXFS_FILE);
	assert_int_equal(u.filesize, 524293);
	assert_false(u.has_data);
	assert_int_equal(u.nblocksizes, 3);
	size_t cur = 0;
	uint64_t v;
	for (int i = 0; i < 3; i++) {
		assert_int_equal(cairn_unixfs_next_blocksize(&u, &cur, &v), 1);
		assert_int_equal(v, sizes[i]);
	}
	assert_int_equal(cairn_unixfs_next_blocksize(&u, &cur, &v), 0);
	/* packed blocksizes decode the same */
	n = unhex("080218062203010203", buf);
	assert_int_equal(cairn_unixfs_decode(buf, n, &u), CAIRN_OK);
	assert_int_equal(u.nblocksizes, 3);
	cur = 0;
	cairn_unixfs_next_blocksize(&u, &cur, &v);
	cairn_unixfs_next_blocksize(&u, &cur, &v);
	assert_int_equal(v, 2);
	/* mode and mtime */
	n = unhex("080238a4034207080115e8030000", buf);
	assert_int_equal(cairn_unixfs_decode(buf, n, &u), CAIRN_OK);
	assert_int_equal(u.mode, 0644);
	assert_int_equal(u.mtime_sec, 1);
	assert_int_equal(u.mtime_nsec, 1000);
	/* malformed */
	static const char *bad[] = {
		"",               /* no Type */
		"0809",           /* Type 9 */
		"0a00",           /* Type as bytes */
		"08021a00",       /* filesize as bytes */
		"080242021500",   /* mtime with nanos only, truncated */
		"08024206080115ffffffff", /* nanos >= 1e9 */
		"0802120a41",     /* Data longer than message */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		n = unhex(bad[i], buf);
		if (cairn_unixfs_decode(buf, n, &u) == CAIRN_OK)
			fail_msg("accepted %s", bad[i]);
	}
}

static void leaf_frame(void **state)
{
	(void)state;
	/* head ‖ chunk ‖ tail must equal PBNode{Data: UnixFS{File, chunk, len}} */
	size_t lens[] = {1, 127, 128, 16383, 16384, 262144};
	static uint8_t chunk[262144];
	static uint8_t want[262144 + 64], got[262144 + 64];
	static uint8_t ufs[262144 + 32];
	fill_random(chunk, sizeof chunk, 3);
	for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		size_t un, wn, hl, tl;
		uint8_t head[CAIRN_UNIXFS_FRAME_MAX], tail[CAIRN_UNIXFS_FRAME_MAX];
		cairn_unixfs_encode_file(CAIRN_UNIXFS_FILE, chunk, lens[i], lens[i], NULL, 0, ufs, sizeof ufs, &un);
		cairn_pbnode_encode(NULL, 0, ufs, un, 1, want, sizeof want, &wn);
		cairn_unixfs_leaf_frame(CAIRN_UNIXFS_FILE, lens[i], head, &hl, tail, &tl);
		memcpy(got, head, hl);
		memcpy(got + hl, chunk, lens[i]);
		memcpy(got + hl + lens[i], tail, tl);
		assert_int_equal(hl + lens[i] + tl, wn);
		assert_memory_equal(got, want, wn);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(known_nodes),
		cmocka_unit_test(links_round_trip),
		cmocka_unit_test(malformed_pb),
		cmocka_unit_test(unixfs_decode),
		cmocka_unit_test(leaf_frame),
	};
	return RUN(tests);
}

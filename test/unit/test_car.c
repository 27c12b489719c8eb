#include "testutil.h"
#include "cairn/car.h"
#include "cairn/error.h"

/* Header bytes as go-car / @ipld/car write them for one dag-cbor root:
 * varint(58) {"roots": [tag42(00 ‖ cid)], "version": 1} */
static const char HDR_PREFIX[] = "3aa265726f6f747381d82a58250001711220";
static const char HDR_SUFFIX[] = "6776657273696f6e01";

static void header_bytes(void **state)
{
	(void)state;
	cairn_multihash mh;
	cairn_cid root, back[4];
	uint8_t buf[256], want[256];
	size_t n, nroots, used;
	cairn_mh_compute(&mh, CAIRN_MH_SHA2_256, "x", 1);
	cairn_cid_set(&root, 1, CAIRN_CODEC_DAG_CBOR, &mh);
	assert_int_equal(cairn_car_header_encode(&root, 1, buf, sizeof buf, &n), CAIRN_OK);
	assert_int_equal(n, cairn_car_header_size(&root, 1));
	size_t w = unhex(HDR_PREFIX, want);
	memcpy(want + w, mh.digest, 32);
	w += 32;
	w += unhex(HDR_SUFFIX, want + w);
	assert_int_equal(n, w);
	assert_memory_equal(buf, want, n);
	assert_int_equal(cairn_car_header_decode(buf, n, back, 4, &nroots, &used), CAIRN_OK);
	assert_int_equal(nroots, 1);
	assert_int_equal(used, n);
	assert_int_equal(cairn_cid_compare(&back[0], &root), 0);
	/* every strict prefix asks for more bytes instead of failing */
	for (size_t k = 0; k < n; k++)
		assert_int_equal(cairn_car_header_decode(buf, k, back, 4, &nroots, &used), CAIRN_E_TRUNCATED);
	assert_int_equal(cairn_car_header_encode(&root, 1, buf, n - 1, NULL), CAIRN_E_BUFFER);
	assert_int_equal(cairn_car_header_decode(want, w, back, 0, &nroots, &used), CAIRN_E_LIMIT);
}

static void sections(void **state)
{
	(void)state;
	uint8_t car[1024];
	size_t o = 0, n;
	cairn_cid cids[3];
	const char *blocks[3] = {"alpha", "", "a somewhat longer block"};
	for (int i = 0; i < 3; i++) {
		cairn_multihash mh;
		cairn_mh_compute(&mh, i == 1 ? CAIRN_MH_BLAKE3 : CAIRN_MH_SHA2_256, blocks[i], strlen(blocks[i]));
		cairn_cid_set(&cids[i], i == 0 ? 0 : 1, i == 0 ? CAIRN_CODEC_DAG_PB : CAIRN_CODEC_RAW, &mh);
	}
	assert_int_equal(cairn_car_header_encode(cids, 2, car, sizeof car, &n), CAIRN_OK);
	o += n;
	for (int i = 0; i < 3; i++) {
		assert_int_equal(cairn_car_section_head(&cids[i], strlen(blocks[i]), car + o,
		                                        sizeof car - o, &n), CAIRN_OK);
		o += n;
		memcpy(car + o, blocks[i], strlen(blocks[i]));
		o += strlen(blocks[i]);
	}
	/* read it back */
	cairn_cid roots[4], cid;
	size_t nroots, used, off;
	assert_int_equal(cairn_car_header_decode(car, o, roots, 4, &nroots, &used), CAIRN_OK);
	assert_int_equal(nroots, 2);
	assert_int_equal(roots[0].version, 0);
	off = used;
	for (int i = 0; i < 3; i++) {
		const uint8_t *d;
		size_t dl;
		for (size_t k = 0; k < 3; k++) /* short reads: need more */
			assert_int_equal(cairn_car_section_decode(car + off, k, 0, &cid, &d, &dl, &used),
			                 CAIRN_E_TRUNCATED);
		assert_int_equal(cairn_car_section_decode(car + off, o - off, 0, &cid, &d, &dl, &used), CAIRN_OK);
		assert_int_equal(cairn_cid_compare(&cid, &cids[i]), 0);
		assert_int_equal(dl, strlen(blocks[i]));
		assert_memory_equal(d, blocks[i], dl);
		assert_int_equal(cairn_cid_check_block(&cid, d, dl), CAIRN_OK);
		off += used;
	}
	assert_int_equal(off, o);
	/* the same first section is refused by a reader whose limit is smaller */
	size_t hlen = cairn_car_header_size(cids, 2);
	const uint8_t *d;
	size_t dl;
	assert_int_equal(cairn_car_section_decode(car + hlen, o - hlen, 10, &cid, &d, &dl, &used),
	                 CAIRN_E_LIMIT);
	assert_int_equal(cairn_car_section_decode(car + hlen, o - hlen, 39, &cid, &d, &dl, &used),
	                 CAIRN_OK);
}

static void malformed(void **state)
{
	(void)state;
	static const struct { const char *hex; int err; } bad[] = {
		{"00", CAIRN_E_CAR},                                          /* empty header */
		{"0aa16776657273696f6e01", CAIRN_E_CAR},                      /* map(1): no roots */
		{"11a265726f6f7473806776657273696f6e02", CAIRN_E_CAR},        /* version 2 */
		{"11a265726f6f7473806776657273696f6e01", CAIRN_OK},           /* no roots: fine */
		{"11a26776657273696f6e0165726f6f747380", CAIRN_OK},           /* keys swapped */
		{"11a265726f6f7473806776657273696f6e1801", CAIRN_E_CAR},      /* non-minimal 1, too long */
		{"12a265726f6f7473806776657273696f6e1801", CAIRN_E_CAR},      /* non-minimal 1 */
		{"11a265726f6f7473806776657273696f6e21", CAIRN_E_CAR},        /* version -2 */
		{"11bf65726f6f7473806776657273696f6e01", CAIRN_E_CAR},        /* indefinite map */
		{"11a265726f6f74738067766572736966fe01", CAIRN_E_CAR},        /* unknown key */
		{"11a265726f6f7473806576657273696f6e01", CAIRN_E_CAR},        /* key length lies */
		{"12a265726f6f7473806776657273696f6e0100", CAIRN_E_CAR},      /* trailing byte */
		{"16a265726f6f747381d82a42000a6776657273696f6e01", CAIRN_E_CID_VERSION}, /* bad root CID */
		{"16a265726f6f747381d82a42010a6776657273696f6e01", CAIRN_E_CAR},         /* no 0x00 prefix */
		{"16a265726f6f747381d82b42000a6776657273696f6e01", CAIRN_E_CAR},         /* tag 43 */
		{"ffffffffffffffffffff01", CAIRN_E_CAR},                      /* length varint too long */
		{"8080808001", CAIRN_E_LIMIT},                                /* 256 MiB header */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		uint8_t buf[128];
		cairn_cid roots[4];
		size_t n = unhex(bad[i].hex, buf), nroots, used;
		int rc = cairn_car_header_decode(buf, n, roots, 4, &nroots, &used);
		if (rc != bad[i].err)
			fail_msg("case %zu (%s): got %d want %d", i, bad[i].hex, rc, bad[i].err);
	}
	static const struct { const char *hex; int err; } badsec[] = {
		{"00", CAIRN_E_CAR},                   /* zero-length section */
		{"0301551e", CAIRN_E_CAR},             /* CID runs past the section */
		{"020155", CAIRN_E_CAR},
		{"ffffffff0f", CAIRN_E_LIMIT},         /* 4 GiB section */
		{"8100", CAIRN_E_CAR},                 /* non-minimal length */
		{"2201990112200000000000000000000000000000000000000000000000000000000000000000", CAIRN_E_CID_CODEC},
	};
	for (size_t i = 0; i < sizeof badsec / sizeof badsec[0]; i++) {
		uint8_t buf[128];
		cairn_cid cid;
		const uint8_t *d;
		size_t n = unhex(badsec[i].hex, buf), dl, used;
		int rc = cairn_car_section_decode(buf, n, 0, &cid, &d, &dl, &used);
		if (rc != badsec[i].err)
			fail_msg("section %zu (%s): got %d want %d", i, badsec[i].hex, rc, badsec[i].err);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(header_bytes),
		cmocka_unit_test(sections),
		cmocka_unit_test(malformed),
	};
	return RUN(tests);
}

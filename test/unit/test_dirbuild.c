/* dag/dirbuild.c: UnixFS directories as Kubo writes them. The empty
 * directory against Kubo's well-known CIDs; a directory with entries
 * against a PBNode encoded here from the dag-pb and UnixFS specs (Links
 * sorted by name, then Data = {Type: Directory}); nesting, emit order,
 * DAG sizes, refused paths; and the switch to a HAMT past the threshold. */
#include "testutil.h"
#include "dirbuild.h"
#include "cairn/dagpb.h"
#include "cairn/unixfs.h"

#include <openssl/sha.h>
#include <stdlib.h>

/* Kubo's defaults: CIDv0, sha2-256 (cairn's own default is BLAKE3). */
static cairn_importer_opts kubo_opts(void)
{
	cairn_importer_opts o = cairn_importer_defaults();
	o.cid_version = 0;
	o.hash = CAIRN_MH_SHA2_256;
	o.raw_leaves = 0;
	return o;
}

/* What a store callback saw: the last block and how many. */
struct store {
	int blocks;
	cairn_cid last_cid;
	uint8_t last[1 << 20];
	size_t last_len;
};

static int store(void *ctx, const cairn_cid *cid, const cairn_iov *iov, size_t n)
{
	struct store *s = ctx;
	s->last_len = 0;
	for (size_t i = 0; i < n; i++) {
		assert_true(s->last_len + iov[i].len <= sizeof s->last);
		memcpy(s->last + s->last_len, iov[i].base, iov[i].len);
		s->last_len += iov[i].len;
	}
	s->last_cid = *cid;
	s->blocks++;
	return 0;
}

struct emitted {
	char paths[8][64];
	int n;
};

static void emit(void *ctx, const char *path, const cairn_cid *cid, uint64_t tsize)
{
	struct emitted *e = ctx;
	(void)cid;
	(void)tsize;
	if (e->n < 8)
		snprintf(e->paths[e->n++], 64, "%s", path);
}

static void text_of(const cairn_cid *cid, char *out)
{
	assert_int_equal(cairn_cid_to_string(cid, out, CAIRN_CID_TEXT_MAX, NULL), 0);
}

static void empty_directory(void **state)
{
	(void)state;
	char err[CAIRN_ERR_MAX], text[CAIRN_CID_TEXT_MAX];
	cairn_cid root;
	uint64_t size;
	cairn_importer_opts o = kubo_opts();
	dirbuild *d = dirbuild_new("");
	assert_non_null(d);
	assert_int_equal(dirbuild_finish(d, &o, NULL, NULL, NULL, NULL, &root, &size, err), 0);
	text_of(&root, text);
	assert_string_equal(text, "QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn");
	assert_int_equal(size, 4); /* the block alone: 0a 02 08 01 */
	dirbuild_free(d);
	/* CIDv1 (ipfs add --cid-version 1 of an empty directory) */
	o.cid_version = 1;
	d = dirbuild_new("");
	assert_int_equal(dirbuild_finish(d, &o, NULL, NULL, NULL, NULL, &root, NULL, err), 0);
	text_of(&root, text);
	assert_string_equal(text, "bafybeiczsscdsbs7ffqz55asqdf3smv6klcw3gofszvwlyarci47bgf354");
	dirbuild_free(d);
}

/* A file CID (raw, sha2-256 of some bytes) for entries. */
static cairn_cid file_cid(const char *content)
{
	cairn_cid c = {.version = 1, .codec = CAIRN_CODEC_RAW};
	assert_int_equal(cairn_mh_compute(&c.mh, CAIRN_MH_SHA2_256, (const uint8_t *)content,
	                                  strlen(content)), 0);
	return c;
}

static size_t put_varint(uint8_t *p, uint64_t v)
{
	size_t n = 0;
	do {
		p[n] = (uint8_t)(v & 0x7f);
		v >>= 7;
		if (v)
			p[n] |= 0x80;
		n++;
	} while (v);
	return n;
}

/* PBLink { Hash = 1, Name = 2, Tsize = 3 }, as a Links (2) entry. */
static size_t put_link(uint8_t *p, const cairn_cid *cid, const char *name, uint64_t tsize)
{
	uint8_t link[256], cb[CAIRN_CID_MAX_BYTES];
	size_t cl, n = 0, o = 0;
	assert_int_equal(cairn_cid_encode(cid, cb, sizeof cb, &cl), 0);
	link[n++] = 0x0a;
	n += put_varint(link + n, cl);
	memcpy(link + n, cb, cl);
	n += cl;
	link[n++] = 0x12;
	n += put_varint(link + n, strlen(name));
	memcpy(link + n, name, strlen(name));
	n += strlen(name);
	link[n++] = 0x18;
	n += put_varint(link + n, tsize);
	p[o++] = 0x12;
	o += put_varint(p + o, n);
	memcpy(p + o, link, n);
	return o + n;
}

static void entries_by_the_spec(void **state)
{
	(void)state;
	char err[CAIRN_ERR_MAX], got[CAIRN_CID_TEXT_MAX], want[CAIRN_CID_TEXT_MAX];
	cairn_importer_opts o = kubo_opts();
	cairn_cid a = file_cid("alpha"), b = file_cid("beta"), root;
	uint64_t size;
	struct store *s = calloc(1, sizeof *s);
	dirbuild *d = dirbuild_new("");
	/* added out of order: links are sorted by name bytes ("B" < "a") */
	assert_int_equal(dirbuild_add(d, "b.txt", &b, 4, err), 0);
	assert_int_equal(dirbuild_add(d, "a.txt", &a, 5, err), 0);
	assert_int_equal(dirbuild_add(d, "B", &a, 5, err), 0);
	assert_int_equal(dirbuild_finish(d, &o, store, s, NULL, NULL, &root, &size, err), 0);
	uint8_t pb[1024];
	size_t n = 0;
	n += put_link(pb + n, &a, "B", 5);
	n += put_link(pb + n, &a, "a.txt", 5);
	n += put_link(pb + n, &b, "b.txt", 4);
	memcpy(pb + n, "\x0a\x02\x08\x01", 4); /* Data: UnixFS { Type: Directory } */
	n += 4;
	assert_int_equal(s->last_len, n);
	assert_memory_equal(s->last, pb, n);
	cairn_cid expect = {.version = 0, .codec = CAIRN_CODEC_DAG_PB,
	                    .mh = {.code = CAIRN_MH_SHA2_256, .len = 32}};
	SHA256(pb, n, expect.mh.digest);
	text_of(&root, got);
	text_of(&expect, want);
	assert_string_equal(got, want);
	assert_int_equal(size, n + 5 + 5 + 4); /* its block and its entries' DAGs */
	dirbuild_free(d);
	free(s);
}

static void nesting_and_order(void **state)
{
	(void)state;
	char err[CAIRN_ERR_MAX];
	cairn_importer_opts o = kubo_opts();
	cairn_cid f = file_cid("x"), root;
	struct emitted e = {0};
	dirbuild *d = dirbuild_new("top");
	assert_int_equal(dirbuild_add(d, "z/y/f", &f, 1, err), 0); /* parents made on the way */
	assert_int_equal(dirbuild_add(d, "a", NULL, 0, err), 0);   /* an empty directory */
	assert_int_equal(dirbuild_finish(d, &o, NULL, NULL, emit, &e, &root, NULL, err), 0);
	/* children before parents, siblings by name, as Kubo prints them */
	assert_int_equal(e.n, 4);
	assert_string_equal(e.paths[0], "top/a");
	assert_string_equal(e.paths[1], "top/z/y");
	assert_string_equal(e.paths[2], "top/z");
	assert_string_equal(e.paths[3], "top");
	dirbuild_free(d);
}

static void refused_paths(void **state)
{
	(void)state;
	char err[CAIRN_ERR_MAX];
	cairn_cid f = file_cid("x");
	dirbuild *d = dirbuild_new("");
	static const char *bad[] = {"", "/abs", "a//b", "a/./b", "../up", "a/.."};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = '\0';
		if (dirbuild_add(d, bad[i], &f, 1, err) != -1)
			fail_msg("'%s' was accepted", bad[i]);
		assert_true(err[0] != '\0');
	}
	assert_int_equal(dirbuild_add(d, "f", &f, 1, err), 0);
	assert_int_equal(dirbuild_add(d, "f", &f, 1, err), -1);     /* a name given twice */
	assert_int_equal(dirbuild_add(d, "f/g", &f, 1, err), -1);   /* a file as a directory */
	dirbuild_free(d);
}

static void hamt_past_the_threshold(void **state)
{
	(void)state;
	char err[CAIRN_ERR_MAX], name[64];
	cairn_importer_opts o = kubo_opts();
	cairn_cid f = file_cid("x"), root;
	struct store *s = calloc(1, sizeof *s);
	size_t fl = cairn_cid_encoded_size(&f), sum = 0;
	dirbuild *d = dirbuild_new("");
	/* Kubo's estimate: name length + binary CID length, summed */
	for (int i = 0; sum < DIRBUILD_HAMT_THRESHOLD; i++) {
		int nl = snprintf(name, sizeof name, "entry-%06d", i);
		assert_int_equal(dirbuild_add(d, name, &f, 1, err), 0);
		sum += (size_t)nl + fl;
	}
	assert_int_equal(dirbuild_finish(d, &o, store, s, NULL, NULL, &root, NULL, err), 0);
	cairn_pbnode node;
	cairn_unixfs u;
	assert_int_equal(cairn_pbnode_decode(s->last, s->last_len, &node), 0);
	assert_int_equal(cairn_unixfs_decode(node.data, node.data_len, &u), 0);
	assert_int_equal(u.type, CAIRN_UNIXFS_HAMTSHARD);
	assert_int_equal(u.fanout, 256);
	assert_int_equal(u.hash_type, 0x22); /* murmur3-x64-64 */
	assert_true(s->blocks > 1);
	dirbuild_free(d);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(empty_directory),
		cmocka_unit_test(entries_by_the_spec),
		cmocka_unit_test(nesting_and_order),
		cmocka_unit_test(refused_paths),
		cmocka_unit_test(hamt_past_the_threshold),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

#include "testutil.h"
#include "cairn/chunker.h"
#include "cairn/dagpb.h"
#include "cairn/error.h"
#include "cairn/importer.h"
#include "cairn/unixfs.h"

#include <stdlib.h>

/* ---- a tiny in-memory block store filled by the importer's callback ---- */
#define MAX_BLOCKS 20000
struct store {
	size_t n;
	uint8_t cid[MAX_BLOCKS][CAIRN_CID_MAX_BYTES];
	size_t cid_len[MAX_BLOCKS];
	uint8_t *data[MAX_BLOCKS];
	size_t len[MAX_BLOCKS];
	int fail_after; /* make the callback fail after this many blocks (0: never) */
};

static int store_put(void *ctx, const cairn_cid *cid, const cairn_iov *iov, size_t n)
{
	struct store *s = ctx;
	if (s->fail_after && s->n >= (size_t)s->fail_after)
		return -1;
	if (s->n >= MAX_BLOCKS)
		return -1;
	size_t total = 0;
	for (size_t i = 0; i < n; i++)
		total += iov[i].len;
	uint8_t *p = malloc(total + 1);
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		memcpy(p + o, iov[i].base, iov[i].len);
		o += iov[i].len;
	}
	cairn_cid_encode(cid, s->cid[s->n], CAIRN_CID_MAX_BYTES, &s->cid_len[s->n]);
	s->data[s->n] = p;
	s->len[s->n] = total;
	s->n++;
	return 0;
}

static void store_free(struct store *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->data[i]);
	s->n = 0;
}

static long store_find(const struct store *s, const uint8_t *cid, size_t len)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->cid_len[i] == len && memcmp(s->cid[i], cid, len) == 0)
			return (long)i;
	return -1;
}

/*
 * Walk the DAG from a CID, checking everything a reader relies on:
 * every block hashes to its CID, links resolve, Tsize is the real subtree
 * size, blocksizes add up to filesize, and the leaves reassemble the file.
 * Records each leaf's depth for the layout checks. Returns DAG bytes.
 */
struct walk {
	const struct store *s;
	uint8_t *out;
	size_t out_len;
	int leaf_depth_min, leaf_depth_max;
};

static uint64_t walk(struct walk *w, const uint8_t *cidb, size_t cidlen, int depth, uint64_t *fsize)
{
	cairn_cid cid;
	assert_int_equal(cairn_cid_decode(cidb, cidlen, &cid, NULL), CAIRN_OK);
	long i = store_find(w->s, cidb, cidlen);
	assert_true(i >= 0);
	const uint8_t *b = w->s->data[i];
	size_t blen = w->s->len[i];
	assert_int_equal(cairn_cid_check_block(&cid, b, blen), CAIRN_OK);
	if (cid.codec == CAIRN_CODEC_RAW) {
		if (blen)
			memcpy(w->out + w->out_len, b, blen);
		w->out_len += blen;
		*fsize = blen;
		if (depth < w->leaf_depth_min) w->leaf_depth_min = depth;
		if (depth > w->leaf_depth_max) w->leaf_depth_max = depth;
		return blen;
	}
	assert_int_equal(cid.codec, CAIRN_CODEC_DAG_PB);
	cairn_pbnode node;
	cairn_unixfs u;
	assert_int_equal(cairn_pbnode_decode(b, blen, &node), CAIRN_OK);
	assert_true(node.has_data);
	assert_int_equal(cairn_unixfs_decode(node.data, node.data_len, &u), CAIRN_OK);
	assert_true(u.has_filesize);
	if (node.nlinks == 0) {
		if (u.data_len) /* an empty file's leaf has no Data at all */
			memcpy(w->out + w->out_len, u.data, u.data_len);
		w->out_len += u.data_len;
		assert_int_equal(u.filesize, u.data_len);
		*fsize = u.filesize;
		if (depth < w->leaf_depth_min) w->leaf_depth_min = depth;
		if (depth > w->leaf_depth_max) w->leaf_depth_max = depth;
		return blen;
	}
	assert_int_equal(u.type, CAIRN_UNIXFS_FILE);
	assert_false(u.has_data);
	assert_int_equal(u.nblocksizes, node.nlinks);
	size_t lc = 0, bc = 0;
	cairn_pblink l;
	uint64_t total = blen, fsum = 0;
	while (cairn_pbnode_next_link(&node, &lc, &l)) {
		uint64_t child_f, want_f;
		uint64_t t = walk(w, l.hash, l.hash_len, depth + 1, &child_f);
		assert_true(l.has_name && l.name_len == 0);
		assert_true(l.has_tsize);
		assert_int_equal(l.tsize, t);
		assert_int_equal(cairn_unixfs_next_blocksize(&u, &bc, &want_f), 1);
		assert_int_equal(want_f, child_f);
		total += t;
		fsum += child_f;
	}
	assert_int_equal(fsum, u.filesize);
	*fsize = u.filesize;
	return total;
}

static cairn_importer im;
static struct store st;

/* A "parallel" runner that runs a batch's jobs last first, so that any
 * dependence of the result on the order the leaves are hashed in shows. */
static int par_calls;
static void reverse_run(void *ctx, size_t n, void (*fn)(void *arg, size_t i), void *arg)
{
	(void)ctx;
	par_calls++;
	for (size_t i = n; i-- > 0;)
		fn(arg, i);
}

static cairn_parallel_fn par; /* what import() hashes leaves through, or NULL */

/* Import data fed in slices of `step` bytes; returns the root. */
static int import(const cairn_importer_opts *o, const uint8_t *data, size_t len, size_t step,
                  cairn_cid *root, int keep)
{
	static uint8_t chunk_buf[CAIRN_CHUNK_SIZE_MAX];
	int rc = cairn_importer_init(&im, o, chunk_buf, sizeof chunk_buf, keep ? store_put : NULL, &st);
	if (rc)
		return rc;
	cairn_importer_parallel(&im, par, NULL);
	for (size_t off = 0; off < len; off += step) {
		size_t n = len - off < step ? len - off : step;
		rc = cairn_importer_update(&im, data + off, n);
		if (rc)
			return rc;
	}
	uint64_t fsize;
	rc = cairn_importer_final(&im, root, &fsize);
	if (rc == CAIRN_OK)
		assert_int_equal(fsize, len);
	return rc;
}

static void kubo_vectors(void **state)
{
	(void)state;
	cairn_importer_opts o = cairn_importer_defaults();
	o.cid_version = 0;
	o.hash = CAIRN_MH_SHA2_256;
	o.raw_leaves = 0;
	cairn_cid root;
	char text[CAIRN_CID_TEXT_MAX];
	/* `echo -n hello | ipfs add -n` and the empty file */
	assert_int_equal(import(&o, (const uint8_t *)"hello", 5, 5, &root, 0), CAIRN_OK);
	cairn_cid_to_string(&root, text, sizeof text, NULL);
	assert_string_equal(text, "QmWfVY9y3xjsixTgbd9AorQxH7VtMpzfx2HaWtsoUYecaX");
	assert_int_equal(import(&o, NULL, 0, 1, &root, 0), CAIRN_OK);
	cairn_cid_to_string(&root, text, sizeof text, NULL);
	assert_string_equal(text, "QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH");
	/* CIDv1 raw leaves: a one-chunk file is the raw block itself */
	o = cairn_importer_defaults();
	o.hash = CAIRN_MH_SHA2_256;
	assert_int_equal(import(&o, NULL, 0, 1, &root, 0), CAIRN_OK);
	cairn_cid_to_string(&root, text, sizeof text, NULL);
	assert_string_equal(text, "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku");
}

static uint8_t data[1 << 20];
static uint8_t back[1 << 20];

static void check_dag(const cairn_importer_opts *o, size_t len, int *dmin, int *dmax)
{
	cairn_cid root, root2;
	fill_random(data, len, len);
	store_free(&st);
	assert_int_equal(import(o, data, len, len ? len : 1, &root, 1), CAIRN_OK);
	/* root comes last */
	uint8_t rb[CAIRN_CID_MAX_BYTES];
	size_t rl;
	cairn_cid_encode(&root, rb, sizeof rb, &rl);
	assert_true(st.n > 0);
	assert_int_equal(st.cid_len[st.n - 1], rl);
	assert_memory_equal(st.cid[st.n - 1], rb, rl);
	struct walk w = {&st, back, 0, 1 << 30, -1};
	uint64_t fsize;
	uint64_t dag = walk(&w, rb, rl, 0, &fsize);
	assert_int_equal(w.out_len, len);
	/* the reported DAG size is the walked one (Tsize semantics) */
	assert_int_equal(cairn_importer_dag_size(&im), dag);
	assert_memory_equal(back, data, len);
	*dmin = w.leaf_depth_min;
	*dmax = w.leaf_depth_max;
	/* any slicing of the input gives the same root */
	size_t steps[] = {1, 7, 99, 100, 101, 4096};
	for (size_t s = 0; s < sizeof steps / sizeof steps[0]; s++) {
		if (len > 20000 && steps[s] < 99)
			continue;
		assert_int_equal(import(o, data, len, steps[s], &root2, 0), CAIRN_OK);
		assert_int_equal(cairn_cid_compare(&root, &root2), 0);
	}
	/* leaves hashed in parallel batches (here in reverse order): the same
	 * blocks, handed over in the same order, and the same root, whatever
	 * the slicing (a batch needs two whole chunks in one update) */
	static uint8_t seq_cid[MAX_BLOCKS][CAIRN_CID_MAX_BYTES];
	static size_t seq_len[MAX_BLOCKS];
	size_t seq_n = st.n;
	memcpy(seq_cid, st.cid, seq_n * sizeof st.cid[0]);
	memcpy(seq_len, st.cid_len, seq_n * sizeof st.cid_len[0]);
	size_t psteps[] = {len ? len : 1, 250, 333, 4096};
	par = reverse_run;
	for (size_t s = 0; s < sizeof psteps / sizeof psteps[0]; s++) {
		store_free(&st);
		par_calls = 0;
		assert_int_equal(import(o, data, len, psteps[s], &root2, 1), CAIRN_OK);
		assert_int_equal(cairn_cid_compare(&root, &root2), 0);
		assert_int_equal(st.n, seq_n);
		for (size_t i = 0; i < seq_n; i++) {
			assert_int_equal(st.cid_len[i], seq_len[i]);
			assert_memory_equal(st.cid[i], seq_cid[i], seq_len[i]);
		}
		if (psteps[s] >= 2 * o->chunk_size && len >= 2 * o->chunk_size)
			assert_true(par_calls > 0);
	}
	par = NULL;
	store_free(&st);
}

static void balanced_structure(void **state)
{
	(void)state;
	cairn_importer_opts o = cairn_importer_defaults();
	o.chunk_size = 100;
	o.max_links = 3;
	size_t lens[] = {0, 1, 100, 101, 300, 301, 900, 901, 2700, 2701, 10000};
	for (int raw = 0; raw < 2; raw++) {
		o.raw_leaves = raw;
		for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
			int dmin, dmax;
			check_dag(&o, lens[i], &dmin, &dmax);
			/* all leaves at one depth, the smallest that fits */
			assert_int_equal(dmin, dmax);
			size_t leaves = (lens[i] + 99) / 100, cap = 1;
			int depth = 0;
			while (cap < leaves) {
				cap *= 3;
				depth++;
			}
			assert_int_equal(dmax, depth);
		}
	}
}

static void trickle_structure(void **state)
{
	(void)state;
	cairn_importer_opts o = cairn_importer_defaults();
	o.chunk_size = 10;
	o.max_links = 4;
	o.layout = CAIRN_LAYOUT_TRICKLE;
	size_t lens[] = {0, 5, 40, 41, 200, 201, 1000, 5000, 20000};
	for (int raw = 0; raw < 2; raw++) {
		o.raw_leaves = raw;
		for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
			int dmin, dmax;
			check_dag(&o, lens[i], &dmin, &dmax);
			if (lens[i] > 0)
				assert_int_equal(dmin, 1); /* the root always holds leaves directly */
		}
	}
	/* Shape: children past the first max_links are subtrees whose depth is
	 * (i - max_links) / 4 + 1, checked on the root of a 5000-byte file. */
	fill_random(data, 5000, 9);
	store_free(&st);
	cairn_cid root;
	o.raw_leaves = 1;
	assert_int_equal(import(&o, data, 5000, 5000, &root, 1), CAIRN_OK);
	uint8_t rb[CAIRN_CID_MAX_BYTES];
	size_t rl;
	cairn_cid_encode(&root, rb, sizeof rb, &rl);
	long r = store_find(&st, rb, rl);
	cairn_pbnode node;
	assert_int_equal(cairn_pbnode_decode(st.data[r], st.len[r], &node), CAIRN_OK);
	size_t cur = 0, idx = 0;
	cairn_pblink l;
	while (cairn_pbnode_next_link(&node, &cur, &l)) {
		struct walk w = {&st, back, 0, 1 << 30, -1};
		uint64_t f;
		walk(&w, l.hash, l.hash_len, 0, &f);
		int want = idx < 4 ? 0 : (int)((idx - 4) / 4 + 1);
		assert_true(w.leaf_depth_max <= want);
		if (idx < 4)
			assert_int_equal(w.leaf_depth_max, 0);
		idx++;
	}
	assert_true(idx > 8);
	store_free(&st);
}

static void errors(void **state)
{
	(void)state;
	static uint8_t buf[1000];
	cairn_importer_opts o = cairn_importer_defaults();
	o.cid_version = 0; /* with blake3 */
	assert_int_equal(cairn_importer_init(&im, &o, buf, sizeof buf, NULL, NULL), CAIRN_E_CID_V0);
	o = cairn_importer_defaults();
	o.max_links = 1;
	assert_int_equal(cairn_importer_init(&im, &o, buf, sizeof buf, NULL, NULL), CAIRN_E_LIMIT);
	o = cairn_importer_defaults();
	o.chunk_size = 0;
	assert_int_equal(cairn_importer_init(&im, &o, buf, sizeof buf, NULL, NULL), CAIRN_E_LIMIT);
	o = cairn_importer_defaults();
	o.chunk_size = 2000; /* larger than the buffer */
	assert_int_equal(cairn_importer_init(&im, &o, buf, sizeof buf, NULL, NULL), CAIRN_E_BUFFER);
	o.hash = CAIRN_MH_IDENTITY;
	o.chunk_size = 100;
	assert_int_equal(cairn_importer_init(&im, &o, buf, sizeof buf, NULL, NULL), CAIRN_E_MH_UNKNOWN);
	/* a failing callback stops the import, and the state stays failed */
	o = cairn_importer_defaults();
	o.chunk_size = 10;
	st.fail_after = 3;
	assert_int_equal(cairn_importer_init(&im, &o, buf, sizeof buf, store_put, &st), CAIRN_OK);
	assert_int_equal(cairn_importer_update(&im, data, 100), CAIRN_E_CALLBACK);
	assert_int_equal(cairn_importer_update(&im, data, 1), CAIRN_E_STATE);
	cairn_cid root;
	assert_int_equal(cairn_importer_final(&im, &root, NULL), CAIRN_E_STATE);
	st.fail_after = 0;
	store_free(&st);
	/* depth limit: 2 links and 1-byte chunks hold 2^12 bytes */
	o.chunk_size = 1;
	o.max_links = 2;
	assert_int_equal(cairn_importer_init(&im, &o, buf, sizeof buf, NULL, NULL), CAIRN_OK);
	assert_int_equal(cairn_importer_update(&im, data, 4096), CAIRN_OK);
	assert_int_equal(cairn_importer_update(&im, data, 1), CAIRN_E_LIMIT);
	assert_int_equal(cairn_importer_init(&im, &o, buf, sizeof buf, NULL, NULL), CAIRN_OK);
	assert_int_equal(cairn_importer_update(&im, data, 4096), CAIRN_OK);
	assert_int_equal(cairn_importer_final(&im, &root, NULL), CAIRN_OK);
	/* final twice */
	o = cairn_importer_defaults();
	assert_int_equal(cairn_importer_init(&im, &o, data, sizeof data, NULL, NULL), CAIRN_OK);
	assert_int_equal(cairn_importer_final(&im, &root, NULL), CAIRN_OK);
	assert_int_equal(cairn_importer_final(&im, &root, NULL), CAIRN_E_STATE);
}

static void chunker(void **state)
{
	(void)state;
	size_t n;
	assert_int_equal(cairn_chunker_parse("size-262144", &n), CAIRN_OK);
	assert_int_equal(n, 262144);
	assert_int_equal(cairn_chunker_parse("default", &n), CAIRN_OK);
	assert_int_equal(n, CAIRN_CHUNK_SIZE_DEFAULT);
	assert_int_equal(cairn_chunker_parse("size-1048576", &n), CAIRN_OK);
	assert_int_equal(cairn_chunker_parse("size-1048577", &n), CAIRN_E_LIMIT);
	assert_int_equal(cairn_chunker_parse("size-99999999999999999999999", &n), CAIRN_E_LIMIT);
	assert_int_equal(cairn_chunker_parse("size-0", &n), CAIRN_E_LIMIT);
	assert_int_equal(cairn_chunker_parse("size-", &n), CAIRN_E_INVAL);
	assert_int_equal(cairn_chunker_parse("size-12a", &n), CAIRN_E_INVAL);
	assert_int_equal(cairn_chunker_parse("size--1", &n), CAIRN_E_INVAL);
	assert_int_equal(cairn_chunker_parse("rabin", &n), CAIRN_E_INVAL);
	assert_int_equal(cairn_chunker_parse("buzhash", &n), CAIRN_E_INVAL);
	/* chunks come out whole whatever the feed sizes; aligned feeds are not copied */
	cairn_chunker c;
	uint8_t buf[10];
	uint8_t in[95];
	fill_random(in, sizeof in, 5);
	assert_int_equal(cairn_chunker_init(&c, 10, buf, sizeof buf), CAIRN_OK);
	const uint8_t *p = in, *chunk;
	size_t len = 20, clen, got = 0;
	assert_int_equal(cairn_chunker_push(&c, &p, &len, &chunk, &clen), 1);
	assert_ptr_equal(chunk, in); /* zero-copy */
	assert_int_equal(clen, 10);
	got += clen;
	assert_int_equal(cairn_chunker_push(&c, &p, &len, &chunk, &clen), 1);
	got += clen;
	len = 3;
	assert_int_equal(cairn_chunker_push(&c, &p, &len, &chunk, &clen), 0);
	len = 72;
	while (cairn_chunker_push(&c, &p, &len, &chunk, &clen)) {
		assert_memory_equal(chunk, in + got, 10);
		got += clen;
	}
	assert_int_equal(cairn_chunker_finish(&c, &chunk, &clen), 1);
	assert_int_equal(clen, 5);
	assert_memory_equal(chunk, in + 90, 5);
	assert_int_equal(cairn_chunker_finish(&c, &chunk, &clen), 0);
	assert_int_equal(cairn_chunker_init(&c, 11, buf, sizeof buf), CAIRN_E_BUFFER);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(kubo_vectors),
		cmocka_unit_test(balanced_structure),
		cmocka_unit_test(trickle_structure),
		cmocka_unit_test(errors),
		cmocka_unit_test(chunker),
	};
	return RUN(tests);
}

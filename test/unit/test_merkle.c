#define OPENSSL_SUPPRESS_DEPRECATED 1
#include "testutil.h"
#include "cairn/error.h"
#include "cairn/merkle.h"

#include <openssl/sha.h>

/*
 * An RFC 9162 reference written straight from the RFC's recursive
 * definitions (section 2.1.1, 2.1.3.1, 2.1.4.1), sharing no code with
 * core/merkle.c, to compare roots and proofs against.
 */
#define MAXL 70
static uint8_t leaves[MAXL][8];
static size_t leaf_len[MAXL];

static void ref_leaf(size_t i, uint8_t out[32])
{
	uint8_t buf[9];
	buf[0] = 0;
	memcpy(buf + 1, leaves[i], leaf_len[i]);
	SHA256(buf, 1 + leaf_len[i], out);
}

static void ref_mth(size_t lo, size_t hi, uint8_t out[32])
{
	if (hi - lo == 1) {
		ref_leaf(lo, out);
		return;
	}
	size_t k = 1;
	while (k * 2 < hi - lo)
		k *= 2;
	uint8_t buf[65];
	buf[0] = 1;
	ref_mth(lo, lo + k, buf + 1);
	ref_mth(lo + k, hi, buf + 33);
	SHA256(buf, 65, out);
}

static size_t ref_path(size_t m, size_t lo, size_t hi, uint8_t (*out)[32])
{
	if (hi - lo <= 1)
		return 0;
	size_t k = 1, n;
	while (k * 2 < hi - lo)
		k *= 2;
	if (m < k) {
		n = ref_path(m, lo, lo + k, out);
		ref_mth(lo + k, hi, out[n]);
	} else {
		n = ref_path(m - k, lo + k, hi, out);
		ref_mth(lo, lo + k, out[n]);
	}
	return n + 1;
}

static size_t ref_subproof(size_t m, size_t lo, size_t hi, int b, uint8_t (*out)[32])
{
	if (m == hi - lo) {
		if (b)
			return 0;
		ref_mth(lo, hi, out[0]);
		return 1;
	}
	size_t k = 1, n;
	while (k * 2 < hi - lo)
		k *= 2;
	if (m <= k) {
		n = ref_subproof(m, lo, lo + k, b, out);
		ref_mth(lo + k, hi, out[n]);
	} else {
		n = ref_subproof(m - k, lo + k, hi, 0, out);
		ref_mth(lo, lo + k, out[n]);
	}
	return n + 1;
}

/* Node callback over the same leaves, for cairn's proof generator. */
static int node_fn(void *ctx, unsigned level, uint64_t index, uint8_t out[32])
{
	(void)ctx;
	uint64_t lo = index << level, hi = lo + (UINT64_C(1) << level);
	if (hi > MAXL)
		return -1;
	ref_mth(lo, hi, out);
	return 0;
}

static void setup_leaves(void)
{
	/* The CT test leaves first, then generated ones. */
	static const char *ct[] = {"", "00", "10", "2021", "3031", "40414243",
	                           "5051525354555657", "606162636465666768696a6b6c6d6e6f"};
	for (size_t i = 0; i < MAXL; i++) {
		if (i < 8 && strlen(ct[i]) / 2 <= 8) {
			leaf_len[i] = unhex(ct[i], leaves[i]);
		} else {
			leaf_len[i] = 1 + i % 8;
			fill_random(leaves[i], leaf_len[i], i);
		}
	}
}

/* Roots for the first 1..7 CT test leaves (certificate-transparency test
 * vectors; the 16-byte eighth leaf does not fit this table's 8 bytes). */
static const char *ct_roots[] = {
	"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
	"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
	"aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
	"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	"4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
	"76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
	"ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
};

static void roots(void **state)
{
	(void)state;
	setup_leaves();
	cairn_merkle_builder b;
	uint8_t root[32], ref[32], lh[32];
	char hex[65];
	cairn_merkle_builder_init(&b);
	cairn_merkle_builder_root(&b, root);
	SHA256((const uint8_t *)"", 0, ref);
	assert_memory_equal(root, ref, 32); /* empty tree */
	for (size_t n = 1; n <= MAXL; n++) {
		cairn_merkle_leaf_hash(leaves[n - 1], leaf_len[n - 1], lh);
		ref_leaf(n - 1, ref);
		assert_memory_equal(lh, ref, 32);
		assert_int_equal(cairn_merkle_builder_add(&b, lh), CAIRN_OK);
		cairn_merkle_builder_root(&b, root);
		ref_mth(0, n, ref);
		assert_memory_equal(root, ref, 32);
		if (n <= 7) {
			tohex(root, 32, hex);
			assert_string_equal(hex, ct_roots[n - 1]);
		}
	}
}

static void inclusion(void **state)
{
	(void)state;
	setup_leaves();
	for (uint64_t size = 1; size <= 40; size++) {
		uint8_t root[32];
		ref_mth(0, size, root);
		for (uint64_t i = 0; i < size; i++) {
			uint8_t path[CAIRN_MERKLE_MAX_PATH][32], want[CAIRN_MERKLE_MAX_PATH][32], lh[32];
			size_t n;
			assert_int_equal(cairn_merkle_inclusion_proof(i, size, node_fn, NULL, path,
			                                              CAIRN_MERKLE_MAX_PATH, &n), CAIRN_OK);
			size_t wn = ref_path(i, 0, size, want);
			assert_int_equal(n, wn);
			assert_memory_equal(path, want, 32 * n);
			ref_leaf(i, lh);
			assert_int_equal(cairn_merkle_verify_inclusion(lh, i, size, (const uint8_t(*)[32])path,
			                                               n, root), CAIRN_OK);
			/* Lies are caught. (A proof may also fit a bigger size: the root,
			 * signed with its size in a checkpoint, is what pins the size.) */
			assert_int_equal(cairn_merkle_verify_inclusion(lh, size, size, (const uint8_t(*)[32])path,
			                                               n, root), CAIRN_E_PROOF);
			if (size > 1) {
				assert_int_equal(cairn_merkle_verify_inclusion(lh, (i + 1) % size, size,
				                 (const uint8_t(*)[32])path, n, root), CAIRN_E_PROOF);
				assert_int_equal(cairn_merkle_verify_inclusion(lh, i, size,
				                 (const uint8_t(*)[32])path, n - 1, root), CAIRN_E_PROOF);
				path[n - 1][5] ^= 1;
				assert_int_equal(cairn_merkle_verify_inclusion(lh, i, size,
				                 (const uint8_t(*)[32])path, n, root), CAIRN_E_PROOF);
				path[n - 1][5] ^= 1;
			}
			lh[0] ^= 0x80;
			assert_int_equal(cairn_merkle_verify_inclusion(lh, i, size, (const uint8_t(*)[32])path,
			                                               n, root), CAIRN_E_PROOF);
		}
		uint8_t p[1][32];
		size_t n;
		assert_int_equal(cairn_merkle_inclusion_proof(size, size, node_fn, NULL, p, 1, &n),
		                 CAIRN_E_INVAL);
	}
	uint8_t lh[32] = {0}, root[32] = {0};
	assert_int_equal(cairn_merkle_verify_inclusion(lh, 0, 0, NULL, 0, root), CAIRN_E_PROOF);
}

static void consistency(void **state)
{
	(void)state;
	setup_leaves();
	for (uint64_t n2 = 1; n2 <= 40; n2++) {
		uint8_t r2[32];
		ref_mth(0, n2, r2);
		for (uint64_t n1 = 1; n1 <= n2; n1++) {
			uint8_t r1[32], path[CAIRN_MERKLE_MAX_PATH][32], want[CAIRN_MERKLE_MAX_PATH][32];
			size_t n;
			ref_mth(0, n1, r1);
			assert_int_equal(cairn_merkle_consistency_proof(n1, n2, node_fn, NULL, path,
			                                                CAIRN_MERKLE_MAX_PATH, &n), CAIRN_OK);
			size_t wn = n1 == n2 ? 0 : ref_subproof(n1, 0, n2, 1, want);
			assert_int_equal(n, wn);
			assert_memory_equal(path, want, 32 * n);
			const uint8_t(*cp)[32] = (const uint8_t(*)[32])path;
			assert_int_equal(cairn_merkle_verify_consistency(n1, n2, r1, r2, cp, n), CAIRN_OK);
			if (n1 < n2) {
				uint8_t bad[32];
				memcpy(bad, r1, 32);
				bad[0] ^= 1;
				assert_int_equal(cairn_merkle_verify_consistency(n1, n2, bad, r2, cp, n), CAIRN_E_PROOF);
				assert_int_equal(cairn_merkle_verify_consistency(n1, n2, r1, bad, cp, n), CAIRN_E_PROOF);
				assert_int_equal(cairn_merkle_verify_consistency(n1 + 1, n2, r1, r2, cp, n), CAIRN_E_PROOF);
				assert_int_equal(cairn_merkle_verify_consistency(n2, n1, r2, r1, cp, n), CAIRN_E_PROOF);
				if (n > 0) {
					path[0][9] ^= 4;
					assert_int_equal(cairn_merkle_verify_consistency(n1, n2, r1, r2, cp, n), CAIRN_E_PROOF);
					path[0][9] ^= 4;
					assert_int_equal(cairn_merkle_verify_consistency(n1, n2, r1, r2, cp, n - 1), CAIRN_E_PROOF);
				}
			}
		}
	}
	uint8_t empty[32], any[32] = {1};
	SHA256((const uint8_t *)"", 0, empty);
	assert_int_equal(cairn_merkle_verify_consistency(0, 5, empty, any, NULL, 0), CAIRN_OK);
	assert_int_equal(cairn_merkle_verify_consistency(0, 5, any, any, NULL, 0), CAIRN_E_PROOF);
	uint8_t p[1][32];
	size_t n;
	assert_int_equal(cairn_merkle_consistency_proof(0, 5, node_fn, NULL, p, 1, &n), CAIRN_E_INVAL);
	assert_int_equal(cairn_merkle_consistency_proof(6, 5, node_fn, NULL, p, 1, &n), CAIRN_E_INVAL);
	assert_int_equal(cairn_merkle_consistency_proof(1, 40, node_fn, NULL, p, 1, &n), CAIRN_E_BUFFER);
	/* callback failure is reported, not ignored */
	uint8_t big[CAIRN_MERKLE_MAX_PATH][32];
	assert_int_equal(cairn_merkle_inclusion_proof(0, 100, node_fn, NULL, big,
	                                              CAIRN_MERKLE_MAX_PATH, &n), CAIRN_E_CALLBACK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(roots),
		cmocka_unit_test(inclusion),
		cmocka_unit_test(consistency),
	};
	return RUN(tests);
}

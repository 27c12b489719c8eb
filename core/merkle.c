#include "cairn/merkle.h"
#include "cairn/error.h"
#include "cairn/hash.h"

#include "cairn/multihash.h"

#include <string.h>

void cairn_merkle_leaf_hash(const void *data, size_t len, uint8_t out[32])
{
	static const uint8_t prefix = 0x00;
	cairn_hasher h;
	cairn_hasher_init(&h, CAIRN_MH_SHA2_256);
	cairn_hasher_update(&h, &prefix, 1);
	cairn_hasher_update(&h, data, len);
	cairn_hasher_final(&h, out);
}

void cairn_merkle_node_hash(const uint8_t left[32], const uint8_t right[32], uint8_t out[32])
{
	uint8_t buf[65];
	buf[0] = 0x01;
	memcpy(buf + 1, left, 32);
	memcpy(buf + 33, right, 32);
	cairn_sha256(buf, sizeof buf, out);
}

void cairn_merkle_builder_init(cairn_merkle_builder *b)
{
	b->size = 0;
	b->depth = 0;
}

int cairn_merkle_builder_add(cairn_merkle_builder *b, const uint8_t leaf_hash[32])
{
	if (b->size == UINT64_C(0x7fffffffffffffff))
		return CAIRN_E_LIMIT;
	memcpy(b->stack[b->depth++], leaf_hash, 32);
	/* Each trailing 1 bit of the old size is a perfect subtree of equal
	 * height waiting on the stack: merge them pairwise. */
	for (uint64_t s = b->size; s & 1; s >>= 1) {
		cairn_merkle_node_hash(b->stack[b->depth - 2], b->stack[b->depth - 1],
		                       b->stack[b->depth - 2]);
		b->depth--;
	}
	b->size++;
	return CAIRN_OK;
}

void cairn_merkle_builder_root(const cairn_merkle_builder *b, uint8_t root[32])
{
	if (b->depth == 0) {
		cairn_sha256("", 0, root);
		return;
	}
	uint8_t r[32];
	memcpy(r, b->stack[b->depth - 1], 32);
	for (unsigned i = b->depth - 1; i-- > 0;)
		cairn_merkle_node_hash(b->stack[i], r, r);
	memcpy(root, r, 32);
}

/* Largest power of two strictly smaller than n (n >= 2). */
static uint64_t split_point(uint64_t n)
{
	uint64_t k = 1;
	while (k << 1 < n)
		k <<= 1;
	return k;
}

int cairn_merkle_range_hash(uint64_t begin, uint64_t end, cairn_merkle_node_fn fn,
                            void *ctx, uint8_t out[32])
{
	if (end <= begin)
		return CAIRN_E_INVAL;
	uint8_t parts[64][32];
	unsigned np = 0;
	uint64_t n = end - begin, o = begin;
	for (unsigned lvl = 64; lvl-- > 0;) {
		uint64_t w = UINT64_C(1) << lvl;
		if (!(n & w))
			continue;
		if (o & (w - 1))
			return CAIRN_E_INVAL; /* not a subtree of the RFC recursion */
		if (fn(ctx, lvl, o >> lvl, parts[np]) != 0)
			return CAIRN_E_CALLBACK;
		np++;
		o += w;
	}
	uint8_t r[32];
	memcpy(r, parts[np - 1], 32);
	for (unsigned i = np - 1; i-- > 0;)
		cairn_merkle_node_hash(parts[i], r, r);
	memcpy(out, r, 32);
	return CAIRN_OK;
}

/* Proof entries are found top-down and written bottom-up: reverse. */
static void reverse(uint8_t (*path)[32], size_t n)
{
	uint8_t t[32];
	for (size_t i = 0; i < n / 2; i++) {
		memcpy(t, path[i], 32);
		memcpy(path[i], path[n - 1 - i], 32);
		memcpy(path[n - 1 - i], t, 32);
	}
}

int cairn_merkle_inclusion_proof(uint64_t index, uint64_t size, cairn_merkle_node_fn fn,
                                 void *ctx, uint8_t (*path)[32], size_t cap, size_t *n)
{
	if (index >= size)
		return CAIRN_E_INVAL;
	uint64_t lo = 0, hi = size;
	size_t c = 0;
	int rc;
	while (hi - lo > 1) {
		if (c >= cap)
			return CAIRN_E_BUFFER;
		uint64_t k = split_point(hi - lo);
		if (index < lo + k) {
			rc = cairn_merkle_range_hash(lo + k, hi, fn, ctx, path[c]);
			hi = lo + k;
		} else {
			rc = cairn_merkle_range_hash(lo, lo + k, fn, ctx, path[c]);
			lo = lo + k;
		}
		if (rc)
			return rc;
		c++;
	}
	reverse(path, c);
	*n = c;
	return CAIRN_OK;
}

int cairn_merkle_consistency_proof(uint64_t m, uint64_t size, cairn_merkle_node_fn fn,
                                   void *ctx, uint8_t (*path)[32], size_t cap, size_t *n)
{
	if (m == 0 || m > size)
		return CAIRN_E_INVAL;
	uint64_t lo = 0, hi = size;
	int whole = 1; /* RFC's b: D[0:m] is a complete subtree of the old tree */
	size_t c = 0;
	int rc;
	for (;;) {
		if (m == hi - lo) {
			if (!whole) {
				if (c >= cap)
					return CAIRN_E_BUFFER;
				rc = cairn_merkle_range_hash(lo, hi, fn, ctx, path[c]);
				if (rc)
					return rc;
				c++;
			}
			break;
		}
		if (c >= cap)
			return CAIRN_E_BUFFER;
		uint64_t k = split_point(hi - lo);
		if (m <= k) {
			rc = cairn_merkle_range_hash(lo + k, hi, fn, ctx, path[c]);
			hi = lo + k;
		} else {
			rc = cairn_merkle_range_hash(lo, lo + k, fn, ctx, path[c]);
			m -= k;
			lo += k;
			whole = 0;
		}
		if (rc)
			return rc;
		c++;
	}
	reverse(path, c);
	*n = c;
	return CAIRN_OK;
}

int cairn_merkle_verify_inclusion(const uint8_t leaf_hash[32], uint64_t index, uint64_t size,
                                  const uint8_t (*path)[32], size_t n, const uint8_t root[32])
{
	if (index >= size)
		return CAIRN_E_PROOF;
	uint64_t fn = index, sn = size - 1;
	uint8_t r[32];
	memcpy(r, leaf_hash, 32);
	for (size_t i = 0; i < n; i++) {
		if (sn == 0)
			return CAIRN_E_PROOF;
		if ((fn & 1) || fn == sn) {
			cairn_merkle_node_hash(path[i], r, r);
			while (!(fn & 1) && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else {
			cairn_merkle_node_hash(r, path[i], r);
		}
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0 || memcmp(r, root, 32) != 0)
		return CAIRN_E_PROOF;
	return CAIRN_OK;
}

int cairn_merkle_verify_consistency(uint64_t size1, uint64_t size2,
                                    const uint8_t root1[32], const uint8_t root2[32],
                                    const uint8_t (*path)[32], size_t n)
{
	if (size1 > size2)
		return CAIRN_E_PROOF;
	if (size1 == size2) {
		if (n != 0 || memcmp(root1, root2, 32) != 0)
			return CAIRN_E_PROOF;
		return CAIRN_OK;
	}
	if (size1 == 0) {
		/* Every tree extends the empty one; its root is SHA-256(""). */
		uint8_t empty[32];
		cairn_sha256("", 0, empty);
		return (n == 0 && memcmp(root1, empty, 32) == 0) ? CAIRN_OK : CAIRN_E_PROOF;
	}
	if (n == 0)
		return CAIRN_E_PROOF;
	/* Step 1: a power-of-two old tree is itself a node of the new one, so
	 * its root is the proof's implicit first entry. */
	int pow2 = (size1 & (size1 - 1)) == 0;
	size_t i = 0;
	const uint8_t *first = pow2 ? root1 : path[i++];
	uint64_t fn = size1 - 1, sn = size2 - 1;
	while (fn & 1) {
		fn >>= 1;
		sn >>= 1;
	}
	uint8_t fr[32], sr[32];
	memcpy(fr, first, 32);
	memcpy(sr, first, 32);
	for (; i < n; i++) {
		if (sn == 0)
			return CAIRN_E_PROOF;
		if ((fn & 1) || fn == sn) {
			cairn_merkle_node_hash(path[i], fr, fr);
			cairn_merkle_node_hash(path[i], sr, sr);
			while (!(fn & 1) && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else {
			cairn_merkle_node_hash(sr, path[i], sr);
		}
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0 || memcmp(fr, root1, 32) != 0 || memcmp(sr, root2, 32) != 0)
		return CAIRN_E_PROOF;
	return CAIRN_OK;
}

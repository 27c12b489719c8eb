/* dag-pb: the decoder accepts only the canonical form, so a block that
 * decodes re-encodes, from its links and data, to the same bytes; every
 * link's Hash is a CID. Its Data is then tried as UnixFS. */
#include "fuzz.h"
#include "cairn/cid.h"
#include "cairn/dagpb.h"
#include "cairn/error.h"
#include "cairn/unixfs.h"

#define LINKS_MAX 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static cairn_pblink links[LINKS_MAX];
	static uint8_t out[1 << 20];
	cairn_pbnode node;
	cairn_pblink l;
	size_t cur = 0, k = 0, n;
	if (size > sizeof out || cairn_pbnode_decode(data, size, &node) != CAIRN_OK)
		return 0;
	while (cairn_pbnode_next_link(&node, &cur, &l)) {
		cairn_cid c;
		size_t used;
		FUZZ_CHECK(k < node.nlinks);
		FUZZ_CHECK(cairn_cid_decode(l.hash, l.hash_len, &c, &used) == CAIRN_OK &&
		           used == l.hash_len);
		if (k < LINKS_MAX)
			links[k] = l;
		k++;
	}
	FUZZ_CHECK(k == node.nlinks);
	if (k > LINKS_MAX)
		return 0;
	FUZZ_CHECK(cairn_pbnode_encoded_size(links, k, node.data, node.data_len, node.has_data) == size);
	FUZZ_CHECK(cairn_pbnode_encode(links, k, node.data, node.data_len, node.has_data, out,
	                               sizeof out, &n) == CAIRN_OK);
	FUZZ_CHECK(n == size && memcmp(out, data, size) == 0);
	if (node.has_data) {
		cairn_unixfs u;
		if (cairn_unixfs_decode(node.data, node.data_len, &u) == CAIRN_OK) {
			uint64_t bs;
			size_t c = 0, nb = 0;
			while (cairn_unixfs_next_blocksize(&u, &c, &bs))
				nb++;
			FUZZ_CHECK(nb == u.nblocksizes);
		}
	}
	return 0;
}

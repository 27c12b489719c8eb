#include "proof_check.h"

#include "cairn/cid.h"
#include "cairn/error.h"
#include "cairn/merkle.h"
#include "cairn/multibase.h"
#include "note.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int proof_unhex(const char *s, uint8_t *out, size_t n)
{
	if (!s || strlen(s) != 2 * n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

/* A PeerID is the identity multihash (00 24) of the protobuf PublicKey
 * { Type: Ed25519 (08 01), Data: key (12 20 ...) }. */
int proof_peer_key(const char *peer, uint8_t pub[32])
{
	uint8_t mh[64];
	size_t n;
	if (cairn_base_decode(CAIRN_BASE58BTC, peer, strlen(peer), mh, sizeof mh, &n) != 0 || n != 38 ||
	    mh[0] != 0x00 || mh[1] != 0x24 || mh[2] != 0x08 || mh[3] != 0x01 || mh[4] != 0x12 ||
	    mh[5] != 0x20)
		return -1;
	memcpy(pub, mh + 6, 32);
	return 0;
}

/* The checkpoint's second and third lines: the size in decimal (no sign,
 * no leading zero) and the root in padded base64, each ending in '\n'. */
static int checkpoint_states(const char *note, size_t ol, uint64_t size, const uint8_t root[32])
{
	char b64[64];
	const char *l2 = note + ol + 1, *p = l2;
	uint64_t v = 0;
	if (note[ol] != '\n' || *p < '0' || *p > '9' || (*p == '0' && p[1] != '\n'))
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (*p != '\n' || v != size)
		return -1;
	cairn_base_encode(CAIRN_BASE64PAD, root, 32, b64, sizeof b64, NULL);
	size_t bl = strlen(b64);
	return strncmp(p + 1, b64, bl) == 0 && p[1 + bl] == '\n' ? 0 : -1;
}

int proof_check_offline(json_t *p, const char *signer, char *why, size_t cap)
{
	const char *cid_s = json_string_value(json_object_get(p, "cid"));
	const char *root_s = json_string_value(json_object_get(p, "root"));
	const char *note = json_string_value(json_object_get(p, "checkpoint"));
	json_t *path = json_object_get(p, "path");
	json_int_t index = json_integer_value(json_object_get(p, "index"));
	json_int_t size = json_integer_value(json_object_get(p, "size"));
	uint8_t root[32], leaf[32], cb[CAIRN_CID_MAX_BYTES], (*hashes)[32] = NULL;
	cairn_cid cid;
	size_t cl;
	int rc = -1;

	if (!cid_s || !root_s || !note || !json_is_array(path) || !json_is_integer(json_object_get(p, "index")) ||
	    !json_is_integer(json_object_get(p, "size")) || index < 0 || size <= 0) {
		snprintf(why, cap, "malformed proof: cid, index, size, root, path and checkpoint are needed");
		return -1;
	}
	/* the log */
	if (cairn_cid_parse(cid_s, strlen(cid_s), &cid) != 0 || proof_unhex(root_s, root, 32) != 0) {
		snprintf(why, cap, "malformed proof: cid or root");
		return -1;
	}
	size_t np = json_array_size(path);
	if (np > 64) {
		snprintf(why, cap, "malformed proof: a path of %zu hashes (a log holds under 2^64 leaves)", np);
		return -1;
	}
	hashes = malloc((np ? np : 1) * sizeof *hashes);
	if (!hashes) {
		snprintf(why, cap, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < np; i++)
		if (proof_unhex(json_string_value(json_array_get(path, i)), hashes[i], 32) != 0) {
			snprintf(why, cap, "malformed proof: path[%zu]", i);
			goto done;
		}
	cairn_cid_encode(&cid, cb, sizeof cb, &cl);
	cairn_merkle_leaf_hash(cb, cl, leaf);
	if (cairn_merkle_verify_inclusion(leaf, (uint64_t)index, (uint64_t)size,
	                                  (const uint8_t(*)[32])hashes, np, root) != CAIRN_OK) {
		snprintf(why, cap, "inclusion: the path does not lead from the CID's leaf to the root");
		goto done;
	}
	/* the checkpoint */
	size_t ol = strcspn(note, "\n");
	char origin[256], nerr[CAIRN_ERR_MAX];
	uint8_t pub[32];
	size_t tl;
	snprintf(origin, sizeof origin, "%.*s", (int)(ol < 255 ? ol : 255), note);
	if (strncmp(origin, "cairn/", 6) != 0 || proof_peer_key(origin + 6, pub) != 0) {
		snprintf(why, cap, "checkpoint: origin '%.60s' names no cairn node", origin);
		goto done;
	}
	if (signer && strcmp(origin + 6, signer) != 0) {
		snprintf(why, cap, "checkpoint: signed by %.60s, not by %.60s", origin + 6, signer);
		goto done;
	}
	int nv = note_verify(note, strlen(note), origin, pub, &tl, nerr);
	if (nv != 0) {
		snprintf(why, cap, "checkpoint: %s", nv > 0 ? "no valid signature by its node" : nerr);
		goto done;
	}
	if (checkpoint_states(note, ol, (uint64_t)size, root) != 0) {
		snprintf(why, cap, "checkpoint: its size and root are not the proof's");
		goto done;
	}
	rc = 0;
done:
	free(hashes);
	return rc;
}

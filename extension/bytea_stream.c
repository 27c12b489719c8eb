/*
 * Reading a bytea argument in pieces. Hashing a 1 GiB document should not
 * need a 1 GiB palloc: when the value sits out of line and uncompressed
 * (STORAGE EXTERNAL, or incompressible data such as media), it is fetched
 * a slice at a time. Compressed values cannot be sliced cheaply (each slice
 * would decompress from the start), so they are detoasted once.
 */
#include "cairn_pg.h"

#include "cairn/hash.h"

#include "access/detoast.h"
#include "miscadmin.h"

/* A multiple of every chunk size the importer uses (256 KiB, 1 MiB), so
 * slices hand whole chunks to the hasher without copying them again. */
#define SLICE_BYTES (4 * 1024 * 1024)

void cairn_bytea_stream(Datum d, cairn_bytes_fn fn, void *ctx)
{
	struct varlena *attr = (struct varlena *) DatumGetPointer(d);

	if (VARATT_IS_EXTERNAL_ONDISK(attr)) {
		struct varatt_external toast;

		VARATT_EXTERNAL_GET_POINTER(toast, attr);
		if (!VARATT_EXTERNAL_IS_COMPRESSED(toast)) {
			int32 total = (int32) VARATT_EXTERNAL_GET_EXTSIZE(toast);

			for (int32 off = 0; off < total; off += SLICE_BYTES) {
				int32 n = Min(SLICE_BYTES, total - off);
				struct varlena *slice = detoast_attr_slice(attr, off, n);

				fn(ctx, (const uint8_t *) VARDATA_ANY(slice), VARSIZE_ANY_EXHDR(slice));
				pfree(slice);
				CHECK_FOR_INTERRUPTS();
			}
			return;
		}
	}
	{
		struct varlena *v = PG_DETOAST_DATUM_PACKED(d);
		const uint8_t *p = (const uint8_t *) VARDATA_ANY(v);
		size_t n = VARSIZE_ANY_EXHDR(v);

		/* Still in pieces, so long computations stay interruptible. */
		for (size_t off = 0; off < n; off += SLICE_BYTES) {
			fn(ctx, p + off, Min((size_t) SLICE_BYTES, n - off));
			CHECK_FOR_INTERRUPTS();
		}
		if ((Pointer) v != DatumGetPointer(d))
			pfree(v);
	}
}

static void hash_piece(void *ctx, const uint8_t *p, size_t n)
{
	cairn_hasher_update((cairn_hasher *) ctx, p, n);
}

void cairn_bytea_hash(Datum d, uint64 code, cairn_multihash *mh)
{
	cairn_hasher h;

	cairn_hasher_init(&h, code);
	cairn_bytea_stream(d, hash_piece, &h);
	cairn_hasher_final(&h, mh->digest);
	mh->code = code;
	mh->len = CAIRN_HASH_LEN;
}

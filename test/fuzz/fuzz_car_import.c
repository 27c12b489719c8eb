#define _DEFAULT_SOURCE 1 /* mkdtemp */
/* The streaming CAR import (car_io.h), as peers' and clients' CARs reach
 * it: the first byte picks a slice size, the rest is the stream. Fed
 * whole and fed in slices, the import must end the same way (the same
 * blocks and bytes, the same error), never hold more than one section,
 * and store only blocks that re-hash to their CIDs. */
#include "fuzz.h"
#include "car_io.h"
#include "repo.h"

#include "cairn/car.h"
#include "cairn/error.h"

#include <unistd.h>

static repo r;
static char dir[64];

static void cleanup(void)
{
	char cmd[128];
	repo_close(&r);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

static void open_repo(void)
{
	char err[CAIRN_ERR_MAX];
	snprintf(dir, sizeof dir, "%s/cairn-fuzz-XXXXXX", access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (!mkdtemp(dir) || repo_init(dir, NULL, NULL, NULL, err) != 0 || repo_open(&r, dir, NULL, err) != 0) {
		fprintf(stderr, "fuzz repo: %s\n", err);
		abort();
	}
	atexit(cleanup);
}

struct run {
	int ok;           /* 1 imported, 0 refused */
	uint64_t blocks, bytes;
	size_t nroots;
	char err[CAIRN_ERR_MAX];
};

static void import(const uint8_t *p, size_t n, size_t slice, struct run *out)
{
	car_import ci;
	car_import_init(&ci, &r);
	ci.cache = 1;
	int rc = 0;
	for (size_t off = 0; off < n && rc == 0; off += slice) {
		size_t take = n - off < slice ? n - off : slice;
		rc = car_import_feed(&ci, p + off, take);
		/* one section at a time, never more than the largest */
		FUZZ_CHECK(!ci.sec || ci.sec->len <= CAIRN_CAR_SECTION_MAX);
		FUZZ_CHECK(ci.len <= n);
	}
	if (rc == 0)
		rc = car_import_finish(&ci);
	out->ok = rc == 0;
	out->blocks = ci.blocks;
	out->bytes = ci.bytes;
	out->nroots = ci.nroots;
	snprintf(out->err, sizeof out->err, "%s", rc == 0 ? "" : ci.err);
	FUZZ_CHECK(rc == 0 || ci.err[0]);
	FUZZ_CHECK(ci.bytes <= n);
	car_import_free(&ci);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!dir[0])
		open_repo();
	if (size < 1)
		return 0;
	size_t slice = (size_t)data[0] + 1;
	struct run whole, sliced;
	import(data + 1, size - 1, size, &whole);
	import(data + 1, size - 1, slice, &sliced);
	FUZZ_CHECK(whole.ok == sliced.ok);
	FUZZ_CHECK(whole.blocks == sliced.blocks);
	FUZZ_CHECK(whole.bytes == sliced.bytes);
	FUZZ_CHECK(whole.nroots == sliced.nroots);
	FUZZ_CHECK(strcmp(whole.err, sliced.err) == 0);
	return 0;
}

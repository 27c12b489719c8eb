#define _DEFAULT_SOURCE 1 /* mkdtemp */
/* The blockstore's writer thread (bs_writer.h): what a commit reports is
 * on disk and reads back verified (blockstore_get re-hashes it); what a
 * closed stream did not commit leaves nothing behind; a failure sticks
 * to its stream and no other; the queue's wake-up comes. */
#include "testutil.h"
#include "bs_writer.h"
#include "bs_flatfs.h"

#include "cairn/cid.h"
#include "cairn/error.h"

#include <dirent.h>
#include <poll.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <unistd.h>

static char dir[] = "/tmp/cairn-bsw-XXXXXX";
static blockstore bs;

static int setup(void **state)
{
	char err[CAIRN_ERR_MAX], root[256];
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(root, sizeof root, "%s/blocks", dir);
	bs_backend *be = NULL;
	if (mkdir(root, 0755) != 0 || bs_flatfs_create(root, err) != 0 ||
	    !(be = bs_flatfs_open(root, err)) || blockstore_open(&bs, be, 1, err) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	char cmd[300];
	(void)state;
	blockstore_close(&bs);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Block k: len bytes of a pattern (incompressible enough to matter
 * little), in a buffer of its own, and its CID. */
static block_buf *make(unsigned k, size_t len, cairn_cid *cid)
{
	block_buf *b = block_buf_new(len);
	assert_non_null(b);
	uint32_t x = 2166136261u ^ k;
	for (size_t i = 0; i < len; i++) {
		x = x * 16777619u + 1013904223u;
		b->data[i] = (uint8_t)(x >> 24);
	}
	cairn_multihash mh;
	assert_int_equal(cairn_mh_compute(&mh, CAIRN_MH_BLAKE3, b->data, len), CAIRN_OK);
	assert_int_equal(cairn_cid_set(cid, 1, CAIRN_CODEC_RAW, &mh), CAIRN_OK);
	return b;
}

/* Whether block k of len bytes reads back, verified. */
static int readable(unsigned k, size_t len)
{
	cairn_cid cid;
	char err[CAIRN_ERR_MAX];
	uint8_t *d;
	size_t n;
	block_buf *b = make(k, len, &cid);
	int rc = blockstore_get(&bs, &cid, &d, &n, err);
	if (rc == 0) {
		assert_int_equal(n, len);
		assert_memory_equal(d, b->data, len);
		free(d);
	}
	block_buf_unref(b);
	return rc == 0;
}

/* Temporary files left in the shards. */
static int temp_files(void)
{
	char path[300];
	int count = 0;
	for (int s = 0; s < 1024; s++) {
		snprintf(path, sizeof path, "%s/blocks/%c%c", dir, "abcdefghijklmnopqrstuvwxyz234567"[s / 32],
		         "abcdefghijklmnopqrstuvwxyz234567"[s % 32]);
		DIR *d = opendir(path);
		if (!d)
			continue;
		for (struct dirent *e; (e = readdir(d));)
			count += strncmp(e->d_name, ".tmp-", 5) == 0;
		closedir(d);
	}
	return count;
}

struct outcome {
	int calls, rc;
	char err[CAIRN_ERR_MAX];
};

static void on_commit(void *arg, int rc, const char *err)
{
	struct outcome *o = arg;
	o->calls++;
	o->rc = rc;
	snprintf(o->err, sizeof o->err, "%s", err);
}

/* Reap until o has its answer (at most 10 s). */
static void wait_for(bs_writer *w, struct outcome *o)
{
	for (int i = 0; i < 1000 && !o->calls; i++) {
		struct pollfd p = {.fd = bs_writer_fd(w), .events = POLLIN};
		poll(&p, 1, 10);
		bs_writer_reap(w);
	}
	assert_int_equal(o->calls, 1);
}

static void commit_makes_visible(void **state)
{
	char err[CAIRN_ERR_MAX];
	(void)state;
	bs_writer *w = bs_writer_new(&bs, 0, err);
	assert_non_null(w);
	bs_wstream *s = bs_wstream_open(w);
	assert_non_null(s);
	for (unsigned k = 1; k <= 40; k++) {
		cairn_cid cid;
		block_buf *b = make(k, 1000 + k * 997, &cid);
		assert_int_equal(bs_wstream_put(s, &cid, b, b->data, b->len), 0);
		if (k == 7) /* a repeat is no second file */
			assert_int_equal(bs_wstream_put(s, &cid, b, b->data, b->len), 0);
		block_buf_unref(b); /* the writer holds its own reference */
	}
	struct outcome o = {0};
	assert_int_equal(bs_wstream_commit(s, 0, on_commit, &o), 0);
	wait_for(w, &o);
	assert_int_equal(o.rc, 0);
	for (unsigned k = 1; k <= 40; k++)
		assert_true(readable(k, 1000 + k * 997));
	assert_null(bs_wstream_error(s));
	assert_int_equal(bs_writer_queued(w), 0);
	bs_wstream_close(s);
	bs_writer_free(w);
	assert_int_equal(temp_files(), 0);
}

static void close_drops_uncommitted(void **state)
{
	char err[CAIRN_ERR_MAX];
	(void)state;
	bs_writer *w = bs_writer_new(&bs, 0, err);
	bs_wstream *s = bs_wstream_open(w), *t = bs_wstream_open(w);
	for (unsigned k = 100; k < 110; k++) {
		cairn_cid cid;
		block_buf *b = make(k, 5000, &cid);
		assert_int_equal(bs_wstream_put(s, &cid, b, b->data, b->len), 0);
		block_buf_unref(b);
	}
	bs_wstream_close(s);
	/* one queue: t's commit answers after s's close is done */
	struct outcome o = {0};
	assert_int_equal(bs_wstream_commit(t, 0, on_commit, &o), 0);
	wait_for(w, &o);
	assert_int_equal(o.rc, 0);
	for (unsigned k = 100; k < 110; k++)
		assert_false(readable(k, 5000));
	assert_int_equal(temp_files(), 0);
	bs_wstream_close(t);
	bs_writer_free(w);
}

static void failure_sticks_to_its_stream(void **state)
{
	char err[CAIRN_ERR_MAX];
	(void)state;
	bs_writer *w = bs_writer_new(&bs, 0, err);
	bs_wstream *bad = bs_wstream_open(w), *good = bs_wstream_open(w);
	cairn_cid cid;
	/* over BLOCK_MAX: the store refuses it */
	block_buf *big = make(200, BLOCK_MAX + 1, &cid);
	assert_int_equal(bs_wstream_put(bad, &cid, big, big->data, big->len), 0);
	block_buf_unref(big);
	block_buf *b = make(201, 3000, &cid);
	assert_int_equal(bs_wstream_put(bad, &cid, b, b->data, b->len), 0); /* dropped */
	block_buf_unref(b);
	b = make(202, 3000, &cid);
	assert_int_equal(bs_wstream_put(good, &cid, b, b->data, b->len), 0);
	block_buf_unref(b);
	struct outcome ob = {0}, og = {0};
	assert_int_equal(bs_wstream_commit(bad, 0, on_commit, &ob), 0);
	assert_int_equal(bs_wstream_commit(good, 1, on_commit, &og), 0);
	wait_for(w, &ob);
	wait_for(w, &og);
	assert_int_equal(ob.rc, -1);
	assert_non_null(strstr(ob.err, "exceeds"));
	assert_non_null(bs_wstream_error(bad));
	assert_string_equal(bs_wstream_error(bad), ob.err);
	assert_int_equal(og.rc, 0);
	assert_null(bs_wstream_error(good));
	assert_false(readable(201, 3000));
	assert_true(readable(202, 3000));
	/* and again: the same error, not a new one */
	struct outcome again = {0};
	assert_int_equal(bs_wstream_commit(bad, 0, on_commit, &again), 0);
	wait_for(w, &again);
	assert_int_equal(again.rc, -1);
	assert_string_equal(again.err, ob.err);
	bs_wstream_close(bad);
	bs_wstream_close(good);
	bs_writer_free(w);
	assert_int_equal(temp_files(), 0);
}

static void low_water_wakes(void **state)
{
	char err[CAIRN_ERR_MAX];
	(void)state;
	size_t low = 256 << 10;
	bs_writer *w = bs_writer_new(&bs, low, err);
	bs_wstream *s = bs_wstream_open(w);
	assert_int_equal(bs_writer_wait_low(w), 0); /* empty: nothing to wait for */
	for (unsigned k = 300; k < 364; k++) {
		cairn_cid cid;
		block_buf *b = make(k, 1 << 20, &cid);
		assert_int_equal(bs_wstream_put(s, &cid, b, b->data, b->len), 0);
		block_buf_unref(b);
	}
	if (bs_writer_wait_low(w)) {
		/* the writer is behind: its descriptor says when it is not */
		struct pollfd p = {.fd = bs_writer_fd(w), .events = POLLIN};
		assert_int_equal(poll(&p, 1, 30000), 1);
		assert_true(bs_writer_queued(w) <= low);
		bs_writer_reap(w);
	}
	struct outcome o = {0};
	assert_int_equal(bs_wstream_commit(s, 0, on_commit, &o), 0);
	wait_for(w, &o);
	assert_int_equal(o.rc, 0);
	assert_int_equal(bs_writer_queued(w), 0);
	assert_true(readable(300, 1 << 20));
	assert_true(readable(363, 1 << 20));
	bs_wstream_close(s);
	bs_writer_free(w);
}

/* Freed with writes queued: they are written first, the thread ends. */
static void free_writes_the_queue(void **state)
{
	char err[CAIRN_ERR_MAX];
	(void)state;
	bs_writer *w = bs_writer_new(&bs, 0, err);
	bs_wstream *s = bs_wstream_open(w);
	cairn_cid cid;
	block_buf *b = make(400, 70000, &cid);
	assert_int_equal(bs_wstream_put(s, &cid, b, b->data, b->len), 0);
	assert_int_equal(bs_wstream_commit(s, 1, NULL, NULL), 0);
	bs_wstream_close(s);
	bs_writer_free(w);
	assert_int_equal(b->refs, 1); /* the writer's reference is gone */
	block_buf_unref(b);
	assert_true(readable(400, 70000));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(commit_makes_visible),
		cmocka_unit_test(close_drops_uncommitted),
		cmocka_unit_test(failure_sticks_to_its_stream),
		cmocka_unit_test(low_water_wakes),
		cmocka_unit_test(free_writes_the_queue),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

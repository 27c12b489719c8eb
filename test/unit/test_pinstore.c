#define _DEFAULT_SOURCE 1 /* mkdtemp */
/* repo/pinstore.c on a real repo (LMDB) in a temporary directory: pins put,
 * read, listed, paged and removed; the generation each change counts; the
 * outbox: the journal and the replication queue, written in the change's
 * own transaction only for who registered; and the index helpers
 * (repo_index_get_json, repo_index_foreach) the other stores use. */
#include "testutil.h"
#include "pinstore.h"
#include "repo.h"

#include <stdlib.h>
#include <unistd.h>

static char dir[64];
static repo r;

static int setup(void **state)
{
	char err[CAIRN_ERR_MAX];
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/cairn-pinstore-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	strcat(dir, "/repo");
	if (repo_init(dir, NULL, NULL, NULL, err) != 0 || repo_open(&r, dir, NULL, err) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];
	(void)state;
	repo_close(&r);
	*strrchr(dir, '/') = '\0';
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static pin make(uint64_t i, char type, const char *name)
{
	pin p = {.cid = {.version = 1, .codec = CAIRN_CODEC_DAG_PB, .mh = {.code = CAIRN_MH_SHA2_256, .len = 32}},
	         .type = type};
	fill_random(p.cid.mh.digest, 32, i);
	snprintf(p.name, sizeof p.name, "%s", name);
	return p;
}

static int count_pins(void *ctx, const pin *p)
{
	(void)p;
	(*(int *)ctx)++;
	return 0;
}

static void put_get_del(void **state)
{
	(void)state;
	char err[CAIRN_ERR_MAX];
	uint64_t gen0, gen, n;
	pin got;
	assert_int_equal(pinstore_gen(&r, &gen0, err), 0);
	pin a = make(1, PIN_RECURSIVE, "contract"), b = make(2, PIN_DIRECT, "");
	assert_int_equal(pinstore_put(&r, &a, err), 0);
	assert_int_equal(pinstore_put(&r, &b, err), 0);
	assert_int_equal(pinstore_get(&r, &a.cid, &got, err), 0);
	assert_int_equal(got.type, PIN_RECURSIVE);
	assert_string_equal(got.name, "contract");
	assert_int_equal(cairn_cid_compare(&got.cid, &a.cid), 0);
	/* a put again replaces (the type and name), and counts */
	a.type = PIN_DIRECT;
	snprintf(a.name, sizeof a.name, "renamed");
	assert_int_equal(pinstore_put(&r, &a, err), 0);
	assert_int_equal(pinstore_get(&r, &a.cid, &got, err), 0);
	assert_int_equal(got.type, PIN_DIRECT);
	assert_string_equal(got.name, "renamed");
	assert_int_equal(pinstore_count(&r, &n, err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(pinstore_gen(&r, &gen, err), 0);
	assert_int_equal(gen, gen0 + 3);
	assert_int_equal(pinstore_del(&r, &b.cid, err), 0);
	assert_int_equal(pinstore_del(&r, &b.cid, err), 1); /* not pinned (any more) */
	assert_int_equal(pinstore_get(&r, &b.cid, &got, err), 1);
	assert_int_equal(pinstore_gen(&r, &gen, err), 0);
	assert_int_equal(gen, gen0 + 4); /* a removal of nothing changes nothing */
	int seen = 0;
	assert_int_equal(pinstore_foreach(&r, count_pins, &seen, err), 0);
	assert_int_equal(seen, 1);
	assert_int_equal(pinstore_del(&r, &a.cid, err), 0);
}

static void pages_in_key_order(void **state)
{
	(void)state;
	char err[CAIRN_ERR_MAX];
	enum { N = 250, PAGE = 64 };
	for (uint64_t i = 0; i < N; i++) {
		pin p = make(100 + i, PIN_RECURSIVE, "");
		assert_int_equal(pinstore_put(&r, &p, err), 0);
	}
	pin *page = calloc(PAGE, sizeof *page);
	cairn_cid after;
	size_t n, total = 0;
	int first = 1;
	uint8_t prev[CAIRN_CID_MAX_BYTES];
	size_t prevlen = 0;
	do {
		assert_int_equal(pinstore_page(&r, first ? NULL : &after, page, PAGE, &n, err), 0);
		for (size_t i = 0; i < n; i++) {
			uint8_t cur[CAIRN_CID_MAX_BYTES];
			size_t cl;
			assert_int_equal(cairn_cid_encode(&page[i].cid, cur, sizeof cur, &cl), 0);
			if (prevlen) /* strictly ascending binary CIDs: no repeats across pages */
				assert_true(memcmp(prev, cur, cl < prevlen ? cl : prevlen) < 0 ||
				            (memcmp(prev, cur, cl < prevlen ? cl : prevlen) == 0 && prevlen < cl));
			memcpy(prev, cur, cl);
			prevlen = cl;
		}
		total += n;
		if (n)
			after = page[n - 1].cid;
		first = 0;
	} while (n == PAGE);
	assert_int_equal(total, N);
	free(page);
}

static void journal_only_when_registered(void **state)
{
	(void)state;
	char err[CAIRN_ERR_MAX];
	uint64_t gen;
	pin_change ch[4];
	size_t n;
	pin a = make(1000, PIN_RECURSIVE, "j");
	/* nobody registered: nothing journaled */
	assert_int_equal(pinstore_put(&r, &a, err), 0);
	assert_int_equal(pinstore_gen(&r, &gen, err), 0);
	assert_int_equal(pinstore_journal_read(&r, gen, ch, 4, &n, err), 0);
	assert_int_equal(n, 0);
	pinstore_outbox_journal(&r);
	assert_int_equal(pinstore_del(&r, &a.cid, err), 0);
	assert_int_equal(pinstore_put(&r, &a, err), 0);
	assert_int_equal(pinstore_journal_read(&r, gen + 1, ch, 4, &n, err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(ch[0].gen, gen + 1);
	assert_int_equal(ch[0].op, '-');
	assert_int_equal(ch[1].op, '+');
	assert_int_equal(ch[1].p.type, PIN_RECURSIVE);
	assert_string_equal(ch[1].p.name, "j");
	assert_int_equal(cairn_cid_compare(&ch[1].p.cid, &a.cid), 0);
	assert_int_equal(pinstore_journal_trim(&r, gen + 1, err), 0);
	assert_int_equal(pinstore_journal_read(&r, gen + 1, ch, 4, &n, err), 0);
	assert_int_equal(n, 0); /* a gap at gen + 1: the reader stops (and resyncs) */
	assert_int_equal(pinstore_journal_read(&r, gen + 2, ch, 4, &n, err), 0);
	assert_int_equal(n, 1);
}

struct queued {
	int n;
	uint8_t target[8];
};

static int visit_replica(void *ctx, const MDB_val *k, const MDB_val *v)
{
	struct queued *q = ctx;
	if (k->mv_size > 8 && memcmp(k->mv_data, q->target, 8) == 0 && v->mv_size > 0)
		q->n++;
	return 0;
}

static void replication_queue(void **state)
{
	(void)state;
	char err[CAIRN_ERR_MAX];
	struct queued q = {.target = {1, 2, 3, 4, 5, 6, 7, 8}};
	assert_int_equal(pinstore_outbox_add_target(&r, q.target, err), 0);
	pin rec = make(2000, PIN_RECURSIVE, ""), dir = make(2001, PIN_DIRECT, "");
	assert_int_equal(pinstore_put(&r, &rec, err), 0);
	assert_int_equal(pinstore_put(&r, &dir, err), 0); /* direct pins are not replicated */
	assert_int_equal(repo_index_foreach(&r, r.replicas, REPO_FORWARD, NULL, visit_replica, &q, err), 0);
	assert_int_equal(q.n, 1);
	pinstore_outbox_clear_targets(&r);
	pin later = make(2002, PIN_RECURSIVE, "");
	assert_int_equal(pinstore_put(&r, &later, err), 0);
	q.n = 0;
	assert_int_equal(repo_index_foreach(&r, r.replicas, REPO_FORWARD, NULL, visit_replica, &q, err), 0);
	assert_int_equal(q.n, 1); /* nothing queued once unregistered */
	for (int i = 0; i < REPO_REPLICATE_MAX; i++)
		assert_int_equal(pinstore_outbox_add_target(&r, q.target, err), 0);
	assert_int_equal(pinstore_outbox_add_target(&r, q.target, err), -1);
	assert_true(err[0] != '\0');
	pinstore_outbox_clear_targets(&r);
}

static int stop_at_two(void *ctx, const MDB_val *k, const MDB_val *v)
{
	(void)k;
	(void)v;
	return ++*(int *)ctx == 2;
}

struct collect {
	uint64_t *keys;
	int n;
};

static int collect_key(void *ctx, const MDB_val *k, const MDB_val *v)
{
	struct collect *c = ctx;
	(void)v;
	if (k->mv_size == 8 && c->n < 3)
		c->keys[c->n++] = repo_get_be64(k->mv_data);
	return 0;
}

static void index_helpers(void **state)
{
	(void)state;
	char err[CAIRN_ERR_MAX];
	uint8_t kb[8];
	json_t *j;
	repo_put_be64(7, kb);
	MDB_val k = {8, kb}, v = {11, "{\"tx\":\"0x\"}"};
	assert_int_equal(repo_index_get_json(&r, r.anchors, &k, &j, err), 1);
	assert_null(j);
	assert_int_equal(repo_index_put(&r, r.anchors, &k, &v, 0, err), 0);
	assert_int_equal(repo_index_get_json(&r, r.anchors, &k, &j, err), 0);
	assert_string_equal(json_string_value(json_object_get(j, "tx")), "0x");
	json_decref(j);
	MDB_val bad = {3, "not"};
	assert_int_equal(repo_index_put(&r, r.anchors, &k, &bad, 0, err), 0);
	err[0] = '\0';
	assert_int_equal(repo_index_get_json(&r, r.anchors, &k, &j, err), -1); /* never "absent" */
	assert_true(err[0] != '\0');
	repo_put_be64(8, kb);
	assert_int_equal(repo_index_put(&r, r.anchors, &k, &v, 0, err), 0);
	repo_put_be64(9, kb);
	assert_int_equal(repo_index_put(&r, r.anchors, &k, &v, 0, err), 0);
	int visits = 0;
	assert_int_equal(repo_index_foreach(&r, r.anchors, REPO_BACKWARD, NULL, stop_at_two, &visits, err), 1);
	assert_int_equal(visits, 2); /* stopped by the visitor, whose value it returns */
	/* from a start key: forwards from it, backwards from before it */
	uint64_t keys[3];
	struct collect c = {keys, 0};
	repo_put_be64(8, kb);
	assert_int_equal(repo_index_foreach(&r, r.anchors, REPO_FORWARD, &k, collect_key, &c, err), 0);
	assert_int_equal(c.n, 2);
	assert_int_equal(keys[0], 8);
	assert_int_equal(keys[1], 9);
	c.n = 0;
	assert_int_equal(repo_index_foreach(&r, r.anchors, REPO_BACKWARD, &k, collect_key, &c, err), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(keys[0], 7);
	repo_put_be64(100, kb); /* past every key: backwards from the last */
	c.n = 0;
	assert_int_equal(repo_index_foreach(&r, r.anchors, REPO_BACKWARD, &k, collect_key, &c, err), 0);
	assert_int_equal(c.n, 3);
	assert_int_equal(keys[0], 9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(put_get_del),
		cmocka_unit_test(pages_in_key_order),
		cmocka_unit_test(journal_only_when_registered),
		cmocka_unit_test(replication_queue),
		cmocka_unit_test(index_helpers),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

#include "testutil.h"
#include "cairn/error.h"
#include "cairn/multibase.h"
#include "cairn/tlog.h"

/* The example bundle of c2sp.org/tlog-proof (its signatures elided as the
 * spec elides them: parsing does not check them). */
static const char example[] =
	"c2sp.org/tlog-proof@v1\n"
	"extra YWdlLXYxLjIuMS1kYXJ3aW4tYXJtNjQudGFyLmd6kYXJ3aW4tYXJ\n"
	"index 73894\n"
	"gSKyXoYZUgZ6jduWYrkDOARinOMGJveXjgMkBTcdPlQ=\n"
	"B95lDa8R83lS8n0eG+o0buTxRKQTYFi//1U8anccXmA=\n"
	"EKNzoDWG8LGC0Yp9o+sv3qllpMP9uHQ9B20KNL+Q1zs=\n"
	"RoopEkOdqkYqMB4MJXrbt/hMjOxsVn0IrWjpz1ZMMes=\n"
	"AHCioX9nLjsrse6YhjRRmk1WUEirVOLLRoOQ6vfO5vk=\n"
	"\n"
	"example.com/fancylog\n"
	"109482\n"
	"sFodV/vSp5O8n9a8QpW6PRY97tfOSW5bsc2Xl/EQi08=\n"
	"\n"
	"\xe2\x80\x94 example.com/fancylog hI2DJw[...]1roloI=\n"
	"\xe2\x80\x94 witness1.example mJirIklj[...]qY9v2B/5bg==\n";

static void spec_example(void **state)
{
	(void)state;
	cairn_tlog_proof p;
	uint8_t extra[64], root[32], want[32];
	char out[2048];
	size_t el, n, ol;
	const char *origin;
	uint64_t size;
	assert_int_equal(cairn_tlog_proof_parse(example, strlen(example), &p), CAIRN_OK);
	assert_true(p.index == 73894);
	assert_int_equal(p.npath, 5);
	assert_int_equal(cairn_base_decode(CAIRN_BASE64PAD, "AHCioX9nLjsrse6YhjRRmk1WUEirVOLLRoOQ6vfO5vk=", 44,
	                                   want, 32, &n), CAIRN_OK);
	assert_memory_equal(p.path[4], want, 32);
	assert_true(strncmp(p.note, "example.com/fancylog\n109482\n", 28) == 0);
	assert_int_equal(cairn_base_decode(CAIRN_BASE64PAD, p.extra, p.extra_len, extra, sizeof extra, &el),
	                 CAIRN_OK);
	/* written again from its parts: the same bytes */
	assert_int_equal(cairn_tlog_proof_write(extra, el, p.index, (const uint8_t(*)[32])p.path, p.npath,
	                                        p.note, p.note_len, out, sizeof out, &n), CAIRN_OK);
	assert_int_equal(n, strlen(example));
	assert_memory_equal(out, example, n);
	assert_int_equal(cairn_tlog_checkpoint_parse(p.note, p.note_len, &origin, &ol, &size, root), CAIRN_OK);
	assert_int_equal(ol, strlen("example.com/fancylog"));
	assert_true(size == 109482);
	assert_int_equal(cairn_tlog_proof_write(extra, el, p.index, (const uint8_t(*)[32])p.path, p.npath,
	                                        p.note, p.note_len, out, n, &n), CAIRN_E_BUFFER);
}

/* Each variant is refused. */
static void malformed(void **state)
{
	(void)state;
	static const char *bad[] = {
		"",
		"c2sp.org/tlog-proof@v2\nindex 0\n\nlog\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
		"c2sp.org/tlog-proof@v1\nindex 01\n\nlog\n",
		"c2sp.org/tlog-proof@v1\nindex -1\n\nlog\n",
		"c2sp.org/tlog-proof@v1\nindex 18446744073709551616\n\nlog\n",
		"c2sp.org/tlog-proof@v1\nindex 0\nAAAA\n\nlog\n",                 /* not 32 bytes */
		"c2sp.org/tlog-proof@v1\nindex 0\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB=\n\nlog\n", /* stray bits */
		"c2sp.org/tlog-proof@v1\nindex 0\n\n",                           /* no checkpoint */
		"c2sp.org/tlog-proof@v1\nindex 0\nlog\n",                         /* no blank line */
		"c2sp.org/tlog-proof@v1\nextra \nindex 0\n\nlog\n",
		"c2sp.org/tlog-proof@v1\r\nindex 0\n\nlog\n",
	};
	cairn_tlog_proof p;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (cairn_tlog_proof_parse(bad[i], strlen(bad[i]), &p) != CAIRN_E_TLOG)
			fail_msg("accepted bad[%zu]", i);
	const char *o;
	size_t ol;
	uint64_t size;
	uint8_t root[32];
	static const char *badcp[] = {"log\n01\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", "\n1\nAAAA\n",
	                              "log\n1\nAAAA\n", "log\n1\n",
	                              "l\x01g\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"};
	for (size_t i = 0; i < sizeof badcp / sizeof badcp[0]; i++)
		if (cairn_tlog_checkpoint_parse(badcp[i], strlen(badcp[i]), &o, &ol, &size, root) != CAIRN_E_TLOG)
			fail_msg("accepted checkpoint %zu", i);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(spec_example),
		cmocka_unit_test(malformed),
	};
	return RUN(tests);
}

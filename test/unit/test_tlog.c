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

/* The example request body of c2sp.org/tlog-witness, and refusals. */
static void witness_request(void **state)
{
	(void)state;
	static const char body[] =
		"old 20852014\n"
		"PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\n"
		"jrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=\n"
		"5+pKlUdi2LeF/BcMHBn+Ku6yhPGNCswZZD1X/6QgPd8=\n"
		"/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=\n"
		"\n"
		"example.com/behind-the-sofa\n"
		"20852163\n"
		"CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
		"\n"
		"\xe2\x80\x94 example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n";
	cairn_tlog_witness_req r;
	uint8_t want[32];
	size_t n;
	assert_int_equal(cairn_tlog_witness_parse(body, strlen(body), &r), CAIRN_OK);
	assert_true(r.old == 20852014);
	assert_int_equal(r.nproof, 4);
	assert_int_equal(cairn_base_decode(CAIRN_BASE64PAD, "/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=", 44, want,
	                                   32, &n), CAIRN_OK);
	assert_memory_equal(r.proof[3], want, 32);
	assert_true(strncmp(r.note, "example.com/behind-the-sofa\n20852163\n", 37) == 0);
	assert_int_equal(r.note_len, strlen(body) - (size_t)(r.note - body));
	static const char *bad[] = {
		"", "old\n\nlog\n", "old 01\n\nlog\n", "new 1\n\nlog\n", "old 1\nlog\n",
		"old 1\nAAAA\n\nlog\n", "old 18446744073709551616\n\nlog\n",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		r.why = NULL;
		if (cairn_tlog_witness_parse(bad[i], strlen(bad[i]), &r) != CAIRN_E_TLOG || !r.why)
			fail_msg("accepted bad[%zu]", i);
	}
	/* 64 proof lines are one too many */
	char many[64 * 45 + 32] = "old 1\n";
	for (int i = 0; i < 64; i++)
		strcat(many, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n");
	strcat(many, "\nlog\n");
	assert_int_equal(cairn_tlog_witness_parse(many, strlen(many), &r), CAIRN_E_TLOG);
	assert_string_equal(r.why, "more than 63 consistency proof lines");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(spec_example),
		cmocka_unit_test(malformed),
		cmocka_unit_test(witness_request),
	};
	return RUN(tests);
}

/* Unit tests for loader/guest_config.c: a guest module's command line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "loader/guest_config.h"

#define UNKNOWN_OPTION \
	"unknown option (expected name=, cpus=, mem=, for=, msg=, event=, exit-counters=, send=, " \
	"unbacked=, hv-apic=, hv-ipi=, hv-crash=, hv-tlbflush= or --)"
#define MSG_USAGE   "expected msg=ID:vp=N:sint=S[:from=NAME]"
#define EVENT_USAGE "expected event=ID:vp=N:sint=S:flag=F[:from=NAME]"

static char *input; /* a heap copy of the last command line parsed */

/* Parses a copy of exactly strlen + 1 bytes, so that ASan catches a read past its NUL. */
static const char *parse(const char *cmdline, struct guest_config *cfg)
{
	free(input);
	input = strdup(cmdline);
	return guest_config_parse(input, "dflt", cfg);
}

static int free_input(void **state)
{
	(void)state;
	free(input);
	input = NULL;
	return 0;
}

static void expect_error(const char *cmdline, const char *expected)
{
	struct guest_config cfg;

	assert_string_equal(parse(cmdline, &cfg), expected);
}

static void test_defaults(void **state)
{
	struct guest_config cfg;

	(void)state;
	assert_null(parse("", &cfg));
	assert_string_equal(cfg.name, "dflt");
	assert_int_equal(cfg.cpus, 1);
	assert_int_equal(cfg.mem_size, 64 * MiB);
	assert_string_equal(cfg.for_name, "");
	assert_string_equal(cfg.guest_cmdline, "");
	assert_false(cfg.exit_counters);
	assert_int_equal(cfg.nr_conns, 0);
	assert_null(parse("   \t ", &cfg));
	assert_string_equal(cfg.name, "dflt");
}

static void test_null_cmdline(void **state)
{
	struct guest_config cfg;

	(void)state;
	assert_null(guest_config_parse(NULL, "x", &cfg));
	assert_string_equal(cfg.name, "x");
	assert_string_equal(cfg.guest_cmdline, "");
}

static void test_all_options(void **state)
{
	struct guest_config cfg;

	(void)state;
	assert_null(parse("name=test-1.a_b cpus=64 mem=2G for=other -- verbose  x=1 ", &cfg));
	assert_string_equal(cfg.name, "test-1.a_b");
	assert_int_equal(cfg.cpus, 64);
	assert_int_equal(cfg.mem_size, 2 * GiB);
	assert_string_equal(cfg.for_name, "other");
	assert_string_equal(cfg.guest_cmdline, "verbose  x=1 ");
}

static void test_separators(void **state)
{
	struct guest_config cfg;

	(void)state;
	assert_null(parse("\tcpus=2\t\tname=n  ", &cfg));
	assert_int_equal(cfg.cpus, 2);
	assert_string_equal(cfg.name, "n");
}

static void test_later_option_wins(void **state)
{
	struct guest_config cfg;

	(void)state;
	assert_null(parse("cpus=2 cpus=3", &cfg));
	assert_int_equal(cfg.cpus, 3);
}

static void test_dashdash(void **state)
{
	struct guest_config cfg;

	(void)state;
	assert_null(parse("cpus=2 --", &cfg));
	assert_string_equal(cfg.guest_cmdline, "");
	assert_null(parse("--    a  b", &cfg));
	assert_string_equal(cfg.guest_cmdline, "a  b");
	assert_null(parse("-- \t", &cfg));
	assert_string_equal(cfg.guest_cmdline, "");
	/* options after -- belong to the guest */
	assert_null(parse("name=a -- name=b -- cpus=99", &cfg));
	assert_string_equal(cfg.name, "a");
	assert_string_equal(cfg.guest_cmdline, "name=b -- cpus=99");
	assert_int_equal(cfg.cpus, 1);
}

static void test_dashdash_must_stand_alone(void **state)
{
	(void)state;
	expect_error("--verbose", "bad option '--verbose': " UNKNOWN_OPTION);
}

static void test_mem_sizes(void **state)
{
	static const struct {
		const char *s;
		uint64_t size;
	} ok[] = {
		{ "mem=1048576", MiB },  { "mem=1M", MiB },    { "mem=1m", MiB },
		{ "mem=1024k", MiB },    { "mem=1028K", 1028 * KiB }, { "mem=64G", 64 * GiB },
		{ "mem=3g", 3 * GiB },   { "mem=0001M", MiB },
	};
	struct guest_config cfg;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		assert_null(parse(ok[i].s, &cfg));
		assert_int_equal(cfg.mem_size, ok[i].size);
	}
}

static void test_mem_errors(void **state)
{
	(void)state;
	expect_error("mem=12Q", "bad option 'mem=12Q': expected a size such as 64M (bytes, or K, M or G)");
	expect_error("mem=M", "bad option 'mem=M': expected a size such as 64M (bytes, or K, M or G)");
	expect_error("mem=-1M", "bad option 'mem=-1M': expected a size such as 64M (bytes, or K, M or G)");
	expect_error("mem=1MB", "bad option 'mem=1MB': expected a size such as 64M (bytes, or K, M or G)");
	expect_error("mem=99999999999999999999999",
		     "bad option 'mem=99999999999999999999999': expected a size such as 64M (bytes, or K, M or G)");
	expect_error("mem=18446744073709551615K",
		     "bad option 'mem=18446744073709551615K': size must be from 1M to 64G");
	expect_error("mem=65G", "bad option 'mem=65G': size must be from 1M to 64G");
	expect_error("mem=1020K", "bad option 'mem=1020K': size must be from 1M to 64G");
	expect_error("mem=0", "bad option 'mem=0': size must be from 1M to 64G");
	expect_error("mem=1048577", "bad option 'mem=1048577': size must be a multiple of 4K");
	expect_error("mem=1025K", "bad option 'mem=1025K': size must be a multiple of 4K");
}

static void test_cpus_errors(void **state)
{
	static const char *const bad[] = { "cpus=0", "cpus=65", "cpus=x", "cpus=1x", "cpus=-1",
					   "cpus=99999999999999999999999" };
	struct guest_config cfg;
	char expected[128];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		snprintf(expected, sizeof(expected),
			 "bad option '%s': expected a number of CPUs from 1 to 64", bad[i]);
		assert_string_equal(parse(bad[i], &cfg), expected);
	}
}

static void test_missing_value(void **state)
{
	(void)state;
	expect_error("cpus", "bad option 'cpus': missing value (NAME=VALUE)");
	expect_error("mem=", "bad option 'mem=': missing value (NAME=VALUE)");
	expect_error("name= cpus=2", "bad option 'name=': missing value (NAME=VALUE)");
	expect_error("for=", "bad option 'for=': missing value (NAME=VALUE)");
	expect_error("msg=", "bad option 'msg=': missing value (NAME=VALUE)");
	expect_error("event", "bad option 'event': missing value (NAME=VALUE)");
	expect_error("exit-counters=", "bad option 'exit-counters=': missing value (NAME=VALUE)");
}

static void test_unknown_options(void **state)
{
	(void)state;
	expect_error("cpus=2 verbose", "bad option 'verbose': " UNKNOWN_OPTION);
	expect_error("memory=1G", "bad option 'memory=1G': " UNKNOWN_OPTION);
	expect_error("=1", "bad option '=1': " UNKNOWN_OPTION);
	expect_error("exit-counter=on", "bad option 'exit-counter=on': " UNKNOWN_OPTION);
	expect_error("message=1:vp=0:sint=0", "bad option 'message=1:vp=0:sint=0': " UNKNOWN_OPTION);
}

/* The longest message, a truncated quote and the whole list, must fit in cfg->error. */
static void test_unknown_option_message_fits(void **state)
{
	(void)state;
	expect_error("abcdefghijklmnopqrstuvwxyz0123456789abcdefghij",
		     "bad option 'abcdefghijklmnopqrstuvwxyz0123456789abcd...': " UNKNOWN_OPTION);
}

static void test_name_length(void **state)
{
	struct guest_config cfg;

	(void)state;
	assert_null(parse("name=abcdefghijklmnopqrstuvwxyz12345", &cfg));
	assert_int_equal(strlen(cfg.name), GUEST_NAME_MAX);
	expect_error("name=abcdefghijklmnopqrstuvwxyz123456",
		     "bad option 'name=abcdefghijklmnopqrstuvwxyz123456': expected a name of 1 to 31 characters");
	expect_error("for=abcdefghijklmnopqrstuvwxyz123456",
		     "bad option 'for=abcdefghijklmnopqrstuvwxyz123456': expected a name of 1 to 31 characters");
}

static void test_name_charset(void **state)
{
	(void)state;
	expect_error("name=a/b",
		     "bad option 'name=a/b': a name may hold only A-Z, a-z, 0-9, '_', '.' and '-'");
	expect_error("for=a=b",
		     "bad option 'for=a=b': a name may hold only A-Z, a-z, 0-9, '_', '.' and '-'");
}

static void test_long_option_quoted_truncated(void **state)
{
	(void)state;
	expect_error("cpus=1234567890123456789012345678901234567890",
		     "bad option 'cpus=12345678901234567890123456789012345...': expected a number of CPUs from 1 to 64");
}

static void test_default_name(void **state)
{
	struct guest_config cfg;

	(void)state;
	/* an unusable default is refused only when it is used */
	assert_null(guest_config_parse("name=ok", "bad name", &cfg));
	assert_string_equal(cfg.name, "ok");
	assert_string_equal(guest_config_parse("cpus=2", "bad name", &cfg),
			    "bad default name 'bad name': a name may hold only A-Z, a-z, 0-9, '_', '.' and '-'");
	assert_non_null(guest_config_parse("", "", &cfg));
}

static void test_exit_counters(void **state)
{
	struct guest_config cfg;

	(void)state;
	assert_null(parse("exit-counters=on", &cfg));
	assert_true(cfg.exit_counters);
	assert_null(parse("exit-counters=off", &cfg));
	assert_false(cfg.exit_counters);
	assert_null(parse("exit-counters=on exit-counters=off", &cfg));
	assert_false(cfg.exit_counters);
	assert_null(parse("exit-counters=off exit-counters=on", &cfg));
	assert_true(cfg.exit_counters);
}

static void test_exit_counters_errors(void **state)
{
	static const char *const bad[] = { "exit-counters=yes", "exit-counters=ON",
					   "exit-counters=o", "exit-counters=onn",
					   "exit-counters=1", "exit-counters=of" };
	struct guest_config cfg;
	char expected[128];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		snprintf(expected, sizeof(expected), "bad option '%s': expected on or off", bad[i]);
		assert_string_equal(parse(bad[i], &cfg), expected);
	}
}

static void expect_conn(const struct guest_connection *c, uint32_t id, bool event,
			unsigned int vp, unsigned int sint, unsigned int flag, const char *from)
{
	assert_int_equal(c->id, id);
	assert_int_equal(c->event, event);
	assert_int_equal(c->vp, vp);
	assert_int_equal(c->sint, sint);
	assert_int_equal(c->flag, flag);
	assert_string_equal(c->from, from);
}

static void test_connections(void **state)
{
	struct guest_config cfg;

	(void)state;
	/* cpus= after the connections that need it */
	assert_null(parse("msg=5:vp=0:sint=1 event=0x10:sint=15:flag=2047:vp=3:from=peer-1.a_b "
			  "msg=0XFFFFFF:from=a:sint=0:vp=1 event=0:flag=0:vp=0:sint=0 cpus=4 -- x",
			  &cfg));
	assert_int_equal(cfg.nr_conns, 4);
	expect_conn(&cfg.conns[0], 5, false, 0, 1, 0, "");
	expect_conn(&cfg.conns[1], 0x10, true, 3, 15, 2047, "peer-1.a_b");
	expect_conn(&cfg.conns[2], 0xffffff, false, 1, 0, 0, "a");
	expect_conn(&cfg.conns[3], 0, true, 0, 0, 0, "");
	assert_int_equal(cfg.cpus, 4);
	assert_string_equal(cfg.guest_cmdline, "x");
	assert_null(parse("msg=16777215:vp=63:sint=00015:from=abcdefghijklmnopqrstuvwxyz12345 "
			  "cpus=64 event=0x0a:vp=0:sint=0:flag=7", &cfg));
	expect_conn(&cfg.conns[0], 0xffffff, false, 63, 15, 0, "abcdefghijklmnopqrstuvwxyz12345");
	expect_conn(&cfg.conns[1], 10, true, 0, 0, 7, "");
	/* a connection after -- belongs to the guest */
	assert_null(parse("-- msg=x", &cfg));
	assert_int_equal(cfg.nr_conns, 0);
}

static void test_connection_id_errors(void **state)
{
	static const char *const bad[] = {
		"msg=0x1000000:vp=0:sint=0", "msg=16777216:vp=0:sint=0", "event=x:vp=0:sint=0:flag=0",
		"msg=0x:vp=0:sint=0", "msg=:vp=0:sint=0", "msg=-1:vp=0:sint=0", "msg=0xg:vp=0:sint=0",
		"msg=+5:vp=0:sint=0", "msg=5;vp=0:sint=0", "msg=0x10000000000000000:vp=0:sint=0",
		"msg=99999999999999999999999:vp=0", "msg=x",
	};
	struct guest_config cfg;
	char expected[128];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		snprintf(expected, sizeof(expected),
			 "bad option '%s': connection id must be 0 to 0xffffff", bad[i]);
		assert_string_equal(parse(bad[i], &cfg), expected);
	}
}

static void test_connection_value_errors(void **state)
{
	(void)state;
	expect_error("msg=1:vp=0:sint=16", "bad option 'msg=1:vp=0:sint=16': sint must be 0 to 15");
	expect_error("msg=1:vp=0:sint=x", "bad option 'msg=1:vp=0:sint=x': sint must be 0 to 15");
	expect_error("msg=1:vp=0:sint=", "bad option 'msg=1:vp=0:sint=': sint must be 0 to 15");
	expect_error("event=1:vp=0:sint=0:flag=2048",
		     "bad option 'event=1:vp=0:sint=0:flag=2048': flag must be 0 to 2047");
	expect_error("event=1:vp=0:sint=0:flag=-1",
		     "bad option 'event=1:vp=0:sint=0:flag=-1': flag must be 0 to 2047");
	expect_error("msg=1:vp=64:sint=0 cpus=64",
		     "bad option 'msg=1:vp=64:sint=0': vp must be below 64");
	expect_error("msg=1:vp=1x:sint=0", "bad option 'msg=1:vp=1x:sint=0': vp must be below 64");
	expect_error("msg=1:vp=0:sint=0:from=",
		     "bad option 'msg=1:vp=0:sint=0:from=': expected a name of 1 to 31 characters");
	expect_error("msg=1:vp=0:sint=0:from=a/b",
		     "bad option 'msg=1:vp=0:sint=0:from=a/b': a name may hold only A-Z, a-z, 0-9, '_', '.' and '-'");
	expect_error("msg=1:vp=0:sint=0:from=a=b",
		     "bad option 'msg=1:vp=0:sint=0:from=a=b': a name may hold only A-Z, a-z, 0-9, '_', '.' and '-'");
}

static void test_connection_syntax_errors(void **state)
{
	(void)state;
	expect_error("msg=1", "bad option 'msg=1': " MSG_USAGE);
	expect_error("msg=1:vp=0", "bad option 'msg=1:vp=0': " MSG_USAGE);
	expect_error("msg=1:sint=0:from=a", "bad option 'msg=1:sint=0:from=a': " MSG_USAGE);
	expect_error("msg=1:vp=0:sint=0:", "bad option 'msg=1:vp=0:sint=0:': " MSG_USAGE);
	expect_error("msg=1:vp=0::sint=0", "bad option 'msg=1:vp=0::sint=0': " MSG_USAGE);
	expect_error("msg=1:vp:sint=0", "bad option 'msg=1:vp:sint=0': " MSG_USAGE);
	expect_error("msg=1:vp=0:sint=0:to=a", "bad option 'msg=1:vp=0:sint=0:to=a': " MSG_USAGE);
	expect_error("msg=1:VP=0:sint=0", "bad option 'msg=1:VP=0:sint=0': " MSG_USAGE);
	expect_error("event=1:vp=0:sint=0", "bad option 'event=1:vp=0:sint=0': " EVENT_USAGE);
	expect_error("event=1:flag=0:sint=0", "bad option 'event=1:flag=0:sint=0': " EVENT_USAGE);
	expect_error("event=1:vp=0:sint=0:flag", "bad option 'event=1:vp=0:sint=0:flag': " EVENT_USAGE);
	expect_error("msg=1:vp=0:sint=0:flag=1",
		     "bad option 'msg=1:vp=0:sint=0:flag=1': only event= takes a flag (msg= queues a message)");
	expect_error("msg=1:vp=0:sint=0:vp=1",
		     "bad option 'msg=1:vp=0:sint=0:vp=1': vp, sint, flag and from may each be given only once");
	expect_error("event=1:from=a:vp=0:sint=0:flag=1:from=a",
		     "bad option 'event=1:from=a:vp=0:sint=0:flag=1:from=a': vp, sint, flag and from may each be given only once");
	expect_error("event=1:vp=0:flag=1:sint=0:flag=1",
		     "bad option 'event=1:vp=0:flag=1:sint=0:flag=1': vp, sint, flag and from may each be given only once");
}

static void test_connection_duplicate_ids(void **state)
{
	(void)state;
	/* msg= and event= share one namespace, whichever way the id is written */
	expect_error("msg=5:vp=0:sint=0 event=0x5:vp=0:sint=1:flag=0",
		     "bad option 'event=0x5:vp=0:sint=1:flag=0': duplicate connection id 0x5");
	expect_error("msg=0xabcdef:vp=0:sint=0 msg=1:vp=0:sint=0 msg=11259375:vp=0:sint=1",
		     "bad option 'msg=11259375:vp=0:sint=1': duplicate connection id 0xabcdef");
	expect_error("event=0:vp=0:sint=0:flag=1 event=0:vp=0:sint=0:flag=2",
		     "bad option 'event=0:vp=0:sint=0:flag=2': duplicate connection id 0x0");
}

/* cpus= may come after a connection, so vp meets it only at the end. */
static void test_connection_vp_below_cpus(void **state)
{
	(void)state;
	expect_error("msg=5:vp=3:sint=1 cpus=2",
		     "bad option 'msg=5:vp=3:sint=1': vp 3 is not below cpus=2");
	expect_error("msg=1:vp=1:sint=0", "bad option 'msg=1:vp=1:sint=0': vp 1 is not below cpus=1");
	expect_error("cpus=4 msg=1:vp=0:sint=0 event=0x20:from=x:flag=7:sint=2:vp=2 cpus=2",
		     "bad option 'event=32:vp=2:sint=2:flag=7:from=x': vp 2 is not below cpus=2");
	expect_error("event=0xffffff:from=abcdefghijklmnopqrstuvwxyz12345:sint=15:flag=2047:vp=63",
		     "bad option 'event=16777215:vp=63:sint=15:flag=2047:f...': vp 63 is not below cpus=1");
}

static void test_connection_limit(void **state)
{
	static char line[64 * 24 + 32];
	struct guest_config cfg;
	size_t n = 0;

	(void)state;
	for (unsigned int i = 0; i < GUEST_MAX_CONNECTIONS; i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, "msg=%u:vp=0:sint=0 ", i);
	assert_null(parse(line, &cfg));
	assert_int_equal(cfg.nr_conns, GUEST_MAX_CONNECTIONS);
	expect_conn(&cfg.conns[63], 63, false, 0, 0, 0, "");
	snprintf(line + n, sizeof(line) - n, "event=64:vp=0:sint=0:flag=0");
	assert_string_equal(parse(line, &cfg),
			    "bad option 'event=64:vp=0:sint=0:flag=0': more than 64 connections");
}

static void expect_name(const char *path, const char *expected)
{
	char *p = strdup(path);
	char out[GUEST_NAME_MAX + 1];

	guest_name_from_path(p, out);
	assert_string_equal(out, expected);
	free(p);
}

static void test_name_from_path(void **state)
{
	(void)state;
	expect_name("/boot/m0-hello.elf", "m0-hello");
	expect_name("hello", "hello");
	expect_name("(hd0,msdos1)/boot/kernel.tar.gz", "kernel.tar");
	expect_name("/dir.d/file", "file");
	expect_name("/x/.hidden", ".hidden");
	expect_name("/x/.hidden.elf", ".hidden");
	expect_name("/boot/my kernel+1.elf", "my_kernel_1");
	expect_name("/boot/abcdefghijklmnopqrstuvwxyz0123456789.elf", "abcdefghijklmnopqrstuvwxyz01234");
	expect_name("/boot/", "guest");
	expect_name("", "guest");
	expect_name("/boot/.elf", ".elf");
}

/* The guests a, b and c with the given options; cfgs[i] as partition.c hands them over. */
static struct guest_config three[3];
static const struct guest_config *cfgs[3];

static void guests(const char *a, const char *b, const char *c)
{
	const char *lines[3] = { a, b, c };
	const char *names[3] = { "a", "b", "c" };

	for (unsigned int i = 0; i < 3; i++) {
		assert_null(guest_config_parse(lines[i], names[i], &three[i]));
		cfgs[i] = &three[i];
	}
}

static const char *check_guest(unsigned int i)
{
	static char why[GUEST_CONFIG_ERROR_MAX];

	return guest_connections_check(cfgs, 3, i, why, sizeof(why));
}

static void test_send(void **state)
{
	struct guest_config cfg;

	(void)state;
	assert_null(parse("name=x", &cfg));
	assert_false(cfg.no_send);
	assert_null(parse("send=off", &cfg));
	assert_true(cfg.no_send);
	assert_null(parse("send=off send=on", &cfg));
	assert_false(cfg.no_send);
	assert_string_equal(parse("send=no", &cfg), "bad option 'send=no': expected on or off");
}

static void test_unbacked(void **state)
{
	struct guest_config cfg;

	(void)state;
	assert_null(parse("name=x", &cfg));
	assert_false(cfg.unbacked_crash);
	assert_null(parse("unbacked=crash", &cfg));
	assert_true(cfg.unbacked_crash);
	assert_null(parse("unbacked=crash unbacked=all-ones", &cfg));
	assert_false(cfg.unbacked_crash);
	assert_string_equal(parse("unbacked=zero", &cfg),
			    "bad option 'unbacked=zero': expected all-ones or crash");
}

/* Each enlightenment offered unless withheld, forced by =on, the last word winning. */
static void test_hv_features(void **state)
{
	struct guest_config cfg;

	(void)state;
	assert_null(parse("name=x", &cfg));
	assert_int_equal(cfg.hv_withheld, 0);
	assert_int_equal(cfg.hv_forced, 0);
	assert_null(parse("hv-apic=off hv-crash=off", &cfg));
	assert_int_equal(cfg.hv_withheld, GUEST_HV_APIC | GUEST_HV_CRASH);
	assert_int_equal(cfg.hv_forced, 0);
	assert_null(parse("hv-ipi=off hv-ipi=on hv-crash=off hv-tlbflush=off", &cfg));
	assert_int_equal(cfg.hv_withheld, GUEST_HV_CRASH | GUEST_HV_TLB_FLUSH);
	assert_int_equal(cfg.hv_forced, GUEST_HV_IPI);
	assert_null(parse("hv-tlbflush=on hv-tlbflush=off hv-apic=on", &cfg));
	assert_int_equal(cfg.hv_withheld, GUEST_HV_TLB_FLUSH);
	assert_int_equal(cfg.hv_forced, GUEST_HV_APIC);
	assert_string_equal(parse("hv-ipi=no", &cfg), "bad option 'hv-ipi=no': expected on or off");
}

static void test_links_from_names_a_guest(void **state)
{
	(void)state;
	guests("msg=5:vp=0:sint=1", "msg=6:vp=0:sint=1:from=a", "event=6:vp=0:sint=2:flag=1:from=b");
	assert_null(check_guest(0));
	assert_null(check_guest(1));
	assert_null(check_guest(2));
	guests("", "msg=5:vp=0:sint=1:from=nobody", "msg=5:vp=0:sint=1:from=c");
	assert_string_equal(check_guest(1), "connection 0x5: from=nobody names no other guest");
	assert_string_equal(check_guest(2), "connection 0x5: from=c names no other guest");
	guests("", "", "msg=7:vp=0:sint=1:from=a");
	cfgs[0] = NULL; /* a module that is not a guest, or one refused */
	assert_non_null(check_guest(2));
}

/* Sender a could reach two connections 5: the later guest's is refused. */
static void test_links_clash_per_sender(void **state)
{
	(void)state;
	guests("msg=5:vp=0:sint=1", "event=5:vp=0:sint=1:flag=3:from=a", "msg=5:vp=0:sint=2");
	assert_null(check_guest(0));
	assert_string_equal(check_guest(1), "connection 0x5: guest a already has it for a");
	assert_null(check_guest(2)); /* c's own 5 is for c alone */
	guests("", "msg=9:vp=0:sint=1:from=a", "msg=9:vp=0:sint=1:from=a");
	assert_null(check_guest(1));
	assert_string_equal(check_guest(2), "connection 0x9: guest b already has it for a");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_null_cmdline),
		cmocka_unit_test(test_all_options),
		cmocka_unit_test(test_separators),
		cmocka_unit_test(test_later_option_wins),
		cmocka_unit_test(test_dashdash),
		cmocka_unit_test(test_dashdash_must_stand_alone),
		cmocka_unit_test(test_mem_sizes),
		cmocka_unit_test(test_mem_errors),
		cmocka_unit_test(test_cpus_errors),
		cmocka_unit_test(test_missing_value),
		cmocka_unit_test(test_unknown_options),
		cmocka_unit_test(test_unknown_option_message_fits),
		cmocka_unit_test(test_name_length),
		cmocka_unit_test(test_name_charset),
		cmocka_unit_test(test_long_option_quoted_truncated),
		cmocka_unit_test(test_default_name),
		cmocka_unit_test(test_exit_counters),
		cmocka_unit_test(test_exit_counters_errors),
		cmocka_unit_test(test_connections),
		cmocka_unit_test(test_connection_id_errors),
		cmocka_unit_test(test_connection_value_errors),
		cmocka_unit_test(test_connection_syntax_errors),
		cmocka_unit_test(test_connection_duplicate_ids),
		cmocka_unit_test(test_connection_vp_below_cpus),
		cmocka_unit_test(test_connection_limit),
		cmocka_unit_test(test_send),
		cmocka_unit_test(test_unbacked),
		cmocka_unit_test(test_hv_features),
		cmocka_unit_test(test_links_from_names_a_guest),
		cmocka_unit_test(test_links_clash_per_sender),
		cmocka_unit_test(test_name_from_path),
	};

	return cmocka_run_group_tests(tests, NULL, free_input);
}

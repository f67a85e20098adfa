/* Unit tests for core/guest_config.c: a guest module's command line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/guest_config.h"

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
	expect_error("--verbose",
		     "bad option '--verbose': unknown option (expected name=, cpus=, mem=, for= or --)");
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
}

static void test_unknown_options(void **state)
{
	(void)state;
	expect_error("cpus=2 verbose",
		     "bad option 'verbose': unknown option (expected name=, cpus=, mem=, for= or --)");
	expect_error("memory=1G",
		     "bad option 'memory=1G': unknown option (expected name=, cpus=, mem=, for= or --)");
	expect_error("=1", "bad option '=1': unknown option (expected name=, cpus=, mem=, for= or --)");
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
		cmocka_unit_test(test_name_length),
		cmocka_unit_test(test_name_charset),
		cmocka_unit_test(test_long_option_quoted_truncated),
		cmocka_unit_test(test_default_name),
		cmocka_unit_test(test_name_from_path),
	};

	return cmocka_run_group_tests(tests, NULL, free_input);
}

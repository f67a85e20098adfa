/* Host unit tests of the debug shell's parsing (shell/shell_parse.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "shell/shell_parse.h"

#define MAX_WORDS 8
#define POISON    0xa5

static char line[256];
static char *argv[MAX_WORDS + 1];

/* Splits a copy of s (the split writes into it); the word count or -1. */
static int split(const char *s)
{
	strcpy(line, s);
	memset(argv, 0, sizeof(argv));
	return shell_split_words(line, argv, MAX_WORDS);
}

/* ---- words ---- */

static void test_split_words(void **state)
{
	(void)state;
	assert_int_equal(split("post linux:1 2 0x10 c0ffee"), 5);
	assert_string_equal(argv[0], "post");
	assert_string_equal(argv[1], "linux:1");
	assert_string_equal(argv[4], "c0ffee");
	assert_null(argv[5]);
}

static void test_split_blanks(void **state)
{
	(void)state;
	assert_int_equal(split(" \t regs \t\tping  "), 2);
	assert_string_equal(argv[0], "regs");
	assert_string_equal(argv[1], "ping");
	assert_int_equal(split(""), 0);
	assert_int_equal(split(" \t  "), 0);
	/* only spaces and tabs separate: other characters are part of a word */
	assert_int_equal(split("a\rb"), 1);
	assert_string_equal(argv[0], "a\rb");
}

static void test_split_word_limit(void **state)
{
	(void)state;
	assert_int_equal(split("1 2 3 4 5 6 7 8"), MAX_WORDS);
	assert_string_equal(argv[7], "8");
	assert_int_equal(split("1 2 3 4 5 6 7 8   "), MAX_WORDS);
	assert_int_equal(split("1 2 3 4 5 6 7 8 9"), -1);
	assert_null(argv[MAX_WORDS]);	/* nothing written past max */
}

/* ---- vCPU arguments ---- */

static void test_vcpu_arg_guest_only(void **state)
{
	struct shell_vcpu_arg a;

	(void)state;
	assert_true(shell_parse_vcpu_arg("linux", &a));
	assert_string_equal(a.guest, "linux");
	assert_null(a.index);
	assert_true(shell_parse_vcpu_arg("", &a));
	assert_string_equal(a.guest, "");
}

static void test_vcpu_arg_with_index(void **state)
{
	const char *arg = "ping:0x1";
	struct shell_vcpu_arg a;

	(void)state;
	assert_true(shell_parse_vcpu_arg(arg, &a));
	assert_string_equal(a.guest, "ping");
	assert_ptr_equal(a.index, arg + 5);
	/* the first colon splits; the rest is the index's text, checked by the caller */
	assert_true(shell_parse_vcpu_arg("a:b:c", &a));
	assert_string_equal(a.guest, "a");
	assert_string_equal(a.index, "b:c");
	assert_true(shell_parse_vcpu_arg(":", &a));
	assert_string_equal(a.guest, "");
	assert_string_equal(a.index, "");
}

static void test_vcpu_arg_name_length(void **state)
{
	char arg[GUEST_NAME_MAX + 8];
	struct shell_vcpu_arg a;

	(void)state;
	memset(arg, 'g', GUEST_NAME_MAX);
	strcpy(arg + GUEST_NAME_MAX, ":3");
	assert_true(shell_parse_vcpu_arg(arg, &a));
	assert_int_equal(strlen(a.guest), GUEST_NAME_MAX);
	assert_string_equal(a.index, "3");
	memset(arg, 'g', GUEST_NAME_MAX + 1);
	strcpy(arg + GUEST_NAME_MAX + 1, ":3");
	assert_false(shell_parse_vcpu_arg(arg, &a));
	arg[GUEST_NAME_MAX + 1] = '\0';
	assert_false(shell_parse_vcpu_arg(arg, &a));
}

/* ---- numbers ---- */

static void test_number(void **state)
{
	uint64_t v = 0;

	(void)state;
	assert_true(shell_parse_number("15", 15, &v));
	assert_int_equal(v, 15);
	assert_true(shell_parse_number("0xfF", 255, &v));
	assert_int_equal(v, 255);
	assert_true(shell_parse_number("18446744073709551615", UINT64_MAX, &v));
	assert_int_equal(v, UINT64_MAX);
}

static void test_number_refused(void **state)
{
	static const char *const bad[] = { "", "16", "0x10", "-1", "1 ", "0x", "x1", "1a", "0b1" };
	uint64_t v = 42;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_false(shell_parse_number(bad[i], 15, &v));
	assert_false(shell_parse_number("18446744073709551616", UINT64_MAX, &v));
	assert_int_equal(v, 42);	/* untouched when refused */
}

/* ---- hex payloads ---- */

static void test_hex_bytes(void **state)
{
	uint8_t out[4];

	(void)state;
	memset(out, POISON, sizeof(out));
	assert_int_equal(shell_parse_hex_bytes("00aBfF", out, sizeof(out)), 3);
	assert_int_equal(out[0], 0x00);
	assert_int_equal(out[1], 0xab);
	assert_int_equal(out[2], 0xff);
	assert_int_equal(out[3], POISON);
	assert_int_equal(shell_parse_hex_bytes("", out, sizeof(out)), 0);
	assert_int_equal(shell_parse_hex_bytes("01020304", out, sizeof(out)), 4);
}

static void test_hex_bytes_refused(void **state)
{
	uint8_t out[4];

	(void)state;
	memset(out, POISON, sizeof(out));
	assert_int_equal(shell_parse_hex_bytes("abc", out, sizeof(out)), -1);
	assert_int_equal(shell_parse_hex_bytes("0102030405", out, sizeof(out)), -1);
	assert_int_equal(shell_parse_hex_bytes("0g", out, sizeof(out)), -1);
	assert_int_equal(shell_parse_hex_bytes("0x12", out, sizeof(out)), -1);
	assert_int_equal(out[2], POISON);	/* a too long payload writes nothing */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_words),
		cmocka_unit_test(test_split_blanks),
		cmocka_unit_test(test_split_word_limit),
		cmocka_unit_test(test_vcpu_arg_guest_only),
		cmocka_unit_test(test_vcpu_arg_with_index),
		cmocka_unit_test(test_vcpu_arg_name_length),
		cmocka_unit_test(test_number),
		cmocka_unit_test(test_number_refused),
		cmocka_unit_test(test_hex_bytes),
		cmocka_unit_test(test_hex_bytes_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

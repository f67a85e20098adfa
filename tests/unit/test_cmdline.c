/* Host unit tests of the hypervisor command-line parser (boot/cmdline.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "boot/cmdline.h"
#include "console/log.h"

static struct hv_config cfg;
static struct cmdline_result res;

/* Parses s over the defaults. */
static void parse(const char *s)
{
	cmdline_defaults(&cfg);
	memset(&res, 0xa5, sizeof(res)); /* cmdline_parse must reset the counts */
	cmdline_parse(s, &cfg, &res);
}

static void assert_defaults(void)
{
	assert_int_equal(cfg.console_port, 0x3f8);
	assert_int_equal(cfg.console_baud, 115200);
	assert_int_equal(cfg.loglevel, LOG_INFO);
}

/* The only error is about option `name`, and its reason contains `why`; a macro,
 * so that a failure points at the caller's line. */
#define assert_one_error(name_, why_)                                                          \
	do {                                                                                   \
		assert_int_equal(res.nr_errors, 1);                                            \
		assert_int_equal(res.nr_dropped, 0);                                           \
		assert_string_equal(res.errors[0].name, (name_));                              \
		assert_non_null(res.errors[0].why);                                            \
		if (!strstr(res.errors[0].why, (why_)))                                        \
			fail_msg("error reason '%s' does not contain '%s'", res.errors[0].why, \
				 (why_));                                                      \
	} while (0)

static void test_defaults(void **state)
{
	(void)state;
	cmdline_defaults(&cfg);
	assert_int_equal(cfg.console_port, 0x3f8);
	assert_int_equal(cfg.console_baud, 115200);
	assert_int_equal(cfg.loglevel, 3);
}

static void test_null_cmdline(void **state)
{
	(void)state;
	parse(NULL);
	assert_int_equal(res.nr_errors, 0);
	assert_int_equal(res.nr_dropped, 0);
	assert_defaults();
}

static void test_empty_cmdline(void **state)
{
	(void)state;
	parse("");
	assert_int_equal(res.nr_errors, 0);
	assert_int_equal(res.nr_dropped, 0);
	assert_defaults();
}

static void test_blank_cmdline(void **state)
{
	(void)state;
	parse(" \t \r\n ");
	assert_int_equal(res.nr_errors, 0);
	assert_defaults();
}

static void test_console_com2(void **state)
{
	(void)state;
	parse("console=com2");
	assert_int_equal(res.nr_errors, 0);
	assert_int_equal(cfg.console_port, 0x2f8);
	assert_int_equal(cfg.console_baud, 115200);
}

static void test_console_com1_to_com4(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		uint16_t port;
	} cases[] = {
		{ "console=com1", 0x3f8 },
		{ "console=com2", 0x2f8 },
		{ "console=com3", 0x3e8 },
		{ "console=com4", 0x2e8 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		parse(cases[i].s);
		assert_int_equal(res.nr_errors, 0);
		assert_int_equal(cfg.console_port, cases[i].port);
	}
}

static void test_console_com1_with_speed(void **state)
{
	(void)state;
	parse("console=com1,9600");
	assert_int_equal(res.nr_errors, 0);
	assert_int_equal(cfg.console_port, 0x3f8);
	assert_int_equal(cfg.console_baud, 9600);
}

static void test_console_port_with_speed(void **state)
{
	(void)state;
	parse("console=0x2f8,9600");
	assert_int_equal(res.nr_errors, 0);
	assert_int_equal(cfg.console_port, 0x2f8);
	assert_int_equal(cfg.console_baud, 9600);
}

static void test_console_uppercase_hex_port(void **state)
{
	(void)state;
	parse("console=0X2E8");
	assert_int_equal(res.nr_errors, 0);
	assert_int_equal(cfg.console_port, 0x2e8);
}

static void test_console_without_speed_keeps_previous_speed(void **state)
{
	(void)state;
	parse("console=com1,9600 console=com2");
	assert_int_equal(res.nr_errors, 0);
	assert_int_equal(cfg.console_port, 0x2f8);
	assert_int_equal(cfg.console_baud, 9600);
}

static void test_loglevel(void **state)
{
	(void)state;
	parse("loglevel=4");
	assert_int_equal(res.nr_errors, 0);
	assert_int_equal(cfg.loglevel, 4);
	parse("loglevel=0");
	assert_int_equal(res.nr_errors, 0);
	assert_int_equal(cfg.loglevel, 0);
}

static void test_posted_intr(void **state)
{
	(void)state;
	parse("");
	assert_true(cfg.posted_intr);
	parse("posted-intr=off");
	assert_int_equal(res.nr_errors, 0);
	assert_false(cfg.posted_intr);
}

static void test_test_fixup(void **state)
{
	(void)state;
	parse("");
	assert_false(cfg.test_fixup);
	parse("test-fixup=on");
	assert_int_equal(res.nr_errors, 0);
	assert_true(cfg.test_fixup);
	parse("test-fixup=yes");
	assert_int_equal(res.nr_errors, 1);
	assert_string_equal(res.errors[0].why, "expected on or off");
	assert_false(cfg.test_fixup);
}

static void test_apic_policy_and_test_panic(void **state)
{
	(void)state;
	parse("");
	assert_int_equal(cfg.apic_policy, APIC_POLICY_OURS);
	assert_false(cfg.test_panic);
	parse("apic-policy=kvm test-panic=on");
	assert_int_equal(res.nr_errors, 0);
	assert_int_equal(cfg.apic_policy, APIC_POLICY_KVM);
	assert_true(cfg.test_panic);
	parse("apic-policy=seed");
	assert_int_equal(cfg.apic_policy, APIC_POLICY_SEED);
	parse("apic-policy=none");
	assert_int_equal(cfg.apic_policy, APIC_POLICY_NONE);
	parse("apic-policy=fast test-panic=maybe");
	assert_int_equal(res.nr_errors, 2);
	assert_string_equal(res.errors[0].why, "expected ours, kvm, seed or none");
	assert_string_equal(res.errors[1].why, "expected on or off");
	assert_int_equal(cfg.apic_policy, APIC_POLICY_OURS);
}

static void test_last_option_wins(void **state)
{
	(void)state;
	parse("loglevel=1 loglevel=2");
	assert_int_equal(res.nr_errors, 0);
	assert_int_equal(cfg.loglevel, 2);
}

static void test_spaces_and_tabs_around_and_between(void **state)
{
	(void)state;
	parse("  \tloglevel=4 \t\t console=com2,57600\t  ");
	assert_int_equal(res.nr_errors, 0);
	assert_int_equal(cfg.loglevel, 4);
	assert_int_equal(cfg.console_port, 0x2f8);
	assert_int_equal(cfg.console_baud, 57600);
}

static void test_unknown_option_others_applied(void **state)
{
	(void)state;
	parse("loglevel=1 quiet=yes console=com3");
	assert_one_error("quiet", "unknown option");
	assert_int_equal(cfg.loglevel, 1);
	assert_int_equal(cfg.console_port, 0x3e8);
}

static void test_unknown_option_without_value(void **state)
{
	(void)state;
	parse("nosmp");
	assert_one_error("nosmp", "unknown option");
	assert_defaults();
}

static void test_option_names_are_case_sensitive(void **state)
{
	(void)state;
	parse("LOGLEVEL=4");
	assert_one_error("LOGLEVEL", "unknown option");
	assert_defaults();
}

static void test_loglevel_not_a_number(void **state)
{
	(void)state;
	parse("loglevel=banana");
	assert_one_error("loglevel", "expected a number");
	assert_defaults();
}

static void test_loglevel_out_of_range(void **state)
{
	(void)state;
	parse("loglevel=9");
	assert_one_error("loglevel", "expected a number");
	assert_defaults();
}

static void test_loglevel_negative(void **state)
{
	(void)state;
	parse("loglevel=-1");
	assert_one_error("loglevel", "expected a number");
	assert_defaults();
}

static void test_loglevel_huge_number(void **state)
{
	(void)state;
	parse("loglevel=99999999999999999999");
	assert_one_error("loglevel", "expected a number");
	assert_defaults();
}

static void test_loglevel_missing_value(void **state)
{
	(void)state;
	parse("loglevel=");
	assert_one_error("loglevel", "missing value");
	assert_defaults();
}

static void test_loglevel_without_equals(void **state)
{
	(void)state;
	parse("loglevel");
	assert_one_error("loglevel", "missing value");
	assert_defaults();
}

static void test_console_com5(void **state)
{
	(void)state;
	parse("console=com5");
	assert_one_error("console", "expected com1..com4");
	assert_defaults();
}

static void test_console_bad_port_strings(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"console=com",     "console=com12",  "console=COM1", "console=0x",
		"console=0xzz",    "console=760",    "console=0x0",  "console=,9600",
		"console=ttyS0",   "console=0x3f8x",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		parse(bad[i]);
		assert_one_error("console", "expected com1..com4");
		assert_defaults();
	}
}

static void test_console_speed_not_divisor(void **state)
{
	(void)state;
	parse("console=0x2f8,7");
	assert_one_error("console", "divisor of 115200");
	assert_defaults();
}

static void test_console_speed_zero(void **state)
{
	(void)state;
	parse("console=0x2f8,0");
	assert_one_error("console", "divisor of 115200");
	assert_defaults();
}

static void test_console_speed_bad_strings(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"console=com2,",       "console=com2,fast", "console=com2,230400",
		"console=com2,9600,8n1", "console=com2,-9600",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		parse(bad[i]);
		assert_one_error("console", "divisor of 115200");
		assert_defaults(); /* the port is not applied either */
	}
}

static void test_console_port_too_large(void **state)
{
	(void)state;
	parse("console=0x10000");
	assert_one_error("console", "expected com1..com4");
	assert_defaults();
}

static void test_console_port_upper_limit(void **state)
{
	(void)state;
	parse("console=0xfff8");
	assert_int_equal(res.nr_errors, 0);
	assert_int_equal(cfg.console_port, 0xfff8);
	parse("console=0xfff9");
	assert_one_error("console", "expected com1..com4");
	assert_defaults();
}

static void test_bad_option_keeps_previous_value(void **state)
{
	(void)state;
	parse("loglevel=1 console=com2,9600 loglevel=7 console=com4,7 console=0x99999");
	assert_int_equal(res.nr_errors, 3);
	assert_int_equal(cfg.loglevel, 1);
	assert_int_equal(cfg.console_port, 0x2f8);
	assert_int_equal(cfg.console_baud, 9600);
}

static void test_long_option_name_truncated(void **state)
{
	(void)state;
	char s[101], expect[CMDLINE_NAME_MAX + 4];

	memset(s, 'a', 100);
	s[100] = '\0';
	memset(expect, 'a', CMDLINE_NAME_MAX);
	strcpy(expect + CMDLINE_NAME_MAX, "...");
	parse(s);
	assert_one_error(expect, "too long");
	assert_int_equal(strlen(res.errors[0].name), CMDLINE_NAME_MAX + 3);
	assert_defaults();
}

static void test_long_option_name_with_value_truncated(void **state)
{
	(void)state;
	char s[128], expect[CMDLINE_NAME_MAX + 4];

	memset(s, 'b', 60);
	strcpy(s + 60, "=1 loglevel=2");
	memset(expect, 'b', CMDLINE_NAME_MAX);
	strcpy(expect + CMDLINE_NAME_MAX, "...");
	parse(s);
	assert_one_error(expect, "too long");
	assert_int_equal(cfg.loglevel, 2);
}

static void test_option_name_at_limit_not_truncated(void **state)
{
	(void)state;
	char s[CMDLINE_NAME_MAX + 1];

	memset(s, 'c', CMDLINE_NAME_MAX);
	s[CMDLINE_NAME_MAX] = '\0';
	parse(s);
	assert_one_error(s, "unknown option");
}

static void test_option_name_one_over_limit_truncated(void **state)
{
	(void)state;
	char s[CMDLINE_NAME_MAX + 2], expect[CMDLINE_NAME_MAX + 4];

	memset(s, 'd', CMDLINE_NAME_MAX + 1);
	s[CMDLINE_NAME_MAX + 1] = '\0';
	memset(expect, 'd', CMDLINE_NAME_MAX);
	strcpy(expect + CMDLINE_NAME_MAX, "...");
	parse(s);
	assert_one_error(expect, "too long");
}

static void test_long_value(void **state)
{
	(void)state;
	char s[300];

	strcpy(s, "console=com1,");
	memset(s + strlen(s), '9', 200);
	s[13 + 200] = '\0';
	strcat(s, " loglevel=4");
	parse(s);
	assert_one_error("console", "value too long");
	assert_int_equal(cfg.loglevel, 4);
	assert_int_equal(cfg.console_baud, 115200);
}

static void test_value_at_limit_is_not_too_long(void **state)
{
	(void)state;
	char s[128];

	/* CMDLINE_VALUE_MAX - 1 characters of value fit: the error is about the port */
	strcpy(s, "console=");
	memset(s + 8, 'x', CMDLINE_VALUE_MAX - 1);
	s[8 + CMDLINE_VALUE_MAX - 1] = '\0';
	parse(s);
	assert_one_error("console", "expected com1..com4");

	/* one more is too long */
	memset(s + 8, 'x', CMDLINE_VALUE_MAX);
	s[8 + CMDLINE_VALUE_MAX] = '\0';
	parse(s);
	assert_one_error("console", "value too long");
}

static void test_long_valid_value_at_limit(void **state)
{
	(void)state;
	char s[128];
	size_t n;

	/* a value of exactly CMDLINE_VALUE_MAX - 1 characters, zero-padded hex */
	strcpy(s, "loglevel=0x");
	n = strlen(s);
	memset(s + n, '0', CMDLINE_VALUE_MAX - 1 - 3);
	strcpy(s + n + CMDLINE_VALUE_MAX - 1 - 3, "2");
	assert_int_equal(strlen(s) - strlen("loglevel="), CMDLINE_VALUE_MAX - 1);
	parse(s);
	assert_int_equal(res.nr_errors, 0);
	assert_int_equal(cfg.loglevel, 2);
}

static void test_too_many_errors_are_counted(void **state)
{
	(void)state;
	parse("e1 e2 e3 e4 e5 e6 e7 e8 e9 e10 e11 loglevel=0");
	assert_int_equal(res.nr_errors, CMDLINE_MAX_ERRORS);
	assert_int_equal(res.nr_dropped, 11 - CMDLINE_MAX_ERRORS);
	assert_string_equal(res.errors[0].name, "e1");
	assert_string_equal(res.errors[CMDLINE_MAX_ERRORS - 1].name, "e8");
	assert_int_equal(cfg.loglevel, 0);
}

static void test_errors_reset_between_calls(void **state)
{
	(void)state;
	parse("bogus");
	assert_int_equal(res.nr_errors, 1);
	cmdline_parse("loglevel=2", &cfg, &res);
	assert_int_equal(res.nr_errors, 0);
	assert_int_equal(res.nr_dropped, 0);
	assert_int_equal(cfg.loglevel, 2);
}

static void test_empty_name_with_value(void **state)
{
	(void)state;
	parse("=4");
	assert_one_error("", "unknown option");
	assert_defaults();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_null_cmdline),
		cmocka_unit_test(test_empty_cmdline),
		cmocka_unit_test(test_blank_cmdline),
		cmocka_unit_test(test_console_com2),
		cmocka_unit_test(test_console_com1_to_com4),
		cmocka_unit_test(test_console_com1_with_speed),
		cmocka_unit_test(test_console_port_with_speed),
		cmocka_unit_test(test_console_uppercase_hex_port),
		cmocka_unit_test(test_console_without_speed_keeps_previous_speed),
		cmocka_unit_test(test_loglevel),
		cmocka_unit_test(test_apic_policy_and_test_panic),
		cmocka_unit_test(test_test_fixup),
		cmocka_unit_test(test_posted_intr),
		cmocka_unit_test(test_last_option_wins),
		cmocka_unit_test(test_spaces_and_tabs_around_and_between),
		cmocka_unit_test(test_unknown_option_others_applied),
		cmocka_unit_test(test_unknown_option_without_value),
		cmocka_unit_test(test_option_names_are_case_sensitive),
		cmocka_unit_test(test_loglevel_not_a_number),
		cmocka_unit_test(test_loglevel_out_of_range),
		cmocka_unit_test(test_loglevel_negative),
		cmocka_unit_test(test_loglevel_huge_number),
		cmocka_unit_test(test_loglevel_missing_value),
		cmocka_unit_test(test_loglevel_without_equals),
		cmocka_unit_test(test_console_com5),
		cmocka_unit_test(test_console_bad_port_strings),
		cmocka_unit_test(test_console_speed_not_divisor),
		cmocka_unit_test(test_console_speed_zero),
		cmocka_unit_test(test_console_speed_bad_strings),
		cmocka_unit_test(test_console_port_too_large),
		cmocka_unit_test(test_console_port_upper_limit),
		cmocka_unit_test(test_bad_option_keeps_previous_value),
		cmocka_unit_test(test_long_option_name_truncated),
		cmocka_unit_test(test_long_option_name_with_value_truncated),
		cmocka_unit_test(test_option_name_at_limit_not_truncated),
		cmocka_unit_test(test_option_name_one_over_limit_truncated),
		cmocka_unit_test(test_long_value),
		cmocka_unit_test(test_value_at_limit_is_not_too_long),
		cmocka_unit_test(test_long_valid_value_at_limit),
		cmocka_unit_test(test_too_many_errors_are_counted),
		cmocka_unit_test(test_errors_reset_between_calls),
		cmocka_unit_test(test_empty_name_with_value),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

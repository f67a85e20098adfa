/* vmx_adjust_controls: required bits forced on, unsupported bits dropped (SDM A.3). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "vmx/controls.h"

static uint64_t cap(uint32_t must_be_1, uint32_t may_be_1)
{
	return ((uint64_t)may_be_1 << 32) | must_be_1;
}

static void test_wanted_and_allowed_bits_are_kept(void **state)
{
	(void)state;
	assert_int_equal(vmx_adjust_controls(0x81, cap(0, 0xff)), 0x81);
}

static void test_required_bits_are_forced_on(void **state)
{
	(void)state;
	assert_int_equal(vmx_adjust_controls(0x01, cap(0x16, 0xff)), 0x17);
}

static void test_unsupported_bits_are_dropped(void **state)
{
	(void)state;
	assert_int_equal(vmx_adjust_controls(0x80000001u, cap(0, 0x7fffffff)), 0x01);
}

static void test_nothing_wanted_gives_the_required_bits(void **state)
{
	(void)state;
	assert_int_equal(vmx_adjust_controls(0, cap(0x401e172, 0xfff9fffe)), 0x401e172);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wanted_and_allowed_bits_are_kept),
		cmocka_unit_test(test_required_bits_are_forced_on),
		cmocka_unit_test(test_unsupported_bits_are_dropped),
		cmocka_unit_test(test_nothing_wanted_gives_the_required_bits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* EPT encodings, bit by bit (Intel SDM vol. 3, tables 28-1 to 28-6, and 24.6.11). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "vmx/ept_entry.h"

static void test_table_entry_points_to_the_table_with_rwx(void **state)
{
	(void)state;
	assert_int_equal(ept_table_entry(0x12345000), 0x12345007);
}

static void test_4k_leaf_is_rwx_write_back_without_ignore_pat(void **state)
{
	(void)state;
	/* bits 2:0 RWX, 5:3 memory type 6 (WB), bit 6 ignore-PAT clear, bit 7 clear */
	assert_int_equal(ept_leaf_entry(0x7654000, false), 0x7654000 | 0x7 | (6 << 3));
}

static void test_2m_leaf_sets_the_large_page_bit(void **state)
{
	(void)state;
	assert_int_equal(ept_leaf_entry(0x40000000, true), 0x40000000 | 0x7 | (6 << 3) | 0x80);
}

static void test_leaf_keeps_only_address_bits_of_the_frame(void **state)
{
	(void)state;
	assert_int_equal(ept_leaf_entry(0xfff0000000001fffUL, false) & ~0xffUL, 0x0000000000001000UL);
}

static void test_pointer_has_write_back_and_a_4_level_walk(void **state)
{
	(void)state;
	/* bits 2:0 memory type 6, bits 5:3 walk length minus one (3) */
	assert_int_equal(ept_pointer(0x200000), 0x200000 | 6 | (3 << 3));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_entry_points_to_the_table_with_rwx),
		cmocka_unit_test(test_4k_leaf_is_rwx_write_back_without_ignore_pat),
		cmocka_unit_test(test_2m_leaf_sets_the_large_page_bit),
		cmocka_unit_test(test_leaf_keeps_only_address_bits_of_the_frame),
		cmocka_unit_test(test_pointer_has_write_back_and_a_4_level_walk),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

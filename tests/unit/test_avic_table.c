/* AVIC table encodings (AMD APM vol. 2, 15.29.3). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "svm/avic_table.h"

static void test_physical_entry(void **state)
{
	(void)state;
	assert_int_equal(avic_physical_entry(0x12345000, 7, false), 0x12345000 | 7 | (1ULL << 63));
	assert_int_equal(avic_physical_entry(0x12345000, 7, true),
			 0x12345000 | 7 | (1ULL << 63) | (1ULL << 62));
	/* only bits 51:12 of the backing page are an address */
	assert_int_equal(avic_physical_entry(0xfff0000000001abcUL, 0, false) & ~(3ULL << 62),
			 0x1000);
}

static void test_logical_index_flat(void **state)
{
	(void)state;
	assert_int_equal(avic_logical_index(0x01000000, true), 0);
	assert_int_equal(avic_logical_index(0x80000000, true), 7);
	assert_int_equal(avic_logical_index(0x03000000, true), -1);	/* two CPUs: not one entry */
	assert_int_equal(avic_logical_index(0, true), -1);
}

static void test_logical_index_cluster(void **state)
{
	(void)state;
	assert_int_equal(avic_logical_index(0x01000000, false), 0);	/* cluster 0, bit 0 */
	assert_int_equal(avic_logical_index(0x28000000, false), 2 * 4 + 3);
	assert_int_equal(avic_logical_index(0xe4000000, false), 14 * 4 + 2);
	assert_int_equal(avic_logical_index(0xf1000000, false), -1);	/* broadcast cluster */
	assert_int_equal(avic_logical_index(0x23000000, false), -1);
}

static void test_logical_entry_and_traps(void **state)
{
	(void)state;
	assert_int_equal(avic_logical_entry(5), 5 | (1u << 31));
	assert_true(avic_noaccel_is_trap(0x300));	/* ICR low */
	assert_true(avic_noaccel_is_trap(0x0b0));	/* EOI (level-triggered) */
	assert_false(avic_noaccel_is_trap(0x390));	/* current count read: a fault */
	assert_false(avic_noaccel_is_trap(0x310));	/* ICR high: accelerated */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_physical_entry),
		cmocka_unit_test(test_logical_index_flat),
		cmocka_unit_test(test_logical_index_cluster),
		cmocka_unit_test(test_logical_entry_and_traps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

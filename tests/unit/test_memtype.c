/*
 * Host unit tests of the memory-type register rules (cpumodel/memtype.c):
 * IA32_PAT and the MTRRs, Intel SDM vol. 3, 12.11-12.12 and AMD APM vol. 2,
 * 7.7-7.8.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "cpumodel/memtype.h"

#define PHYS_BITS 39 /* a guest MAXPHYADDR */

static void test_pat_reset_value_valid(void **state)
{
	(void)state;
	assert_true(pat_valid(0x0007040600070406ULL));
	assert_true(pat_valid(0x0706050401000000ULL)); /* every type once */
}

static void test_pat_reserved_types(void **state)
{
	(void)state;
	for (unsigned int byte = 0; byte < 8; byte++) {
		assert_false(pat_valid(2ULL << (8 * byte)));
		assert_false(pat_valid(3ULL << (8 * byte)));
		assert_false(pat_valid(8ULL << (8 * byte)));
		assert_false(pat_valid(0x86ULL << (8 * byte)));
	}
}

static void test_def_type(void **state)
{
	(void)state;
	assert_true(mtrr_def_type_valid(MTRR_DEF_TYPE_FIRMWARE));
	assert_true(mtrr_def_type_valid(0));
	assert_true(mtrr_def_type_valid(MTRR_DEF_TYPE_E | MTRR_DEF_TYPE_FE | MEMTYPE_UC));
	assert_false(mtrr_def_type_valid(MEMTYPE_UC_MINUS)); /* UC- is PAT's only */
	assert_false(mtrr_def_type_valid(2));
	assert_false(mtrr_def_type_valid(3));
	assert_false(mtrr_def_type_valid(BIT(9) | MEMTYPE_WB));
	assert_false(mtrr_def_type_valid(BIT(12) | MEMTYPE_WB));
	assert_false(mtrr_def_type_valid(BIT(63) | MEMTYPE_WB));
}

static void test_fixed(void **state)
{
	(void)state;
	assert_true(mtrr_fixed_valid(0));
	assert_true(mtrr_fixed_valid(0x0606060606060606ULL));
	assert_true(mtrr_fixed_valid(0x0605040100060504ULL));
	for (unsigned int byte = 0; byte < 8; byte++) {
		assert_false(mtrr_fixed_valid(7ULL << (8 * byte)));
		assert_false(mtrr_fixed_valid(2ULL << (8 * byte)));
	}
}

static void test_physbase(void **state)
{
	(void)state;
	assert_true(mtrr_physbase_valid(0x80000000ULL | MEMTYPE_WB, PHYS_BITS));
	assert_true(mtrr_physbase_valid((1ULL << PHYS_BITS) - 4096, PHYS_BITS));
	assert_false(mtrr_physbase_valid(1ULL << PHYS_BITS, PHYS_BITS));
	assert_false(mtrr_physbase_valid(BIT(63), PHYS_BITS));
	assert_false(mtrr_physbase_valid(0x100 | MEMTYPE_WB, PHYS_BITS));
	assert_false(mtrr_physbase_valid(0x800, PHYS_BITS));
	assert_false(mtrr_physbase_valid(MEMTYPE_UC_MINUS, PHYS_BITS));
	assert_true(mtrr_physbase_valid(1ULL << 51, 52));
}

static void test_physmask(void **state)
{
	(void)state;
	assert_true(mtrr_physmask_valid(((1ULL << PHYS_BITS) - 1) & ~0xfffULL, PHYS_BITS));
	assert_true(mtrr_physmask_valid((((1ULL << PHYS_BITS) - 1) & ~0xfffULL) | MTRR_PHYSMASK_V,
					PHYS_BITS));
	assert_false(mtrr_physmask_valid(1ULL << PHYS_BITS, PHYS_BITS));
	for (unsigned int bit = 0; bit < 11; bit++)
		assert_false(mtrr_physmask_valid(BIT(bit), PHYS_BITS));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pat_reset_value_valid),
		cmocka_unit_test(test_pat_reserved_types),
		cmocka_unit_test(test_def_type),
		cmocka_unit_test(test_fixed),
		cmocka_unit_test(test_physbase),
		cmocka_unit_test(test_physmask),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

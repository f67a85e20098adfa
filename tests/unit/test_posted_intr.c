/* Posted-interrupt descriptors (Intel SDM vol. 3, 29.6): posting and the move into IRR. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vmx/posted_intr.h"

#define IRR_WORD(vector) (((vector) / 32) * 4) /* index into a 16-byte-stride IRR */

static void test_descriptor_layout_xapic_and_x2apic(void **state)
{
	struct pi_desc d;

	(void)state;
	pi_desc_init(&d, 0xf2, 0x13, false);
	assert_int_equal(d.control, (0xf2ULL << 16) | (0x1300ULL << 32));
	pi_desc_init(&d, 0xf2, 0x12345, true);
	assert_int_equal(d.control, (0xf2ULL << 16) | (0x12345ULL << 32));
	assert_int_equal(d.pir[0] | d.pir[1] | d.pir[2] | d.pir[3], 0);
	assert_int_equal((uintptr_t)&d % 64, 0);
}

static void test_first_post_notifies_later_ones_do_not(void **state)
{
	struct pi_desc d;

	(void)state;
	pi_desc_init(&d, 0xf2, 1, true);
	assert_true(pi_post(&d, 0x31));
	assert_false(pi_post(&d, 0x91));	/* ON already set: one notification is enough */
	assert_true(d.control & PI_ON);
	assert_int_equal(d.pir[0], 1ULL << 0x31);
	assert_int_equal(d.pir[2], 1ULL << (0x91 - 128));
}

static void test_suppressed_notification(void **state)
{
	struct pi_desc d;

	(void)state;
	pi_desc_init(&d, 0xf2, 1, true);
	d.control |= PI_SN;
	assert_false(pi_post(&d, 0x40));
	assert_int_equal(d.pir[1], 1ULL << 0);
}

static void test_sync_moves_into_the_irr_layout(void **state)
{
	uint32_t irr[8 * 4];
	struct pi_desc d;

	(void)state;
	memset(irr, 0, sizeof(irr));
	irr[IRR_WORD(0x22)] = 1u << (0x22 % 32);	/* already requested: kept */
	pi_desc_init(&d, 0xf2, 1, true);
	pi_post(&d, 0x41);
	pi_post(&d, 0x7f);
	pi_post(&d, 0xff);
	assert_true(pi_sync_to_irr(&d, irr));
	assert_int_equal(irr[IRR_WORD(0x22)], 1u << 2);
	assert_int_equal(irr[IRR_WORD(0x41)], 1u << 1);
	assert_int_equal(irr[IRR_WORD(0x7f)], 1u << 31);
	assert_int_equal(irr[IRR_WORD(0xff)], 1u << 31);
	assert_false(d.control & PI_ON);
	assert_int_equal(d.pir[0] | d.pir[1] | d.pir[2] | d.pir[3], 0);
	assert_false(pi_sync_to_irr(&d, irr));	/* nothing outstanding */
	assert_true(pi_post(&d, 0x50));		/* after the move, a post notifies again */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_descriptor_layout_xapic_and_x2apic),
		cmocka_unit_test(test_first_post_notifies_later_ones_do_not),
		cmocka_unit_test(test_suppressed_notification),
		cmocka_unit_test(test_sync_moves_into_the_irr_layout),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

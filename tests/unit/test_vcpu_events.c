/*
 * Host unit tests of the order rules of INIT, SIPI and NMI while they wait
 * for a vCPU (core/vcpu_events.h). The guest fuzzer found both: an INIT
 * taken with a SIPI sent before it started the vCPU on that SIPI's page
 * and lost the next SIPI (seed=1, an INIT/SIPI storm); an NMI that came
 * while the vCPU waited for its SIPI hit the real-mode code the SIPI started.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/vcpu_events.h"

static uint32_t sipi(uint32_t pending, uint8_t vector)
{
	return vcpu_events_with_sipi(pending, vector);
}

static void test_sipi_carries_its_vector(void **state)
{
	uint32_t ev = sipi(0, 0x9a);

	(void)state;
	assert_true(ev & VCPU_PENDING_SIPI);
	assert_int_equal(vcpu_events_sipi_vector(ev), 0x9a);
}

/* SDM 9.4.4: the first SIPI starts the processor; by the second it runs. */
static void test_first_sipi_wins(void **state)
{
	uint32_t ev = sipi(sipi(VCPU_PENDING_INIT, 0x08), 0x0d);

	(void)state;
	assert_int_equal(vcpu_events_sipi_vector(ev), 0x08);
	assert_true(ev & VCPU_PENDING_INIT);
}

static void test_init_drops_earlier_sipi(void **state)
{
	uint32_t ev = vcpu_events_with_init(sipi(VCPU_PENDING_NMI | VCPU_PENDING_CALL, 0x0d));

	(void)state;
	assert_false(ev & VCPU_PENDING_SIPI);
	assert_int_equal(vcpu_events_sipi_vector(ev), 0);
	assert_true(ev & VCPU_PENDING_INIT);
	assert_true(ev & VCPU_PENDING_CALL); /* the rest is kept */
}

/* The storm that lost the AP: SIPI to a parking page, INIT, then the SIPI of the restart. */
static void test_sipi_after_init_is_the_one(void **state)
{
	uint32_t ev = sipi(vcpu_events_with_init(sipi(0, 0x0d)), 0x08);

	(void)state;
	assert_true(ev & VCPU_PENDING_INIT);
	assert_int_equal(vcpu_events_sipi_vector(ev), 0x08);
}

static void test_nmi_taken_running_or_halted(void **state)
{
	(void)state;
	assert_true(vcpu_events_nmi_taken(VCPU_RUNNING, VCPU_PENDING_NMI));
	assert_true(vcpu_events_nmi_taken(VCPU_PARKED, VCPU_PENDING_NMI | VCPU_PENDING_FLUSH));
	assert_false(vcpu_events_nmi_taken(VCPU_RUNNING, VCPU_PENDING_FLUSH));
}

static void test_nmi_dropped_with_init_or_waiting_for_sipi(void **state)
{
	(void)state;
	assert_false(vcpu_events_nmi_taken(VCPU_RUNNING, VCPU_PENDING_NMI | VCPU_PENDING_INIT));
	assert_false(vcpu_events_nmi_taken(VCPU_PARKED, VCPU_PENDING_NMI | VCPU_PENDING_INIT));
	assert_false(vcpu_events_nmi_taken(VCPU_WAIT_FOR_SIPI,
					   sipi(VCPU_PENDING_NMI, 0x08)));
	assert_false(vcpu_events_nmi_taken(VCPU_STOPPED, VCPU_PENDING_NMI));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sipi_carries_its_vector),
		cmocka_unit_test(test_first_sipi_wins),
		cmocka_unit_test(test_init_drops_earlier_sipi),
		cmocka_unit_test(test_sipi_after_init_is_the_one),
		cmocka_unit_test(test_nmi_taken_running_or_halted),
		cmocka_unit_test(test_nmi_dropped_with_init_or_waiting_for_sipi),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Host unit tests of the partition reference time from the TSC (synic/ref_clock.c, TLFS 12.6-12.7). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "synic/ref_clock.h"

#define START      0x0000123456789abcULL	/* a TSC value after some host uptime */
#define DAY_UNITS  (HV_REF_HZ * 86400)

/* TSC rates in kHz, all above 10 MHz */
static const uint64_t rates[] = { 10001, 1000000, 2000001, 2500000, 3500000, 3399999, 5000000 };

static struct hv_ref_clock clk;
static struct hv_ref_tsc_page page __aligned(4096);

static int setup(void **state)
{
	(void)state;
	memset(&clk, 0x5a, sizeof(clk));	/* ref_clock_init must set it all */
	memset(&page, 0x5a, sizeof(page));
	return 0;
}

/* ---- helpers ---- */

static uint64_t ticks_per_second(uint64_t khz) { return khz * 1000; }

/* |a - b| <= 1 */
static void assert_within_one(uint64_t a, uint64_t b)
{
	assert_true(a - b + 1 <= 2);
}

/* What a guest computes from the page: ((tsc * scale) >> 64) + offset */
static uint64_t page_time(const struct hv_ref_tsc_page *p, uint64_t tsc)
{
	return (uint64_t)(((unsigned __int128)tsc * p->scale) >> 64) + (uint64_t)p->offset;
}

/* ---- the clock ---- */

static void test_zero_at_start(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < ARRAY_SIZE(rates); i++) {
		ref_clock_init(&clk, rates[i], START, true);
		assert_int_equal(ref_clock_at(&clk, START), 0);
		ref_clock_init(&clk, rates[i], 0, true);
		assert_int_equal(ref_clock_at(&clk, 0), 0);
	}
}

static void test_one_second_at_1ghz(void **state)
{
	(void)state;
	ref_clock_init(&clk, 1000000, START, true);
	assert_within_one(ref_clock_at(&clk, START + 1000000000ULL), HV_REF_HZ);
}

static void test_one_second_is_1e7_units_at_each_rate(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < ARRAY_SIZE(rates); i++) {
		uint64_t khz = rates[i];

		ref_clock_init(&clk, khz, START, true);
		assert_within_one(ref_clock_at(&clk, START + ticks_per_second(khz)), HV_REF_HZ);
		/* any second, not just the first */
		for (uint64_t s = 1; s <= 4; s++) {
			uint64_t from = START + s * 1000 * ticks_per_second(khz) + s * 12345;
			uint64_t t0 = ref_clock_at(&clk, from);
			uint64_t t1 = ref_clock_at(&clk, from + ticks_per_second(khz));

			assert_within_one(t1 - t0, HV_REF_HZ);
		}
	}
}

static void test_thirty_days_within_a_unit_per_second(void **state)
{
	const uint64_t secs = 86400 * 30;

	(void)state;
	for (unsigned int i = 0; i < ARRAY_SIZE(rates); i++) {
		uint64_t khz = rates[i];
		uint64_t t;

		ref_clock_init(&clk, khz, START, true);
		t = ref_clock_at(&clk, START + secs * ticks_per_second(khz));
		/* the scale rounds down: never ahead, and behind by much less than a unit per second */
		assert_true(t <= secs * HV_REF_HZ);
		assert_true(secs * HV_REF_HZ - t <= 2);
	}
}

static void test_monotonic_over_sweep(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < ARRAY_SIZE(rates); i++) {
		uint64_t khz = rates[i], prev, tsc = START;

		ref_clock_init(&clk, khz, START, true);
		prev = ref_clock_at(&clk, tsc);
		/* tick by tick, then in growing odd steps up to days */
		for (unsigned int k = 0; k < 5000; k++) {
			uint64_t now = ref_clock_at(&clk, ++tsc);

			assert_true(now >= prev);
			assert_true(now - prev <= 1);
			prev = now;
		}
		for (uint64_t step = 1; step < (1ULL << 50); step = step * 3 + 7) {
			uint64_t now;

			tsc += step;
			now = ref_clock_at(&clk, tsc);
			assert_true(now >= prev);
			prev = now;
		}
	}
}

static void test_scale_is_2_64_times_10000_over_khz(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < ARRAY_SIZE(rates); i++) {
		unsigned __int128 want = ((unsigned __int128)10000 << 64) / rates[i];

		ref_clock_init(&clk, rates[i], START, true);
		assert_true(want < ((unsigned __int128)1 << 64));
		assert_int_equal(clk.scale, (uint64_t)want);
	}
}

/* ---- the inverse ---- */

/* ref_clock_tsc_for(r) has reached r and is at most about 2 units past the first TSC that has. */
static void check_tsc_for(uint64_t khz, uint64_t r)
{
	uint64_t tsc = ref_clock_tsc_for(&clk, khz, r);
	uint64_t slack = 2 * khz / 10000 + 2;

	assert_true(tsc > slack);
	assert_true(ref_clock_at(&clk, tsc) >= r);
	/* signed: before START the clock is "negative" */
	assert_true((int64_t)ref_clock_at(&clk, tsc - slack) < (int64_t)r);
}

static void test_tsc_for_reaches_ref_not_far_past(void **state)
{
	static const uint64_t refs[] = { 0, 1, 2, 3, 9999, 10000, 10001, HV_REF_HZ - 1, HV_REF_HZ,
					 HV_REF_HZ + 1, DAY_UNITS, DAY_UNITS * 30 - 1,
					 DAY_UNITS * 30, DAY_UNITS * 30 + 1, DAY_UNITS * 365 * 10 };

	(void)state;
	for (unsigned int i = 0; i < ARRAY_SIZE(rates); i++) {
		ref_clock_init(&clk, rates[i], START, true);
		for (unsigned int j = 0; j < ARRAY_SIZE(refs); j++)
			check_tsc_for(rates[i], refs[j]);
	}
}

static void test_tsc_for_many_refs(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < ARRAY_SIZE(rates); i++) {
		ref_clock_init(&clk, rates[i], START, true);
		for (uint64_t r = 0; r < 3000; r++)
			check_tsc_for(rates[i], r);
		for (uint64_t r = DAY_UNITS * 30 - 1500; r < DAY_UNITS * 30 + 1500; r++)
			check_tsc_for(rates[i], r);
		for (uint64_t r = 1; r < DAY_UNITS * 365 * 10; r = r * 5 + 3)
			check_tsc_for(rates[i], r);
	}
}

static void test_tsc_for_start_zero(void **state)
{
	(void)state;
	ref_clock_init(&clk, 2500000, 0, true);
	for (uint64_t r = 0; r < 2000; r++) {
		uint64_t tsc = ref_clock_tsc_for(&clk, 2500000, r);

		assert_true(ref_clock_at(&clk, tsc) >= r);
		assert_true(tsc < 2 * 250 + 2 || ref_clock_at(&clk, tsc - 2 * 250 - 2) < r);
	}
	check_tsc_for(2500000, DAY_UNITS * 30);
}

/*
 * A timer set for the far future (COUNT 2^63, 2^64 - 1) once got a TSC that
 * wrapped into the past: the host timer then fired at every entry and a
 * halted vCPU spun. It gets 2^64 - 1, or a TSC that has truly reached ref.
 */
static void test_tsc_for_far_future_never_in_the_past(void **state)
{
	static const uint64_t refs[] = { 1ULL << 62, 1ULL << 63, UINT64_MAX - 1, UINT64_MAX,
					 UINT64_MAX / 10000, UINT64_MAX / 2500 };

	(void)state;
	for (unsigned int i = 0; i < ARRAY_SIZE(rates); i++) {
		ref_clock_init(&clk, rates[i], START, true);
		for (unsigned int j = 0; j < ARRAY_SIZE(refs); j++) {
			uint64_t tsc = ref_clock_tsc_for(&clk, rates[i], refs[j]);

			assert_true(tsc > START);
			assert_true(tsc == UINT64_MAX || ref_clock_at(&clk, tsc) >= refs[j]);
		}
		assert_int_equal(ref_clock_tsc_for(&clk, rates[i], UINT64_MAX), UINT64_MAX);
	}
}

/* ---- a TSC too slow to scale ---- */

static void test_slow_tsc_unreliable_scale_zero(void **state)
{
	static const uint64_t slow[] = { 0, 1, 9999, 10000 };

	(void)state;
	for (unsigned int i = 0; i < ARRAY_SIZE(slow); i++) {
		ref_clock_init(&clk, slow[i], START, true);
		assert_int_equal(clk.scale, 0);
		assert_false(clk.tsc_reliable);
		assert_int_equal(ref_clock_at(&clk, START), 0);
		assert_int_equal(ref_clock_at(&clk, START + 1000000), 0);
		(void)ref_clock_tsc_for(&clk, slow[i], 0);
		(void)ref_clock_tsc_for(&clk, slow[i], DAY_UNITS);
		ref_clock_fill_page(&clk, &page, 0, true);
		assert_int_equal(page.sequence, 0);
	}
}

static void test_10001_khz_scalable(void **state)
{
	(void)state;
	ref_clock_init(&clk, 10001, START, true);
	assert_true(clk.scale != 0);
	assert_true(clk.tsc_reliable);
}

/* ---- the reference TSC page ---- */

static void test_fill_page_reliable_sequence_changes(void **state)
{
	uint32_t first;

	(void)state;
	ref_clock_init(&clk, 2500000, START, true);
	page.sequence = 0;
	ref_clock_fill_page(&clk, &page, 0, true);
	assert_int_equal(page.sequence, 1);
	first = page.sequence;
	ref_clock_fill_page(&clk, &page, 0, true);
	assert_int_not_equal(page.sequence, first);
	assert_int_not_equal(page.sequence, 0);
}

/* 0 is "not valid" and 0xffffffff is skipped too: after 0xfffffffe comes 1. */
static void test_fill_page_sequence_wraps_to_1(void **state)
{
	(void)state;
	ref_clock_init(&clk, 2500000, START, true);
	page.sequence = 0xfffffffe;
	ref_clock_fill_page(&clk, &page, 0, true);
	assert_int_equal(page.sequence, 1);
}

static void test_fill_page_tscs_differ_sequence_0(void **state)
{
	(void)state;
	ref_clock_init(&clk, 2500000, START, true);
	ref_clock_fill_page(&clk, &page, 0, false);
	assert_int_equal(page.sequence, 0);
}

/*
 * A guest whose TSC is the host's plus an offset, either way, computes from
 * the page the partition's reference time within one unit.
 */
static void test_page_follows_guest_tsc_offset(void **state)
{
	static const int64_t offsets[] = { 1, 1000000007, -1000000007, (int64_t)1 << 50,
					   -((int64_t)START - 1) };

	(void)state;
	ref_clock_init(&clk, 2500000, START, true);
	for (unsigned int i = 0; i < ARRAY_SIZE(offsets); i++) {
		ref_clock_fill_page(&clk, &page, (uint64_t)offsets[i], true);
		for (uint64_t tsc = START; tsc < START + (1ULL << 44); tsc = tsc * 2 - START + 13) {
			uint64_t want = ref_clock_at(&clk, tsc);
			uint64_t got = page_time(&page, tsc + (uint64_t)offsets[i]);

			assert_true(got == want || got + 1 == want || got == want + 1);
		}
	}
}

static void test_fill_page_unreliable_sequence_0(void **state)
{
	(void)state;
	ref_clock_init(&clk, 2500000, START, false);
	assert_false(clk.tsc_reliable);
	ref_clock_fill_page(&clk, &page, 0, true);
	assert_int_equal(page.sequence, 0);
}

static void test_fill_page_copies_scale_and_offset(void **state)
{
	(void)state;
	ref_clock_init(&clk, 3500000, START, true);
	ref_clock_fill_page(&clk, &page, 0, true);
	assert_int_equal(page.scale, clk.scale);
	assert_int_equal(page.offset, clk.offset);
}

static void test_page_formula_matches_clock(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < ARRAY_SIZE(rates); i++) {
		ref_clock_init(&clk, rates[i], START, true);
		ref_clock_fill_page(&clk, &page, 0, true);
		for (uint64_t tsc = START; tsc < START + (1ULL << 52); tsc = tsc * 2 - START + 13)
			assert_int_equal(page_time(&page, tsc), ref_clock_at(&clk, tsc));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_zero_at_start, setup),
		cmocka_unit_test_setup(test_one_second_at_1ghz, setup),
		cmocka_unit_test_setup(test_one_second_is_1e7_units_at_each_rate, setup),
		cmocka_unit_test_setup(test_thirty_days_within_a_unit_per_second, setup),
		cmocka_unit_test_setup(test_monotonic_over_sweep, setup),
		cmocka_unit_test_setup(test_scale_is_2_64_times_10000_over_khz, setup),
		cmocka_unit_test_setup(test_tsc_for_reaches_ref_not_far_past, setup),
		cmocka_unit_test_setup(test_tsc_for_many_refs, setup),
		cmocka_unit_test_setup(test_tsc_for_start_zero, setup),
		cmocka_unit_test_setup(test_tsc_for_far_future_never_in_the_past, setup),
		cmocka_unit_test_setup(test_slow_tsc_unreliable_scale_zero, setup),
		cmocka_unit_test_setup(test_10001_khz_scalable, setup),
		cmocka_unit_test_setup(test_fill_page_reliable_sequence_changes, setup),
		cmocka_unit_test_setup(test_fill_page_sequence_wraps_to_1, setup),
		cmocka_unit_test_setup(test_fill_page_tscs_differ_sequence_0, setup),
		cmocka_unit_test_setup(test_page_follows_guest_tsc_offset, setup),
		cmocka_unit_test_setup(test_fill_page_unreliable_sequence_0, setup),
		cmocka_unit_test_setup(test_fill_page_copies_scale_and_offset, setup),
		cmocka_unit_test_setup(test_page_formula_matches_clock, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Host unit tests of the calendar arithmetic and the guest's MC146818
 * (lib/rtc_time.c). Instants checked against Python's calendar.timegm.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "host/rtc.h"
#include "lib/rtc_time.h"

enum { SUNDAY = 1, MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY, SATURDAY };

#define T_2000_02_29       951782400ull   /* 00:00:00, a Tuesday */
#define T_2026_11_26       1795696496ull  /* 12:34:56, a Thursday */
#define T_2100_03_01       4107542400ull  /* 00:00:00, a Monday */
#define T_1999_12_31_LAST  946684799ull   /* 23:59:59, a Friday */
#define T_9999_12_31_LAST  253402300799ull /* 23:59:59, a Friday */

static struct rtc_date date(unsigned int y, unsigned int mo, unsigned int d, unsigned int h,
			    unsigned int mi, unsigned int s)
{
	return (struct rtc_date){ .year = (uint16_t)y, .month = (uint8_t)mo, .day = (uint8_t)d,
				  .hour = (uint8_t)h, .minute = (uint8_t)mi, .second = (uint8_t)s };
}

static void assert_date(uint64_t t, unsigned int y, unsigned int mo, unsigned int d,
			unsigned int h, unsigned int mi, unsigned int s, unsigned int weekday)
{
	struct rtc_date got;

	rtc_unix_to_date(t, &got);
	assert_int_equal(got.year, y);
	assert_int_equal(got.month, mo);
	assert_int_equal(got.day, d);
	assert_int_equal(got.hour, h);
	assert_int_equal(got.minute, mi);
	assert_int_equal(got.second, s);
	assert_int_equal(got.weekday, weekday);
}

static void assert_round_trip(struct rtc_date d, uint64_t t, unsigned int weekday)
{
	assert_true(rtc_date_valid(&d));
	assert_int_equal(rtc_date_to_unix(&d), t);
	assert_date(t, d.year, d.month, d.day, d.hour, d.minute, d.second, weekday);
}

/* Register reg of r at time t. */
static uint8_t rd(struct vrtc *r, uint8_t reg, uint64_t t)
{
	vrtc_write_index(r, reg);
	return vrtc_read_data(r, t);
}

static void wr(struct vrtc *r, uint8_t reg, uint8_t value)
{
	vrtc_write_index(r, reg);
	vrtc_write_data(r, value);
}

static void test_epoch(void **state)
{
	(void)state;
	assert_round_trip(date(1970, 1, 1, 0, 0, 0), 0, THURSDAY);
	assert_date(86399, 1970, 1, 1, 23, 59, 59, THURSDAY);
	assert_date(86400, 1970, 1, 2, 0, 0, 0, FRIDAY);
}

static void test_leap_day_2000(void **state)
{
	(void)state;
	assert_round_trip(date(2000, 2, 29, 0, 0, 0), T_2000_02_29, TUESDAY);
	assert_date(T_2000_02_29 - 1, 2000, 2, 28, 23, 59, 59, MONDAY);
	assert_date(T_2000_02_29 + 86400, 2000, 3, 1, 0, 0, 0, WEDNESDAY);
	assert_round_trip(date(1999, 12, 31, 23, 59, 59), T_1999_12_31_LAST, FRIDAY);
}

static void test_thursday_2026_11_26(void **state)
{
	(void)state;
	assert_round_trip(date(2026, 11, 26, 12, 34, 56), T_2026_11_26, THURSDAY);
}

/* 2100 is divisible by 100 and not by 400: no February 29. */
static void test_2100_is_not_a_leap_year(void **state)
{
	(void)state;
	assert_round_trip(date(2100, 3, 1, 0, 0, 0), T_2100_03_01, MONDAY);
	assert_date(T_2100_03_01 - 1, 2100, 2, 28, 23, 59, 59, SUNDAY);
}

static void test_last_second_of_9999(void **state)
{
	(void)state;
	assert_int_equal(RTC_UNIX_MAX, T_9999_12_31_LAST);
	assert_round_trip(date(9999, 12, 31, 23, 59, 59), T_9999_12_31_LAST, FRIDAY);
	assert_date(UINT64_MAX, 9999, 12, 31, 23, 59, 59, FRIDAY);  /* clamped */
}

/* Every day from 1970 to 2500, at a second that moves through the day. */
static void test_round_trip_every_day(void **state)
{
	struct rtc_date d, prev;
	uint64_t day;

	(void)state;
	rtc_unix_to_date(0, &prev);
	for (day = 1; day < 193000; day++) {
		uint64_t t = day * 86400 + day % 86400;

		rtc_unix_to_date(t, &d);
		assert_true(rtc_date_valid(&d));
		assert_int_equal(rtc_date_to_unix(&d), t);
		assert_int_equal(d.weekday, prev.weekday % 7 + 1);
		assert_true(d.day == prev.day + 1 || (d.day == 1 && (d.month == prev.month + 1 ||
								  (d.month == 1 && prev.month == 12))));
		prev = d;
	}
}

static void test_valid_rejects_impossible_dates(void **state)
{
	struct rtc_date bad[] = {
		date(2100, 2, 29, 0, 0, 0), date(2023, 2, 29, 0, 0, 0), date(2026, 13, 1, 0, 0, 0),
		date(2026, 0, 1, 0, 0, 0),  date(2026, 1, 0, 0, 0, 0),  date(2026, 4, 31, 0, 0, 0),
		date(2026, 1, 32, 0, 0, 0), date(2026, 1, 1, 24, 0, 0), date(2026, 1, 1, 0, 60, 0),
		date(2026, 1, 1, 0, 0, 60), date(1969, 12, 31, 0, 0, 0), date(10000, 1, 1, 0, 0, 0),
	};
	struct rtc_date good[] = {
		date(2000, 2, 29, 0, 0, 0), date(2024, 2, 29, 23, 59, 59), date(2026, 12, 31, 0, 0, 0),
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_false(rtc_date_valid(&bad[i]));
		assert_int_equal(rtc_date_to_unix(&bad[i]), 0);
	}
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(rtc_date_valid(&good[i]));
}

static void test_fallback_is_2000_01_01(void **state)
{
	struct rtc_date d = date(2000, 1, 1, 0, 0, 0);

	(void)state;
	assert_int_equal(rtc_date_to_unix(&d), HOST_RTC_FALLBACK_UNIX);
}

static void test_vrtc_init_is_bcd_24_hour(void **state)
{
	struct vrtc r;

	(void)state;
	vrtc_init(&r);
	assert_int_equal(rd(&r, RTC_REG_B, 0), 0x02);
}

static void test_vrtc_bcd_time_registers(void **state)
{
	struct vrtc r;

	(void)state;
	vrtc_init(&r);
	assert_int_equal(rd(&r, RTC_REG_SECONDS, T_2026_11_26), 0x56);
	assert_int_equal(rd(&r, RTC_REG_MINUTES, T_2026_11_26), 0x34);
	assert_int_equal(rd(&r, RTC_REG_HOURS, T_2026_11_26), 0x12);
	assert_int_equal(rd(&r, RTC_REG_WEEKDAY, T_2026_11_26), THURSDAY);
	assert_int_equal(rd(&r, RTC_REG_DAY, T_2026_11_26), 0x26);
	assert_int_equal(rd(&r, RTC_REG_MONTH, T_2026_11_26), 0x11);
	assert_int_equal(rd(&r, RTC_REG_YEAR, T_2026_11_26), 0x26);
	assert_int_equal(rd(&r, RTC_REG_CENTURY, T_2026_11_26), 0x20);
	assert_int_equal(rd(&r, RTC_REG_HOURS, T_1999_12_31_LAST), 0x23);
	assert_int_equal(rd(&r, RTC_REG_SECONDS, T_1999_12_31_LAST), 0x59);
}

static void test_vrtc_binary_time_registers(void **state)
{
	struct vrtc r;

	(void)state;
	vrtc_init(&r);
	wr(&r, RTC_REG_B, RTC_B_BINARY | RTC_B_24H);
	assert_int_equal(rd(&r, RTC_REG_B, 0), RTC_B_BINARY | RTC_B_24H);
	assert_int_equal(rd(&r, RTC_REG_SECONDS, T_2026_11_26), 56);
	assert_int_equal(rd(&r, RTC_REG_MINUTES, T_2026_11_26), 34);
	assert_int_equal(rd(&r, RTC_REG_HOURS, T_2026_11_26), 12);
	assert_int_equal(rd(&r, RTC_REG_WEEKDAY, T_2026_11_26), THURSDAY);
	assert_int_equal(rd(&r, RTC_REG_DAY, T_2026_11_26), 26);
	assert_int_equal(rd(&r, RTC_REG_MONTH, T_2026_11_26), 11);
	assert_int_equal(rd(&r, RTC_REG_YEAR, T_2026_11_26), 26);
	assert_int_equal(rd(&r, RTC_REG_CENTURY, T_2026_11_26), 20);
}

/* 12-hour mode: 1-12 with bit 7 = PM; midnight is 12 AM, noon 12 PM. */
static void test_vrtc_12_hour_mode(void **state)
{
	struct vrtc r;

	(void)state;
	vrtc_init(&r);
	wr(&r, RTC_REG_B, 0);                                               /* BCD, 12-hour */
	assert_int_equal(rd(&r, RTC_REG_HOURS, T_2026_11_26), 0x92);        /* 12:34 = 12 PM */
	assert_int_equal(rd(&r, RTC_REG_HOURS, T_2026_11_26 + 2 * 3600), 0x82);   /* 2 PM */
	assert_int_equal(rd(&r, RTC_REG_HOURS, T_1999_12_31_LAST), 0x91);   /* 11 PM */
	assert_int_equal(rd(&r, RTC_REG_HOURS, T_2100_03_01), 0x12);        /* midnight: 12 AM */
	assert_int_equal(rd(&r, RTC_REG_HOURS, T_2100_03_01 + 9 * 3600), 0x09);
	assert_int_equal(rd(&r, RTC_REG_MINUTES, T_2026_11_26), 0x34);      /* only hours change */
	wr(&r, RTC_REG_B, RTC_B_BINARY);                                    /* binary, 12-hour */
	assert_int_equal(rd(&r, RTC_REG_HOURS, T_1999_12_31_LAST), 0x80 | 11);
	assert_int_equal(rd(&r, RTC_REG_HOURS, T_2100_03_01), 12);
}

static void test_vrtc_register_a_never_updating(void **state)
{
	struct vrtc r;

	(void)state;
	vrtc_init(&r);
	for (uint64_t t = T_2026_11_26; t < T_2026_11_26 + 5000; t += 7)
		assert_int_equal(rd(&r, RTC_REG_A, t), 0x26);
	wr(&r, RTC_REG_A, 0xff);
	assert_int_equal(rd(&r, RTC_REG_A, 0), 0x26);
	assert_int_equal(rd(&r, RTC_REG_A, 0) & RTC_A_UIP, 0);
}

static void test_vrtc_registers_c_and_d(void **state)
{
	struct vrtc r;

	(void)state;
	vrtc_init(&r);
	assert_int_equal(rd(&r, RTC_REG_C, T_2026_11_26), 0);
	assert_int_equal(rd(&r, RTC_REG_D, T_2026_11_26), 0x80);
	wr(&r, RTC_REG_C, 0xf0);
	wr(&r, RTC_REG_D, 0x00);
	assert_int_equal(rd(&r, RTC_REG_C, 0), 0);
	assert_int_equal(rd(&r, RTC_REG_D, 0), 0x80);
}

static void test_vrtc_index_nmi_bit_ignored(void **state)
{
	struct vrtc r;

	(void)state;
	vrtc_init(&r);
	vrtc_write_index(&r, RTC_INDEX_NMI_DISABLE | RTC_REG_SECONDS);
	assert_int_equal(vrtc_read_data(&r, T_2026_11_26), 0x56);
	vrtc_write_index(&r, RTC_INDEX_NMI_DISABLE | RTC_REG_D);
	assert_int_equal(vrtc_read_data(&r, 0), 0x80);
	wr(&r, RTC_INDEX_NMI_DISABLE | 0x40, 0x5a);
	assert_int_equal(rd(&r, 0x40, 0), 0x5a);
}

static void test_vrtc_ram_reads_back(void **state)
{
	struct vrtc r;
	unsigned int i;

	(void)state;
	vrtc_init(&r);
	for (i = RTC_REG_D + 1; i < 128; i++)
		if (i != RTC_REG_CENTURY)
			assert_int_equal(rd(&r, (uint8_t)i, 0), 0);
	for (i = RTC_REG_D + 1; i < 128; i++)
		wr(&r, (uint8_t)i, (uint8_t)(i ^ 0xa5));
	for (i = RTC_REG_D + 1; i < 128; i++)
		if (i != RTC_REG_CENTURY)
			assert_int_equal(rd(&r, (uint8_t)i, 0), i ^ 0xa5);
}

/* The guest cannot set the clock: SET is dropped and the time registers keep the time. */
static void test_vrtc_time_not_writable(void **state)
{
	static const uint8_t clock_regs[] = {
		RTC_REG_SECONDS, RTC_REG_MINUTES, RTC_REG_HOURS, RTC_REG_WEEKDAY, RTC_REG_DAY,
		RTC_REG_MONTH,   RTC_REG_YEAR,    RTC_REG_CENTURY,
	};
	uint8_t before[sizeof(clock_regs)];
	struct vrtc r;

	(void)state;
	vrtc_init(&r);
	for (size_t i = 0; i < sizeof(clock_regs); i++)
		before[i] = rd(&r, clock_regs[i], T_2026_11_26);
	wr(&r, RTC_REG_B, RTC_B_SET | RTC_B_24H);
	assert_int_equal(rd(&r, RTC_REG_B, 0), RTC_B_24H);
	for (size_t i = 0; i < sizeof(clock_regs); i++)
		wr(&r, clock_regs[i], 0x01);
	wr(&r, RTC_REG_B, RTC_B_24H);
	for (size_t i = 0; i < sizeof(clock_regs); i++)
		assert_int_equal(rd(&r, clock_regs[i], T_2026_11_26), before[i]);
}

static void test_vrtc_alarms_read_zero(void **state)
{
	struct vrtc r;

	(void)state;
	vrtc_init(&r);
	wr(&r, RTC_REG_SECONDS_ALARM, 0x30);
	assert_int_equal(rd(&r, RTC_REG_SECONDS_ALARM, T_2026_11_26), 0);
	assert_int_equal(rd(&r, RTC_REG_MINUTES_ALARM, T_2026_11_26), 0);
	assert_int_equal(rd(&r, RTC_REG_HOURS_ALARM, T_2026_11_26), 0);
}

static void test_vrtc_century_register(void **state)
{
	struct vrtc r;

	(void)state;
	vrtc_init(&r);
	assert_int_equal(rd(&r, RTC_REG_CENTURY, T_1999_12_31_LAST), 0x19);
	assert_int_equal(rd(&r, RTC_REG_YEAR, T_1999_12_31_LAST), 0x99);
	assert_int_equal(rd(&r, RTC_REG_CENTURY, T_1999_12_31_LAST + 1), 0x20);
	assert_int_equal(rd(&r, RTC_REG_YEAR, T_1999_12_31_LAST + 1), 0x00);
	assert_int_equal(rd(&r, RTC_REG_CENTURY, T_2100_03_01), 0x21);
	assert_int_equal(rd(&r, RTC_REG_CENTURY, T_9999_12_31_LAST), 0x99);
	wr(&r, RTC_REG_B, RTC_B_BINARY | RTC_B_24H);
	assert_int_equal(rd(&r, RTC_REG_CENTURY, T_2100_03_01), 21);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_epoch),
		cmocka_unit_test(test_leap_day_2000),
		cmocka_unit_test(test_thursday_2026_11_26),
		cmocka_unit_test(test_2100_is_not_a_leap_year),
		cmocka_unit_test(test_last_second_of_9999),
		cmocka_unit_test(test_round_trip_every_day),
		cmocka_unit_test(test_valid_rejects_impossible_dates),
		cmocka_unit_test(test_fallback_is_2000_01_01),
		cmocka_unit_test(test_vrtc_init_is_bcd_24_hour),
		cmocka_unit_test(test_vrtc_bcd_time_registers),
		cmocka_unit_test(test_vrtc_binary_time_registers),
		cmocka_unit_test(test_vrtc_12_hour_mode),
		cmocka_unit_test(test_vrtc_register_a_never_updating),
		cmocka_unit_test(test_vrtc_registers_c_and_d),
		cmocka_unit_test(test_vrtc_index_nmi_bit_ignored),
		cmocka_unit_test(test_vrtc_ram_reads_back),
		cmocka_unit_test(test_vrtc_time_not_writable),
		cmocka_unit_test(test_vrtc_alarms_read_zero),
		cmocka_unit_test(test_vrtc_century_register),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

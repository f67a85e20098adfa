/*
 * Calendar arithmetic and the guest's MC146818 (see lib/rtc_time.h). The
 * guest's clock is never stored: every read of a time register computes it
 * from the instant the caller passes, so it needs no ticking and no update
 * cycle, and the guest cannot set it.
 */
#include "lib/rtc_time.h"

#define SECS_PER_DAY  86400u
#define EPOCH_YEAR    1970u
#define LAST_YEAR     9999u
#define EPOCH_WEEKDAY 5u     /* 1970-01-01 was a Thursday: 5 with Sunday = 1 */
/* Register A: divider on at 32.768 kHz, 1024 Hz periodic rate, UIP clear. */
#define REG_A_VALUE   (RTC_A_DIVIDER_32KHZ | RTC_A_RATE_1024HZ)

/* Days before the first of each month in a common year. */
static const uint16_t days_before_month_common[12] = {
	0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334,
};

/* Gregorian: every fourth year, but not centuries unless divisible by 400. */
static bool is_leap_year(unsigned int year)
{
	return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static unsigned int days_in_month(unsigned int year, unsigned int month)
{
	static const uint8_t days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return days[month - 1] + (month == 2 && is_leap_year(year));
}

/* Leap years among 1..year. */
static uint64_t leap_years_through(unsigned int year)
{
	return year / 4 - year / 100 + year / 400;
}

/* Days from 1970-01-01 to the first of January of year (>= 1970). */
static uint64_t days_before_year(unsigned int year)
{
	return 365ull * (year - EPOCH_YEAR) + leap_years_through(year - 1) -
	       leap_years_through(EPOCH_YEAR - 1);
}

static unsigned int days_before_month(unsigned int year, unsigned int month)
{
	return days_before_month_common[month - 1] + (month > 2 && is_leap_year(year));
}

bool rtc_date_valid(const struct rtc_date *d)
{
	return d->year >= EPOCH_YEAR && d->year <= LAST_YEAR &&
	       d->month >= 1 && d->month <= 12 &&
	       d->day >= 1 && d->day <= days_in_month(d->year, d->month) &&
	       d->hour < 24 && d->minute < 60 && d->second < 60;
}

uint64_t rtc_date_to_unix(const struct rtc_date *d)
{
	uint64_t days;

	if (!rtc_date_valid(d))
		return 0;
	days = days_before_year(d->year) + days_before_month(d->year, d->month) + d->day - 1;
	return days * SECS_PER_DAY + d->hour * 3600u + d->minute * 60u + d->second;
}

/*
 * A year has at most 366 days, so days / 366 years is never past the answer,
 * and short of it by under 20 years over the whole range: step up from there.
 */
static unsigned int year_of_day(uint64_t days)
{
	unsigned int year = EPOCH_YEAR + (unsigned int)(days / 366);

	while (days_before_year(year + 1) <= days)
		year++;
	return year;
}

void rtc_unix_to_date(uint64_t t, struct rtc_date *d)
{
	uint64_t days = MIN(t, RTC_UNIX_MAX) / SECS_PER_DAY;
	uint32_t secs = (uint32_t)(MIN(t, RTC_UNIX_MAX) % SECS_PER_DAY);
	unsigned int year = year_of_day(days);
	unsigned int day_of_year = (unsigned int)(days - days_before_year(year));
	unsigned int month = 1;

	while (day_of_year >= days_in_month(year, month))
		day_of_year -= days_in_month(year, month++);
	d->year = (uint16_t)year;
	d->month = (uint8_t)month;
	d->day = (uint8_t)(day_of_year + 1);
	d->hour = (uint8_t)(secs / 3600);
	d->minute = (uint8_t)(secs / 60 % 60);
	d->second = (uint8_t)(secs % 60);
	d->weekday = (uint8_t)((days + EPOCH_WEEKDAY - 1) % 7 + 1);
}

void vrtc_init(struct vrtc *r)
{
	*r = (struct vrtc){ .reg_b = RTC_B_24H };
}

void vrtc_write_index(struct vrtc *r, uint8_t value)
{
	r->index = value & RTC_INDEX_MASK;
}

/* A time field (0-99) in the data mode register B's DM bit chooses: binary or BCD. */
static uint8_t encode_field(unsigned int value, uint8_t reg_b)
{
	if (reg_b & RTC_B_BINARY)
		return (uint8_t)value;
	return (uint8_t)((value / 10) << 4 | value % 10);
}

/*
 * MC146818 datasheet, table "Time, calendar and alarm data modes": in 12-hour
 * mode the hours run 1-12 (midnight and noon are 12) with bit 7 set for PM,
 * in BCD and binary alike.
 */
static uint8_t encode_hour(unsigned int hour, uint8_t reg_b)
{
	unsigned int hour12 = hour % 12 ? hour % 12 : 12;

	if (reg_b & RTC_B_24H)
		return encode_field(hour, reg_b);
	return encode_field(hour12, reg_b) | (hour >= 12 ? RTC_HOUR_PM : 0);
}

/* Register index (a time or century register) at time unix_now. */
static uint8_t read_clock(uint8_t index, uint8_t reg_b, uint64_t unix_now)
{
	struct rtc_date d;

	rtc_unix_to_date(unix_now, &d);
	switch (index) {
	case RTC_REG_SECONDS: return encode_field(d.second, reg_b);
	case RTC_REG_MINUTES: return encode_field(d.minute, reg_b);
	case RTC_REG_HOURS:   return encode_hour(d.hour, reg_b);
	case RTC_REG_WEEKDAY: return encode_field(d.weekday, reg_b);
	case RTC_REG_DAY:     return encode_field(d.day, reg_b);
	case RTC_REG_MONTH:   return encode_field(d.month, reg_b);
	case RTC_REG_YEAR:    return encode_field(d.year % 100, reg_b);
	default:              return encode_field(d.year / 100, reg_b); /* RTC_REG_CENTURY */
	}
}

static bool is_clock_register(uint8_t index)
{
	return index <= RTC_REG_YEAR || index == RTC_REG_CENTURY;
}

static bool is_alarm_register(uint8_t index)
{
	return index == RTC_REG_SECONDS_ALARM || index == RTC_REG_MINUTES_ALARM ||
	       index == RTC_REG_HOURS_ALARM;
}

uint8_t vrtc_read_data(const struct vrtc *r, uint64_t unix_now)
{
	if (is_alarm_register(r->index))
		return 0;
	if (is_clock_register(r->index))
		return read_clock(r->index, r->reg_b, unix_now);
	switch (r->index) {
	case RTC_REG_A: return REG_A_VALUE;
	case RTC_REG_B: return r->reg_b;
	case RTC_REG_C: return 0;
	case RTC_REG_D: return RTC_D_VRT;
	default:        return r->ram[r->index];
	}
}

/*
 * Setting the clock is not supported: the guest's clock is the machine's, so
 * writes of the time, alarm and century registers are dropped, and SET in
 * register B (which would freeze the updates while software sets the time)
 * is not kept. A's divider and rate and the read-only C and D are fixed too.
 */
void vrtc_write_data(struct vrtc *r, uint8_t value)
{
	if (r->index == RTC_REG_B)
		r->reg_b = value & ~RTC_B_SET;
	else if (r->index > RTC_REG_D && r->index != RTC_REG_CENTURY)
		r->ram[r->index] = value;
}

/*
 * Calendar arithmetic (UTC, proleptic Gregorian, years 1970..9999) and the
 * guest's MC146818 real-time clock as seen at ports 0x70 (index) and 0x71
 * (data). Pure: the caller passes the current time in, so it is unit-tested
 * on the host (tests/unit/test_rtc_time.c).
 */
#ifndef HV_LIB_RTC_TIME_H
#define HV_LIB_RTC_TIME_H

#include "lib/types.h"

#define RTC_INDEX_PORT    0x70
#define RTC_DATA_PORT     0x71

/* The MC146818 register map (datasheet, figure "Address map"), plus the PC's century byte. */
enum rtc_reg {
	RTC_REG_SECONDS       = 0x00,
	RTC_REG_SECONDS_ALARM = 0x01,
	RTC_REG_MINUTES       = 0x02,
	RTC_REG_MINUTES_ALARM = 0x03,
	RTC_REG_HOURS         = 0x04,
	RTC_REG_HOURS_ALARM   = 0x05,
	RTC_REG_WEEKDAY       = 0x06,
	RTC_REG_DAY           = 0x07,
	RTC_REG_MONTH         = 0x08,
	RTC_REG_YEAR          = 0x09,
	RTC_REG_A             = 0x0a,
	RTC_REG_B             = 0x0b,
	RTC_REG_C             = 0x0c,
	RTC_REG_D             = 0x0d,
	RTC_REG_CENTURY       = 0x32, /* not the MC146818's: the PC's, ACPI FADT CENTURY's usual value */
};

#define RTC_INDEX_NMI_DISABLE 0x80 /* bit 7 of a write to port 0x70 masks NMI on a PC */
#define RTC_INDEX_MASK        0x7f
#define RTC_A_UIP             0x80 /* update in progress: the time registers may be changing */
#define RTC_A_DIVIDER_32KHZ   0x20 /* DV2-0 = 010: a 32.768 kHz time base, the clock running */
#define RTC_A_RATE_1024HZ     0x06 /* RS3-0 = 0110: the periodic rate a PC BIOS sets */
#define RTC_B_SET             0x80 /* the clock's updates stopped while software sets it */
#define RTC_B_BINARY          0x04 /* DM: time registers in binary, else BCD */
#define RTC_B_24H             0x02 /* hours 0-23, else 1-12 with bit 7 = PM */
#define RTC_D_VRT             0x80 /* valid RAM and time: the battery held */
#define RTC_HOUR_PM           0x80 /* in the hours register, 12-hour mode */

/* A date and time of day, UTC. Weekday 1-7 with Sunday = 1 (the MC146818's convention). */
struct rtc_date {
	uint16_t year;
	uint8_t month, day, hour, minute, second, weekday;
};

/* 9999-12-31 23:59:59 UTC: the last instant rtc_unix_to_date represents. */
#define RTC_UNIX_MAX 253402300799ULL

/*
 * Seconds since 1970-01-01 00:00:00 UTC. The weekday is not looked at; a date
 * rtc_date_valid rejects gives 0.
 */
uint64_t rtc_date_to_unix(const struct rtc_date *d);
/* The date of t, weekday included; t past RTC_UNIX_MAX gives RTC_UNIX_MAX's date. */
void rtc_unix_to_date(uint64_t t, struct rtc_date *d);
/*
 * Year 1970..9999, month 1-12, day within the month (leap years counted),
 * hour 0-23, minute and second 0-59. The weekday is not checked: firmware
 * often leaves it wrong in the hardware clock, and it follows from the date.
 */
bool rtc_date_valid(const struct rtc_date *d);

/* The guest's MC146818: what a guest sees at ports 0x70 (index) and 0x71 (data). */
struct vrtc {
	uint8_t index;     /* last index written to port 0x70, bit 7 (NMI disable) dropped */
	uint8_t reg_b;     /* register B as the guest set it, SET (bit 7) excepted */
	uint8_t ram[128];  /* CMOS RAM bytes other than the clock's: read back what was written */
};

/* Register B = 24-hour, BCD (0x02), as a PC BIOS leaves it; index 0; RAM zeroed. */
void vrtc_init(struct vrtc *r);
/* A write to port 0x70. */
void vrtc_write_index(struct vrtc *r, uint8_t value);
/*
 * A read of port 0x71 at time unix_now (seconds since the epoch, UTC):
 * registers 0, 2, 4, 6-9 and the century (0x32) the time of unix_now in the
 * format register B chooses; the alarms (1, 3, 5) 0; A 0x26 (UIP never set:
 * the time is computed, never caught mid-update); B as written; C 0 (no
 * interrupt ever pending); D 0x80 (valid RAM and time); the rest RAM.
 */
uint8_t vrtc_read_data(const struct vrtc *r, uint64_t unix_now);
/*
 * A write of port 0x71: register B stored but its SET bit; RAM stored; the
 * time, alarm and century registers and A, C, D ignored (the guest cannot set
 * the clock).
 */
void vrtc_write_data(struct vrtc *r, uint8_t value);

#endif

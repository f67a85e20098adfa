/*
 * The machine's CMOS real-time clock (an MC146818 or the chipset's copy of
 * one at ports 0x70/0x71), read once at boot; after that the TSC counts the
 * time. The hardware clock is assumed to keep UTC, as Linux keeps it on
 * servers (hwclock --utc, timedatectl's default): a machine whose clock keeps
 * local time gives its guests a clock off by the zone's offset.
 */
#include "host/rtc.h"
#include "console/log.h"
#include "lib/rtc_time.h"
#include "lib/string.h"
#include "host/tsc.h"
#include "lib/x86.h"

/* An update lasts at most 1984 us, UIP rising 244 us before it (datasheet, "Update cycle"). */
#define UIP_WAIT_US    5000
#define READ_ATTEMPTS  4
#define NO_DEVICE      0xff /* what a read of a port no device answers gives */

/* The clock's registers as read, before any decoding. */
struct cmos_clock {
	uint8_t second, minute, hour, day, month, year, century, reg_b;
};

static uint64_t boot_unix;
static uint64_t boot_tsc;

/* The index with bit 7 clear: NMI stays enabled, as firmware and operating systems leave it. */
static uint8_t cmos_read(uint8_t reg)
{
	outb(RTC_INDEX_PORT, reg);
	return inb(RTC_DATA_PORT);
}

/*
 * MC146818 datasheet, "Update cycle": UIP rises 244 us before an update and
 * falls when it is over, so once UIP reads 0 the time registers hold still
 * for at least 244 us, longer than reading them takes.
 */
static bool wait_for_update_done(void)
{
	uint64_t deadline = tsc_deadline_us(UIP_WAIT_US);

	while (cmos_read(RTC_REG_A) & RTC_A_UIP) {
		if (tsc_expired(deadline))
			return false;
		cpu_relax();
	}
	return true;
}

static bool read_clock_once(struct cmos_clock *c)
{
	if (!wait_for_update_done())
		return false;
	c->second = cmos_read(RTC_REG_SECONDS);
	c->minute = cmos_read(RTC_REG_MINUTES);
	c->hour = cmos_read(RTC_REG_HOURS);
	c->day = cmos_read(RTC_REG_DAY);
	c->month = cmos_read(RTC_REG_MONTH);
	c->year = cmos_read(RTC_REG_YEAR);
	c->century = cmos_read(RTC_REG_CENTURY);
	c->reg_b = cmos_read(RTC_REG_B);
	return true;
}

/* Two readings that agree: no update (nor SMM firmware) came between them. */
static bool read_clock_stable(struct cmos_clock *c)
{
	struct cmos_clock again;

	for (int i = 0; i < READ_ATTEMPTS; i++) {
		if (!read_clock_once(c) || !read_clock_once(&again))
			return false;
		if (!memcmp(c, &again, sizeof(again)))
			return true;
	}
	return false;
}

/* A time field in the format register B's DM bit says: binary, or BCD with both digits 0-9. */
static bool decode_field(uint8_t raw, uint8_t reg_b, uint8_t *value)
{
	if (reg_b & RTC_B_BINARY) {
		*value = raw;
		return true;
	}
	if ((raw & 0x0f) > 9 || (raw >> 4) > 9)
		return false;
	*value = (uint8_t)((raw >> 4) * 10 + (raw & 0x0f));
	return true;
}

/* MC146818 datasheet: in 12-hour mode (register B bit 1 clear) hours run 1-12, bit 7 = PM. */
static bool decode_hour(uint8_t raw, uint8_t reg_b, uint8_t *hour)
{
	uint8_t hour12;

	if (reg_b & RTC_B_24H)
		return decode_field(raw, reg_b, hour);
	if (!decode_field((uint8_t)(raw & ~RTC_HOUR_PM), reg_b, &hour12) || hour12 < 1 || hour12 > 12)
		return false;
	*hour = (uint8_t)(hour12 % 12 + (raw & RTC_HOUR_PM ? 12 : 0));
	return true;
}

/*
 * Byte 0x32 holds the century on PCs (ACPI FADT CENTURY's usual index), but
 * not every chipset or firmware keeps it: it counts only when it is a
 * plausible century giving a year from 1970; else the year is 20xx.
 */
static uint16_t decode_year(const struct cmos_clock *c, uint8_t year_of_century)
{
	uint8_t century;

	if (decode_field(c->century, c->reg_b, &century) && century >= 19 && century <= 99 &&
	    century * 100u + year_of_century >= 1970)
		return (uint16_t)(century * 100u + year_of_century);
	return (uint16_t)(2000u + year_of_century);
}

static bool decode_clock(const struct cmos_clock *c, struct rtc_date *d)
{
	uint8_t year_of_century;

	*d = (struct rtc_date){ 0 };
	if (!decode_field(c->second, c->reg_b, &d->second) ||
	    !decode_field(c->minute, c->reg_b, &d->minute) ||
	    !decode_hour(c->hour, c->reg_b, &d->hour) ||
	    !decode_field(c->day, c->reg_b, &d->day) ||
	    !decode_field(c->month, c->reg_b, &d->month) ||
	    !decode_field(c->year, c->reg_b, &year_of_century) || year_of_century > 99)
		return false;
	d->year = decode_year(c, year_of_century);
	return rtc_date_valid(d);
}

uint64_t host_rtc_read_unix(void)
{
	struct cmos_clock c;
	struct rtc_date d;

	/* A running clock's register A never reads 0xff (its divider bits would be 111: in reset). */
	if (cmos_read(RTC_REG_A) == NO_DEVICE)
		return 0;
	if (!read_clock_stable(&c) || !decode_clock(&c, &d))
		return 0;
	return rtc_date_to_unix(&d);
}

/*
 * Without the machine's clock, guests start at 2000-01-01 00:00:00 UTC: a
 * date in the 20xx the two-digit year register assumes, which Linux and its
 * userland take as a set clock, and plainly wrong to anyone reading a log.
 */
void host_rtc_init(void)
{
	struct rtc_date d;

	boot_unix = host_rtc_read_unix();
	boot_tsc = rdtsc();
	if (!boot_unix) {
		boot_unix = HOST_RTC_FALLBACK_UNIX;
		log_warn("rtc: the machine's clock could not be read; guests' clocks start at "
			 "2000-01-01 00:00:00 UTC");
		return;
	}
	rtc_unix_to_date(boot_unix, &d);
	log_info("rtc: %04u-%02u-%02u %02u:%02u:%02u UTC (the machine's clock)", (unsigned int)d.year,
		 (unsigned int)d.month, (unsigned int)d.day, (unsigned int)d.hour,
		 (unsigned int)d.minute, (unsigned int)d.second);
}

/* Another CPU's TSC may trail the boot CPU's a little: the time never goes before the reading. */
uint64_t host_rtc_now(void)
{
	uint64_t khz = tsc_khz() ? tsc_khz() : 1000000;
	int64_t ticks = (int64_t)(rdtsc() - boot_tsc);

	return boot_unix + (ticks > 0 ? (uint64_t)ticks / (khz * 1000) : 0);
}

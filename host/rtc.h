/*
 * The machine's wall clock: its CMOS real-time clock, read once at boot, and
 * carried forward with the TSC. The hardware clock is taken to keep UTC.
 */
#ifndef HV_HOST_RTC_H
#define HV_HOST_RTC_H

#include "lib/types.h"

/* 2000-01-01 00:00:00 UTC: where the clock starts when the machine's cannot be read. */
#define HOST_RTC_FALLBACK_UNIX 946684800ull

/*
 * Reads the CMOS clock now (ports 0x70/0x71): seconds since 1970-01-01 UTC,
 * or 0 when the clock is absent, stuck in an update, or holds no valid date.
 * Takes up to a few milliseconds; the TSC frequency must be known (tsc_init).
 */
uint64_t host_rtc_read_unix(void);
/* Boot CPU, once, after tsc_init and before any guest runs: reads and logs the clock. */
void host_rtc_init(void);
/*
 * The time now, in seconds since the epoch: the boot reading plus the TSC
 * time since (HOST_RTC_FALLBACK_UNIX plus that when the clock was unreadable).
 * Any CPU, any context, no lock: it only reads what host_rtc_init wrote.
 */
uint64_t host_rtc_now(void);

#endif

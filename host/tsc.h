/* The TSC as the hypervisor's clock: frequency and busy-wait deadlines. */
#ifndef HV_HOST_TSC_H
#define HV_HOST_TSC_H

#include "lib/types.h"

struct acpi_pm_timer;

/* Finds the TSC frequency (CPUID 0x15/0x16, else calibration) and logs it. */
void tsc_init(const struct acpi_pm_timer *pmt);
uint64_t tsc_khz(void);
/* CPUID 0x15/0x16 state a frequency the TSC does not run at (emulators do). */
bool tsc_cpuid_is_wrong(void);

uint64_t tsc_deadline_us(uint64_t us);
bool tsc_expired(uint64_t deadline);
void udelay(uint64_t us);

#endif

/* TSC frequency: from CPUID where the CPU states it, else measured. */
#include "host/tsc.h"
#include "host/acpi.h"
#include "console/log.h"
#include "lib/x86.h"

#define PIT_HZ        1193182u
#define PM_TIMER_HZ   3579545u
#define CALIBRATE_MS  50u

#define PIT_CH2_DATA  0x42
#define PIT_CMD       0x43
#define PIT_GATE_PORT 0x61 /* bit 0: channel 2 gate, bit 5: channel 2 output */

static uint64_t khz;
static bool cpuid_wrong;

uint64_t tsc_khz(void) { return khz; }
bool tsc_cpuid_is_wrong(void) { return cpuid_wrong; }

/*
 * Intel SDM vol. 3, 19.7.3: CPUID 0x15 gives TSC = crystal * EBX / EAX; the
 * crystal may be unstated (ECX = 0), in which case the 0x16 base frequency
 * (MHz) is the TSC frequency on the CPUs that report the ratio.
 */
static uint64_t khz_from_cpuid(void)
{
	if (cpuid(0, 0).eax < 0x15)
		return 0;
	struct cpuid_regs r = cpuid(0x15, 0);
	if (!r.eax || !r.ebx)
		return 0;
	if (r.ecx)
		return (uint64_t)r.ecx * r.ebx / r.eax / 1000;
	if (cpuid(0, 0).eax >= 0x16)
		return (uint64_t)(cpuid(0x16, 0).eax & 0xffff) * 1000;
	return 0;
}

static uint64_t calibrate_pm_timer(const struct acpi_pm_timer *pmt)
{
	uint32_t mask = pmt->width32 ? 0xffffffffu : 0xffffffu;
	uint32_t ticks = PM_TIMER_HZ / 1000 * CALIBRATE_MS;
	uint32_t start = inl(pmt->port) & mask;
	uint64_t t0 = rdtsc();

	for (uint64_t spins = 0; ((inl(pmt->port) - start) & mask) < ticks; spins++)
		if (spins > 100000000)
			return 0;
	return (rdtsc() - t0) / CALIBRATE_MS;
}

/* PIT channel 2 in mode 0 counts down once; its output rises at zero. */
static uint64_t calibrate_pit(void)
{
	uint16_t count = PIT_HZ / 1000 * CALIBRATE_MS;
	uint8_t gate = inb(PIT_GATE_PORT);

	outb(PIT_GATE_PORT, (gate & ~0x02) & ~0x01);
	outb(PIT_CMD, 0xb0); /* channel 2, lobyte/hibyte, mode 0, binary */
	outb(PIT_CH2_DATA, count & 0xff);
	outb(PIT_CH2_DATA, count >> 8);
	uint64_t t0 = rdtsc();
	outb(PIT_GATE_PORT, (gate & ~0x02) | 0x01);
	for (uint64_t spins = 0; !(inb(PIT_GATE_PORT) & 0x20); spins++)
		if (spins > 100000000)
			return 0;
	uint64_t t1 = rdtsc();
	outb(PIT_GATE_PORT, gate);
	return (t1 - t0) / CALIBRATE_MS;
}

static uint64_t calibrate(const struct acpi_pm_timer *pmt, const char **source)
{
	uint64_t measured = 0;

	if (pmt->port) {
		measured = calibrate_pm_timer(pmt);
		*source = "calibrated against the ACPI PM timer";
	}
	if (!measured) {
		measured = calibrate_pit();
		*source = "calibrated against the PIT";
	}
	return measured;
}

/*
 * CPUID's figure is the architectural one, but emulators state a nominal
 * frequency that their TSC does not keep: a measurement more than 2% away
 * wins, with a warning.
 */
void tsc_init(const struct acpi_pm_timer *pmt)
{
	const char *source = "unknown";
	uint64_t stated = khz_from_cpuid();
	uint64_t measured = calibrate(pmt, &source);

	khz = measured;
	cpuid_wrong = stated && measured &&
		      (measured * 50 < stated * 49 || measured * 50 > stated * 51);
	if (cpuid_wrong)
		log_warn("tsc: cpuid states %lu kHz but the TSC runs at %lu kHz; using the latter",
			 stated, measured);
	else if (stated) {
		khz = stated;
		source = "cpuid";
	}
	if (!khz) {
		khz = 1000000;
		source = "unknown: no timer answered, assuming 1 GHz";
	}
	log_info("tsc: %lu.%03lu MHz (%s)", khz / 1000, khz % 1000, source);
}

uint64_t tsc_deadline_us(uint64_t us) { return rdtsc() + us * (khz ? khz : 1000000) / 1000; }

bool tsc_expired(uint64_t deadline) { return (int64_t)(rdtsc() - deadline) >= 0; }

void udelay(uint64_t us)
{
	uint64_t deadline = tsc_deadline_us(us);

	while (!tsc_expired(deadline))
		cpu_relax();
}

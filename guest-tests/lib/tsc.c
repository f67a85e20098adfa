/* The TSC's rate, and delays measured with it. */
#include "guest-tests/lib/internal.h"

#define CPUID_1_ECX_HYPERVISOR (1U << 31)
#define HV_LEAF_TIMING         0x40000010 /* VMware-style: EAX = TSC kHz */

#define PIT_HZ            1193182
#define PIT_CH2_DATA      0x42
#define PIT_MODE          0x43
#define PIT_CH2_ONESHOT   0xb0 /* channel 2, lobyte/hibyte, mode 0, binary */
#define PORT_B            0x61
#define PORT_B_GATE2      0x01
#define PORT_B_SPEAKER    0x02
#define PORT_B_OUT2       0x20
#define CALIBRATE_MS      10
#define OUT2_POLLS        10000000

/* CPUID 0x15 (TSC/crystal ratio and crystal Hz), else 0x16 (base MHz); 0 if neither says. */
static uint32_t tsc_khz_from_cpuid(void)
{
	uint32_t max_leaf = cpuid(0, 0).eax;
	struct cpuid_regs r;

	if (max_leaf >= 0x15) {
		r = cpuid(0x15, 0);
		if (r.eax && r.ebx && r.ecx)
			return (uint32_t)((uint64_t)r.ecx * r.ebx / r.eax / 1000);
	}
	if (max_leaf >= 0x16) {
		r = cpuid(0x16, 0);
		if (r.eax & 0xffff)
			return (r.eax & 0xffff) * 1000;
	}
	return 0;
}

static uint32_t tsc_khz_from_hypervisor(void)
{
	if (!(cpuid(1, 0).ecx & CPUID_1_ECX_HYPERVISOR))
		return 0;
	if (cpuid(0x40000000, 0).eax < HV_LEAF_TIMING)
		return 0;
	return cpuid(HV_LEAF_TIMING, 0).eax;
}

/*
 * Counts TSC ticks while PIT channel 2 counts down CALIBRATE_MS in mode 0: its
 * output (port 0x61 bit 5) goes low when the count is written, high at zero.
 * 0 if there is no PIT (the output is not low right after the write).
 */
static uint32_t tsc_khz_from_pit(void)
{
	uint16_t count = PIT_HZ / (1000 / CALIBRATE_MS);
	uint64_t start;

	outb(PORT_B, (inb(PORT_B) & ~PORT_B_SPEAKER) | PORT_B_GATE2);
	outb(PIT_MODE, PIT_CH2_ONESHOT);
	outb(PIT_CH2_DATA, count & 0xff);
	outb(PIT_CH2_DATA, count >> 8);
	start = rdtsc();
	if (inb(PORT_B) & PORT_B_OUT2)
		return 0;
	for (int i = 0; i < OUT2_POLLS; i++) {
		if (inb(PORT_B) & PORT_B_OUT2)
			return (uint32_t)((rdtsc() - start) / CALIBRATE_MS);
	}
	return 0;
}

uint32_t tsc_khz(void)
{
	static uint32_t khz;

	if (!khz)
		khz = tsc_khz_from_cpuid();
	if (!khz)
		khz = tsc_khz_from_hypervisor();
	if (!khz)
		khz = tsc_khz_from_pit();
	return khz;
}

uint64_t tsc_after_us(uint64_t us)
{
	return rdtsc() + us * tsc_khz() / 1000;
}

void udelay(uint64_t us)
{
	uint64_t end = tsc_after_us(us);

	while (rdtsc() < end)
		asm volatile("pause");
}

bool wait_for_flag(const volatile bool *flag, uint64_t us)
{
	uint64_t end = tsc_after_us(us);

	while (!*flag && rdtsc() < end)
		asm volatile("pause");
	return *flag;
}

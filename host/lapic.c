/* Host local APIC driver: xAPIC (MMIO) or x2APIC (MSRs), Intel SDM vol. 3, ch. 11. */
#include "host/lapic.h"
#include "mm/paging.h"
#include "host/percpu.h"
#include "host/tsc.h"
#include "lib/x86.h"

enum lapic_reg {
	LAPIC_ID = 0x020,
	LAPIC_EOI = 0x0b0,
	LAPIC_SVR = 0x0f0,
	LAPIC_ICR_LO = 0x300,
	LAPIC_ICR_HI = 0x310,
	LAPIC_LVT_TIMER = 0x320,
	LAPIC_TIMER_INITIAL = 0x380,
	LAPIC_TIMER_CURRENT = 0x390,
	LAPIC_TIMER_DIVIDE = 0x3e0,
};

#define TIMER_DIVIDE_BY_1  0xb
#define TIMER_CALIBRATE_US 10000

#define APIC_BASE_ENABLE   BIT(11)
#define APIC_BASE_X2APIC   BIT(10)
#define APIC_BASE_ADDR     0xfffff000ULL
#define SVR_ENABLE         BIT(8)

/* ICR fields (Intel SDM vol. 3, 11.6.1) */
#define ICR_DELIVERY_NMI      (4u << 8)
#define ICR_DELIVERY_INIT     (5u << 8)
#define ICR_DELIVERY_STARTUP  (6u << 8)
#define ICR_PENDING           BIT(12)
#define ICR_LEVEL_ASSERT      BIT(14)
#define ICR_TRIGGER_LEVEL     BIT(15)
#define ICR_ALL_BUT_SELF      (3u << 18)

static volatile uint32_t *xapic_mmio;
static bool x2apic;
static uint64_t timer_khz; /* the host APIC timer's rate at divide-by-1 */

static uint32_t lapic_read(enum lapic_reg reg)
{
	if (x2apic)
		return (uint32_t)rdmsr(MSR_X2APIC_BASE + (reg >> 4));
	return xapic_mmio[reg / 4];
}

static void lapic_write(enum lapic_reg reg, uint32_t val)
{
	if (x2apic)
		wrmsr(MSR_X2APIC_BASE + (reg >> 4), val);
	else
		xapic_mmio[reg / 4] = val;
}

void lapic_init(void)
{
	uint64_t base = rdmsr(MSR_IA32_APIC_BASE);

	x2apic = cpu_has(&this_cpu()->features, FEAT_X2APIC);
	base |= APIC_BASE_ENABLE;
	if (x2apic)
		base |= APIC_BASE_X2APIC;
	wrmsr(MSR_IA32_APIC_BASE, base);
	if (!x2apic && !xapic_mmio) {
		paging_map_uncached(base & APIC_BASE_ADDR);
		xapic_mmio = phys_to_virt(base & APIC_BASE_ADDR);
	}
	lapic_write(LAPIC_SVR, SVR_ENABLE | SPURIOUS_VECTOR);
}

bool lapic_x2apic_mode(void) { return x2apic; }

uint32_t lapic_id(void)
{
	return x2apic ? lapic_read(LAPIC_ID) : lapic_read(LAPIC_ID) >> 24;
}

void lapic_eoi(void) { lapic_write(LAPIC_EOI, 0); }

/* Counts the timer down from its maximum for a known number of TSC ticks. */
void lapic_timer_calibrate(void)
{
	lapic_write(LAPIC_TIMER_DIVIDE, TIMER_DIVIDE_BY_1);
	lapic_write(LAPIC_LVT_TIMER, BIT(16) | HOST_TIMER_VECTOR); /* masked */
	lapic_write(LAPIC_TIMER_INITIAL, 0xffffffff);
	udelay(TIMER_CALIBRATE_US);
	timer_khz = (0xffffffffu - lapic_read(LAPIC_TIMER_CURRENT)) / (TIMER_CALIBRATE_US / 1000);
	lapic_write(LAPIC_TIMER_INITIAL, 0);
}

/* One-shot, on this CPU: HOST_TIMER_VECTOR at TSC `deadline` (0: cancel). */
void lapic_timer_arm(uint64_t deadline)
{
	uint64_t now = rdtsc(), count = 1;

	if (!deadline || !timer_khz) {
		lapic_write(LAPIC_TIMER_INITIAL, 0);
		return;
	}
	if (deadline > now) /* a far deadline: the longest count, not a product that wrapped */
		count = MAX(1, MIN(0xffffffffUL, MIN(deadline - now, UINT64_MAX / timer_khz) *
					       timer_khz / tsc_khz()));
	lapic_write(LAPIC_TIMER_DIVIDE, TIMER_DIVIDE_BY_1);
	lapic_write(LAPIC_LVT_TIMER, HOST_TIMER_VECTOR);
	lapic_write(LAPIC_TIMER_INITIAL, (uint32_t)count);
}

/* x2APIC has no delivery-status bit: the write is the send (SDM 11.12.9). */
static bool send_ipi(uint32_t dest, uint32_t icr)
{
	if (x2apic) {
		wrmsr(MSR_X2APIC_BASE + (LAPIC_ICR_LO >> 4), ((uint64_t)dest << 32) | icr);
		return true;
	}
	lapic_write(LAPIC_ICR_HI, dest << 24);
	lapic_write(LAPIC_ICR_LO, icr);
	uint64_t deadline = tsc_deadline_us(1000);
	while (lapic_read(LAPIC_ICR_LO) & ICR_PENDING) {
		if (tsc_expired(deadline))
			return false;
		cpu_relax();
	}
	return true;
}

bool lapic_send_init(uint32_t apic_id)
{
	return send_ipi(apic_id, ICR_DELIVERY_INIT | ICR_LEVEL_ASSERT | ICR_TRIGGER_LEVEL);
}

bool lapic_send_sipi(uint32_t apic_id, uint8_t page)
{
	return send_ipi(apic_id, ICR_DELIVERY_STARTUP | ICR_LEVEL_ASSERT | page);
}

void lapic_send_fixed(uint32_t apic_id, uint8_t vector)
{
	send_ipi(apic_id, ICR_LEVEL_ASSERT | vector);
}

void lapic_send_nmi_all_but_self(void)
{
	if (x2apic || xapic_mmio)
		send_ipi(0, ICR_DELIVERY_NMI | ICR_LEVEL_ASSERT | ICR_ALL_BUT_SELF);
}

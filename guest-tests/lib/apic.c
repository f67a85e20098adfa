/*
 * The local APIC of the calling CPU, in xAPIC mode (MMIO at the IA32_APIC_BASE
 * address) or x2APIC mode (MSRs 0x800-0x8ff). The mode is per CPU and tests
 * change it: each CPU keeps its IA32_APIC_BASE (apic_base()) until it writes
 * the MSR or is restarted by an INIT.
 */
#include "guest-tests/lib/internal.h"

#define ICR_BUSY_POLLS 1000000
#define BASE_KEPT      1ULL /* a reserved bit of IA32_APIC_BASE (SDM 11.4.4) marks a kept value */

static uint64_t kept_base[GUEST_MAX_CPUS];

uint64_t apic_base(void)
{
	uint64_t *kept = &kept_base[this_cpu_index()];

	if (!(*kept & BASE_KEPT))
		*kept = rdmsr(MSR_IA32_APIC_BASE) | BASE_KEPT;
	return *kept & ~BASE_KEPT;
}

void apic_base_forget(void)
{
	kept_base[this_cpu_index()] = 0;
}

/* Interrupts off: a handler between the write and the forget would use the old mode. */
void apic_base_write(uint64_t val)
{
	uint64_t rflags = irq_save();

	wrmsr_raw(MSR_IA32_APIC_BASE, val);
	apic_base_forget();
	irq_restore(rflags);
}

bool apic_is_x2apic(void)
{
	return apic_base() & APIC_BASE_X2APIC;
}

/*
 * Intel SDM vol. 3, 11.12.5, figure 11-27: x2APIC -> xAPIC is an illegal
 * transition; the way back goes through the disabled state (EN = EXTD = 0).
 */
void apic_mode_xapic(void)
{
	uint64_t base = apic_base();

	if (base & APIC_BASE_X2APIC)
		wrmsr(MSR_IA32_APIC_BASE, base & ~(APIC_BASE_X2APIC | APIC_BASE_ENABLE));
	wrmsr(MSR_IA32_APIC_BASE, (base & ~APIC_BASE_X2APIC) | APIC_BASE_ENABLE);
}

/* Intel SDM vol. 3, 11.12.5: xAPIC -> x2APIC is legal; disabled -> x2APIC is not. */
void apic_mode_x2apic(void)
{
	uint64_t base = apic_base();

	if (!(base & APIC_BASE_ENABLE))
		wrmsr(MSR_IA32_APIC_BASE, base | APIC_BASE_ENABLE);
	wrmsr(MSR_IA32_APIC_BASE, base | APIC_BASE_ENABLE | APIC_BASE_X2APIC);
}

uint32_t apic_read(uint32_t reg)
{
	if (apic_is_x2apic())
		return (uint32_t)x2apic_read(reg);
	return xapic_read(reg);
}

void apic_write(uint32_t reg, uint32_t val)
{
	if (apic_is_x2apic())
		x2apic_write(reg, val);
	else
		xapic_write(reg, val);
}

void apic_enable(void)
{
	apic_write(APIC_SVR, APIC_SVR_ENABLE | APIC_SPURIOUS_VECTOR);
}

/* Intel SDM vol. 3, 11.4.6 and 11.12.5.1: xAPIC IDs are in bits 31:24, x2APIC IDs 32 bits. */
uint32_t apic_id(void)
{
	if (apic_is_x2apic())
		return (uint32_t)x2apic_read(APIC_ID);
	return xapic_read(APIC_ID) >> 24;
}

/* Intel SDM vol. 3, 11.12.1.3: in x2APIC mode, a non-zero EOI write raises #GP. */
void apic_eoi(void)
{
	apic_write(APIC_EOI, 0);
}

static int xapic_wait_icr_idle(void)
{
	for (int i = 0; i < ICR_BUSY_POLLS; i++) {
		if (!(xapic_read(APIC_ICR) & APIC_ICR_BUSY))
			return 0;
		asm volatile("pause");
	}
	return -1;
}

/*
 * Intel SDM vol. 3, 11.6.1: in xAPIC mode the write of the ICR's low half sends
 * the IPI, so the destination (ICR[63:56]) goes first. 11.12.9: in x2APIC mode
 * the ICR is one MSR, the destination in bits 63:32, and has no delivery status.
 */
int apic_send_ipi(uint32_t dest, uint32_t icr_low)
{
	if (apic_is_x2apic()) {
		wrmsr(x2apic_msr(APIC_ICR), (uint64_t)dest << 32 | icr_low);
		return 0;
	}
	if (xapic_wait_icr_idle())
		return -1;
	xapic_write(APIC_ICR_HIGH, dest << 24);
	xapic_write(APIC_ICR, icr_low);
	return xapic_wait_icr_idle();
}

/* Intel SDM vol. 3, 11.12.11: x2APIC has a SELF IPI register; xAPIC uses the shorthand. */
void apic_self_ipi(uint8_t vector)
{
	if (apic_is_x2apic())
		x2apic_write(APIC_SELF_IPI, vector);
	else
		apic_send_ipi(0, APIC_DEST_SELF | APIC_DM_FIXED | vector);
}

/* Intel SDM vol. 3, 11.8.4, figure 11-20: bit (vector % 32) of register vector / 32 */
static bool apic_vector_bit(uint32_t first_reg, uint8_t vector)
{
	return apic_read(first_reg + 0x10 * (vector / 32)) & (1U << (vector % 32));
}

bool apic_irr_pending(uint8_t vector)
{
	return apic_vector_bit(APIC_IRR, vector);
}

bool apic_isr_in_service(uint8_t vector)
{
	return apic_vector_bit(APIC_ISR, vector);
}

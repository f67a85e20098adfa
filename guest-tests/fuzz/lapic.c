/*
 * The local APIC of the calling CPU put back into the state the fuzzer's
 * operations start from: enabled in whichever mode it is in (xAPIC if it
 * was disabled), software-enabled, TPR 0, every LVT masked, timer off,
 * errors read, nothing in service.
 */
#include "guest-tests/fuzz/fuzz.h"

#define APIC_LVT_CMCI 0x2f0
#define APIC_DFR_FLAT 0xffffffffu
#define MAX_EOIS      256

static const uint32_t lvts[] = {
	APIC_LVT_CMCI, APIC_LVT_TIMER, APIC_LVT_THERMAL, APIC_LVT_PERF,
	APIC_LVT_LINT0, APIC_LVT_LINT1, APIC_LVT_ERROR,
};

/* SDM 11.12.5: the disabled state leads to xAPIC only; EXTD alone is invalid. */
static void hardware_enable(void)
{
	uint64_t base = rdmsr(MSR_IA32_APIC_BASE);

	if (!(base & APIC_BASE_ENABLE))
		wrmsr(MSR_IA32_APIC_BASE, (base & ~APIC_BASE_X2APIC) | APIC_BASE_ENABLE);
}

/* Flat logical addressing in xAPIC mode: CPU n answers bit n (SDM 11.6.2.2). */
static void logical_id(void)
{
	if (apic_is_x2apic())
		return;
	apic_write(APIC_DFR, APIC_DFR_FLAT);
	apic_write(APIC_LDR, 1U << (24 + (this_cpu_index() ? AP : BSP)));
}

static int highest_isr(void)
{
	for (int r = 7; r >= 0; r--) {
		uint32_t word = apic_read(APIC_ISR + 0x10 * (unsigned int)r);

		if (word)
			return r * 32 + 31 - __builtin_clz(word);
	}
	return -1;
}

/* Outside a handler no vector is in service: the handlers EOI what they take. */
static void nothing_in_service(void)
{
	int vector = highest_isr();

	if (vector >= 0 && this_cpu_index() == 0)
		mismatch("vector 0x%x in service outside any handler", vector);
	for (int i = 0; i < MAX_EOIS && vector >= 0; i++) {
		apic_eoi();
		vector = highest_isr();
	}
}

void lapic_sane(void)
{
	hardware_enable();
	apic_enable();
	apic_write(APIC_TPR, 0);
	for (unsigned int i = 0; i < sizeof(lvts) / sizeof(lvts[0]); i++)
		apic_write(lvts[i], APIC_LVT_MASKED);
	apic_write(APIC_TIMER_INIT, 0);
	logical_id();
	lapic_esr();
	nothing_in_service();
}

/* SDM 11.5.3: a write latches the errors found since the last one, then ESR reads them. */
uint32_t lapic_esr(void)
{
	apic_write(APIC_ESR, 0);
	return apic_read(APIC_ESR);
}

void lapic_self_ipi(uint8_t vector)
{
	apic_self_ipi(vector);
}

/*
 * The time-stamp counter's MSRs: IA32_TSC, IA32_TSC_ADJUST, the APIC's
 * IA32_TSC_DEADLINE, and IA32_TSC_AUX for RDTSCP and RDPID.
 */
#include "cpumodel/msr_table.h"
#include "core/guest_apic.h"
#include "core/vcpu.h"
#include "host/percpu.h"
#include "lib/x86.h"

bool msr_tsc_read(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	(void)msr;
	*val = guest_tsc_now(v);
	return true;
}

/*
 * A write that moves the TSC by X moves IA32_TSC_ADJUST by X too, and a
 * write of IA32_TSC_ADJUST that changes it by X moves the TSC by X (SDM vol.
 * 3, 18.17.3 "Time-Stamp Counter Adjustment").
 */
bool msr_tsc_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
	uint64_t offset = val - rdtsc();

	(void)msr;
	v->msrs.tsc_adjust += offset - v->msrs.tsc_offset;
	guest_tsc_set_offset(v, offset);
	return true;
}

bool msr_tsc_adjust_read(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	(void)msr;
	*val = v->msrs.tsc_adjust;
	return true;
}

bool msr_tsc_adjust_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
	uint64_t offset = v->msrs.tsc_offset + (val - v->msrs.tsc_adjust);

	(void)msr;
	v->msrs.tsc_adjust = val;
	guest_tsc_set_offset(v, offset);
	return true;
}

bool msr_tsc_deadline_read(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	(void)msr;
	*val = vlapic_tsc_deadline_read(&v->apic);
	return true;
}

bool msr_tsc_deadline_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
	(void)msr;
	guest_apic_tsc_deadline_write(v, val);
	return true;
}

bool msr_tsc_aux_read(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	(void)msr;
	*val = v->msrs.tsc_aux;
	return true;
}

/*
 * Bits 63:32 are reserved on Intel (#GP); AMD's CPUs drop them (as KVM
 * models both). The vCPU is pinned and the hypervisor never reads
 * IA32_TSC_AUX, so the guest's value goes into its CPU's register, where
 * RDTSCP and RDPID read it without an exit.
 */
bool msr_tsc_aux_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
	(void)msr;
	if ((val >> 32) && this_cpu()->features.vendor != VENDOR_AMD)
		return false;
	v->msrs.tsc_aux = (uint32_t)val;
	wrmsr(MSR_TSC_AUX, v->msrs.tsc_aux);
	return true;
}

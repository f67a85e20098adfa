/*
 * The CPUID policy: the host's values, with the hypervisor bit set, the
 * virtualization extensions and what the hypervisor does not virtualize
 * hidden, the Hyper-V leaves from 0x40000000 (synic/) and a timing leaf.
 */
#include "core/cpuid_policy.h"
#include "core/backend.h"
#include "core/partition.h"
#include "core/tsc.h"
#include "synic/hv.h"

/* CPUID.1 */
#define ECX_VMX          BIT(5)
#define ECX_SMX          BIT(6)
#define ECX_MONITOR      BIT(3)
#define ECX_X2APIC       BIT(21)
#define ECX_TSC_DEADLINE BIT(24)
#define ECX_OSXSAVE      BIT(27)
#define ECX_HYPERVISOR   BIT(31)
#define EDX_MTRR         BIT(12)
#define EDX_APIC         BIT(9)
#define EDX_PAT          BIT(16)
/* CPUID.6 */
#define EAX6_ARAT        BIT(2)
/* CPUID.80000001H */
#define EXT_ECX_SVM      BIT(2)
#define EXT_EDX_MTRR     BIT(12)
#define EXT_EDX_PAT      BIT(16)
#define EXT_EDX_RDTSCP   BIT(27)
/* CPUID.7.0 */
#define EBX7_PQM         BIT(12)
#define EBX7_PQE         BIT(15)
#define ECX7_WAITPKG     BIT(5)
#define ECX7_LA57        BIT(16)
#define ECX7_RDPID       BIT(22)

/* CPUID.(EAX=0DH,ECX=1) */
#define EAXD1_XSAVES     BIT(3)
#define CR4_OSXSAVE      BIT(18)
#define CPUID_HV_TIMING_LEAF 0x40000010

/* OSXSAVE reads the guest's CR4.OSXSAVE (SDM vol. 2, CPUID), not the host's. */
static uint64_t guest_cr4(struct vcpu *v)
{
	struct vcpu_control_regs c;

	backend->vcpu_read_control(v, &c);
	return c.cr4;
}

/*
 * Leaf 1: APIC ID and logical-processor count are the vCPU's, not the host's.
 * The MTRR and PAT MSRs are not emulated, so neither is offered.
 */
static void adjust_leaf1(struct vcpu *v, struct cpuid_regs *r)
{
	r->ecx &= ~(ECX_VMX | ECX_SMX | ECX_MONITOR);
	r->ecx |= ECX_HYPERVISOR | ECX_X2APIC | ECX_TSC_DEADLINE; /* the virtual APIC has both */
	r->edx &= ~(EDX_MTRR | EDX_PAT);
	r->edx |= EDX_APIC;
	r->ecx = (r->ecx & ~ECX_OSXSAVE) | (guest_cr4(v) & CR4_OSXSAVE ? ECX_OSXSAVE : 0);
	r->ebx = (r->ebx & 0x0000ffff) | ((uint32_t)v->partition->nr_vcpus << 16) |
		 ((uint32_t)v->index << 24);
}
/* Topology leaves describe the host: give each vCPU its own x2APIC ID there. */
static void adjust_topology(const struct vcpu *v, uint32_t leaf, struct cpuid_regs *r)
{
	if (leaf == 0xb || leaf == 0x1f)
		r->edx = v->index;
	else if (leaf == 4)
		r->eax &= 0x3ff; /* no cores or threads sharing: one per package */
}

/*
 * The timing leaf other hypervisors also offer at 0x40000010: EAX the TSC
 * and EBX the local APIC timer frequency, in kHz.
 */
static void timing_leaf(const struct vcpu *v, struct cpuid_regs *r)
{
	r->eax = (uint32_t)v->partition->apic_group.tsc_khz;
	r->ebx = (uint32_t)v->partition->apic_group.timer_khz;
}

struct cpuid_regs cpuid_guest(struct vcpu *v, uint32_t leaf, uint32_t subleaf)
{
	struct cpuid_regs r = { 0 };

	if (leaf >= 0x40000000 && leaf < 0x50000000) {
		if (leaf == CPUID_HV_TIMING_LEAF)
			timing_leaf(v, &r);
		else if (leaf < CPUID_HV_TIMING_LEAF)
			hv_cpuid(v, leaf, &r);
		return r;
	}
	r = cpuid(leaf, subleaf);
	switch (leaf) {
	case 1:
		adjust_leaf1(v, &r);
		break;
	case 4:
	case 0xb:
	case 0x1f:
		adjust_topology(v, leaf, &r);
		break;
	case 0x15: /* TSC/crystal ratio and base frequency: only where they are true */
	case 0x16:
		if (tsc_cpuid_is_wrong())
			r = (struct cpuid_regs){ 0 };
		break;
	case 5: /* MONITOR/MWAIT: intercepted, so not offered */
		r = (struct cpuid_regs){ 0 };
		break;
	case 6: /* thermal and power management are the host's; the APIC timer never stops */
		r = (struct cpuid_regs){ .eax = EAX6_ARAT };
		break;
	case 7:
		if (subleaf == 0) {
			r.ebx &= ~(EBX7_PQM | EBX7_PQE);
			r.ecx &= ~(ECX7_WAITPKG | ECX7_LA57 | ECX7_RDPID); /* no TSC_AUX */
		}
		break;
	case 0xd: /* XSAVES needs IA32_XSS, which is not emulated: only XSAVE(OPT/C) */
		if (subleaf == 1)
			r = (struct cpuid_regs){ .eax = r.eax & ~EAXD1_XSAVES };
		break;
	case 0x80000001:
		r.ecx &= ~EXT_ECX_SVM;
		r.edx &= ~(EXT_EDX_MTRR | EXT_EDX_PAT | EXT_EDX_RDTSCP); /* no TSC_AUX */
		break;
	case 0x8000000a: /* SVM features */
		r = (struct cpuid_regs){ 0 };
		break;
	}
	return r;
}

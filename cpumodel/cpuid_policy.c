/*
 * The CPUID policy: the host's values, with the hypervisor bit set, the
 * virtualization extensions and what the hypervisor does not virtualize
 * hidden, the Hyper-V leaves from 0x40000000 (synic/) and a timing leaf.
 */
#include "cpumodel/cpuid_policy.h"
#include "core/backend.h"
#include "core/enlightenment.h"
#include "core/partition.h"
#include "host/tsc.h"
#include "cpumodel/xcr0.h"

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
#define EXT_ECX_OSVW     BIT(9)
#define EXT_ECX_MONITORX BIT(29)
#define EXT_EDX_MTRR     BIT(12)
#define EXT_EDX_PAT      BIT(16)
#define EXT_EDX_RDTSCP   BIT(27)
/* CPUID.80000008H.EBX: IBPB (12), IBRS (14), STIBP (15), their modes (16-19), SSBD, VIRT_SSBD */
#define EXT8_EBX_SPEC_MSRS (BIT(12) | (0xfUL << 14) | BIT(18) | BIT(19) | BIT(24) | BIT(25))
/* CPUID.7.0 */
#define EBX7_PQM         BIT(12)
#define EBX7_PQE         BIT(15)
#define ECX7_WAITPKG     BIT(5)
#define ECX7_LA57        BIT(16)
#define ECX7_RDPID       BIT(22)
#define EDX7_AMX_BF16    BIT(22)
#define EDX7_AMX_TILE    BIT(24)
#define EDX7_AMX_INT8    BIT(25)
/* IBRS/IBPB, STIBP, L1D_FLUSH, ARCH_CAPABILITIES, CORE_CAPABILITIES, SSBD: MSRs each */
#define EDX7_SPEC_MSRS   (0x3fUL << 26)
/* CPUID.7.1 */
#define EAX71_AMX_FP16   BIT(21)
#define EDX71_AMX_COMPLEX BIT(8)

/* CPUID.(EAX=0DH,ECX=1) */
#define EAXD1_XSAVES     BIT(3)
#define EAXD1_XFD        BIT(4)
/* The XSAVE area's legacy region and header: x87 and SSE state (SDM vol. 1, 13.4) */
#define XSAVE_LEGACY_AND_HEADER 576
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
 * Leaf 7. The speculation-control MSRs (SPEC_CTRL, PRED_CMD, FLUSH_CMD,
 * ARCH_CAPABILITIES, CORE_CAPABILITIES) are not emulated, so neither are the
 * features that bring them, here and in subleaf 2 (SPEC_CTRL's further bits).
 */
static void adjust_leaf7(uint32_t subleaf, struct cpuid_regs *r)
{
	if (subleaf == 0) {
		r->ebx &= ~(EBX7_PQM | EBX7_PQE);
		r->ecx &= ~(ECX7_WAITPKG | ECX7_LA57 | ECX7_RDPID); /* no TSC_AUX */
		r->edx &= ~(EDX7_AMX_BF16 | EDX7_AMX_TILE | EDX7_AMX_INT8 | EDX7_SPEC_MSRS);
	} else if (subleaf == 1) {
		r->eax &= ~EAX71_AMX_FP16;
		r->edx &= ~EDX71_AMX_COMPLEX;
	} else if (subleaf == 2) {
		r->edx = 0;
	}
}

/*
 * The extended-state components the guest may enable. AMX is hidden: IA32_XFD
 * is not emulated, so XFD is hidden, and Linux then leaves AMX's tile data
 * out of XCR0 but its tile configuration in, a value XSETBV refuses (every
 * CPU with AMX has XFD, so nothing else meets this).
 */
#define XCR0_HIDDEN XCR0_AMX

/* The end of the furthest component offered: the XSAVE area's largest size. */
static uint32_t xsave_size_of(uint64_t components)
{
	uint32_t size = XSAVE_LEGACY_AND_HEADER;

	for (unsigned int i = 2; i < 64; i++) {
		if (!(components & BIT(i)))
			continue;
		struct cpuid_regs c = cpuid(0xd, i); /* EAX its size, EBX its offset */
		size = MAX(size, c.ebx + c.eax);
	}
	return size;
}

/*
 * Leaf 0xD: subleaf 0 without the hidden components (ECX, the largest area,
 * shrinks with them; EBX follows the guest's XCR0, loaded on this CPU);
 * subleaf 1 without XSAVES (IA32_XSS is not emulated) and XFD, so only XSAVE,
 * XSAVEOPT and XSAVEC, EBX still the compacted size for XCR0 | IA32_XSS (the
 * host's IA32_XSS is 0: XSAVEC's size, which Linux reads); the hidden
 * components' own subleaves empty.
 */
static void adjust_xsave_leaf(uint32_t subleaf, struct cpuid_regs *r)
{
	uint64_t offered;

	if (subleaf == 0) {
		offered = ((uint64_t)r->edx << 32 | r->eax) & ~XCR0_HIDDEN;
		r->eax = (uint32_t)offered;
		r->edx = (uint32_t)(offered >> 32);
		r->ecx = xsave_size_of(offered);
	} else if (subleaf == 1) {
		*r = (struct cpuid_regs){ .eax = r->eax & ~(EAXD1_XSAVES | EAXD1_XFD), .ebx = r->ebx };
	} else if (subleaf < 64 && (XCR0_HIDDEN & BIT(subleaf))) {
		*r = (struct cpuid_regs){ 0 };
	}
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
			enlightenment->cpuid(v, leaf, &r);
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
		adjust_leaf7(subleaf, &r);
		break;
	case 0xd:
		adjust_xsave_leaf(subleaf, &r);
		break;
	case 0x1d: /* the AMX tile palettes and the TMUL unit: AMX is hidden */
	case 0x1e:
		r = (struct cpuid_regs){ 0 };
		break;
	case 0x80000001: /* MONITORX is intercepted as MONITOR is; the OSVW MSRs are not emulated */
		r.ecx &= ~(EXT_ECX_SVM | EXT_ECX_OSVW | EXT_ECX_MONITORX);
		r.edx &= ~(EXT_EDX_MTRR | EXT_EDX_PAT | EXT_EDX_RDTSCP); /* no TSC_AUX */
		break;
	case 0x80000008: /* AMD's speculation controls: their MSRs are not emulated (leaf 7) */
		r.ebx &= ~EXT8_EBX_SPEC_MSRS;
		break;
	case 0x8000000a: /* SVM features */
	case 0x8000001f: /* SME and SEV: memory encryption is not virtualized (SEV_STATUS reads #GP) */
		r = (struct cpuid_regs){ 0 };
		break;
	}
	return r;
}

void cpuid_guest_exit(struct vcpu *v, const struct exit_event *e)
{
	struct cpuid_regs r = cpuid_guest(v, (uint32_t)v->regs.rax, (uint32_t)v->regs.rcx);

	v->regs.rax = r.eax;
	v->regs.rbx = r.ebx;
	v->regs.rcx = r.ecx;
	v->regs.rdx = r.edx;
	backend->vcpu_skip_instruction(v, e);
}

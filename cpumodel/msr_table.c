/*
 * The MSR table: every MSR the hypervisor answers for a guest, sorted by
 * number, and the rules of those that need no more than a few lines (Intel
 * SDM vol. 4, chapter 2; AMD APM vol. 2, appendix A).
 */
#include "cpumodel/msr_table.h"
#include "core/backend.h"
#include "core/guest_apic.h"
#include "cpumodel/cpu_model.h"
#include "host/percpu.h"
#include "lib/x86.h"

#define BOTH  CPU_MODEL_BOTH
#define INTEL CPU_MODEL_INTEL
#define AMD   CPU_MODEL_AMD

/*
 * IA32_MISC_ENABLE, Intel's only (SDM vol. 4, table 2-2): fast strings on,
 * branch trace and PEBS unavailable. Kernels read it before they have an IDT
 * (Linux's verify_cpu). It stays as it is: the guest cannot change the
 * processor's features, so writing another value is #GP.
 */
#define MISC_ENABLE_FAST_STRINGS BIT(0)
#define MISC_ENABLE_NO_BTS       BIT(11)
#define MISC_ENABLE_NO_PEBS      BIT(12)
#define MISC_ENABLE_GUEST (MISC_ENABLE_FAST_STRINGS | MISC_ENABLE_NO_BTS | MISC_ENABLE_NO_PEBS)

/*
 * IA32_BIOS_SIGN_ID (Intel) and PATCH_LEVEL (AMD), MSR 0x8b: no microcode
 * update is loaded into a vCPU. Intel's reads give the revision in 63:32
 * after the guest writes 0 and runs CPUID (SDM vol. 3, 10.11.7.1); like
 * KVM's vCPUs, revision 1. AMD's patch level in 31:0 reads 0. Writes are
 * ignored on both, as KVM does.
 */
#define UCODE_REV_INTEL (1ULL << 32)

static bool read_zero(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	(void)v;
	(void)msr;
	*val = 0;
	return true;
}

static bool write_ignored(struct vcpu *v, uint32_t msr, uint64_t val)
{
	(void)v;
	(void)msr;
	(void)val;
	return true;
}

static bool ucode_rev_read(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	(void)v;
	(void)msr;
	*val = this_cpu()->features.vendor == VENDOR_INTEL ? UCODE_REV_INTEL : 0;
	return true;
}

/* Writes that leave the MSR as it reads (0) are taken; any other is #GP. */
static bool write_zero_only(struct vcpu *v, uint32_t msr, uint64_t val)
{
	(void)v;
	(void)msr;
	return val == 0;
}

/*
 * HWCR (AMD's hardware configuration, APM vol. 2, appendix A; family 17h
 * and later): TscFreqSel, read-only 1, says the TSC counts at the P0
 * frequency, which the invariant TSC the guest is offered implies. Linux
 * reads it unchecked on AMD. Nothing else in it is the guest's to change.
 */
#define HWCR_TSC_FREQ_SEL BIT(24)

static bool hwcr_read(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	(void)v;
	(void)msr;
	*val = HWCR_TSC_FREQ_SEL;
	return true;
}

static bool hwcr_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
	(void)v;
	(void)msr;
	return val == HWCR_TSC_FREQ_SEL;
}

static bool apic_base_read(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	(void)msr;
	*val = vlapic_get_base(&v->apic);
	return true;
}

static bool apic_base_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
	(void)msr;
	return guest_apic_set_base(v, val);
}

static bool misc_enable_read(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	(void)v;
	(void)msr;
	*val = MISC_ENABLE_GUEST;
	return true;
}

static bool misc_enable_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
	(void)v;
	(void)msr;
	return val == MISC_ENABLE_GUEST;
}

static bool x2apic_read(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	return vlapic_msr_read(&v->apic, msr, val);
}

static bool x2apic_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
	return vlapic_msr_write(&v->apic, msr, val);
}

static bool efer_read(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	struct vcpu_control_regs c;

	(void)msr;
	backend->vcpu_read_control(v, &c);
	*val = c.efer;
	return true;
}

/*
 * Only the bits of features the guest's CPUID offers, v->efer_valid (Intel
 * SDM vol. 3, 2.2.1; AMD APM vol. 2, 3.1.7); LME may change only while
 * paging is off; LMA is the CPU's, writes keep it.
 */
static bool efer_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
	struct vcpu_control_regs c;

	(void)msr;
	backend->vcpu_read_control(v, &c);
	if (val & ~v->efer_valid)
		return false;
	if ((c.cr0 & CR0_PG) && ((val ^ c.efer) & EFER_LME))
		return false;
	backend->vcpu_write_efer(v, (val & ~EFER_LMA) | (c.efer & EFER_LMA));
	return true;
}

static const struct msr_rule msr_rules[] = {
	{ 0x10, 0x10, "IA32_TSC", BOTH, 0, msr_tsc_read, msr_tsc_write },
	{ 0x1b, 0x1b, "IA32_APIC_BASE", BOTH, 0, apic_base_read, apic_base_write },
	{ 0x3b, 0x3b, "IA32_TSC_ADJUST", BOTH, MSR_NEEDS_TSC_ADJUST, msr_tsc_adjust_read,
	  msr_tsc_adjust_write },
	{ 0x48, 0x48, "IA32_SPEC_CTRL", BOTH, MSR_NEEDS_SPEC_CTRL, msr_spec_ctrl_read,
	  msr_spec_ctrl_write },
	{ 0x49, 0x49, "IA32_PRED_CMD", BOTH, MSR_NEEDS_IBPB, NULL, msr_pred_cmd_write },
	{ 0x8b, 0x8b, "IA32_BIOS_SIGN_ID / PATCH_LEVEL", BOTH, 0, ucode_rev_read, write_ignored },
	{ 0xfe, 0xfe, "IA32_MTRRCAP", BOTH, MSR_NEEDS_MTRR, msr_mtrrcap_read, NULL },
	{ 0x10a, 0x10a, "IA32_ARCH_CAPABILITIES", INTEL, MSR_NEEDS_ARCH_CAPS,
	  msr_arch_capabilities_read, NULL },
	{ 0x10b, 0x10b, "IA32_FLUSH_CMD", INTEL, MSR_NEEDS_FLUSH_CMD, NULL, msr_flush_cmd_write },
	{ 0x1a0, 0x1a0, "IA32_MISC_ENABLE", INTEL, 0, misc_enable_read, misc_enable_write },
	{ 0x200, 0x200 + 2 * VCPU_MTRR_VARIABLE - 1, "IA32_MTRR_PHYSBASE0-PHYSMASK7", BOTH,
	  MSR_NEEDS_MTRR, msr_mtrr_variable_read, msr_mtrr_variable_write },
	{ 0x250, 0x250, "IA32_MTRR_FIX64K_00000", BOTH, MSR_NEEDS_MTRR, msr_mtrr_fixed_read,
	  msr_mtrr_fixed_write },
	{ 0x258, 0x259, "IA32_MTRR_FIX16K_80000, _A0000", BOTH, MSR_NEEDS_MTRR,
	  msr_mtrr_fixed_read, msr_mtrr_fixed_write },
	{ 0x268, 0x26f, "IA32_MTRR_FIX4K_C0000-F8000", BOTH, MSR_NEEDS_MTRR, msr_mtrr_fixed_read,
	  msr_mtrr_fixed_write },
	{ 0x277, 0x277, "IA32_PAT", BOTH, MSR_NEEDS_PAT, msr_pat_read, msr_pat_write },
	{ 0x2ff, 0x2ff, "IA32_MTRR_DEF_TYPE", BOTH, MSR_NEEDS_MTRR, msr_mtrr_def_type_read,
	  msr_mtrr_def_type_write },
	{ 0x6e0, 0x6e0, "IA32_TSC_DEADLINE", BOTH, 0, msr_tsc_deadline_read,
	  msr_tsc_deadline_write },
	{ 0x800, 0x8ff, "x2APIC registers", BOTH, 0, x2apic_read, x2apic_write },
	/*
	 * IA32_XSS: no supervisor state component is offered (CPUID.(0DH,1):ECX
	 * and EDX read 0), so 0 is its only value; the host's, which XSAVES in
	 * the guest uses, is 0 too (core/sched.c).
	 */
	{ 0xda0, 0xda0, "IA32_XSS", BOTH, MSR_NEEDS_XSAVES, read_zero, write_zero_only },
	{ 0xc0000080, 0xc0000080, "EFER", BOTH, 0, efer_read, efer_write },
	{ 0xc0000103, 0xc0000103, "IA32_TSC_AUX", BOTH, MSR_NEEDS_TSC_AUX, msr_tsc_aux_read,
	  msr_tsc_aux_write },
	/*
	 * AMD's legacy performance counters, PerfEvtSel0-3 and PerfCtr0-3 (APM
	 * vol. 2, 13.2.1): every AMD64 CPU has them whatever CPUID says, and
	 * start-up code clears them. There is no PMU: they read 0 and ignore
	 * writes, as other hypervisors without a PMU answer them.
	 */
	{ 0xc0010000, 0xc0010007, "PerfEvtSel0-3, PerfCtr0-3", AMD, 0, read_zero, write_ignored },
	/*
	 * SYSCFG (APM vol. 2, 7.9.1): none of the DRAM MTRR extensions (TOM2,
	 * the fixed ranges' RdDram/WrDram) or memory encryption is on. Linux
	 * reads it whenever the MTRRs are offered on AMD; KVM answers 0 too.
	 */
	{ 0xc0010010, 0xc0010010, "SYSCFG", AMD, 0, read_zero, write_zero_only },
	{ 0xc0010015, 0xc0010015, "HWCR", AMD, 0, hwcr_read, hwcr_write },
	/*
	 * Two northbridge MSRs Linux reads unchecked on some AMD families, which
	 * KVM answers alike: NB_CFG (family 10h and later: it sets EnableCf8ExtCfg,
	 * for the PCI configuration space there is none of) reads 0 and ignores
	 * writes; INT_PENDING_MSG (the C1E erratum of families 0Fh and 10h) reads 0:
	 * no interrupt-pending message, no C1E.
	 */
	{ 0xc001001f, 0xc001001f, "NB_CFG", AMD, 0, read_zero, write_ignored },
	{ 0xc0010055, 0xc0010055, "INT_PENDING_MSG", AMD, 0, read_zero, write_zero_only },
};

const struct msr_rule *msr_rule_find(uint32_t msr, unsigned int vendor_bits)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(msr_rules); i++) {
		const struct msr_rule *r = &msr_rules[i];

		if (msr < r->first)
			return NULL;
		if (msr <= r->last && (r->vendors & vendor_bits))
			return r;
	}
	return NULL;
}

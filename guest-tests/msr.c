/*
 * The hypervisor's MSR policy, as a guest sees it.
 *
 * Checks marked HYPERVISOR test a rule of the hypervisor's rather than of the
 * architecture: under plain QEMU (TCG) they may fail, which is expected there.
 */
#include "guest-tests/lib/guest.h"

#define MSR_UNIMPLEMENTED     0x12345678
#define MSR_AMD_UNIMPLEMENTED 0xc0011234 /* in AMD's range, assigned to nothing */
#define APIC_DEFAULT_BASE     0xfee00000UL

/* HYPERVISOR: rdmsr/wrmsr of an MSR the hypervisor does not implement raise #GP. */
static void check_unimplemented(const char *rd_name, const char *wr_name, uint32_t msr)
{
	uint64_t val = 0;
	int v;

	v = rdmsr_safe(msr, &val);
	check(rd_name, v == X86_GP, "rdmsr 0x%x raised %s (read 0x%lx)",
	      msr, exception_name(v), val);
	v = wrmsr_safe(msr, 0);
	check(wr_name, v == X86_GP, "wrmsr 0x%x raised %s", msr, exception_name(v));
}

/* Intel SDM vol. 3, 10.8.5: in IA-32e mode EFER.LME and EFER.LMA are both set. */
static void check_efer_long_mode(void)
{
	uint64_t efer = rdmsr(MSR_EFER);

	check("efer-long-mode", (efer & (EFER_LME | EFER_LMA)) == (EFER_LME | EFER_LMA),
	      "EFER is 0x%lx", efer);
}

/* HYPERVISOR: SVM is hidden, so EFER.SVME is a reserved bit: setting it raises #GP. */
static void check_efer_svme(void)
{
	uint64_t efer = rdmsr(MSR_EFER);
	int v = wrmsr_safe(MSR_EFER, efer | EFER_SVME);

	if (v == NO_EXCEPTION)
		wrmsr(MSR_EFER, efer);
	check("efer-svme-reserved", v == X86_GP, "setting EFER.SVME raised %s",
	      exception_name(v));
}

/* Architectural, but QEMU's TCG does not implement this read: it returns 0 there. */
static void check_tsc(void)
{
	uint64_t t0 = rdmsr(MSR_IA32_TSC), t1 = rdmsr(MSR_IA32_TSC);

	check("tsc-msr", t1 > t0, "IA32_TSC read 0x%lx then 0x%lx", t0, t1);
}

/* The APIC comes out of reset enabled at 0xfee00000, BSP flag set on the boot CPU. */
static void check_apic_base(void)
{
	uint64_t base = rdmsr(MSR_IA32_APIC_BASE);

	check("apic-base", (base & APIC_BASE_ENABLE) && (base & APIC_BASE_BSP) &&
			   (base & APIC_BASE_ADDR_MASK) == APIC_DEFAULT_BASE,
	      "IA32_APIC_BASE is 0x%lx", base);
}

/* MSRs the guest owns: what it writes, it reads back (FS base, KERNEL_GS_BASE, LSTAR). */
static void check_guest_owned(void)
{
	static const uint32_t msrs[] = { 0xc0000100, 0xc0000102, 0xc0000082 };
	static const char *const names[] = { "fs-base-owned", "kernel-gs-base-owned",
					     "lstar-owned" };

	for (unsigned int i = 0; i < sizeof(msrs) / sizeof(msrs[0]); i++) {
		uint64_t val = 0xffff800012345000ULL + i * 0x1000, got = 0;
		int w = wrmsr_safe(msrs[i], val), r = rdmsr_safe(msrs[i], &got);
		check(names[i], w == NO_EXCEPTION && r == NO_EXCEPTION && got == val,
		      "wrote 0x%lx, read 0x%lx (vectors %d, %d)", val, got, w, r);
	}
}

void test_main(const char *cmdline)
{
	(void)cmdline;
	check_unimplemented("rdmsr-unimplemented", "wrmsr-unimplemented", MSR_UNIMPLEMENTED);
	check_unimplemented("rdmsr-unimplemented-amd", "wrmsr-unimplemented-amd",
			    MSR_AMD_UNIMPLEMENTED);
	/* Still here after the #GPs: the checks below show the guest survived them. */
	check_efer_long_mode();
	check_efer_svme();
	check_tsc();
	check_apic_base();
	check_guest_owned();
}

/*
 * The CPU model's conformance checks: what a real CPU answers at the edges
 * the hypervisor emulates (Intel SDM, AMD APM), one check per rule.
 *
 * - A fault the hypervisor injects pushes RFLAGS with RF set, as the CPU
 *   does for the faults it raises itself (SDM vol. 3, 17.3.1.1).
 * - An address that is neither RAM nor a device reads all ones and drops
 *   writes, at every access size (the hypervisor's default, unbacked=all-ones).
 * - The xAPIC page is not decoded while the APIC is in x2APIC mode or
 *   globally disabled (SDM vol. 3, 11.4.3, 11.12.2), and CPUID.1:EDX.APIC
 *   follows IA32_APIC_BASE.EN (11.4.3).
 * - No PMU: CPUID leaf 0xA is zero and PDCM is clear; AMD's legacy counters
 *   (APM vol. 2, 13.2.1) read 0 and ignore writes, Intel has none of them.
 */
#include "guest-tests/lib/guest.h"

#define UNBACKED_ADDR     0xe0000000UL /* below the I/O APIC, far above the guest's RAM */
#define XAPIC_DEFAULT     0xfee00000UL
#define APIC_REG_VERSION  0x30
#define APIC_REG_TPR      0x80
#define CPUID1_EDX_APIC   (1U << 9)
#define CPUID1_ECX_PDCM   (1U << 15)
#define RFLAGS_RF         (1UL << 16)
#define MSR_UNIMPLEMENTED 0x12345678
#define MSR_AMD_PERF_CTL0 0xc0010000
#define MSR_AMD_PERF_CTR3 0xc0010007
#define VENDOR_AMD_EBX    0x68747541 /* "Auth" */

static void read_unimplemented_msr(void *arg)
{
	(void)arg;
	(void)rdmsr(MSR_UNIMPLEMENTED);
}

static void check_fault_pushes_rf(void)
{
	struct exception x = guest_try(read_unimplemented_msr, NULL);

	check("injected-gp-pushes-rf", x.vector == X86_GP && (x.rflags & RFLAGS_RF),
	      "rdmsr 0x%x raised %s with RFLAGS 0x%lx pushed", MSR_UNIMPLEMENTED,
	      exception_name(x.vector), x.rflags);
}

/* Each size read with a MOV of that width, then written and read again. */
static void check_unbacked(void)
{
	volatile uint8_t *b = (volatile uint8_t *)UNBACKED_ADDR;
	volatile uint16_t *w = (volatile uint16_t *)(UNBACKED_ADDR + 0x10);
	volatile uint32_t *d = (volatile uint32_t *)(UNBACKED_ADDR + 0x20);
	volatile uint64_t *q = (volatile uint64_t *)(UNBACKED_ADDR + 0x30);
	uint8_t b0 = *b;
	uint16_t w0 = *w;
	uint32_t d0 = *d;
	uint64_t q0 = *q;

	check("unbacked-reads-all-ones", b0 == 0xff && w0 == 0xffff && d0 == 0xffffffffu &&
					 q0 == ~0UL,
	      "read 0x%x 0x%x 0x%x 0x%lx at 0x%lx", b0, w0, d0, q0, UNBACKED_ADDR);
	*b = 0;
	*w = 0;
	*d = 0;
	*q = 0;
	check("unbacked-writes-are-lost", *b == 0xff && *d == 0xffffffffu && *q == ~0UL,
	      "after writing 0: 0x%x 0x%x 0x%lx", *b, *d, *q);
}

static bool cpuid_says_apic(void)
{
	return cpuid(1, 0).edx & CPUID1_EDX_APIC;
}

static uint32_t mmio_read(uint32_t reg)
{
	return *(volatile uint32_t *)(XAPIC_DEFAULT + reg);
}

/* x2APIC, then disabled, then xAPIC again: the only legal way back (SDM 11.12.5). */
static void check_xapic_page_edges(void)
{
	uint32_t x2, off, on;

	apic_mode_x2apic();
	x2 = mmio_read(APIC_REG_VERSION);
	*(volatile uint32_t *)(XAPIC_DEFAULT + APIC_REG_TPR) = 0x20;
	check("xapic-page-in-x2apic-mode", x2 == 0xffffffffu && x2apic_read(APIC_REG_TPR) == 0,
	      "MMIO version read 0x%x, TPR 0x%lx after an MMIO write", x2,
	      x2apic_read(APIC_REG_TPR));
	apic_base_write(apic_base() & ~(APIC_BASE_ENABLE | APIC_BASE_X2APIC));
	off = mmio_read(APIC_REG_VERSION);
	check("xapic-page-apic-disabled", off == 0xffffffffu, "MMIO version read 0x%x", off);
	check("cpuid-apic-follows-enable-off", !cpuid_says_apic(), "CPUID.1:EDX.APIC set");
	apic_base_write(apic_base() | APIC_BASE_ENABLE);
	apic_enable();
	on = mmio_read(APIC_REG_VERSION);
	check("cpuid-apic-follows-enable-on", cpuid_says_apic(), "CPUID.1:EDX.APIC clear");
	check("xapic-page-decoded-again", on != 0xffffffffu && (on & 0xff) >= 0x10,
	      "MMIO version read 0x%x", on);
}

static void check_no_pmu(void)
{
	struct cpuid_regs a = cpuid(0, 0).eax >= 0xa ? cpuid(0xa, 0) : (struct cpuid_regs){ 0 };

	check("no-pmu-leaf-0xa", !a.eax && !a.ebx && !a.ecx && !a.edx,
	      "leaf 0xA is %x %x %x %x", a.eax, a.ebx, a.ecx, a.edx);
	check("no-pdcm", !(cpuid(1, 0).ecx & CPUID1_ECX_PDCM), "CPUID.1:ECX.PDCM set");
}

/* AMD: PerfEvtSel0-3 and PerfCtr0-3 take any write and read 0. Intel: they do not exist. */
static void check_amd_legacy_counters(void)
{
	bool amd = cpuid(0, 0).ebx == VENDOR_AMD_EBX;
	unsigned int bad = 0;

	for (uint32_t msr = MSR_AMD_PERF_CTL0; msr <= MSR_AMD_PERF_CTR3; msr++) {
		uint64_t val = 1;
		int w = wrmsr_safe(msr, 0x430076), r = rdmsr_safe(msr, &val);

		if (amd ? (w != NO_EXCEPTION || r != NO_EXCEPTION || val) : (w != X86_GP || r != X86_GP))
			bad++;
	}
	check(amd ? "amd-legacy-counters-read-0" : "no-amd-counters-on-intel", !bad,
	      "%u of 8 MSRs from 0x%x answered otherwise", bad, MSR_AMD_PERF_CTL0);
}

void test_main(const char *cmdline)
{
	(void)cmdline;
	check_fault_pushes_rf();
	check_unbacked();
	check_no_pmu();
	check_amd_legacy_counters();
	check_xapic_page_edges();
}

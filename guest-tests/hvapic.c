/*
 * The Hyper-V synthetic APIC MSRs and the VP assist page (TLFS, "Synthetic
 * APIC MSRs" and "Virtual Processor Assist Page"), offered with the
 * AccessApicMsrs privilege (CPUID 0x40000003.EAX bit 4), in xAPIC and in
 * x2APIC mode:
 * - HV_X64_MSR_EOI retires the highest in-service vector; it is write-only;
 * - HV_X64_MSR_ICR sends as the ICR does and reads back as it holds it (in
 *   xAPIC mode ICR_HIGH in bits 63:32);
 * - HV_X64_MSR_TPR is the TPR (bits 7:0; a higher bit is #GP);
 * - HV_X64_MSR_VP_ASSIST_PAGE reads 0 at start, takes a page of RAM with
 *   its reserved bits kept, refuses one outside RAM with #GP.
 */
#include "guest-tests/lib/guest.h"
#include "guest-tests/lib/hyperv.h"
#include "lib/fmt.h"

#define HV_CPUID_FEATURES     0x40000003
#define HV_PRIV_APIC_MSRS     (1U << 4)
#define HV_MSR_EOI            0x40000070
#define HV_MSR_ICR            0x40000071
#define HV_MSR_TPR            0x40000072
#define HV_MSR_VP_ASSIST_PAGE 0x40000073
#define VECTOR                0x61
#define RESERVED_KEPT         0x800ULL /* bit 11: RsvdP */
#define WAIT_US               100000

static uint8_t assist_page[4096] __attribute__((aligned(4096)));
static volatile unsigned int taken;

/* The handler leaves the vector in service, for HV_X64_MSR_EOI to retire. */
static void no_eoi(uint8_t vector)
{
	(void)vector;
	taken++;
}

static void name_of(char *buf, size_t size, const char *mode, const char *what)
{
	fmt_snprintf(buf, size, "%s-%s", mode, what);
}

/* A self-IPI through HV_X64_MSR_ICR arrives; its ICR reads back; HV_X64_MSR_EOI retires it. */
static void check_icr_and_eoi(const char *mode)
{
	uint64_t icr = APIC_DEST_SELF | APIC_DM_FIXED | VECTOR, back = 0;
	unsigned int before = taken;
	uint64_t end = tsc_after_us(WAIT_US);
	char name[48];
	int v;

	v = wrmsr_safe(HV_MSR_ICR, icr);
	sti();
	while (taken == before && rdtsc() < end)
		asm volatile("pause");
	cli();
	rdmsr_safe(HV_MSR_ICR, &back);
	name_of(name, sizeof(name), mode, "icr-self-ipi");
	check(name, v == NO_EXCEPTION && taken == before + 1 && (uint32_t)back == icr,
	      "WRMSR raised %s, %u interrupts, ICR reads 0x%lx", exception_name(v),
	      taken - before, back);
	name_of(name, sizeof(name), mode, "eoi-retires-in-service");
	v = wrmsr_safe(HV_MSR_EOI, 0);
	check(name, v == NO_EXCEPTION && !apic_isr_in_service(VECTOR),
	      "WRMSR raised %s, ISR still has the vector: %d", exception_name(v),
	      apic_isr_in_service(VECTOR));
}

/* HV_X64_MSR_TPR is the APIC's TPR; bits above 7 are #GP. */
static void check_tpr(const char *mode)
{
	uint64_t back = 0;
	int w = wrmsr_safe(HV_MSR_TPR, 0x20), r = rdmsr_safe(HV_MSR_TPR, &back);
	uint32_t apic_tpr = apic_read(APIC_TPR);
	int bad = wrmsr_safe(HV_MSR_TPR, 0x100);
	char name[48];

	wrmsr_safe(HV_MSR_TPR, 0);
	name_of(name, sizeof(name), mode, "tpr");
	check(name, w == NO_EXCEPTION && r == NO_EXCEPTION && back == 0x20 && apic_tpr == 0x20 &&
		    bad == X86_GP,
	      "wrote 0x20 (%s): reads 0x%lx, the APIC's TPR 0x%x; 0x100 raised %s",
	      exception_name(w), back, apic_tpr, exception_name(bad));
}

static void check_apic_msrs(const char *mode)
{
	check_icr_and_eoi(mode);
	check_tpr(mode);
}

static void check_vp_assist(void)
{
	uint64_t page = (uint64_t)(uintptr_t)assist_page, beyond = (boot_memory_size() + 0xfff) & ~0xfffULL;
	uint64_t reset = 1, back = 0;
	int outside, taken_write;

	rdmsr_safe(HV_MSR_VP_ASSIST_PAGE, &reset);
	check("vp-assist-reset-0", reset == 0, "reads 0x%lx", reset);
	outside = wrmsr_safe(HV_MSR_VP_ASSIST_PAGE, beyond | HV_PAGE_ENABLE);
	check("vp-assist-outside-ram-gp", outside == X86_GP && rdmsr(HV_MSR_VP_ASSIST_PAGE) == 0,
	      "enabling at 0x%lx raised %s", beyond, exception_name(outside));
	taken_write = wrmsr_safe(HV_MSR_VP_ASSIST_PAGE, page | RESERVED_KEPT | HV_PAGE_ENABLE);
	rdmsr_safe(HV_MSR_VP_ASSIST_PAGE, &back);
	check("vp-assist-enabled", taken_write == NO_EXCEPTION &&
		  back == (page | RESERVED_KEPT | HV_PAGE_ENABLE),
	      "WRMSR raised %s, reads 0x%lx", exception_name(taken_write), back);
	wrmsr(HV_MSR_VP_ASSIST_PAGE, 0);
}

void test_main(const char *cmdline)
{
	(void)cmdline;
	if (!(cpuid(HV_CPUID_FEATURES, 0).eax & HV_PRIV_APIC_MSRS)) {
		check("apic-msrs-offered", false, "CPUID 0x40000003.EAX bit 4 is clear");
		return;
	}
	irq_set_handler(VECTOR, no_eoi);
	apic_enable();
	check_vp_assist();
	check("eoi-write-only", rdmsr_safe(HV_MSR_EOI, &(uint64_t){ 0 }) == X86_GP,
	      "RDMSR of HV_X64_MSR_EOI did not #GP");
	apic_mode_xapic();
	check_apic_msrs("xapic");
	apic_mode_x2apic();
	check_apic_msrs("x2apic");
}

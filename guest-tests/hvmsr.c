/*
 * The Hyper-V MSRs beside the SynIC's and the timers'. The guest crash MSRs
 * (TLFS, "Guest Crash Enlightenment", CPUID 0x40000003.EDX bit 10): P0-P4
 * read back as written, CRASH_CTL reads CrashNotify and CrashMessage and
 * refuses other bits with #GP (its notify, which ends the guest, is the
 * Linux test's). The synthetic APIC MSRs and the VP assist page (TLFS,
 * "Synthetic APIC MSRs" and "Virtual Processor Assist Page"), offered with
 * the AccessApicMsrs privilege (CPUID 0x40000003.EAX bit 4), in xAPIC and in
 * x2APIC mode:
 * - HV_X64_MSR_EOI retires the highest in-service vector; it is write-only;
 * - HV_X64_MSR_ICR sends as the ICR does and reads back as it holds it (in
 *   xAPIC mode ICR_HIGH in bits 63:32);
 * - HV_X64_MSR_TPR is the TPR (bits 7:0; a higher bit is #GP);
 * - HV_X64_MSR_VP_ASSIST_PAGE reads 0 at start, takes a page of RAM with
 *   its reserved bits kept, refuses one outside RAM with #GP;
 * - the page's APIC assist, recommended (0x40000004.EAX bit 3) with the
 *   software APIC and not with APICv ("apicv" on the guest's line): the
 *   hypervisor sets "no EOI required" while one vector is in service with
 *   nothing else requested (again after an exit in its handler), never for a
 *   nested or a lower-priority-pending one or without the page, and retires
 *   the vector whose EOI the guest skipped, with no EOI exit
 *   (exit-counters=on), or the one whose EOI it wrote anyway, once.
 * With "withheld" it checks the per-guest switches instead (check_withheld()).
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
#define HV_MSR_CRASH_P0       0x40000100
#define HV_MSR_CRASH_CTL      0x40000105
#define HV_CRASH_CAPS         0xc000000000000000ULL /* CrashNotify, CrashMessage */
#define HV_EDX_CRASH_MSRS     (1U << 10)
#define VECTOR                0x61
#define RESERVED_KEPT         0x800ULL /* bit 11: RsvdP */
#define WAIT_US               100000
#define LOW_VECTOR            0x51
#define HV_CPUID_RECOMMENDATIONS 0x40000004
#define HV_HINT_APIC_ACCESS   (1U << 3)
#define APIC_ASSIST_NO_EOI    1U
#define MSR_EOI_EXITS         0x4d480013 /* exit-counters=on: EXIT_APIC_EOI (19) of core/exit.h */

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

/* ---- APIC assist ---- */

static volatile uint32_t *const assist_word = (volatile uint32_t *)assist_page;
static volatile uint32_t seen_at_entry[256], seen_after_exit[256];
static volatile bool exit_in_handler, nest_in_handler, eoi_anyway;

static bool wait_taken(unsigned int want)
{
	uint64_t end = tsc_after_us(WAIT_US);

	sti();
	while (taken < want && rdtsc() < end)
		asm volatile("pause");
	cli();
	return taken >= want;
}

/* Linux's hv_apic_eoi_write(): clear the word; the EOI only if "no EOI required" was clear. */
static void lazy_eoi(void)
{
	if (!(__atomic_exchange_n(assist_word, 0, __ATOMIC_SEQ_CST) & APIC_ASSIST_NO_EOI))
		wrmsr(HV_MSR_EOI, 0);
}

/* Optionally an exit (CPUID) or a nested self-IPI of VECTOR before the lazy EOI. */
static void assisted(uint8_t vector)
{
	unsigned int nested = taken + 1;

	seen_at_entry[vector] = *assist_word;
	if (exit_in_handler)
		cpuid(0, 0);
	if (nest_in_handler && vector == LOW_VECTOR) {
		apic_self_ipi(VECTOR);
		wait_taken(nested);
	}
	seen_after_exit[vector] = *assist_word;
	if (eoi_anyway)
		wrmsr(HV_MSR_EOI, 0);
	else
		lazy_eoi();
	taken++;
}

static uint64_t eoi_exits(void)
{
	uint64_t n = 0;

	rdmsr_safe(MSR_EOI_EXITS, &n);
	return n;
}

static bool none_in_service(void)
{
	return !apic_isr_in_service(VECTOR) && !apic_isr_in_service(LOW_VECTOR) &&
	       apic_read(APIC_PPR) == 0;
}

/* The one vector in service, nothing else: offered, and retired without an EOI exit. */
static void check_assist_lone(const char *mode, bool offered)
{
	uint64_t exits = eoi_exits();
	unsigned int before = taken;
	char name[48];
	bool arrived;

	apic_self_ipi(VECTOR);
	arrived = wait_taken(before + 1);
	exits = eoi_exits() - exits;
	name_of(name, sizeof(name), mode, "assist-lone-vector");
	check(name, arrived && seen_at_entry[VECTOR] == (offered ? APIC_ASSIST_NO_EOI : 0) &&
		    none_in_service() && *assist_word == 0 && exits == (offered ? 0 : 1),
	      "arrived %d, the word read %u in the handler, %u after; in service %d, %lu EOI exits",
	      arrived, seen_at_entry[VECTOR], *assist_word, !none_in_service(), exits);
}

/* VECTOR first, LOW_VECTOR still requested: only the second is offered. */
static void check_assist_pending(const char *mode, bool offered)
{
	unsigned int before = taken;
	char name[48];
	bool arrived;

	apic_self_ipi(LOW_VECTOR);
	apic_self_ipi(VECTOR);
	arrived = wait_taken(before + 2);
	name_of(name, sizeof(name), mode, "assist-not-with-pending");
	check(name, arrived && seen_at_entry[VECTOR] == 0 &&
		    seen_at_entry[LOW_VECTOR] == (offered ? APIC_ASSIST_NO_EOI : 0) && none_in_service(),
	      "arrived %d, the word read %u for 0x%x (0x%x pending), %u for 0x%x; in service %d",
	      arrived, seen_at_entry[VECTOR], VECTOR, LOW_VECTOR, seen_at_entry[LOW_VECTOR],
	      LOW_VECTOR, !none_in_service());
}

/* VECTOR nested in LOW_VECTOR's handler: not offered; LOW_VECTOR's offer made again after it. */
static void check_assist_nested(const char *mode, bool offered)
{
	unsigned int before = taken;
	char name[48];
	bool arrived;

	nest_in_handler = true;
	apic_self_ipi(LOW_VECTOR);
	arrived = wait_taken(before + 2);
	nest_in_handler = false;
	name_of(name, sizeof(name), mode, "assist-not-nested");
	check(name, arrived && seen_at_entry[LOW_VECTOR] == (offered ? APIC_ASSIST_NO_EOI : 0) &&
		    seen_at_entry[VECTOR] == 0 &&
		    seen_after_exit[LOW_VECTOR] == (offered ? APIC_ASSIST_NO_EOI : 0) &&
		    none_in_service(),
	      "arrived %d, the word read %u in 0x%x's handler, %u in the nested 0x%x's, "
	      "%u after it; in service %d", arrived, seen_at_entry[LOW_VECTOR], LOW_VECTOR,
	      seen_at_entry[VECTOR], VECTOR, seen_after_exit[LOW_VECTOR], !none_in_service());
}

/* An exit in the handler before its EOI: offered again, still no EOI exit. */
static void check_assist_after_exit(const char *mode, bool offered)
{
	unsigned int before = taken;
	uint64_t exits = eoi_exits();
	char name[48];
	bool arrived;

	exit_in_handler = true;
	apic_self_ipi(LOW_VECTOR);
	arrived = wait_taken(before + 1);
	exit_in_handler = false;
	exits = eoi_exits() - exits;
	name_of(name, sizeof(name), mode, "assist-again-after-exit");
	check(name, arrived && seen_at_entry[LOW_VECTOR] == (offered ? APIC_ASSIST_NO_EOI : 0) &&
		    seen_after_exit[LOW_VECTOR] == (offered ? APIC_ASSIST_NO_EOI : 0) &&
		    none_in_service() && exits == (offered ? 0 : 1),
	      "arrived %d, the word read %u, %u after an exit; in service %d, %lu EOI exits",
	      arrived, seen_at_entry[LOW_VECTOR], seen_after_exit[LOW_VECTOR], !none_in_service(),
	      exits);
}

/* A guest that writes its EOI with the bit set: the offer withdrawn, the vector retired once. */
static void check_assist_eoi_anyway(const char *mode, bool offered)
{
	unsigned int before = taken;
	char name[48];
	bool arrived;

	eoi_anyway = true;
	nest_in_handler = true;
	apic_self_ipi(LOW_VECTOR);
	arrived = wait_taken(before + 2);
	nest_in_handler = false;
	eoi_anyway = false;
	name_of(name, sizeof(name), mode, "assist-eoi-written-anyway");
	check(name, arrived && seen_after_exit[LOW_VECTOR] == (offered ? APIC_ASSIST_NO_EOI : 0) &&
		    *assist_word == 0 && none_in_service(),
	      "arrived %d, the word read %u before the EOI, %u after; in service %d", arrived,
	      seen_after_exit[LOW_VECTOR], *assist_word, !none_in_service());
}

/* Without the page nothing is written there. */
static void check_assist_needs_page(const char *mode)
{
	unsigned int before = taken;
	char name[48];
	bool arrived;

	wrmsr(HV_MSR_VP_ASSIST_PAGE, 0);
	apic_self_ipi(VECTOR);
	arrived = wait_taken(before + 1);
	name_of(name, sizeof(name), mode, "assist-needs-the-page");
	check(name, arrived && seen_at_entry[VECTOR] == 0 && none_in_service(),
	      "arrived %d, the word read %u; in service %d", arrived, seen_at_entry[VECTOR],
	      !none_in_service());
}

static void check_apic_assist(const char *mode, bool apicv)
{
	bool hint = cpuid(HV_CPUID_RECOMMENDATIONS, 0).eax & HV_HINT_APIC_ACCESS;
	char name[48];

	name_of(name, sizeof(name), mode, "apic-access-recommended");
	check(name, hint == !apicv, "0x40000004.EAX bit 3 is %d with %s", hint,
	      apicv ? "APICv" : "the software APIC");
	irq_set_handler(VECTOR, assisted);
	irq_set_handler(LOW_VECTOR, assisted);
	*assist_word = 0;
	wrmsr(HV_MSR_VP_ASSIST_PAGE, (uint64_t)(uintptr_t)assist_page | HV_PAGE_ENABLE);
	check_assist_lone(mode, !apicv);
	check_assist_pending(mode, !apicv);
	check_assist_nested(mode, !apicv);
	check_assist_after_exit(mode, !apicv);
	check_assist_eoi_anyway(mode, !apicv);
	check_assist_needs_page(mode);
	irq_set_handler(VECTOR, no_eoi);
	irq_set_handler(LOW_VECTOR, NULL);
}

static void check_crash_msrs(void)
{
	uint64_t ctl = 0, back[5] = { 0 };
	int bad;

	if (!(cpuid(HV_CPUID_FEATURES, 0).edx & HV_EDX_CRASH_MSRS)) {
		check("crash-msrs-offered", false, "CPUID 0x40000003.EDX bit 10 is clear");
		return;
	}
	for (unsigned int i = 0; i < 5; i++) {
		wrmsr(HV_MSR_CRASH_P0 + i, 0x1000 * i + 0x7e57);
		back[i] = rdmsr(HV_MSR_CRASH_P0 + i);
	}
	check("crash-params-read-back", back[0] == 0x7e57 && back[4] == 0x4000 + 0x7e57,
	      "P0 0x%lx, P4 0x%lx", back[0], back[4]);
	rdmsr_safe(HV_MSR_CRASH_CTL, &ctl);
	bad = wrmsr_safe(HV_MSR_CRASH_CTL, 1);
	check("crash-ctl-capabilities", ctl == HV_CRASH_CAPS && bad == X86_GP,
	      "reads 0x%lx; writing bit 0 raised %s", ctl, exception_name(bad));
}

/*
 * With hv-apic=off, hv-crash=off, hv-ipi=off and hv-tlbflush=off on its module
 * line ("withheld" on the guest's): CPUID offers none of them, their MSRs #GP,
 * the IPI call is ACCESS_DENIED.
 */
#define HV_HINTS_IPI             (3U << 10 | 1U << 2) /* cluster IPI, ExProcessorMasks, remote flush */
#define HV_CALL_SEND_IPI         0x000b
#define HV_STATUS_ACCESS_DENIED  6

static uint8_t hypercall_page[4096] __attribute__((aligned(4096)));

static void check_withheld(void)
{
	struct cpuid_regs f = cpuid(HV_CPUID_FEATURES, 0);
	uint32_t hints = cpuid(HV_CPUID_RECOMMENDATIONS, 0).eax;
	uint64_t status;
	int apic = rdmsr_safe(HV_MSR_VP_ASSIST_PAGE, &(uint64_t){ 0 });
	int crash = rdmsr_safe(HV_MSR_CRASH_CTL, &(uint64_t){ 0 });

	check("withheld-apic-msrs", !(f.eax & HV_PRIV_APIC_MSRS) && apic == X86_GP,
	      "EAX 0x%x, VP_ASSIST_PAGE raised %s", f.eax, exception_name(apic));
	check("withheld-crash-msrs", !(f.edx & HV_EDX_CRASH_MSRS) && crash == X86_GP,
	      "EDX 0x%x, CRASH_CTL raised %s", f.edx, exception_name(crash));
	hv_enable_hypercalls(hypercall_page);
	status = hv_hypercall(HV_CALL_SEND_IPI | HV_CALL_FAST, 0x40, 1);
	check("withheld-ipi-and-flush-hypercalls",
	      !(hints & HV_HINTS_IPI) && status == HV_STATUS_ACCESS_DENIED,
	      "hints 0x%x, the call's status 0x%lx", hints, status);
}

void test_main(const char *cmdline)
{
	if (cmdline_has(cmdline, "withheld")) {
		check_withheld();
		return;
	}
	if (!(cpuid(HV_CPUID_FEATURES, 0).eax & HV_PRIV_APIC_MSRS)) {
		check("apic-msrs-offered", false, "CPUID 0x40000003.EAX bit 4 is clear");
		return;
	}
	check_crash_msrs();
	irq_set_handler(VECTOR, no_eoi);
	apic_enable();
	check_vp_assist();
	check("eoi-write-only", rdmsr_safe(HV_MSR_EOI, &(uint64_t){ 0 }) == X86_GP,
	      "RDMSR of HV_X64_MSR_EOI did not #GP");
	apic_mode_xapic();
	check_apic_msrs("xapic");
	check_apic_assist("xapic", cmdline_has(cmdline, "apicv"));
	apic_mode_x2apic();
	check_apic_msrs("x2apic");
	check_apic_assist("x2apic", cmdline_has(cmdline, "apicv"));
}

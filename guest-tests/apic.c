/*
 * The local APIC of the boot CPU as Intel SDM vol. 3, chapter 11 describes it:
 * the state after reset, read-only registers, software enable, interrupt
 * delivery, priority and EOI, and the timer. The suite runs in xAPIC mode,
 * then again in x2APIC mode where CPUID.1:ECX[21] offers it, with the checks
 * that only x2APIC mode has.
 */
#include "lib/fmt.h"
#include "guest-tests/lib/guest.h"

#define VEC_TIMER    0x30
#define VEC_LOW      0x41 /* priority class 4 */
#define VEC_TPR      0x45 /* class 4 too */
#define VEC_NEST_LO  0x51
#define VEC_NEST_HI  0x61
#define VEC_MID      0x92 /* class 9 */
#define VEC_HIGH     0xe3 /* class 14 */
#define VEC_SELF     0x80

#define NMI_HOLD_US  2000 /* the first NMI handler's wait for one that must not come in */
#define NMI_SENT     2    /* NMIs that handler sends itself */

#define MAX_LOG      8
#define IRQ_WAIT_US  50000
#define TIMER_MS     100 /* long enough for an emulator's interrupt latency to be small beside it */
#define TOLERANCE    10 /* percent */
#define LATE_TOLERANCE 50 /* percent */

/* Divide Configuration Register values (Intel SDM vol. 3, 11.5.4, figure 11-10) */
#define DCR_DIV2     0x0
#define DCR_DIV16    0x3
#define DCR_DIV1     0xb

#define MSR_X2APIC_ID     0x802
#define MSR_X2APIC_DFR    0x80e
#define MSR_X2APIC_ICR_HI 0x831

/* The interrupts taken, in order, with the TSC at each */
static volatile unsigned int nr_irqs;
static uint8_t irq_vector[MAX_LOG];
static uint64_t irq_tsc[MAX_LOG];

static const char *mode_name;
static uint64_t timer_ticks_per_ms; /* the APIC timer at divide-by-1 */

/* "xapic-NAME" or "x2apic-NAME" */
static const char *test_name(const char *name)
{
	static char buf[64];

	fmt_snprintf(buf, sizeof(buf), "%s-%s", mode_name, name);
	return buf;
}

static void log_irq(uint8_t vector)
{
	unsigned int n = nr_irqs;

	if (n < MAX_LOG) {
		irq_vector[n] = vector;
		irq_tsc[n] = rdtsc();
	}
	nr_irqs = n + 1;
}

static void log_and_eoi(uint8_t vector)
{
	log_irq(vector);
	apic_eoi();
}

static void reset_log(void)
{
	nr_irqs = 0;
}

/* Takes interrupts until n have come or us microseconds have passed. */
static bool wait_irqs(unsigned int n, uint64_t us)
{
	uint64_t end = tsc_after_us(us);

	sti();
	while (nr_irqs < n && rdtsc() < end)
		asm volatile("pause");
	cli();
	return nr_irqs >= n;
}

/* Lets whatever is deliverable arrive, for us microseconds. */
static void take_irqs_for(uint64_t us)
{
	sti();
	udelay(us);
	cli();
}

static uint64_t tsc_to_us(uint64_t ticks)
{
	return ticks * 1000 / tsc_khz();
}

/*
 * A timer may be late, never early (SDM vol. 3, 11.5.4): early by TOLERANCE
 * percent for the measurement, late by LATE_TOLERANCE for an emulator on a
 * loaded machine, which still catches a timer counting at a wrong rate.
 */
static bool within_tolerance(uint64_t measured, uint64_t expected)
{
	if (measured < expected)
		return (expected - measured) * 100 <= expected * TOLERANCE;
	return (measured - expected) * 100 <= expected * LATE_TOLERANCE;
}

/*
 * With "bios" on the command line the loader ran a PC BIOS, which leaves the
 * APIC in virtual wire mode (MP spec 1.4, 3.6.2.2): software-enabled, LINT0
 * ExtINT and LINT1 NMI. Those three registers may then hold that instead of
 * their reset values (SeaBIOS: SVR 0x1ff, LINT0 0x8700, LINT1 0x8400).
 */
#define APIC_LVT_DM_MASK   (7U << 8)
#define APIC_LVT_DM_NMI    (4U << 8)
#define APIC_LVT_DM_EXTINT (7U << 8)

static bool bios_virtual_wire;

static bool is_virtual_wire(uint32_t reg, uint32_t val)
{
	if (!bios_virtual_wire)
		return false;
	switch (reg) {
	case APIC_SVR:
		return val == (APIC_SVR_ENABLE | 0xff);
	case APIC_LVT_LINT0:
		return !(val & APIC_LVT_MASKED) && (val & APIC_LVT_DM_MASK) == APIC_LVT_DM_EXTINT;
	case APIC_LVT_LINT1:
		return !(val & APIC_LVT_MASKED) && (val & APIC_LVT_DM_MASK) == APIC_LVT_DM_NMI;
	default:
		return false;
	}
}

/*
 * Intel SDM vol. 3, 11.4.7.1: after reset the LVTs are masked (0x00010000),
 * the SVR is 0xff, the TPR 0; 11.4.6: the ID is the initial APIC ID that
 * CPUID.1:EBX[31:24] reports; 11.4.8: max LVT entry >= 5 (6 LVTs).
 */
static void check_reset_state(void)
{
	static const struct {
		uint32_t reg;
		const char *check;
	} lvts[] = {
		{ APIC_LVT_TIMER, "reset-lvt-timer-masked" },
		{ APIC_LVT_THERMAL, "reset-lvt-thermal-masked" },
		{ APIC_LVT_PERF, "reset-lvt-perf-masked" },
		{ APIC_LVT_LINT0, "reset-lvt-lint0-masked" },
		{ APIC_LVT_LINT1, "reset-lvt-lint1-masked" },
		{ APIC_LVT_ERROR, "reset-lvt-error-masked" },
	};
	uint32_t version = apic_read(APIC_VERSION), svr = apic_read(APIC_SVR);
	uint32_t initial_id = cpuid(1, 0).ebx >> 24;

	check("reset-version", ((version >> 16) & 0xff) >= 5,
	      "version register 0x%x: max LVT entry below 5", version);
	for (unsigned int i = 0; i < sizeof(lvts) / sizeof(lvts[0]); i++) {
		uint32_t lvt = apic_read(lvts[i].reg);

		check(lvts[i].check, lvt == APIC_LVT_MASKED || is_virtual_wire(lvts[i].reg, lvt),
		      "LVT at 0x%x is 0x%x, not 0x%x", lvts[i].reg, lvt, APIC_LVT_MASKED);
	}
	check("reset-svr", svr == 0xff || is_virtual_wire(APIC_SVR, svr), "SVR is 0x%x", svr);
	check("reset-tpr", apic_read(APIC_TPR) == 0, "TPR is 0x%x", apic_read(APIC_TPR));
	check("reset-id", apic_id() == initial_id, "APIC ID %u, CPUID.1 says %u",
	      apic_id(), initial_id);
}

/* Intel SDM vol. 3, 11.4.1, table 11-1: version, PPR and ISR are read-only. */
static void check_xapic_read_only(void)
{
	uint32_t version = apic_read(APIC_VERSION), ppr = apic_read(APIC_PPR);
	uint32_t isr = apic_read(APIC_ISR + 0x10);

	apic_write(APIC_VERSION, ~version);
	apic_write(APIC_PPR, 0xf0);
	apic_write(APIC_ISR + 0x10, 0xffffffff);
	check("xapic-read-only", apic_read(APIC_VERSION) == version &&
				 apic_read(APIC_PPR) == ppr && apic_read(APIC_ISR + 0x10) == isr,
	      "version 0x%x -> 0x%x, PPR 0x%x -> 0x%x, ISR[63:32] 0x%x -> 0x%x",
	      version, apic_read(APIC_VERSION), ppr, apic_read(APIC_PPR),
	      isr, apic_read(APIC_ISR + 0x10));
}

/*
 * Intel SDM vol. 3, 11.4.7.2: while the SVR's enable bit is clear, the LVT mask
 * bits are set and cannot be cleared; 11.9: SVR[8] and the vector read back.
 */
static void check_software_enable(void)
{
	uint32_t lvt;

	apic_write(APIC_SVR, APIC_SPURIOUS_VECTOR);
	apic_write(APIC_LVT_TIMER, VEC_TIMER);
	lvt = apic_read(APIC_LVT_TIMER);
	check("sw-disabled-lvt-stays-masked", lvt & APIC_LVT_MASKED,
	      "LVT timer reads 0x%x after writing 0x%x with the APIC disabled", lvt, VEC_TIMER);
	apic_enable();
	apic_write(APIC_LVT_TIMER, VEC_TIMER);
	lvt = apic_read(APIC_LVT_TIMER);
	check("sw-enable", apic_read(APIC_SVR) == (APIC_SVR_ENABLE | APIC_SPURIOUS_VECTOR) &&
			   lvt == VEC_TIMER,
	      "SVR 0x%x, LVT timer 0x%x", apic_read(APIC_SVR), lvt);
	apic_write(APIC_LVT_TIMER, APIC_LVT_MASKED | VEC_TIMER);
}

static void check_self_ipi(void)
{
	reset_log();
	apic_self_ipi(VEC_SELF);
	take_irqs_for(1000);
	check(test_name("self-ipi"), nr_irqs == 1 && irq_vector[0] == VEC_SELF &&
				     !apic_isr_in_service(VEC_SELF),
	      "%u interrupts, first vector 0x%x", nr_irqs, irq_vector[0]);
}

/*
 * Intel SDM vol. 3, 11.8.3: the APIC delivers the highest pending vector whose
 * class is above the PPR's; with the TPR at 0xf0 nothing is delivered.
 */
static void check_priority_order(void)
{
	reset_log();
	apic_write(APIC_TPR, 0xf0);
	apic_self_ipi(VEC_LOW);
	apic_self_ipi(VEC_HIGH);
	apic_self_ipi(VEC_MID);
	take_irqs_for(1000);
	check(test_name("tpr-blocks-all"), nr_irqs == 0 && apic_irr_pending(VEC_LOW) &&
					   apic_irr_pending(VEC_MID) &&
					   apic_irr_pending(VEC_HIGH),
	      "%u interrupts with TPR 0xf0", nr_irqs);
	apic_write(APIC_TPR, 0);
	wait_irqs(3, IRQ_WAIT_US);
	check(test_name("priority-order"), nr_irqs == 3 && irq_vector[0] == VEC_HIGH &&
					   irq_vector[1] == VEC_MID && irq_vector[2] == VEC_LOW,
	      "%u interrupts: 0x%x 0x%x 0x%x", nr_irqs, irq_vector[0], irq_vector[1],
	      irq_vector[2]);
}

/*
 * Intel SDM vol. 3, 11.8.3.1: with nothing in service the PPR is the TPR, and a
 * vector is blocked while its class (vector[7:4]) is <= the PPR's class.
 */
static void check_tpr_masking(void)
{
	bool blocked_above, blocked_equal;
	uint32_t ppr;

	reset_log();
	apic_write(APIC_TPR, 0x50);
	ppr = apic_read(APIC_PPR);
	apic_self_ipi(VEC_TPR);
	take_irqs_for(1000);
	blocked_above = nr_irqs == 0 && apic_irr_pending(VEC_TPR);
	apic_write(APIC_TPR, 0x40);
	take_irqs_for(1000);
	blocked_equal = nr_irqs == 0;
	apic_write(APIC_TPR, 0x30);
	wait_irqs(1, IRQ_WAIT_US);
	apic_write(APIC_TPR, 0);
	check(test_name("tpr-ppr"), ppr == 0x50, "PPR 0x%x with TPR 0x50", ppr);
	check(test_name("tpr-masking"), blocked_above && blocked_equal && nr_irqs == 1,
	      "class 4 vector: blocked by TPR 0x50 %d, by TPR 0x40 %d, %u interrupts at TPR 0x30",
	      blocked_above, blocked_equal, nr_irqs);
}

static inline void write_cr8(uint64_t v) { asm volatile("mov %0, %%cr8" ::"r"(v) : "memory"); }

static inline uint64_t read_cr8(void)
{
	uint64_t v;

	asm volatile("mov %%cr8, %0" : "=r"(v));
	return v;
}

/*
 * Intel SDM vol. 3, 11.8.6: CR8 is TPR[7:4]; it masks like the TPR register
 * does. Only with "cr8" on the command line: QEMU 7.2's TCG aborts when an
 * SVM guest writes CR8 (an assertion in tcg_handle_interrupt).
 */
static bool with_cr8;

static void check_cr8_tpr(void)
{
	uint32_t tpr;
	bool blocked;

	reset_log();
	write_cr8(5);
	tpr = apic_read(APIC_TPR);
	apic_self_ipi(VEC_TPR);
	take_irqs_for(1000);
	blocked = nr_irqs == 0 && apic_irr_pending(VEC_TPR);
	apic_write(APIC_TPR, 0x30);
	check(test_name("cr8-tpr"), tpr == 0x50 && read_cr8() == 3,
	      "TPR 0x%x after CR8 = 5, CR8 %lu after TPR = 0x30", tpr, read_cr8());
	write_cr8(0);
	wait_irqs(1, IRQ_WAIT_US);
	check(test_name("cr8-masking"), blocked && nr_irqs == 1,
	      "class 4 vector blocked by CR8 5: %d, %u interrupts at CR8 0", blocked, nr_irqs);
}

static bool nest_lo_stayed_pending, nest_hi_eoi_sent;

/*
 * The higher vector's handler raises the lower one, opens interrupts and checks
 * that it stays in the IRR (the ISR holds the PPR at class 6, Intel SDM vol. 3,
 * 11.8.3.1) until its EOI (11.8.5), after which the lower one is delivered.
 */
static void nest_hi_handler(uint8_t vector)
{
	log_irq(vector);
	apic_self_ipi(VEC_NEST_LO);
	sti();
	udelay(1000);
	cli();
	nest_lo_stayed_pending = nr_irqs == 1 && apic_irr_pending(VEC_NEST_LO) &&
				 apic_isr_in_service(VEC_NEST_HI);
	nest_hi_eoi_sent = true;
	apic_eoi();
}

static void nest_lo_handler(uint8_t vector)
{
	if (nest_hi_eoi_sent)
		log_irq(vector);
	apic_eoi();
}

static void check_eoi_delivers_next(void)
{
	reset_log();
	nest_lo_stayed_pending = nest_hi_eoi_sent = false;
	irq_set_handler(VEC_NEST_HI, nest_hi_handler);
	irq_set_handler(VEC_NEST_LO, nest_lo_handler);
	apic_self_ipi(VEC_NEST_HI);
	wait_irqs(2, IRQ_WAIT_US);
	check(test_name("eoi-nested"), nest_lo_stayed_pending && nr_irqs == 2 &&
				       irq_vector[1] == VEC_NEST_LO,
	      "lower vector pending until EOI %d, %u interrupts", nest_lo_stayed_pending,
	      nr_irqs);
}

static volatile unsigned int nmi_count, nmi_depth, nmi_max_depth, nmi_count_inside;

/* The first NMI's handler sends itself NMI_SENT more and waits before its IRET. */
static void nmi_handler(void)
{
	unsigned int depth = ++nmi_depth;

	if (depth > nmi_max_depth)
		nmi_max_depth = depth;
	if (++nmi_count == 1) {
		for (unsigned int i = 0; i < NMI_SENT; i++)
			apic_send_ipi(apic_id(), APIC_DM_NMI);
		udelay(NMI_HOLD_US);
		nmi_count_inside = nmi_count;
	}
	nmi_depth--;
}

/*
 * Intel SDM vol. 3, 6.7.1: while an NMI handler runs, NMIs are blocked until
 * its IRET; the processor holds one that comes meanwhile (an edge: those
 * that come together make one), delivered after the IRET.
 */
static void check_nmi_blocking(void)
{
	uint64_t end = tsc_after_us(IRQ_WAIT_US);

	nmi_count = nmi_depth = nmi_max_depth = nmi_count_inside = 0;
	nmi_set_handler(nmi_handler);
	apic_send_ipi(apic_id(), APIC_DM_NMI);
	while (nmi_count < 2 && rdtsc() < end)
		asm volatile("pause");
	udelay(NMI_HOLD_US);
	check(test_name("nmi-blocked-until-iret"), nmi_max_depth == 1 && nmi_count_inside == 1 &&
						   nmi_count >= 2,
	      "NMIs nested %u deep, %u taken before the first one's IRET, %u in all",
	      nmi_max_depth, nmi_count_inside, nmi_count);
	check(test_name("nmi-held-as-one"), nmi_count == 2,
	      "%u NMIs sent during the first one's handler gave %u more", NMI_SENT, nmi_count - 1);
}

/* Starts the timer in LVT mode lvt with the divider dcr; returns the TSC at the start. */
static uint64_t timer_start(uint32_t lvt, uint32_t dcr, uint32_t count)
{
	apic_write(APIC_TIMER_DIVIDE, dcr);
	apic_write(APIC_LVT_TIMER, lvt);
	reset_log();
	apic_write(APIC_TIMER_INIT, count);
	return rdtsc();
}

/* Stops the timer, then lets an expiry already in IRR arrive, so that it cannot count for the next check. */
static void timer_stop(void)
{
	apic_write(APIC_LVT_TIMER, APIC_LVT_MASKED | VEC_TIMER);
	apic_write(APIC_TIMER_INIT, 0);
	take_irqs_for(1000);
}

/* The timer's rate at divide-by-1, from the current-count register against the TSC */
static uint64_t measure_timer_ticks_per_ms(void)
{
	uint32_t before, after;
	uint64_t start, tsc;

	timer_start(APIC_LVT_MASKED | VEC_TIMER, DCR_DIV1, 0xffffffff);
	before = apic_read(APIC_TIMER_COUNT);
	start = rdtsc();
	udelay(TIMER_MS * 1000);
	after = apic_read(APIC_TIMER_COUNT);
	tsc = rdtsc() - start;
	timer_stop();
	return (uint64_t)(before - after) * tsc_khz() / tsc;
}

/* Intel SDM vol. 3, 11.5.1: a masked LVT entry raises no interrupt; the count still runs. */
static void check_timer_masked(void)
{
	timer_start(APIC_LVT_MASKED | VEC_TIMER, DCR_DIV1, timer_ticks_per_ms);
	take_irqs_for(3000);
	check(test_name("timer-masked"), nr_irqs == 0 && !apic_irr_pending(VEC_TIMER) &&
					 apic_read(APIC_TIMER_COUNT) == 0,
	      "%u interrupts, current count %u", nr_irqs, apic_read(APIC_TIMER_COUNT));
	timer_stop();
}

/* The delay in microseconds from start to the first timer interrupt, 0 if none came. */
static uint64_t first_irq_delay_us(uint64_t start, uint64_t timeout_us)
{
	if (!wait_irqs(1, timeout_us))
		return 0;
	return tsc_to_us(irq_tsc[0] - start);
}

/* Intel SDM vol. 3, 11.5.4: one-shot mode counts down once and interrupts at zero. */
static void check_timer_oneshot(void)
{
	uint64_t start = timer_start(VEC_TIMER, DCR_DIV1, TIMER_MS * timer_ticks_per_ms);
	uint64_t delay = first_irq_delay_us(start, 10 * TIMER_MS * 1000);

	take_irqs_for(2 * TIMER_MS * 1000);
	check(test_name("timer-oneshot"), nr_irqs == 1 && within_tolerance(delay, TIMER_MS * 1000),
	      "%u interrupts, first after %lu us for %u ms", nr_irqs, delay, TIMER_MS);
	timer_stop();
}

/* Intel SDM vol. 3, 11.5.4: periodic mode reloads the initial count at zero. */
static void check_timer_periodic(void)
{
	uint64_t start = timer_start(VEC_TIMER | APIC_LVT_TIMER_PERIODIC, DCR_DIV1,
				     TIMER_MS * timer_ticks_per_ms);
	uint64_t average = 0;

	wait_irqs(3, 10 * 3 * TIMER_MS * 1000);
	timer_stop();
	if (nr_irqs >= 3)
		average = tsc_to_us(irq_tsc[2] - start) / 3;
	check(test_name("timer-periodic"), nr_irqs >= 3 &&
					   within_tolerance(average, TIMER_MS * 1000),
	      "%u interrupts, average period %lu us for %u ms", nr_irqs, average, TIMER_MS);
}

/* Intel SDM vol. 3, 11.5.4.1: TSC-deadline mode fires when the TSC reaches the MSR. */
static void check_timer_tsc_deadline(void)
{
	uint64_t start, delay;

	if (!(cpuid(1, 0).ecx & CPUID_1_ECX_TSC_DEADLINE)) {
		skip(test_name("timer-tsc-deadline"), "no TSC-deadline mode (CPUID.1:ECX[24])");
		return;
	}
	apic_write(APIC_LVT_TIMER, VEC_TIMER | APIC_LVT_TIMER_DEADLINE);
	reset_log();
	start = rdtsc();
	wrmsr(MSR_IA32_TSC_DEADLINE, start + (uint64_t)TIMER_MS * tsc_khz());
	delay = first_irq_delay_us(start, 10 * TIMER_MS * 1000);
	check(test_name("timer-tsc-deadline"), within_tolerance(delay, TIMER_MS * 1000),
	      "first interrupt after %lu us for %u ms", delay, TIMER_MS);
	wrmsr(MSR_IA32_TSC_DEADLINE, 0);
	apic_write(APIC_LVT_TIMER, APIC_LVT_MASKED | VEC_TIMER);
}

/* Intel SDM vol. 3, 11.5.4: the timer counts at the bus clock over the DCR divider. */
static void check_timer_divide(void)
{
	uint32_t count = TIMER_MS * timer_ticks_per_ms / 2; /* TIMER_MS at divide-by-2 */
	uint64_t div2, div16;

	div2 = first_irq_delay_us(timer_start(VEC_TIMER, DCR_DIV2, count), 10 * TIMER_MS * 1000);
	div16 = first_irq_delay_us(timer_start(VEC_TIMER, DCR_DIV16, count), 80 * TIMER_MS * 1000);
	timer_stop();
	check(test_name("timer-divide"), div2 && within_tolerance(div16, 8 * div2),
	      "divide by 2: %lu us, by 16: %lu us", div2, div16);
}

static void check_timer(void)
{
	irq_set_handler(VEC_TIMER, log_and_eoi);
	timer_ticks_per_ms = measure_timer_ticks_per_ms();
	guest_printf("%s: APIC timer %lu kHz at divide-by-1, TSC %u kHz\n", mode_name,
		     timer_ticks_per_ms, tsc_khz());
	check_timer_masked();
	check_timer_oneshot();
	check_timer_periodic();
	check_timer_tsc_deadline();
	check_timer_divide();
}

/* What both modes share */
static void run_suite(void)
{
	check_self_ipi();
	check_priority_order();
	check_tpr_masking();
	if (with_cr8)
		check_cr8_tpr();
	else
		skip(test_name("cr8-tpr"), "no 'cr8' on the command line");
	check_eoi_delivers_next();
	check_nmi_blocking();
	check_timer();
}

/*
 * Intel SDM vol. 3, 11.4.5: the xAPIC registers follow IA32_APIC_BASE. The
 * new base lies outside guest RAM, as firmware relocations do.
 */
#define RELOCATED_BASE 0xfed00000UL

static void check_relocation(void)
{
	uint64_t base = rdmsr(MSR_IA32_APIC_BASE);
	uint32_t id_before = apic_read(APIC_ID), id_after, tpr_after;

	apic_write(APIC_TPR, 0x20);
	wrmsr(MSR_IA32_APIC_BASE, (base & ~APIC_BASE_ADDR_MASK) | RELOCATED_BASE);
	id_after = apic_read(APIC_ID);
	tpr_after = apic_read(APIC_TPR);
	wrmsr(MSR_IA32_APIC_BASE, base);
	apic_write(APIC_TPR, 0);
	check("xapic-relocation", id_after == id_before && tpr_after == 0x20,
	      "at 0x%lx: ID 0x%x (was 0x%x), TPR 0x%x (0x20 written before)", RELOCATED_BASE,
	      id_after, id_before, tpr_after);
}

/*
 * Intel SDM vol. 3, 11.12.5.1: the x2APIC ID is the 32-bit one CPUID.0xB:EDX
 * reports; 11.12.10.2: the LDR is derived from it, cluster in bits 31:16
 * (ID[19:4]) and one bit 1 << ID[3:0].
 */
static void check_x2apic_id(void)
{
	uint32_t id = apic_id(), expect = cpuid(1, 0).ebx >> 24;
	uint32_t ldr = apic_read(APIC_LDR), expect_ldr;

	if (cpuid(0, 0).eax >= 0xb)
		expect = cpuid(0xb, 0).edx;
	expect_ldr = (id >> 4) << 16 | 1U << (id & 0xf);
	check("x2apic-id", id == expect, "x2APIC ID %u, CPUID says %u", id, expect);
	check("x2apic-ldr", ldr == expect_ldr, "LDR 0x%x for ID %u, not 0x%x", ldr, id, expect_ldr);
}

/* Intel SDM vol. 3, 11.12.1.2, table 11-6: WRMSR to a read-only register raises #GP. */
static void check_x2apic_read_only(void)
{
	static const uint32_t regs[] = { APIC_ID, APIC_VERSION, APIC_PPR, APIC_LDR,
					 APIC_ISR + 0x10, APIC_IRR, APIC_TIMER_COUNT };

	char name[32];

	for (unsigned int i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
		uint32_t msr = x2apic_msr(regs[i]);
		int v = wrmsr_safe(msr, 0);

		fmt_snprintf(name, sizeof(name), "x2apic-read-only-gp-0x%x", msr);
		check(name, v == X86_GP, "wrmsr 0x%x raised %s", msr, exception_name(v));
	}
}

/* Intel SDM vol. 3, 11.12.1.2: the DFR and ICR high half have no x2APIC MSR. */
static void check_x2apic_no_xapic_only_regs(void)
{
	uint64_t val;
	int dfr = rdmsr_safe(MSR_X2APIC_DFR, &val), icr_hi = rdmsr_safe(MSR_X2APIC_ICR_HI, &val);

	check("x2apic-dfr-gp", dfr == X86_GP, "rdmsr 0x%x raised %s", MSR_X2APIC_DFR,
	      exception_name(dfr));
	check("x2apic-icr-high-gp", icr_hi == X86_GP, "rdmsr 0x%x raised %s",
	      MSR_X2APIC_ICR_HI, exception_name(icr_hi));
}

/* Intel SDM vol. 3, 11.12.5, figure 11-27: x2APIC -> xAPIC directly raises #GP. */
static void check_x2apic_to_xapic_illegal(void)
{
	uint64_t base = rdmsr(MSR_IA32_APIC_BASE);
	int v = wrmsr_safe(MSR_IA32_APIC_BASE, base & ~APIC_BASE_X2APIC);

	check("x2apic-to-xapic-gp", v == X86_GP && apic_is_x2apic(),
	      "clearing EXTD raised %s", exception_name(v));
}

static void run_x2apic(void)
{
	mode_name = "x2apic";
	apic_mode_x2apic();
	check("x2apic-mode", apic_is_x2apic(), "IA32_APIC_BASE is 0x%lx",
	      rdmsr(MSR_IA32_APIC_BASE));
	check_x2apic_id();
	check_x2apic_read_only();
	check_x2apic_no_xapic_only_regs();
	run_suite();
	check_x2apic_to_xapic_illegal();
}

void test_main(const char *cmdline)
{
	bios_virtual_wire = cmdline_has(cmdline, "bios");
	with_cr8 = cmdline_has(cmdline, "cr8");
	check_reset_state();	/* before anything writes the APIC */
	apic_mode_xapic();
	mode_name = "xapic";
	irq_set_handler(VEC_SELF, log_and_eoi);
	irq_set_handler(VEC_LOW, log_and_eoi);
	irq_set_handler(VEC_TPR, log_and_eoi);
	irq_set_handler(VEC_MID, log_and_eoi);
	irq_set_handler(VEC_HIGH, log_and_eoi);
	check_xapic_read_only();
	check_software_enable();
	check_relocation();
	run_suite();
	if (cmdline_has(cmdline, "xapic-only"))
		skip("x2apic", "xapic-only on the command line");
	else if (cpuid(1, 0).ecx & CPUID_1_ECX_X2APIC)
		run_x2apic();
	else
		skip("x2apic", "no x2APIC (CPUID.1:ECX[21])");
}

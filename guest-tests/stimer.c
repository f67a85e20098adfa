/*
 * The Hyper-V reference time and synthetic timers as a guest sees them (TLFS
 * chapter 12, "Timers"), with two vCPUs: the CPUID privileges, the reference
 * counter (TIME_REF_COUNT) against the TSC and across vCPUs, the frequency
 * MSRs, the reference TSC page (an overlay: read-only, the RAM under it comes
 * back), then the synthetic timers: one-shot message timers on a normal and
 * an auto-EOI SINT on both vCPUs, a periodic one, AutoEnable, COUNT 0,
 * direct mode, the CONFIG #GP rules, and a one-shot behind a busy slot that
 * waits for EOM or the EOI of its SINT's vector; last a period of 100 ns.
 */
#include "lib/fmt.h"
#include "guest-tests/lib/guest.h"
#include "guest-tests/lib/hyperv.h"

#define NR_CPUS   2
#define BSP       0
#define AP        1
#define NR_SINTS  16

#define SINT_MSG  2    /* normal SINT the message timers use */
#define SINT_AEOI 3    /* auto-EOI SINT */
#define SINT_BUSY 4    /* normal SINT for the busy-slot checks */
#define VEC_SINT2 0x52
#define VEC_SINT3 0x63
#define VEC_SINT4 0x74
#define VEC_DIRECT 0x85

#define WAIT_US        2000000  /* generous: only a failure waits this long */
#define SETTLE_US      5000     /* for a second, wrong interrupt to show */
#define AP_CALL_US     (3 * WAIT_US)
#define REF_PER_MS     10000UL  /* the reference time counts 100 ns units */
#define ONESHOT_DELAY  (20 * REF_PER_MS)
#define SHORT_DELAY    (10 * REF_PER_MS)
#define BUSY_DELAY     (5 * REF_PER_MS)
#define PERIOD         (1 * REF_PER_MS)
#define NR_TICKS       1000
#define MAX_TICKS      (NR_TICKS + 16)
#define TICKS_WAIT_US  20000000 /* 1000 ticks of 1 ms: 1 s, a few when QEMU is loaded */
/*
 * Upper bounds on time. Bochs runs on virtual time, but QEMU on the host's:
 * when the host is loaded (tests run in parallel) the vCPUs lose the CPU for
 * milliseconds while the timers keep real time, and a 1 ms periodic timer
 * then skips most periods (seen: 3.7 times its 1000 periods on 2 loaded host
 * CPUs). So the whole run has a gross bound, and the rate is judged by most
 * ticks being handled within a period of their expiration.
 */
#define SLOW_FACTOR    10
#define DIRECT_PERIOD  (2 * REF_PER_MS)
#define NR_DIRECT      10
#define MAX_DIRECT     16
#define PAGE_TIME_SLACK REF_PER_MS /* the TSC page and TIME_REF_COUNT agree within 1 ms */
#define MONOTONIC_READS 1000
#define TINY_RUN_US     10000

/* CPUID */
#define HV_CPUID_FEATURES        0x40000003
#define HV_EAX_REF_COUNTER       (1U << 1)
#define HV_EAX_STIMERS           (1U << 3)
#define HV_EAX_REF_TSC           (1U << 9)
#define HV_EAX_FREQUENCY_REGS    (1U << 11)
#define HV_EDX_FREQUENCY_MSRS    (1U << 8)
#define HV_EDX_DIRECT_STIMERS    (1U << 19)

#define NR_STIMERS              4
#define TIMER_PAYLOAD_SIZE      24 /* a timer-expired message: index, expiration, delivery */

/* The timer-expired message's payload, as the handlers copy it out with the header */
struct timer_msg {
	uint32_t type;
	uint8_t payload_size;
	uint8_t flags;
	uint64_t origin;
	uint32_t timer_index;
	uint64_t expiration;
	uint64_t delivery;
};

struct ref_tsc_page {
	uint32_t sequence;
	uint32_t reserved1;
	uint64_t scale;
	int64_t offset;
	uint64_t reserved2[509];
};

static struct hv_message sim[NR_CPUS][NR_SINTS] __attribute__((aligned(4096)));
static struct ref_tsc_page tsc_page __attribute__((aligned(4096)));

/* What the SINT handlers saw, per vCPU and SINT: the last message and when it came */
struct sint_log {
	volatile unsigned int count;
	struct timer_msg msg;
	uint64_t ref;       /* TIME_REF_COUNT in the handler */
	bool isr_set;       /* the vector was in service in its handler */
};

static struct sint_log logs[NR_CPUS][NR_SINTS];
static volatile bool consume[NR_SINTS]; /* handlers empty the slot (and EOM if pending) */
static const bool sint_auto_eoi[NR_SINTS] = { [SINT_AEOI] = true };

/* The periodic check records every message of SINT_MSG on the BSP */
struct tick {
	uint64_t expiration, delivery, ref;
	uint32_t type, timer_index;
};

static struct tick ticks[MAX_TICKS];
static volatile bool recording;

/* The direct-mode interrupts, per vCPU */
struct direct_log {
	volatile unsigned int count;
	uint64_t ref[MAX_DIRECT];
	bool isr_set;
};

static struct direct_log direct[NR_CPUS];
static volatile uint32_t ap_apic_id;

static uint64_t ref_count(void) { return rdmsr(HV_MSR_TIME_REF_COUNT); }

static uint64_t mul_hi(uint64_t a, uint64_t b)
{
	return (uint64_t)(((unsigned __int128)a * b) >> 64);
}

static uint64_t diff(uint64_t a, uint64_t b) { return a > b ? a - b : b - a; }

/* |a - b| <= b / 100 */
static bool within_percent(uint64_t a, uint64_t b) { return diff(a, b) <= b / 100; }

static int sint_of(uint8_t vector)
{
	switch (vector) {
	case VEC_SINT2:
		return SINT_MSG;
	case VEC_SINT3:
		return SINT_AEOI;
	case VEC_SINT4:
		return SINT_BUSY;
	}
	return -1;
}

static void read_slot(const volatile struct hv_message *slot, struct timer_msg *m)
{
	uint64_t word0 = slot->payload[0];

	m->type = slot->type;
	m->payload_size = slot->payload_size;
	m->flags = slot->flags;
	m->origin = slot->origin;
	m->timer_index = (uint32_t)word0;
	m->expiration = slot->payload[1];
	m->delivery = slot->payload[2];
}

/* The guest's side of TLFS 11.9.3: copy out, empty the slot, then EOM if more wait. */
static void sint_handler(uint8_t vector)
{
	uint64_t ref = ref_count();
	unsigned int cpu = this_cpu_index();
	int n = sint_of(vector);
	struct sint_log *log = &logs[cpu][n];
	struct hv_message *slot = &sim[cpu][n];
	unsigned int i = log->count;

	log->ref = ref;
	log->isr_set = apic_isr_in_service(vector);
	read_slot(slot, &log->msg);
	if (consume[n] && log->msg.type)
		hv_message_done(slot);
	if (recording && cpu == BSP && n == SINT_MSG && i < MAX_TICKS)
		ticks[i] = (struct tick){ .expiration = log->msg.expiration,
					  .delivery = log->msg.delivery, .ref = ref,
					  .type = log->msg.type,
					  .timer_index = log->msg.timer_index };
	log->count = i + 1;
	if (!sint_auto_eoi[n])
		apic_eoi();
}

static void direct_handler(uint8_t vector)
{
	uint64_t ref = ref_count();
	struct direct_log *d = &direct[this_cpu_index()];
	unsigned int i = d->count;

	if (i < MAX_DIRECT)
		d->ref[i] = ref;
	d->isr_set = apic_isr_in_service(vector);
	d->count = i + 1;
	apic_eoi();
}

static void reset_logs(void)
{
	for (unsigned int c = 0; c < NR_CPUS; c++) {
		for (unsigned int n = 0; n < NR_SINTS; n++)
			logs[c][n] = (struct sint_log){ 0 };
		direct[c] = (struct direct_log){ 0 };
	}
}

/* Takes interrupts until *count reaches want or the time is up; then settles. */
static bool wait_until(volatile unsigned int *count, unsigned int want, uint64_t timeout_us)
{
	uint64_t end = tsc_after_us(timeout_us);

	sti();
	while (*count < want && rdtsc() < end)
		asm volatile("pause");
	udelay(SETTLE_US);
	cli();
	return *count == want;
}

/* Takes interrupts until logs[cpu][n] reaches count (exactly) or the time is up. */
static bool wait_count(unsigned int cpu, unsigned int n, unsigned int count)
{
	return wait_until(&logs[cpu][n].count, count, WAIT_US);
}

static void settle(void)
{
	sti();
	udelay(SETTLE_US);
	cli();
}

/* Takes interrupts until the reference time reaches ref (at most WAIT_US). */
static void wait_ref(uint64_t ref)
{
	uint64_t end = tsc_after_us(WAIT_US);

	sti();
	while (ref_count() < ref && rdtsc() < end)
		udelay(500);
	cli();
}

static bool timer_message_ok(const struct timer_msg *m, unsigned int timer)
{
	return m->type == HV_MESSAGE_TIMER_EXPIRED && m->payload_size == TIMER_PAYLOAD_SIZE &&
	       m->timer_index == timer && m->origin == 0;
}

static bool slots_empty(unsigned int cpu)
{
	for (unsigned int n = 0; n < NR_SINTS; n++)
		if (((volatile struct hv_message *)&sim[cpu][n])->type)
			return false;
	return true;
}

static unsigned int sint_interrupts(unsigned int cpu)
{
	unsigned int sum = 0;

	for (unsigned int n = 0; n < NR_SINTS; n++)
		sum += logs[cpu][n].count;
	return sum;
}

/* ---- The AP does what the BSP asks ---- */

static bool run_on_ap(void (*fn)(void))
{
	return smp_call(ap_apic_id, fn, AP_CALL_US);
}

/* The AP reports in before this runs: the BSP waits for ap_ready before it calls the AP. */
static volatile bool ap_ready;

static void ap_start(unsigned int cpu)
{
	(void)cpu;
	apic_enable();
	ap_apic_id = apic_id();
	ap_ready = true;
}

static const char *cpu_name(unsigned int cpu, const char *what)
{
	static char buf[4][80];
	static unsigned int next;
	char *b = buf[next++ % 4];

	fmt_snprintf(b, sizeof(buf[0]), "cpu%u-%s", cpu, what);
	return b;
}

/* ---- 1. CPUID (TLFS 2.4.2-2.4.4) ---- */

static void check_cpuid(void)
{
	struct cpuid_regs f = cpuid(HV_CPUID_FEATURES, 0);
	uint32_t eax = HV_EAX_REF_COUNTER | HV_EAX_STIMERS | HV_EAX_REF_TSC | HV_EAX_FREQUENCY_REGS;
	uint32_t edx = HV_EDX_FREQUENCY_MSRS | HV_EDX_DIRECT_STIMERS;

	check("cpuid-time-privileges", (f.eax & eax) == eax,
	      "0x40000003.EAX 0x%x, wanted bits 0x%x", f.eax, eax);
	check("cpuid-time-features", (f.edx & edx) == edx, "0x40000003.EDX 0x%x, wanted bits 0x%x",
	      f.edx, edx);
}

/* ---- 2. The reference counter and the frequencies (TLFS 12.4, 12.5) ---- */

static volatile uint64_t ap_ref;

static void ap_read_ref(void) { ap_ref = ref_count(); }

static void check_write_gp(const char *name, uint32_t msr, uint64_t val)
{
	int v = wrmsr_safe(msr, val);

	check(name, v == X86_GP, "wrmsr 0x%x <- 0x%lx raised %s", msr, val, exception_name(v));
}

/* The first of MONOTONIC_READS reads of TIME_REF_COUNT that went back, or -1 */
static int ref_count_goes_back(void)
{
	uint64_t prev = ref_count();

	for (int i = 0; i < MONOTONIC_READS; i++) {
		uint64_t now = ref_count();

		if (now < prev)
			return i;
		prev = now;
	}
	return -1;
}

static void check_ref_count(void)
{
	uint64_t tsc_hz = rdmsr(HV_MSR_TSC_FREQUENCY), apic_hz = rdmsr(HV_MSR_APIC_FREQUENCY);
	uint64_t lib_hz = (uint64_t)tsc_khz() * 1000;
	uint64_t r0, r1, t0, t1, elapsed, expect, before, after;
	int back;
	bool called;

	check_write_gp("ref-count-write-gp", HV_MSR_TIME_REF_COUNT, 0);
	check_write_gp("tsc-frequency-write-gp", HV_MSR_TSC_FREQUENCY, tsc_hz);
	check_write_gp("apic-frequency-write-gp", HV_MSR_APIC_FREQUENCY, apic_hz);
	check("tsc-frequency", tsc_hz && within_percent(tsc_hz, lib_hz),
	      "TSC_FREQUENCY %lu Hz, the guest library measures %lu Hz", tsc_hz, lib_hz);
	check("apic-frequency", apic_hz != 0, "APIC_FREQUENCY %lu Hz", apic_hz);
	guest_printf("frequencies: TSC %lu Hz, APIC %lu Hz\n", tsc_hz, apic_hz);

	r0 = ref_count();
	r1 = ref_count();
	check("ref-count-two-reads-monotonic", r1 >= r0, "0x%lx then 0x%lx", r0, r1);
	back = ref_count_goes_back();
	check("ref-count-monotonic-1000-reads", back < 0, "read %d went back", back);

	t0 = rdtsc();
	r0 = ref_count();
	udelay(1000000);
	r1 = ref_count();
	t1 = rdtsc();
	elapsed = r1 - r0;
	expect = tsc_hz ? (t1 - t0) * 10000000 / tsc_hz : 0; /* TSC ticks -> 100 ns */
	check("ref-count-rate", r1 > r0 && within_percent(elapsed, expect),
	      "advanced %lu over %lu TSC ticks, expected %lu (100 ns units)", elapsed, t1 - t0,
	      expect);

	before = ref_count();
	called = run_on_ap(ap_read_ref);
	after = ref_count();
	check("ref-count-monotonic-across-vcpus", called && before <= ap_ref && ap_ref <= after,
	      "BSP 0x%lx, AP 0x%lx, BSP 0x%lx (call %s)", before, ap_ref, after,
	      called ? "returned" : "timed out");
}

/* ---- 3. The reference TSC page (TLFS 12.7) ---- */

#define MARKER(i) (0x7e57a9e000000000ULL | (i))

static volatile struct ref_tsc_page *page_view(void)
{
	return (volatile struct ref_tsc_page *)&tsc_page;
}

static uint64_t rdtsc_ordered(void)
{
	asm volatile("lfence" ::: "memory");
	return rdtsc();
}

/* The TLFS 12.7.2 protocol; false when the page says it is not valid (sequence 0). */
static bool page_time(uint64_t *t)
{
	volatile struct ref_tsc_page *p = page_view();

	for (int tries = 0; tries < 1000; tries++) {
		uint32_t seq = p->sequence;
		uint64_t scale, tsc;
		int64_t offset;

		if (!seq)
			return false;
		asm volatile("" ::: "memory");
		scale = p->scale;
		offset = p->offset;
		tsc = rdtsc_ordered();
		asm volatile("" ::: "memory");
		if (p->sequence == seq) {
			*t = mul_hi(tsc, scale) + (uint64_t)offset;
			return true;
		}
	}
	return false;
}

static void write_tsc_page(void *arg)
{
	(void)arg;
	page_view()->reserved2[0] = 1;
}

static void fill_marker(void)
{
	volatile uint64_t *w = (volatile uint64_t *)&tsc_page;

	for (unsigned int i = 0; i < 512; i++)
		w[i] = MARKER(i);
}

/* The first word of the page that is not the marker, or -1 */
static int marker_broken(void)
{
	volatile uint64_t *w = (volatile uint64_t *)&tsc_page;

	for (unsigned int i = 0; i < 512; i++)
		if (w[i] != MARKER(i))
			return (int)i;
	return -1;
}

/* TIME_REF_COUNT around the page's time: within PAGE_TIME_SLACK of both */
static void check_page_time(const char *name)
{
	uint64_t r0 = ref_count(), t = 0, r1;
	bool valid = page_time(&t);

	r1 = ref_count();
	check(name, valid && t + PAGE_TIME_SLACK >= r0 && t <= r1 + PAGE_TIME_SLACK,
	      "page %s 0x%lx, TIME_REF_COUNT 0x%lx .. 0x%lx", valid ? "time" : "invalid", t, r0,
	      r1);
}

static void check_page_monotonic(void)
{
	uint64_t prev_t = 0, prev_r = ref_count(), t = 0, r;
	int bad = -1;

	page_time(&prev_t);
	for (int i = 0; i < MONOTONIC_READS && bad < 0; i++) {
		bool valid = page_time(&t);

		r = ref_count();
		if (!valid || t < prev_t || r < prev_r)
			bad = i;
		prev_t = t;
		prev_r = r;
	}
	check("ref-tsc-page-monotonic-1000-reads", bad < 0,
	      "read %d: page time 0x%lx, TIME_REF_COUNT 0x%lx", bad, t, prev_r);
}

/* scale = 2^64 * 10^7 / TSC Hz: compared through its upper half, (10^7 << 32) / Hz */
static void check_page_scale(uint32_t seq, uint64_t scale)
{
	uint64_t hz = rdmsr(HV_MSR_TSC_FREQUENCY);
	uint64_t want_hi = hz ? (10000000ULL << 32) / hz : 0;

	check("ref-tsc-page-scale", seq && diff(scale >> 32, want_hi) <= want_hi / 1000 + 1,
	      "scale 0x%lx for %lu Hz, expected about 0x%lx << 32", scale, hz, want_hi);
}

static volatile uint64_t ap_page_msr, ap_page_t, ap_page_r0, ap_page_r1;
static volatile uint32_t ap_page_seq;
static volatile bool ap_page_valid;

static void ap_read_page(void)
{
	uint64_t t = 0;

	ap_page_msr = rdmsr(HV_MSR_REFERENCE_TSC);
	ap_page_seq = page_view()->sequence;
	ap_page_r0 = ref_count();
	ap_page_valid = page_time(&t);
	ap_page_r1 = ref_count();
	ap_page_t = t;
}

/*
 * A vCPU's TSC moved (IA32_TSC_ADJUST, SDM vol. 3, 18.17.3): while the two vCPUs' TSCs
 * differ the page says it is not valid (sequence 0, read TIME_REF_COUNT); once both moved
 * alike it is valid again and gives TIME_REF_COUNT's time, which never moved.
 */
#define MSR_IA32_TSC_ADJUST 0x3b
#define TSC_MOVE            (1ULL << 40)

static void ap_move_tsc(void) { wrmsr(MSR_IA32_TSC_ADJUST, rdmsr(MSR_IA32_TSC_ADJUST) + TSC_MOVE); }
static void ap_move_tsc_back(void)
{
	wrmsr(MSR_IA32_TSC_ADJUST, rdmsr(MSR_IA32_TSC_ADJUST) - TSC_MOVE);
}

static void check_page_follows_tsc(void)
{
	uint64_t adjust = rdmsr(MSR_IA32_TSC_ADJUST);
	uint32_t seq;

	wrmsr(MSR_IA32_TSC_ADJUST, adjust + TSC_MOVE);
	seq = page_view()->sequence;
	check("ref-tsc-page-invalid-while-tscs-differ", seq == 0, "sequence %u", seq);
	check("ref-tsc-page-after-both-tscs-moved", run_on_ap(ap_move_tsc),
	      "the AP did not move its TSC");
	check_page_time("ref-tsc-page-time-after-tscs-moved");
	wrmsr(MSR_IA32_TSC_ADJUST, adjust);
	run_on_ap(ap_move_tsc_back);
	check_page_time("ref-tsc-page-time-after-tscs-back");
}

static void check_ref_tsc_page(void)
{
	uint64_t beyond = (boot.ram_end + 0xfff) & ~0xfffULL;
	uint64_t msr = (uint64_t)(uintptr_t)&tsc_page | HV_PAGE_ENABLE;
	volatile struct ref_tsc_page *p = page_view();
	uint64_t reset, after_gp, readback, scale;
	struct exception x;
	int64_t offset;
	uint32_t seq;
	bool called;
	int gp, broken;

	reset = rdmsr(HV_MSR_REFERENCE_TSC);
	gp = wrmsr_safe(HV_MSR_REFERENCE_TSC, beyond | HV_PAGE_ENABLE);
	after_gp = rdmsr(HV_MSR_REFERENCE_TSC);
	check("ref-tsc-msr-reset", reset == 0, "REFERENCE_TSC 0x%lx", reset);
	check("ref-tsc-outside-ram-gp", gp == X86_GP && after_gp == 0,
	      "enabling at 0x%lx raised %s, MSR then 0x%lx", beyond, exception_name(gp), after_gp);

	fill_marker();
	wrmsr(HV_MSR_REFERENCE_TSC, msr);
	readback = rdmsr(HV_MSR_REFERENCE_TSC);
	check("ref-tsc-msr-enabled", readback == msr, "REFERENCE_TSC 0x%lx, wrote 0x%lx", readback,
	      msr);
	seq = p->sequence;
	scale = p->scale;
	offset = p->offset;
	guest_printf("reference TSC page: sequence %u, scale 0x%lx, offset %ld\n", seq, scale,
		     offset);
	check("ref-tsc-page-shown", scale != MARKER(1) && p->reserved2[0] != MARKER(3),
	      "the page still reads the RAM under it");
	called = run_on_ap(ap_read_page);
	if (!seq) {
		const char *why = "sequence 0: the hypervisor does not trust the TSC here (no "
				  "invariant TSC), use TIME_REF_COUNT";

		skip("ref-tsc-page-time-at-start", why);
		skip("ref-tsc-page-time-after-1s", why);
		skip("ref-tsc-page-monotonic-1000-reads", why);
		skip("ref-tsc-page-scale", why);
		skip("ref-tsc-page-time-on-ap", why);
	} else {
		check_page_time("ref-tsc-page-time-at-start");
		udelay(1000000);
		check_page_time("ref-tsc-page-time-after-1s");
		check_page_monotonic();
		check_page_scale(seq, scale);
		check("ref-tsc-page-time-on-ap",
		      called && ap_page_valid && ap_page_t + PAGE_TIME_SLACK >= ap_page_r0 &&
			      ap_page_t <= ap_page_r1 + PAGE_TIME_SLACK,
		      "AP: page time 0x%lx, TIME_REF_COUNT 0x%lx .. 0x%lx", ap_page_t, ap_page_r0,
		      ap_page_r1);
	}
	if (!seq || !(cpuid(7, 0).ebx & (1U << 1)))
		skip("ref-tsc-page-follows-tsc", seq ? "no IA32_TSC_ADJUST (CPUID.(7,0):EBX[1])"
						     : "the page is not valid here");
	else
		check_page_follows_tsc();
	check("ref-tsc-page-same-on-ap", called && ap_page_msr == msr && ap_page_seq == seq,
	      "AP: MSR 0x%lx, sequence %u (BSP: 0x%lx, %u)", ap_page_msr, ap_page_seq, msr, seq);

	x = guest_try(write_tsc_page, NULL);
	check("ref-tsc-page-write-gp", x.vector == X86_GP, "a write raised %s",
	      exception_name(x.vector));

	wrmsr(HV_MSR_REFERENCE_TSC, msr & ~HV_PAGE_ENABLE);
	readback = rdmsr(HV_MSR_REFERENCE_TSC);
	broken = marker_broken();
	check("ref-tsc-disable-ram-back", readback == (msr & ~HV_PAGE_ENABLE) && broken < 0,
	      "REFERENCE_TSC 0x%lx, word %d of the RAM page is 0x%lx", readback, broken,
	      broken < 0 ? 0 : ((volatile uint64_t *)&tsc_page)[broken]);
	wrmsr(HV_MSR_REFERENCE_TSC, 0);
}

/* ---- 4. SynIC on both vCPUs (TLFS 11.8) ---- */

static const uint64_t sint_values[NR_SINTS] = {
	[SINT_MSG] = VEC_SINT2,
	[SINT_AEOI] = VEC_SINT3 | HV_SINT_AUTO_EOI,
	[SINT_BUSY] = VEC_SINT4,
};

static bool synic_ok[NR_CPUS];

static void synic_enable(void)
{
	unsigned int cpu = this_cpu_index();
	uint64_t simp = (uint64_t)(uintptr_t)sim[cpu] | HV_PAGE_ENABLE;
	bool ok;

	wrmsr(HV_MSR_SIMP, simp);
	wrmsr(HV_MSR_SCONTROL, 1);
	for (unsigned int n = SINT_MSG; n <= SINT_BUSY; n++)
		wrmsr(HV_MSR_SINT(n), sint_values[n]);
	ok = rdmsr(HV_MSR_SIMP) == simp && rdmsr(HV_MSR_SCONTROL) == 1;
	for (unsigned int n = SINT_MSG; n <= SINT_BUSY; n++)
		ok &= rdmsr(HV_MSR_SINT(n)) == sint_values[n];
	synic_ok[cpu] = ok;
}

static bool stimers_reset_ok[NR_CPUS];

/* TLFS 12.3: every timer disabled at reset */
static void read_stimer_reset(void)
{
	bool ok = true;

	for (unsigned int t = 0; t < NR_STIMERS; t++)
		ok &= rdmsr(HV_MSR_STIMER_CONFIG(t)) == 0 && rdmsr(HV_MSR_STIMER_COUNT(t)) == 0;
	stimers_reset_ok[this_cpu_index()] = ok;
}

static void ap_setup(void)
{
	read_stimer_reset();
	synic_enable();
}

static void setup_synic(void)
{
	bool called;

	read_stimer_reset();
	synic_enable();
	called = run_on_ap(ap_setup);
	for (unsigned int cpu = 0; cpu < NR_CPUS; cpu++) {
		check(cpu_name(cpu, "stimer-reset"), stimers_reset_ok[cpu] && (cpu == BSP || called),
		      "a CONFIG or COUNT was not 0");
		check(cpu_name(cpu, "synic-setup"), synic_ok[cpu] && (cpu == BSP || called),
		      "SIMP, SCONTROL or a SINT did not read back (call %s)",
		      called ? "returned" : "timed out");
	}
}

/* ---- 5. One-shot message timers (TLFS 12.3.1-12.3.4) ---- */

struct oneshot {
	unsigned int timer, sint;
	uint64_t count, config_after;
	bool arrived;
};

static struct oneshot shot[NR_CPUS];

/* On the CPU it checks: COUNT absolute, 20 ms on, then Enable in message mode */
static void oneshot_here(void)
{
	unsigned int cpu = this_cpu_index();
	struct oneshot *s = &shot[cpu];

	s->count = ref_count() + ONESHOT_DELAY;
	wrmsr(HV_MSR_STIMER_COUNT(s->timer), s->count);
	wrmsr(HV_MSR_STIMER_CONFIG(s->timer), HV_STIMER_ENABLE | HV_STIMER_SINT(s->sint));
	s->arrived = wait_count(cpu, s->sint, 1);
	s->config_after = rdmsr(HV_MSR_STIMER_CONFIG(s->timer));
}

static void check_oneshot(unsigned int cpu, unsigned int timer, unsigned int sint)
{
	struct oneshot *s = &shot[cpu];
	const struct sint_log *l = &logs[cpu][sint];
	const struct timer_msg *m = &l->msg;
	bool called = true, aeoi = sint_auto_eoi[sint];
	char what[64];

	reset_logs();
	*s = (struct oneshot){ .timer = timer, .sint = sint };
	if (cpu == BSP)
		oneshot_here();
	else
		called = run_on_ap(oneshot_here);

	fmt_snprintf(what, sizeof(what), "timer%u-oneshot-sint%u-one-interrupt", timer, sint);
	check(cpu_name(cpu, what), called && s->arrived && l->count == 1,
	      "%u interrupts on vector 0x%x (call %s)", l->count, (unsigned int)sint_values[sint] & 0xff,
	      called ? "returned" : "timed out");
	fmt_snprintf(what, sizeof(what), "timer%u-oneshot-sint%u-message", timer, sint);
	check(cpu_name(cpu, what), timer_message_ok(m, timer),
	      "type 0x%x, payload size %u, timer index %u, origin 0x%lx", m->type,
	      m->payload_size, m->timer_index, m->origin);
	fmt_snprintf(what, sizeof(what), "timer%u-oneshot-sint%u-expiration-is-count", timer, sint);
	check(cpu_name(cpu, what), m->expiration == s->count, "expiration 0x%lx, COUNT 0x%lx",
	      m->expiration, s->count);
	fmt_snprintf(what, sizeof(what), "timer%u-oneshot-sint%u-not-early", timer, sint);
	check(cpu_name(cpu, what), l->count && m->delivery >= m->expiration && l->ref >= s->count,
	      "COUNT 0x%lx, expiration 0x%lx, delivery 0x%lx, TIME_REF_COUNT in the handler 0x%lx",
	      s->count, m->expiration, m->delivery, l->ref);
	fmt_snprintf(what, sizeof(what), "timer%u-oneshot-sint%u-%s", timer, sint,
		     aeoi ? "auto-eoi-isr-clear" : "isr-set");
	check(cpu_name(cpu, what), l->count && l->isr_set == !aeoi,
	      "vector in service in the handler: %d", l->isr_set);
	fmt_snprintf(what, sizeof(what), "timer%u-oneshot-sint%u-enable-cleared", timer, sint);
	check(cpu_name(cpu, what), s->config_after == HV_STIMER_SINT(sint),
	      "CONFIG 0x%lx after expiry", s->config_after);
}

static void check_oneshots(void)
{
	check_oneshot(BSP, 0, SINT_MSG);
	check_oneshot(BSP, 0, SINT_AEOI);
	check_oneshot(AP, 1, SINT_MSG);
	check_oneshot(AP, 1, SINT_AEOI);
	wrmsr(HV_MSR_STIMER_CONFIG(0), 0);
}

/* ---- 6. A periodic timer (TLFS 12.3.1) ---- */

/*
 * How late the handler ran after each expiration (100 ns): the average, the
 * worst, and how many ticks were handled within a period.
 */
static unsigned int tick_latency(unsigned int nr, uint64_t *avg, uint64_t *worst)
{
	uint64_t sum = 0;
	unsigned int on_time = 0;

	*worst = 0;
	for (unsigned int i = 0; i < nr; i++) {
		uint64_t late = ticks[i].ref - ticks[i].expiration;

		sum += late;
		on_time += late < PERIOD;
		if (late > *worst)
			*worst = late;
	}
	*avg = nr ? sum / nr : 0;
	return on_time;
}

/* The first tick whose expiration is not a whole number of periods on, late or early */
static int first_bad_tick(unsigned int nr, uint64_t t0, uint64_t *skipped)
{
	*skipped = 0;
	for (unsigned int i = 0; i < nr; i++) {
		const struct tick *k = &ticks[i];
		uint64_t prev = i ? ticks[i - 1].expiration : 0, d = k->expiration - prev;
		bool ok = k->type == HV_MESSAGE_TIMER_EXPIRED && k->timer_index == 0 &&
			  k->expiration <= k->delivery && k->delivery <= k->ref;

		if (i == 0)
			ok &= k->expiration >= t0 + PERIOD;
		else
			ok &= k->expiration > prev && d % PERIOD == 0;
		if (!ok)
			return (int)i;
		if (i)
			*skipped += d / PERIOD - 1;
	}
	return -1;
}

static void check_periodic(void)
{
	volatile unsigned int *count = &logs[BSP][SINT_MSG].count;
	uint64_t t0, elapsed, last_exp, skipped, avg, late_avg, late_worst;
	unsigned int n1, n2, nr, on_time;
	int bad;

	reset_logs();
	recording = true;
	wrmsr(HV_MSR_STIMER_COUNT(0), PERIOD);
	t0 = ref_count();
	wrmsr(HV_MSR_STIMER_CONFIG(0),
	      HV_STIMER_ENABLE | HV_STIMER_PERIODIC | HV_STIMER_SINT(SINT_MSG));
	wait_until(count, NR_TICKS, TICKS_WAIT_US);
	wrmsr(HV_MSR_STIMER_CONFIG(0), 0);
	settle();
	n1 = *count;
	settle();
	n2 = *count;
	recording = false;

	nr = n1 < MAX_TICKS ? n1 : MAX_TICKS;
	bad = first_bad_tick(nr, t0, &skipped);
	elapsed = n1 >= NR_TICKS ? ticks[NR_TICKS - 1].ref - t0 : 0;
	last_exp = n1 >= NR_TICKS ? ticks[NR_TICKS - 1].expiration - t0 : 0;
	avg = elapsed / NR_TICKS;
	on_time = tick_latency(bad < 0 ? nr : 0, &late_avg, &late_worst);
	check("periodic-1000-ticks", n1 >= NR_TICKS, "%u ticks of %u", n1, NR_TICKS);
	check("periodic-expirations-whole-periods", bad < 0,
	      "tick %d: type 0x%x timer %u, expiration 0x%lx (previous 0x%lx, enabled 0x%lx), "
	      "delivery 0x%lx, handler 0x%lx",
	      bad, bad < 0 ? 0 : ticks[bad].type, bad < 0 ? 0 : ticks[bad].timer_index,
	      bad < 0 ? 0 : ticks[bad].expiration, bad <= 0 ? 0 : ticks[bad - 1].expiration, t0,
	      bad < 0 ? 0 : ticks[bad].delivery, bad < 0 ? 0 : ticks[bad].ref);
	check("periodic-not-early", n1 >= NR_TICKS && elapsed >= NR_TICKS * PERIOD &&
					    last_exp >= NR_TICKS * PERIOD,
	      "tick %u: expiration %lu, handler %lu after enabling (100 ns), %lu at least", NR_TICKS,
	      last_exp, elapsed, NR_TICKS * PERIOD);
	check("periodic-mostly-on-time", bad < 0 && nr && on_time > nr / 2,
	      "%u of %u ticks handled within a period of their expiration", on_time, nr);
	check("periodic-rate", n1 >= NR_TICKS && elapsed < SLOW_FACTOR * NR_TICKS * PERIOD,
	      "%u ticks took %lu (100 ns), the bound is %lu", NR_TICKS, elapsed,
	      SLOW_FACTOR * NR_TICKS * PERIOD);
	check("periodic-disable-stops", n2 == n1, "%u ticks, then %u", n1, n2);
	guest_printf("periodic: %u ticks of %lu us in %lu us: average period %lu.%lu us, "
		     "%lu periods skipped; handled %lu.%lu us after expiry on average, %lu.%lu at "
		     "worst, %u of %u within a period\n", NR_TICKS, PERIOD / 10, elapsed / 10,
		     avg / 10, avg % 10, skipped, late_avg / 10, late_avg % 10, late_worst / 10,
		     late_worst % 10, on_time, nr);
}

/* ---- 7. AutoEnable and COUNT 0 (TLFS 12.3.1) ---- */

static void check_auto_enable(void)
{
	const struct sint_log *l = &logs[BSP][SINT_MSG];
	uint64_t cfg = HV_STIMER_AUTO_ENABLE | HV_STIMER_SINT(SINT_MSG);
	uint64_t alone, armed, after, count, enabled, stopped;
	bool arrived;

	reset_logs();
	wrmsr(HV_MSR_STIMER_CONFIG(0), 0);
	wrmsr(HV_MSR_STIMER_COUNT(0), 0);
	wrmsr(HV_MSR_STIMER_CONFIG(0), cfg);
	alone = rdmsr(HV_MSR_STIMER_CONFIG(0));
	count = ref_count() + SHORT_DELAY;
	wrmsr(HV_MSR_STIMER_COUNT(0), count);
	armed = rdmsr(HV_MSR_STIMER_CONFIG(0));
	arrived = wait_count(BSP, SINT_MSG, 1);
	after = rdmsr(HV_MSR_STIMER_CONFIG(0));
	check("auto-enable-config-alone-disabled", alone == cfg, "CONFIG 0x%lx, wrote 0x%lx", alone,
	      cfg);
	check("auto-enable-count-sets-enable", armed == (cfg | HV_STIMER_ENABLE),
	      "CONFIG 0x%lx after COUNT", armed);
	check("auto-enable-timer-fires", arrived && timer_message_ok(&l->msg, 0) &&
					 l->msg.expiration == count && l->ref >= count,
	      "%u interrupts, type 0x%x timer %u, expiration 0x%lx (COUNT 0x%lx)", l->count,
	      l->msg.type, l->msg.timer_index, l->msg.expiration, count);
	check("auto-enable-oneshot-clears-enable", after == cfg, "CONFIG 0x%lx after expiry", after);

	/* COUNT 0 stops an enabled timer, AutoEnable or not */
	reset_logs();
	wrmsr(HV_MSR_STIMER_CONFIG(0), 0);
	count = ref_count() + SHORT_DELAY;
	wrmsr(HV_MSR_STIMER_COUNT(0), count);
	wrmsr(HV_MSR_STIMER_CONFIG(0), cfg | HV_STIMER_ENABLE);
	enabled = rdmsr(HV_MSR_STIMER_CONFIG(0));
	wrmsr(HV_MSR_STIMER_COUNT(0), 0);
	stopped = rdmsr(HV_MSR_STIMER_CONFIG(0));
	wait_ref(count + SHORT_DELAY);
	settle();
	check("count-0-disables", enabled == (cfg | HV_STIMER_ENABLE) && stopped == cfg &&
				  l->count == 0 && slots_empty(BSP),
	      "CONFIG 0x%lx, after COUNT 0 0x%lx; %u interrupts, slot type 0x%x", enabled, stopped,
	      l->count, sim[BSP][SINT_MSG].type);
	wrmsr(HV_MSR_STIMER_CONFIG(0), 0);
}

/* ---- 8. Direct mode (TLFS 12.3.3) ---- */

static void check_direct(void)
{
	struct direct_log *d = &direct[BSP];
	uint64_t cfg = HV_STIMER_ENABLE | HV_STIMER_DIRECT_MODE | HV_STIMER_APIC_VECTOR(VEC_DIRECT);
	uint64_t count, after, t0, elapsed;
	bool arrived, quiet;
	unsigned int n1;

	reset_logs();
	count = ref_count() + SHORT_DELAY;
	wrmsr(HV_MSR_STIMER_COUNT(0), count);
	wrmsr(HV_MSR_STIMER_CONFIG(0), cfg);
	arrived = wait_until(&d->count, 1, WAIT_US);
	after = rdmsr(HV_MSR_STIMER_CONFIG(0));
	quiet = slots_empty(BSP) && sint_interrupts(BSP) == 0;
	check("direct-oneshot-one-interrupt", arrived && d->isr_set && d->ref[0] >= count,
	      "%u interrupts on 0x%x, in service %d, TIME_REF_COUNT in the handler 0x%lx, "
	      "COUNT 0x%lx", d->count, VEC_DIRECT, d->isr_set, d->ref[0], count);
	check("direct-oneshot-no-message", quiet, "%u SINT interrupts, slots %s",
	      sint_interrupts(BSP), slots_empty(BSP) ? "empty" : "not empty");
	check("direct-oneshot-enable-cleared", after == (cfg & ~HV_STIMER_ENABLE),
	      "CONFIG 0x%lx after expiry", after);

	reset_logs();
	wrmsr(HV_MSR_STIMER_CONFIG(0), 0);
	wrmsr(HV_MSR_STIMER_COUNT(0), DIRECT_PERIOD);
	t0 = ref_count();
	wrmsr(HV_MSR_STIMER_CONFIG(0), cfg | HV_STIMER_PERIODIC);
	wait_until(&d->count, NR_DIRECT, WAIT_US);
	wrmsr(HV_MSR_STIMER_CONFIG(0), 0);
	settle();
	n1 = d->count;
	elapsed = n1 >= NR_DIRECT ? d->ref[NR_DIRECT - 1] - t0 : 0;
	quiet = slots_empty(BSP) && sint_interrupts(BSP) == 0;
	check("direct-periodic-10-interrupts", n1 >= NR_DIRECT, "%u interrupts", n1);
	check("direct-periodic-not-early", n1 >= NR_DIRECT && elapsed >= NR_DIRECT * DIRECT_PERIOD,
	      "%u periods of %lu took %lu (100 ns)", NR_DIRECT, DIRECT_PERIOD, elapsed);
	check("direct-periodic-rate", n1 >= NR_DIRECT &&
					      elapsed < SLOW_FACTOR * NR_DIRECT * DIRECT_PERIOD,
	      "%u periods of %lu took %lu (100 ns), the bound is %lu", NR_DIRECT, DIRECT_PERIOD,
	      elapsed, SLOW_FACTOR * NR_DIRECT * DIRECT_PERIOD);
	check("direct-periodic-no-message", quiet, "%u SINT interrupts, slots %s",
	      sint_interrupts(BSP), slots_empty(BSP) ? "empty" : "not empty");
	guest_printf("direct periodic: %u periods of %lu us in %lu us\n", NR_DIRECT,
		     DIRECT_PERIOD / 10, elapsed / 10);
}

/* ---- 9. The CONFIG rules (TLFS 12.3.1): RsvdZ #GPs, SINTx 0 never enabled ---- */

static void check_config_rules(void)
{
	static const unsigned int reserved[] = { 13, 20, 63 };
	const uint64_t base = HV_STIMER_SINT(SINT_BUSY) | HV_STIMER_LAZY;
	uint64_t val, count_back;
	char name[48];

	wrmsr(HV_MSR_STIMER_CONFIG(2), base);
	for (unsigned int i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
		uint64_t bad = base | 1ULL << reserved[i];
		int v = wrmsr_safe(HV_MSR_STIMER_CONFIG(2), bad);

		val = rdmsr(HV_MSR_STIMER_CONFIG(2));
		fmt_snprintf(name, sizeof(name), "stimer-config-reserved-bit-%u-gp", reserved[i]);
		check(name, v == X86_GP && val == base, "wrmsr 0x%lx raised %s, CONFIG then 0x%lx",
		      bad, exception_name(v), val);
	}
	wrmsr(HV_MSR_STIMER_CONFIG(2), HV_STIMER_ENABLE);
	val = rdmsr(HV_MSR_STIMER_CONFIG(2));
	check("stimer-sint0-enable-stays-clear", val == 0, "CONFIG 0x%lx after writing 0x%llx", val,
	      HV_STIMER_ENABLE);
	wrmsr(HV_MSR_STIMER_CONFIG(2), HV_STIMER_ENABLE | HV_STIMER_PERIODIC);
	val = rdmsr(HV_MSR_STIMER_CONFIG(2));
	check("stimer-sint0-periodic-enable-stays-clear", val == HV_STIMER_PERIODIC,
	      "CONFIG 0x%lx after writing 0x%llx", val, HV_STIMER_ENABLE | HV_STIMER_PERIODIC);
	wrmsr(HV_MSR_STIMER_CONFIG(2), 0);
	wrmsr(HV_MSR_STIMER_COUNT(2), 0x123456789abcULL);
	count_back = rdmsr(HV_MSR_STIMER_COUNT(2));
	check("stimer-count-reads-back", count_back == 0x123456789abcULL, "COUNT 0x%lx",
	      count_back);
	wrmsr(HV_MSR_STIMER_COUNT(2), 0);
}

/* ---- 10. A one-shot behind a busy slot (TLFS 11.9.3, 12.3.4) ---- */

static uint64_t arm_oneshot(unsigned int timer, unsigned int sint, uint64_t delay)
{
	uint64_t count = ref_count() + delay;

	wrmsr(HV_MSR_STIMER_CONFIG(timer), 0);
	wrmsr(HV_MSR_STIMER_COUNT(timer), count);
	wrmsr(HV_MSR_STIMER_CONFIG(timer), HV_STIMER_ENABLE | HV_STIMER_SINT(sint));
	return count;
}

static void check_busy_slot(void)
{
	volatile struct hv_message *slot = &sim[BSP][SINT_BUSY];
	const struct sint_log *l = &logs[BSP][SINT_BUSY];
	uint64_t count2, count3, freed, config3;
	struct timer_msg held;
	bool first, second, pending;
	unsigned int waited;

	reset_logs();
	consume[SINT_BUSY] = false;
	count2 = arm_oneshot(2, SINT_BUSY, BUSY_DELAY);
	first = wait_count(BSP, SINT_BUSY, 1);
	check("busy-first-timer-message", first && timer_message_ok(&l->msg, 2) &&
						  l->msg.expiration == count2,
	      "%u interrupts, type 0x%x timer %u, expiration 0x%lx (COUNT 0x%lx)", l->count,
	      l->msg.type, l->msg.timer_index, l->msg.expiration, count2);

	count3 = arm_oneshot(3, SINT_BUSY, BUSY_DELAY);
	wait_ref(count3 + ONESHOT_DELAY);
	settle();
	waited = l->count;
	read_slot(slot, &held);
	pending = held.flags & HV_MESSAGE_PENDING;
	config3 = rdmsr(HV_MSR_STIMER_CONFIG(3));
	check("busy-second-timer-waits", waited == 1 && timer_message_ok(&held, 2) &&
						 held.expiration == count2,
	      "%u interrupts, the slot holds type 0x%x timer %u expiration 0x%lx", waited,
	      held.type, held.timer_index, held.expiration);
	check("busy-message-pending-set", pending, "slot flags 0x%x", held.flags);
	guest_printf("busy slot: timer 3 waits with CONFIG 0x%lx\n", config3);

	freed = ref_count();
	__atomic_store_n(&slot->type, 0, __ATOMIC_SEQ_CST);
	wrmsr(HV_MSR_EOM, 0);
	second = wait_count(BSP, SINT_BUSY, 2);
	config3 = rdmsr(HV_MSR_STIMER_CONFIG(3));
	check("busy-eom-delivers-second-timer", second && timer_message_ok(&l->msg, 3) &&
							l->msg.expiration == count3,
	      "%u interrupts, type 0x%x timer %u, expiration 0x%lx (COUNT 0x%lx)", l->count,
	      l->msg.type, l->msg.timer_index, l->msg.expiration, count3);
	check("busy-second-timer-delivered-late", second && l->msg.delivery >= freed &&
						  l->msg.delivery > l->msg.expiration,
	      "expiration 0x%lx, delivery 0x%lx, slot freed at 0x%lx", l->msg.expiration,
	      l->msg.delivery, freed);
	check("busy-second-timer-enable-cleared", config3 == HV_STIMER_SINT(SINT_BUSY),
	      "CONFIG 0x%lx after delivery", config3);

	/* Again behind timer 3's message; this time the EOI of the vector acknowledges. */
	count2 = arm_oneshot(2, SINT_BUSY, BUSY_DELAY);
	wait_ref(count2 + ONESHOT_DELAY);
	settle();
	waited = l->count;
	__atomic_store_n(&slot->type, 0, __ATOMIC_SEQ_CST);
	apic_self_ipi(VEC_SINT4); /* its handler's EOI is the acknowledge */
	second = wait_count(BSP, SINT_BUSY, 4);
	check("busy-eoi-delivers-waiting-timer", waited == 2 && second &&
							 timer_message_ok(&l->msg, 2) &&
							 l->msg.expiration == count2,
	      "%u interrupts before the EOI, %u after (4 expected), type 0x%x timer %u, "
	      "expiration 0x%lx (COUNT 0x%lx)", waited, l->count, l->msg.type,
	      l->msg.timer_index, l->msg.expiration, count2);
	__atomic_store_n(&slot->type, 0, __ATOMIC_SEQ_CST);
	wrmsr(HV_MSR_EOM, 0);
	consume[SINT_BUSY] = true;
	wrmsr(HV_MSR_STIMER_CONFIG(2), 0);
	wrmsr(HV_MSR_STIMER_CONFIG(3), 0);
}

/* ---- 11. A period of 100 ns (TLFS 12.3.1 sets no floor) ---- */

/*
 * A regression check (guest-tests/fuzz found it under Bochs VMX): the host
 * timer that serves a timer due at every entry fired as the vCPU entered,
 * and the guest never ran another instruction. It must still run, and stop
 * the timer.
 */
static void check_tiny_period(void)
{
	uint64_t t0 = ref_count(), t1;

	wrmsr(HV_MSR_STIMER_COUNT(1), 1);
	wrmsr(HV_MSR_STIMER_CONFIG(1), HV_STIMER_ENABLE | HV_STIMER_PERIODIC |
					       HV_STIMER_DIRECT_MODE | HV_STIMER_APIC_VECTOR(VEC_DIRECT));
	udelay(TINY_RUN_US);
	wrmsr(HV_MSR_STIMER_CONFIG(1), 0);
	t1 = ref_count();
	settle();
	check("periodic-100ns-guest-still-runs", t1 - t0 >= TINY_RUN_US * 10,
	      "%lu units of 100 ns passed in a spin of %u us", t1 - t0, TINY_RUN_US);
}

/* ---- The run ---- */

static bool start_ap(void)
{
	int ret = smp_start_ap(apic_id() == 0 ? 1 : 0, ap_start);
	bool ready = ret == 0 && wait_for_flag(&ap_ready, SMP_READY_US);

	check("ap-start", ready, "the AP did not report in and enable its APIC");
	return ready;
}

void test_main(const char *cmdline)
{
	(void)cmdline;
	apic_mode_xapic();
	apic_enable();
	irq_set_handler(VEC_SINT2, sint_handler);
	irq_set_handler(VEC_SINT3, sint_handler);
	irq_set_handler(VEC_SINT4, sint_handler);
	irq_set_handler(VEC_DIRECT, direct_handler);
	for (unsigned int n = 0; n < NR_SINTS; n++)
		consume[n] = true;
	if (!start_ap())
		return;
	check_cpuid();
	check_ref_count();
	check_ref_tsc_page();
	setup_synic();
	check_config_rules();
	check_oneshots();
	check_periodic();
	check_auto_enable();
	check_direct();
	check_busy_slot();
	check_tiny_period();
}

/*
 * A benchmark: what an operation costs the guest in VM exits and in TSC ticks
 * (under QEMU -icount shift=0 and Bochs with a fixed ips the TSC advances with
 * the instructions executed, so ticks stand for emulated instructions). Each
 * operation runs iterations=N times (default 1000) in a loop; one line each:
 *
 *   BENCH <name> exits=<x.xx> ticks=<n> iterations=<n>
 *
 * exits: the average per operation, from the hypervisor's exit counters
 * (exit-counters=on: MSR 0x4d480000 + N reads this vCPU's count of exit
 * reason N, core/exit.h); ticks: the average TSC ticks per operation. First
 * one line "BENCH-INFO cpu=<vendor> hints=0x<0x40000004.EAX> tsc_khz=<n>";
 * with "detail" on the command line also a "BENCH-DETAIL" line per operation
 * with the exits of each reason over the whole loop.
 *
 * The module command line (the hypervisor's side):
 *   cpus=2 exit-counters=on msg=1:vp=0:sint=2 msg=2:vp=1:sint=2 msg=3:vp=0:sint=3
 *   event=4:vp=0:sint=2:flag=0 event=5:vp=0:sint=3:flag=0 msg=6:vp=1:sint=3
 * SINT 2 is a normal SINT on vector 0x52, SINT 3 an auto-EOI one on 0x63, on
 * both vCPUs.
 *
 * The "-running" operations send to the AP while it spins with interrupts on
 * (not halted), and report what they cost it: target_exits per operation and
 * target_posted, the vectors posted to its descriptor (posted interrupts,
 * MSR 0x4d480100). With "expect-posted" on the command line they also check
 * what posted interrupts promise: an IPI to the running AP costs it no exit, a
 * message to a normal SINT only its EOI's (the SynIC sees every EOI), and
 * auto-EOI vectors never go through the descriptor.
 *
 * The local APIC is reached through its MMIO page at an address read once:
 * the library's apic_*() read IA32_APIC_BASE (an RDMSR exit) at each access,
 * which would count the library's habit rather than the operation.
 */
#include "lib/fmt.h"
#include "guest-tests/lib/guest.h"
#include "guest-tests/lib/hyperv.h"

#define NR_CPUS       2
#define BSP           0
#define AP            1
#define NR_SINTS      16
#define SINT_NORMAL   2
#define SINT_AEOI     3
#define VEC_ORDINARY  0x41
#define VEC_NORMAL    0x52 /* SINT 2 */
#define VEC_AEOI      0x63 /* SINT 3, auto-EOI */
#define VEC_DIRECT    0x85 /* synthetic timer 0 in direct mode */
#define EVENT_FLAG    0

#define CONN_SELF_NORMAL 1 /* message, vCPU 0, SINT 2 */
#define CONN_OTHER       2 /* message, vCPU 1, SINT 2 */
#define CONN_SELF_AEOI   3 /* message, vCPU 0, SINT 3 */
#define EVENT_NORMAL     4 /* event flag 0, vCPU 0, SINT 2 */
#define EVENT_AEOI       5 /* event flag 0, vCPU 0, SINT 3 */
#define CONN_OTHER_AEOI  6 /* message, vCPU 1, SINT 3 */
#define MSG_TYPE         1

/* The hypervisor's exit counters (cpumodel/msr_policy.c, core/exit.h) */
#define MSR_EXIT_COUNTERS 0x4d480000
#define NR_EXIT_REASONS   26 /* EXIT_REASON_COUNT */
#define EXIT_RDMSR        1
#define EXIT_EOI_INDUCED  17
#define EXIT_APIC_EOI     19
#define MSR_POSTED        0x4d480100 /* the vectors posted to this vCPU's descriptor */

#define DEFAULT_ITERATIONS 1000
#define WAIT_US            2000000 /* one operation's handler: only a failure waits this long */
#define CALL_US            5000000
#define CALIBRATIONS       5
#define ST_SUCCESS         0

static const char *const reason_names[] = {
	"cpuid", "rdmsr", "wrmsr", "io", "hlt", "hypercall", "npf", "exception", "intr", "nmi",
	"init", "shutdown", "invalid-state", "unsupported-insn", "cr-access",
	"interrupt-window", "apic-write", "eoi-induced", "apic-access", "eoi", "ipi", "unknown",
	"xsetbv", "nmi-window", "task-switch", "single-step",
};
_Static_assert(sizeof(reason_names) / sizeof(reason_names[0]) == NR_EXIT_REASONS,
	       "a name for each of core/exit.h's reasons");

static struct hv_message sim[NR_CPUS][NR_SINTS] __attribute__((aligned(4096)));
static uint8_t sief[NR_CPUS][NR_SINTS][256] __attribute__((aligned(4096)));
static uint8_t hypercall_page[4096] __attribute__((aligned(4096)));

static uint64_t iterations = DEFAULT_ITERATIONS;
static bool detail, expect_posted;
static uintptr_t apic_mmio;    /* the xAPIC page, the same on both vCPUs */
static uint64_t wait_ticks;    /* WAIT_US in TSC ticks */
static volatile uint32_t ap_apic_id;

/* What the handlers saw, per vCPU */
struct cpu_log {
	volatile unsigned int messages[NR_SINTS];
	volatile unsigned int events[NR_SINTS];
	volatile unsigned int timer_messages;
	volatile unsigned int ordinary;
	volatile unsigned int direct;
	volatile unsigned int bad_type; /* a message of a type we never send */
};

static struct cpu_log logs[NR_CPUS];

/* The EOI probe: the handler measures its EOI (or its absence) while it is on. */
static volatile bool probe;
static uint64_t probe_exits, probe_ticks, probe_count, rdtsc_pair;

static uint16_t op_status = ST_SUCCESS; /* the first failing hypercall status */
static bool failed_wait;

/* ---- The local APIC, MMIO at a cached address ---- */

static inline void fast_eoi(void)
{
	*(volatile uint32_t *)(apic_mmio + APIC_EOI) = 0;
}

/*
 * A self-IPI through the ICR shorthand: one write (the destination field is
 * not used). No poll of the delivery status before: the previous IPI has been
 * handled by then.
 */
static inline void fast_self_ipi(uint8_t vector)
{
	*(volatile uint32_t *)(apic_mmio + APIC_ICR) = APIC_DEST_SELF | APIC_DM_FIXED | vector;
}

/* A fixed IPI to the APIC ID dest, in the xAPIC's two writes. */
static inline void fast_ipi(uint32_t dest, uint8_t vector)
{
	*(volatile uint32_t *)(apic_mmio + APIC_ICR_HIGH) = dest << 24;
	*(volatile uint32_t *)(apic_mmio + APIC_ICR) = APIC_DM_FIXED | vector;
}

/* ---- Exit counters ---- */

struct counters {
	uint64_t n[NR_EXIT_REASONS];
};

/*
 * Every exit is counted once, under its reason or, for local-APIC accesses,
 * the register's bucket (18-20, core/vcpu.c): the sum is the exits taken.
 * Each read is an RDMSR exit, counted under EXIT_RDMSR: NR_EXIT_REASONS of
 * them per call.
 */
static void read_counters(struct counters *c)
{
	for (unsigned int i = 0; i < NR_EXIT_REASONS; i++)
		c->n[i] = rdmsr(MSR_EXIT_COUNTERS + i);
}

static uint64_t counters_sum(const struct counters *c)
{
	uint64_t sum = 0;

	for (unsigned int i = 0; i < NR_EXIT_REASONS; i++)
		sum += c->n[i];
	return sum;
}

/*
 * The EOI-related counters alone. Reading them is an RDMSR exit, counted
 * under reason 1, which leaves these two counters as they were: their delta
 * around an EOI is exactly what the EOI cost.
 */
static inline uint64_t eoi_counters(void)
{
	return rdmsr(MSR_EXIT_COUNTERS + EXIT_EOI_INDUCED) + rdmsr(MSR_EXIT_COUNTERS + EXIT_APIC_EOI);
}

/* ---- Handlers (both vCPUs) ---- */

/* The EOI of a vector that takes one; under the probe, measured on its own. */
static void eoi_point(void)
{
	uint64_t before, t0, t1;

	if (!probe) {
		fast_eoi();
		return;
	}
	before = eoi_counters();
	t0 = rdtsc();
	fast_eoi();
	t1 = rdtsc();
	probe_exits += eoi_counters() - before;
	probe_ticks += t1 - t0;
	probe_count++;
}

/* An auto-EOI vector's handler sends no EOI: the probe measures around nothing. */
static void no_eoi_point(void)
{
	uint64_t before, t0, t1;

	if (!probe)
		return;
	before = eoi_counters();
	t0 = rdtsc();
	asm volatile("" ::: "memory");
	t1 = rdtsc();
	probe_exits += eoi_counters() - before;
	probe_ticks += t1 - t0;
	probe_count++;
}

static void ordinary_handler(uint8_t vector)
{
	(void)vector;
	eoi_point();
	logs[this_cpu_index()].ordinary++;
}

static void direct_handler(uint8_t vector)
{
	(void)vector;
	fast_eoi();
	logs[this_cpu_index()].direct++;
}

/*
 * A SINT: the message in its slot (freed, EOM if more wait), its event flag
 * (cleared), the EOI; counted last, so that a waiting sender sends the next
 * one only when this handler is done with the slot and the vector.
 */
static void sint_handler(uint8_t vector)
{
	unsigned int cpu = this_cpu_index();
	unsigned int n = vector == VEC_NORMAL ? SINT_NORMAL : SINT_AEOI;
	struct cpu_log *log = &logs[cpu];
	struct hv_message *slot = &sim[cpu][n];
	uint32_t type = __atomic_load_n(&slot->type, __ATOMIC_ACQUIRE);
	uint8_t *flags = &sief[cpu][n][EVENT_FLAG / 8];
	uint8_t bit = 1U << (EVENT_FLAG % 8);
	bool event = false;

	if (type)
		hv_message_done(slot);
	if (__atomic_load_n(flags, __ATOMIC_RELAXED) & bit)
		event = __atomic_fetch_and(flags, (uint8_t)~bit, __ATOMIC_SEQ_CST) & bit;
	if (n == SINT_NORMAL)
		eoi_point();
	else
		no_eoi_point();
	if (type == HV_MESSAGE_TIMER_EXPIRED)
		log->timer_messages++;
	else if (type == MSG_TYPE)
		log->messages[n]++;
	else if (type)
		log->bad_type++;
	if (event)
		log->events[n]++;
}

/* ---- The AP ---- */

/* The AP spinning with interrupts on, and its counters around the spin */
static volatile bool ap_spin, ap_spinning;
static struct counters ap_spin_before, ap_spin_after;
static uint64_t ap_posted_before, ap_posted_after;

/*
 * Around the spin, the reads are RDMSR exits: NR_EXIT_REASONS between the two
 * snapshots (as check_counter_overhead() finds) and the two of MSR_POSTED.
 */
static void ap_spin_here(void)
{
	read_counters(&ap_spin_before);
	ap_posted_before = rdmsr(MSR_POSTED);
	ap_spinning = true;
	sti();
	while (ap_spin)
		asm volatile("pause");
	cli();
	ap_posted_after = rdmsr(MSR_POSTED);
	read_counters(&ap_spin_after);
	ap_spinning = false;
}

/* The AP's life: halted until an interrupt, spinning when asked to. */
/* The AP reports in before ap_start() runs: the BSP waits for ap_ready before it calls the AP. */
static volatile bool ap_ready;

static void ap_start(unsigned int cpu)
{
	(void)cpu;
	apic_enable();
	ap_apic_id = apic_id();
	ap_ready = true;
	for (;;) {
		sti();
		hlt();
		cli();
		if (ap_spin)
			ap_spin_here();
	}
}

/* SINTs before the pages and SCONTROL: a message to a masked SINT raises nothing. */
static void synic_setup(void)
{
	unsigned int cpu = this_cpu_index();

	wrmsr(HV_MSR_SINT(SINT_NORMAL), VEC_NORMAL);
	wrmsr(HV_MSR_SINT(SINT_AEOI), VEC_AEOI | HV_SINT_AUTO_EOI);
	hv_synic_enable(sim[cpu], sief[cpu]);
}

static struct counters ap_counters;

static void ap_read_counters(void)
{
	read_counters(&ap_counters);
}

static bool ap_sum(uint64_t *sum)
{
	if (!smp_call(ap_apic_id, ap_read_counters, CALL_US))
		return false;
	*sum = counters_sum(&ap_counters);
	return true;
}

/*
 * What two smp_call() reads of the AP's counters in a row cost the AP
 * between them (the rest of the first call, its HLT, the second call's
 * interrupt, EOI and reads): the least of a few tries.
 */
static uint64_t ap_read_overhead(void)
{
	uint64_t best = UINT64_MAX, a, b;

	for (unsigned int i = 0; i < CALIBRATIONS; i++)
		if (ap_sum(&a) && ap_sum(&b) && b - a < best)
			best = b - a;
	return best;
}

/* ---- Operations: one each; false when its handler did not run in time ---- */

static bool wait_for(volatile unsigned int *count, unsigned int want)
{
	uint64_t end = rdtsc() + wait_ticks;

	while (*count < want) {
		if (rdtsc() >= end) {
			failed_wait = true;
			return false;
		}
		asm volatile("pause");
	}
	return true;
}

static void note_status(uint16_t st)
{
	if (st != ST_SUCCESS && op_status == ST_SUCCESS)
		op_status = st;
}

static bool op_cpuid(void)
{
	cpuid(0x40000001, 0);
	return true;
}

static bool op_rdmsr_scontrol(void)
{
	rdmsr(HV_MSR_SCONTROL);
	return true;
}

static bool op_wrmsr_eom(void)
{
	wrmsr(HV_MSR_EOM, 0);
	return true;
}

/* With interrupts on: the IPI, then the wait for its handler. */
static bool op_self_ipi(void)
{
	unsigned int want = logs[BSP].ordinary + 1;
	bool ok;

	sti();
	fast_self_ipi(VEC_ORDINARY);
	ok = wait_for(&logs[BSP].ordinary, want);
	cli();
	return ok;
}

static uint64_t payload = 0x0123456789abcdefULL;

static bool post_and_wait(unsigned int cpu, unsigned int conn, unsigned int sint)
{
	unsigned int want = logs[cpu].messages[sint] + 1;
	uint16_t st;
	bool ok;

	sti();
	st = hv_post_message(conn, MSG_TYPE, &payload, sizeof(payload));
	note_status(st);
	ok = st == ST_SUCCESS && wait_for(&logs[cpu].messages[sint], want);
	cli();
	return ok;
}

static bool op_message_self_normal(void) { return post_and_wait(BSP, CONN_SELF_NORMAL, SINT_NORMAL); }
static bool op_message_self_aeoi(void) { return post_and_wait(BSP, CONN_SELF_AEOI, SINT_AEOI); }
static bool op_message_other(void) { return post_and_wait(AP, CONN_OTHER, SINT_NORMAL); }
static bool op_message_other_aeoi(void) { return post_and_wait(AP, CONN_OTHER_AEOI, SINT_AEOI); }

static bool op_ipi_other(void)
{
	unsigned int want = logs[AP].ordinary + 1;

	fast_ipi(ap_apic_id, VEC_ORDINARY);
	return wait_for(&logs[AP].ordinary, want);
}

static bool signal_and_wait(unsigned int conn, unsigned int sint)
{
	unsigned int want = logs[BSP].events[sint] + 1;
	uint16_t st;
	bool ok;

	sti();
	st = hv_signal_event(conn);
	note_status(st);
	ok = st == ST_SUCCESS && wait_for(&logs[BSP].events[sint], want);
	cli();
	return ok;
}

static bool op_event_normal(void) { return signal_and_wait(EVENT_NORMAL, SINT_NORMAL); }
static bool op_event_aeoi(void) { return signal_and_wait(EVENT_AEOI, SINT_AEOI); }

/* Timer 0 one-shot, due at once: COUNT is the absolute time (TLFS 12.3), then CONFIG arms it. */
static bool arm_and_wait(uint64_t config, volatile unsigned int *count)
{
	unsigned int want = *count + 1;
	bool ok;

	sti();
	wrmsr(HV_MSR_STIMER_COUNT(0), rdmsr(HV_MSR_TIME_REF_COUNT) + 1);
	wrmsr(HV_MSR_STIMER_CONFIG(0), config);
	ok = wait_for(count, want);
	cli();
	return ok;
}

static bool op_stimer_message(void)
{
	return arm_and_wait(HV_STIMER_ENABLE | HV_STIMER_SINT(SINT_NORMAL), &logs[BSP].timer_messages);
}

static bool op_stimer_direct(void)
{
	return arm_and_wait(HV_STIMER_ENABLE | HV_STIMER_DIRECT_MODE |
				    HV_STIMER_APIC_VECTOR(VEC_DIRECT),
			    &logs[BSP].direct);
}

/* ---- Measuring and reporting ---- */

/* total / n with two fractional digits, rounded, into buf */
static const char *per_op(char *buf, size_t size, int64_t total, uint64_t n)
{
	int64_t x = total * 100;
	int64_t q;

	if (!n)
		n = 1;
	q = (x >= 0 ? x + (int64_t)n / 2 : x - (int64_t)n / 2) / (int64_t)n;
	fmt_snprintf(buf, size, "%s%lu.%02lu", q < 0 ? "-" : "", (uint64_t)(q < 0 ? -q : q) / 100,
		     (uint64_t)(q < 0 ? -q : q) % 100);
	return buf;
}

static void print_detail(const char *name, const struct counters *a, const struct counters *b)
{
	char line[240];
	int len;

	if (!detail)
		return;
	len = fmt_snprintf(line, sizeof(line), "BENCH-DETAIL %s", name);
	for (unsigned int i = 0; i < NR_EXIT_REASONS && len < (int)sizeof(line); i++) {
		int64_t d = (int64_t)(b->n[i] - a->n[i]) - (i == EXIT_RDMSR ? NR_EXIT_REASONS : 0);

		if (d)
			len += fmt_snprintf(line + len, sizeof(line) - len, " %s=%ld",
					    reason_names[i], d);
	}
	guest_printf("%s\n", line);
}

static void check_done(const char *name, uint64_t done, uint64_t want)
{
	char check_name[64];

	fmt_snprintf(check_name, sizeof(check_name), "%s-all-handled", name);
	check(check_name, done == want, "%lu of %lu operations completed (hypercall status 0x%x)",
	      done, want, op_status);
}

/*
 * iterations of op between two reads of the counters and the TSC. The
 * counter reads between the two snapshots (one whole read) are NR_EXIT_REASONS
 * RDMSR exits: subtracted. With target, the AP's exits too, without those of
 * the smp_call() reads (calibrated).
 */
static void run(const char *name, bool (*op)(void), bool target)
{
	struct counters a, b;
	uint64_t t0, t1, done = 0, ap_overhead = 0, ap_a = 0, ap_b = 0;
	bool ap_ok = true;
	int64_t exits;
	char ex[32], tex[32];

	if (target) {
		ap_overhead = ap_read_overhead();
		ap_ok = ap_sum(&ap_a);
	}
	read_counters(&a);
	t0 = rdtsc();
	while (done < iterations && op())
		done++;
	t1 = rdtsc();
	read_counters(&b);
	if (target)
		ap_ok = ap_ok && ap_sum(&ap_b) && ap_overhead != UINT64_MAX;
	exits = (int64_t)(counters_sum(&b) - counters_sum(&a)) - NR_EXIT_REASONS;
	per_op(ex, sizeof(ex), exits, done);
	if (target) {
		per_op(tex, sizeof(tex), (int64_t)(ap_b - ap_a) - (int64_t)ap_overhead, done);
		guest_printf("BENCH %s exits=%s ticks=%lu iterations=%lu target_exits=%s\n", name,
			     ex, done ? (t1 - t0) / done : 0, done, tex);
		check("ap-counter-reads", ap_ok, "an smp_call() to read the AP's counters failed");
	} else {
		guest_printf("BENCH %s exits=%s ticks=%lu iterations=%lu\n", name, ex,
			     done ? (t1 - t0) / done : 0, done);
	}
	print_detail(name, &a, &b);
	check_done(name, done, iterations);
}

static void ap_noop(void) {}

/* The AP spins (an smp_call() wakes it); false if it did not start. */
static bool ap_spin_start(void)
{
	uint64_t end = rdtsc() + wait_ticks;

	ap_spin = true;
	if (!smp_call(ap_apic_id, ap_noop, CALL_US))
		return false;
	while (!ap_spinning && rdtsc() < end)
		asm volatile("pause");
	return ap_spinning;
}

static bool ap_spin_stop(void)
{
	uint64_t end = rdtsc() + wait_ticks;

	ap_spin = false;
	while (ap_spinning && rdtsc() < end)
		asm volatile("pause");
	return !ap_spinning;
}

/* What posted interrupts promise for an operation on the running AP */
enum posted_promise {
	NO_EXIT,       /* delivered without an exit, through the descriptor */
	ONLY_EOI_EXIT, /* the same, and its EOI exits (a SynIC vector: the bitmap has it) */
	NOT_POSTED,    /* never through the descriptor (auto-EOI: injected) */
};

static void check_posted(const char *name, enum posted_promise promise, int64_t exits,
			 uint64_t posted, uint64_t done)
{
	int64_t want_exits = promise == ONLY_EOI_EXIT ? (int64_t)done : 0;
	char check_name[64];

	if (!expect_posted || !done)
		return;
	fmt_snprintf(check_name, sizeof(check_name), "%s-posted", name);
	if (promise == NOT_POSTED)
		check(check_name, posted == 0,
		      "%lu auto-EOI vectors went through the posted-interrupt descriptor", posted);
	else
		check(check_name, exits == want_exits && posted == done,
		      "%ld exits and %lu posted vectors on the AP for %lu operations (wanted %ld "
		      "and %lu)", exits, posted, done, want_exits, done);
}

/*
 * iterations of op while the AP spins: what they cost the BSP, and the AP's
 * exits and posted vectors between its two snapshots.
 */
static void run_spinning(const char *name, bool (*op)(void), enum posted_promise promise)
{
	struct counters a, b;
	uint64_t t0, t1, done = 0, posted;
	int64_t exits, target;
	char ex[32], tex[32], tpo[32];
	bool ok = ap_spin_start();

	read_counters(&a);
	t0 = rdtsc();
	sti();
	while (ok && done < iterations && op())
		done++;
	cli();
	t1 = rdtsc();
	read_counters(&b);
	ok = ap_spin_stop() && ok;
	check("ap-spins", ok, "the AP did not start or stop spinning");
	exits = (int64_t)(counters_sum(&b) - counters_sum(&a)) - NR_EXIT_REASONS;
	target = (int64_t)(counters_sum(&ap_spin_after) - counters_sum(&ap_spin_before)) -
		 NR_EXIT_REASONS - 2;
	posted = ap_posted_after - ap_posted_before;
	guest_printf("BENCH %s exits=%s ticks=%lu iterations=%lu target_exits=%s target_posted=%s\n",
		     name, per_op(ex, sizeof(ex), exits, done), done ? (t1 - t0) / done : 0, done,
		     per_op(tex, sizeof(tex), target, done), per_op(tpo, sizeof(tpo), (int64_t)posted, done));
	print_detail(name, &a, &b);
	check_done(name, done, iterations);
	check_posted(name, promise, target, posted, done);
}

/* The EOI alone, as the handlers' probe measured it (exits: counters 17 and 19 only). */
static void run_probe(const char *name, bool (*op)(void))
{
	uint64_t done = 0, ticks;
	char ex[32];

	probe_exits = probe_ticks = probe_count = 0;
	probe = true;
	while (done < iterations && op())
		done++;
	probe = false;
	ticks = probe_count ? probe_ticks / probe_count : 0;
	ticks = ticks > rdtsc_pair ? ticks - rdtsc_pair : 0;
	guest_printf("BENCH %s exits=%s ticks=%lu iterations=%lu\n", name,
		     per_op(ex, sizeof(ex), (int64_t)probe_exits, probe_count), ticks, probe_count);
	check_done(name, probe_count, iterations);
}

/* What two RDTSCs in a row cost (the probe's ticks are net of it): the least of a few. */
static uint64_t measure_rdtsc_pair(void)
{
	uint64_t best = UINT64_MAX;

	for (unsigned int i = 0; i < 64; i++) {
		uint64_t t0 = rdtsc();
		asm volatile("" ::: "memory");
		uint64_t t1 = rdtsc();

		if (t1 - t0 < best)
			best = t1 - t0;
	}
	return best;
}

/* Two whole reads of the counters in a row differ by exactly one read's RDMSR exits. */
static void check_counter_overhead(void)
{
	struct counters a, b;
	uint64_t best = UINT64_MAX;

	for (unsigned int i = 0; i < CALIBRATIONS; i++) {
		read_counters(&a);
		read_counters(&b);
		if (counters_sum(&b) - counters_sum(&a) < best)
			best = counters_sum(&b) - counters_sum(&a);
	}
	check("counter-read-overhead", best == NR_EXIT_REASONS,
	      "two reads of the %u counters differ by %lu exits", NR_EXIT_REASONS, best);
}

static void print_info(void)
{
	struct cpuid_regs r = cpuid(0, 0);
	uint32_t w[3] = { r.ebx, r.edx, r.ecx };
	char vendor[13];

	for (unsigned int i = 0; i < 12; i++)
		vendor[i] = (char)(w[i / 4] >> (8 * (i % 4)));
	vendor[12] = '\0';
	guest_printf("BENCH-INFO cpu=%s hints=0x%x tsc_khz=%u\n", vendor,
		     cpuid(0x40000004, 0).eax, tsc_khz());
}

static bool setup(void)
{
	uint64_t val;
	int vec;

	apic_mode_xapic();
	apic_enable();
	apic_mmio = (uintptr_t)(rdmsr(MSR_IA32_APIC_BASE) & APIC_BASE_ADDR_MASK);
	wait_ticks = (uint64_t)WAIT_US * tsc_khz() / 1000;
	vec = rdmsr_safe(MSR_EXIT_COUNTERS, &val);
	check("exit-counters", vec == NO_EXCEPTION, "MSR 0x%x: %s (exit-counters=on missing?)",
	      MSR_EXIT_COUNTERS, exception_name(vec));
	if (vec != NO_EXCEPTION)
		return false;
	irq_set_handler(VEC_ORDINARY, ordinary_handler);
	irq_set_handler(VEC_NORMAL, sint_handler);
	irq_set_handler(VEC_AEOI, sint_handler);
	irq_set_handler(VEC_DIRECT, direct_handler);
	if (smp_start_ap(apic_id() == 0 ? 1 : 0, ap_start) || !wait_for_flag(&ap_ready, SMP_READY_US)) {
		check("ap-start", false, "the AP did not report in and enable its APIC");
		return false;
	}
	hv_enable_hypercalls(hypercall_page);
	synic_setup();
	if (!smp_call(ap_apic_id, synic_setup, CALL_US)) {
		check("ap-synic", false, "the AP did not set up its SynIC");
		return false;
	}
	return true;
}

static void final_checks(void)
{
	unsigned int n = (unsigned int)iterations;
	const struct cpu_log *b = &logs[BSP], *a = &logs[AP];

	/* self-ipi-eoi and eoi-ordinary; message rows and eoi-sint, eoi-auto-eoi */
	check("ordinary-interrupts", b->ordinary == 2 * n && a->ordinary == n,
	      "vCPU 0 %u (wanted %u), vCPU 1 %u (wanted %u)", b->ordinary, 2 * n, a->ordinary, n);
	check("messages-sint2", b->messages[SINT_NORMAL] == 2 * n && a->messages[SINT_NORMAL] == 2 * n,
	      "vCPU 0 %u (wanted %u), vCPU 1 %u (wanted %u)", b->messages[SINT_NORMAL], 2 * n,
	      a->messages[SINT_NORMAL], 2 * n);
	check("messages-sint3", b->messages[SINT_AEOI] == 2 * n && a->messages[SINT_AEOI] == n,
	      "vCPU 0 %u (wanted %u), vCPU 1 %u (wanted %u)", b->messages[SINT_AEOI], 2 * n,
	      a->messages[SINT_AEOI], n);
	check("events", b->events[SINT_NORMAL] == n && b->events[SINT_AEOI] == n,
	      "SINT 2 %u, SINT 3 %u, wanted %u each", b->events[SINT_NORMAL],
	      b->events[SINT_AEOI], n);
	check("timer-messages", b->timer_messages == n, "%u, wanted %u", b->timer_messages, n);
	check("direct-timer-interrupts", b->direct == n, "%u, wanted %u", b->direct, n);
	check("no-stray-messages", !b->bad_type && !a->bad_type && !a->events[SINT_NORMAL] &&
				   !a->events[SINT_AEOI] && !a->timer_messages && !a->direct,
	      "bad types %u/%u, vCPU 1: events %u/%u, timer messages %u, direct %u", b->bad_type,
	      a->bad_type, a->events[SINT_NORMAL], a->events[SINT_AEOI], a->timer_messages,
	      a->direct);
	check("hypercalls-succeeded", op_status == ST_SUCCESS, "status 0x%x", op_status);
	check("no-timeouts", !failed_wait, "a handler did not run within %u us", WAIT_US);
}

void test_main(const char *cmdline)
{
	cmdline_uint(cmdline, "iterations", &iterations);
	detail = cmdline_has(cmdline, "detail");
	expect_posted = cmdline_has(cmdline, "expect-posted");
	if (!iterations || iterations > 10000000) {
		check("iterations", false, "iterations=%lu: 1 to 10000000", iterations);
		return;
	}
	print_info();
	if (!setup())
		return;
	rdtsc_pair = measure_rdtsc_pair();
	check_counter_overhead();

	run("floor-cpuid", op_cpuid, false);
	run("rdmsr-scontrol", op_rdmsr_scontrol, false);
	run("wrmsr-eom", op_wrmsr_eom, false);
	run("self-ipi-eoi", op_self_ipi, false);
	run_probe("eoi-ordinary", op_self_ipi);
	run_probe("eoi-sint", op_message_self_normal);
	run_probe("eoi-auto-eoi", op_message_self_aeoi);
	run("message-self-normal", op_message_self_normal, false);
	run("message-self-auto-eoi", op_message_self_aeoi, false);
	run("message-other-vcpu", op_message_other, true);
	run_spinning("ipi-other-running", op_ipi_other, NO_EXIT);
	run_spinning("message-other-running", op_message_other, ONLY_EOI_EXIT);
	run_spinning("message-other-running-auto-eoi", op_message_other_aeoi, NOT_POSTED);
	run("event-normal", op_event_normal, false);
	run("event-auto-eoi", op_event_aeoi, false);
	run("stimer-oneshot-message", op_stimer_message, false);
	run("stimer-oneshot-direct", op_stimer_direct, false);
	wrmsr(HV_MSR_STIMER_CONFIG(0), 0);
	final_checks();
}

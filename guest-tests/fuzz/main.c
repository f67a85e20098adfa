/*
 * The hostile-guest fuzzer. From seed= on its command line it runs ops=
 * random operations against every interface the hypervisor offers a guest
 * (MSRs, hypercalls, the synthetic pages, port I/O, MMIO, CPUID, the local
 * APIC, timers, its second vCPU, XSETBV, CR0/CR4/EFER/DR6/DR7) and checks each result
 * where it is defined.
 * A result that is not as expected gives one FUZZ MISMATCH line; the run
 * goes on, and the guest exits 0 only if there was none.
 *
 *   tools/run --arch svm --smp 2 'build/guest-tests/fuzz.elf name=fuzz cpus=2 mem=64M
 *       msg=0x10:vp=0:sint=2 event=0x11:vp=1:sint=3:flag=5 -- seed=1 ops=20000 progress=2000'
 *
 * With cpus=1 the event connection targets vp=0. Options: seed=N (default
 * 1), ops=M (100000), progress=K (a line every K operations), trace=I (a
 * line naming each operation from the I-th on, to find one that hangs),
 * only=KIND (that kind of operation alone, e.g. only=smp; several only= words run
 * those kinds; only=cr the four of ops_cr.c: cr0, cr4, efer, dr), skip=RULE and
 * cr-trace (ops_cr.c: no value breaking that rule; each write said first), cr8
 * (TPR writes through CR8 too: not under QEMU 7.2, whose TCG aborts when an
 * SVM guest writes CR8, see tests/system/test_apic.py), unmapped
 * (after the report, one read of unmapped guest-physical memory, which the
 * hypervisor answers by ending the guest: exit 255 is then the expected end).
 */
#include "lib/fmt.h"
#include "guest-tests/fuzz/fuzz.h"

#define DEFAULT_SEED       1
#define DEFAULT_OPS        100000
#define MISMATCHES_SHOWN   200
#define DRAIN_EVERY        16   /* operations between emptying the message slots */
#define QUIET_EVERY        512  /* operations between switching every timer off */

struct fuzz fz;

struct kind {
	const char *name;
	unsigned int weight;
	void (*run)(void);
	unsigned long count;
};

static struct kind kinds[] = {
	{ "msr", 18, op_msr, 0 },
	{ "hypercall", 18, op_hypercall, 0 },
	{ "pages", 8, op_pages, 0 },
	{ "io", 10, op_io, 0 },
	{ "mmio", 8, op_mmio, 0 },
	{ "cpuid", 8, op_cpuid, 0 },
	{ "apic", 12, op_apic, 0 },
	{ "timer", 12, op_timer, 0 },
	{ "smp", 6, op_smp, 0 },
	{ "xsetbv", 4, op_xsetbv, 0 },
	{ "cr0", 1, op_cr0, 0 },
	{ "cr4", 2, op_cr4, 0 },
	{ "efer", 1, op_efer, 0 },
	{ "dr", 1, op_dr, 0 },
	{ "event", 2, op_event, 0 },
};

void mismatch(const char *fmt, ...)
{
	char why[224];
	va_list ap;

	if (++fz.mismatches > MISMATCHES_SHOWN)
		return;
	va_start(ap, fmt);
	fmt_vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	guest_printf("FUZZ MISMATCH seed=%lu op=%lu kind=%s: %s\n", fz.seed, fz.op, fz.kind, why);
	if (fz.mismatches == MISMATCHES_SHOWN)
		guest_printf("fuzz: %u mismatches shown, the rest only counted\n", MISMATCHES_SHOWN);
}

/* only=NAME, or only=cr for the four kinds of ops_cr.c */
static bool kind_chosen(const char *cmdline, const struct kind *k)
{
	char word[24];
	bool cr = k->run == op_cr0 || k->run == op_cr4 || k->run == op_efer || k->run == op_dr;

	fmt_snprintf(word, sizeof(word), "only=%s", k->name);
	return cmdline_has(cmdline, word) || (cr && cmdline_has(cmdline, "only=cr"));
}

/* only=KIND: the other kinds get weight 0 (all keep theirs when KIND is none of them). */
static void only_kind(const char *cmdline)
{
	bool known = false;

	for (unsigned int i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		known |= kind_chosen(cmdline, &kinds[i]);
	for (unsigned int i = 0; i < sizeof(kinds) / sizeof(kinds[0]) && known; i++)
		if (!kind_chosen(cmdline, &kinds[i]))
			kinds[i].weight = 0;
}

static struct kind *pick_kind(void)
{
	unsigned int total = 0, r;

	for (unsigned int i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		total += kinds[i].weight;
	r = (unsigned int)rng_below(total);
	for (unsigned int i = 0;; i++) {
		if (r < kinds[i].weight)
			return &kinds[i];
		r -= kinds[i].weight;
	}
}

/* Between operations: interrupts taken, slots emptied, now and then every timer off. */
static void between_ops(void)
{
	fz.kind = "between";
	irq_window();
	if (fz.op % DRAIN_EVERY == DRAIN_EVERY - 1)
		messages_drain(BSP);
	if (fz.op % QUIET_EVERY == QUIET_EVERY - 1) {
		timers_off(BSP);
		timers_off(AP);
		lapic_sane();
	}
}

static void run_ops(uint64_t progress, uint64_t trace)
{
	for (fz.op = 0; fz.op < fz.ops; fz.op++) {
		struct kind *k = pick_kind();

		if (fz.op >= trace)
			guest_printf("fuzz: op %lu %s\n", fz.op, k->name);
		fz.kind = k->name;
		k->count++;
		k->run();
		between_ops();
		if (progress && (fz.op + 1) % progress == 0)
			guest_printf("fuzz: progress ops=%lu mismatches=%lu interrupts=%lu\n",
				     fz.op + 1, fz.mismatches, irq_total());
	}
}

static void report(void)
{
	char line[200];
	int n = fmt_snprintf(line, sizeof(line), "fuzz: kinds");

	for (unsigned int i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		n += fmt_snprintf(line + n, sizeof(line) - n, " %s=%lu", kinds[i].name,
				  kinds[i].count);
	guest_printf("%s\n", line);
	cr_report();
	event_report();
	guest_printf("fuzz: interrupts=%lu nmis=%u/%u storms-quenched=%lu\n", irq_total(),
		     nmi_seen(BSP), nmi_seen(AP), quench_count());
	guest_printf("fuzz: done seed=%lu ops=%lu mismatches=%lu\n", fz.seed, fz.ops,
		     fz.mismatches);
}

static void parse_cmdline(const char *cmdline, uint64_t *progress, uint64_t *trace)
{
	fz.seed = DEFAULT_SEED;
	fz.ops = DEFAULT_OPS;
	*progress = 0;
	*trace = ~0ULL;
	cmdline_uint(cmdline, "seed", &fz.seed);
	cmdline_uint(cmdline, "ops", &fz.ops);
	cmdline_uint(cmdline, "progress", progress);
	cmdline_uint(cmdline, "trace", trace);
	fz.cr8 = cmdline_has(cmdline, "cr8");
	only_kind(cmdline);
	cr_options(cmdline);
}

static void setup(void)
{
	fz.kind = "setup";
	fz.intel = cpuid(0, 0).ebx == 0x756e6547; /* "Genu" */
	msr_features_detect();
	fz.mem_size = fw_cfg_ram_size();
	fz.cpus = fw_cfg_cpu_count() > 1 ? 2 : 1;
	fz.event_vp = fz.cpus > 1 ? AP : BSP;
	irq_setup();
	lapic_sane();
	deny_prepare_low_memory();
	model_init();
	if (fz.cpus > 1)
		ap_start();
	pages_setup();
}

void test_main(const char *cmdline)
{
	uint64_t progress, trace;

	parse_cmdline(cmdline, &progress, &trace);
	rng_seed(fz.seed);
	setup();
	guest_printf("fuzz: seed=%lu ops=%lu cpus=%u\n", fz.seed, fz.ops, fz.cpus);
	guest_printf("fuzz: connections msg=%s event=%s (vp %u), %s\n",
		     fz.msg_conn ? "declared" : "absent", fz.event_conn ? "declared" : "absent",
		     fz.event_vp, fz.intel ? "VMCALL" : "VMMCALL");
	run_ops(progress, trace);
	fz.kind = "end";
	timers_off(BSP);
	timers_off(AP);
	messages_drain(BSP);
	report();
	if (cmdline_has(cmdline, "unmapped"))
		mmio_unmapped_last();
	guest_exit(fz.mismatches ? 1 : 0);
}

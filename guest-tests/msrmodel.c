/*
 * The MSRs of the CPU model as the architecture defines them (Intel SDM vol. 3
 * and 4, AMD APM vol. 2), one check per rule. Each feature is checked as the
 * guest's CPUID offers it: offered, its MSRs behave as on a real CPU; not
 * offered, they raise #GP (the MSR does not exist).
 *
 * - IA32_TSC: a write sets the counter, far back or far ahead; IA32_TSC_ADJUST
 *   (CPUID.(7,0):EBX[1]) reads 0, follows TSC writes and moves the TSC; the
 *   TSC-deadline timer follows the guest's TSC after it is written.
 * - IA32_PAT (CPUID.1:EDX[16]): the power-up value, the memory types it takes
 *   and the ones it refuses.
 * - The MTRRs (CPUID.1:EDX[12]): MTRRCAP, DEF_TYPE, eight variable ranges and
 *   the eleven fixed-range registers, their reset values and reserved bits.
 * - IA32_TSC_AUX (RDTSCP or RDPID), read by both instructions; the vendors
 *   differ on its bits 63:32.
 * - IA32_BIOS_SIGN_ID / PATCH_LEVEL and IA32_MISC_ENABLE per vendor.
 * - Speculation control: IA32_SPEC_CTRL's offered bits, the IBPB and L1D-flush
 *   commands, IA32_ARCH_CAPABILITIES read-only and announcing no absent MSR.
 * - IA32_XSS (XSAVES): 0 its only value, XSAVES and XRSTORS running.
 * - The MSRs of features the CPUID hides (MCA, PDCM) raise #GP.
 *
 * The TSC checks move the guest's TSC; it is put back where it would have been
 * (the library's delays count with it). The other MSRs get their start values back.
 */
#include "guest-tests/lib/guest.h"
#include "lib/fmt.h"

#define BIT64(n) (1ULL << (n))

#define MSR_IA32_TSC_ADJUST     0x0000003b
#define MSR_IA32_SPEC_CTRL      0x00000048
#define MSR_IA32_BIOS_SIGN_ID   0x0000008b /* AMD: PATCH_LEVEL */
#define MSR_IA32_MTRRCAP        0x000000fe
#define MSR_IA32_MCG_CAP        0x00000179
#define MSR_IA32_MISC_ENABLE    0x000001a0
#define MSR_IA32_MTRR_PHYSBASE0 0x00000200
#define MSR_IA32_MTRR_PHYSMASK0 0x00000201
#define MSR_IA32_PAT            0x00000277
#define MSR_IA32_MTRR_DEF_TYPE  0x000002ff
#define MSR_IA32_PERF_CAPS      0x00000345
#define MSR_IA32_XSS            0x00000da0
#define MSR_TSC_AUX             0xc0000103

/* ---- CPUID ---- */

enum cpuid_reg { EAX, EBX, ECX, EDX };

static bool intel, amd;

static uint32_t cpuid_reg(uint32_t leaf, uint32_t subleaf, enum cpuid_reg reg)
{
	struct cpuid_regs r;

	if (cpuid(leaf & 0x80000000, 0).eax < leaf)
		return 0;
	r = cpuid(leaf, subleaf);
	return reg == EAX ? r.eax : reg == EBX ? r.ebx : reg == ECX ? r.ecx : r.edx;
}

static bool cpuid_has(uint32_t leaf, uint32_t subleaf, enum cpuid_reg reg, unsigned int bit)
{
	return cpuid_reg(leaf, subleaf, reg) & (1U << bit);
}

/* CPUID leaf 0: "GenuineIntel" or "AuthenticAMD" in EBX, EDX, ECX */
static void detect_vendor(void)
{
	struct cpuid_regs r = cpuid(0, 0);

	intel = r.ebx == 0x756e6547 && r.edx == 0x49656e69 && r.ecx == 0x6c65746e;
	amd = r.ebx == 0x68747541 && r.edx == 0x69746e65 && r.ecx == 0x444d4163;
}

/* CPUID.80000008H:EAX[7:0], 36 when the leaf is missing (SDM vol. 3, 12.11.2.3 and 4.1.4) */
static unsigned int maxphyaddr(void)
{
	uint32_t eax = cpuid_reg(0x80000008, 0, EAX);

	return eax ? eax & 0xff : 36;
}

/* ---- MSR checks shared by the features ---- */

struct msr_write {
	uint32_t msr;
	uint64_t val;
};

#define MAX_WRITES 96

struct writes {
	unsigned int n;
	struct msr_write w[MAX_WRITES];
};

static void add_write(struct writes *l, uint32_t msr, uint64_t val)
{
	if (l->n < MAX_WRITES)
		l->w[l->n++] = (struct msr_write){ msr, val };
}

/* Each MSR of the list raises #GP on RDMSR and on WRMSR (of what a read gave, else 0). */
static void check_absent(const char *name, const uint32_t *msrs, unsigned int n, const char *why)
{
	int r = X86_GP, w = X86_GP;
	unsigned int i;

	for (i = 0; i < n && r == X86_GP && w == X86_GP; i++) {
		uint64_t val = 0;

		r = rdmsr_safe(msrs[i], &val);
		w = wrmsr_safe(msrs[i], val);
	}
	check(name, r == X86_GP && w == X86_GP, "%s, yet RDMSR 0x%x raised %s and WRMSR %s", why,
	      msrs[i ? i - 1 : 0], exception_name(r), exception_name(w));
}

static void check_absent1(const char *name, uint32_t msr, const char *why)
{
	check_absent(name, &msr, 1, why);
}

/*
 * RDMSR, or MSR_FAULTED if it faults: a CPUID that offers a feature the
 * hypervisor does not implement then fails checks, not the whole guest.
 */
#define MSR_FAULTED 0xfa017ed0fa017ed0ULL

static uint64_t read_msr(uint32_t msr)
{
	uint64_t val = 0;

	return rdmsr_safe(msr, &val) == NO_EXCEPTION ? val : MSR_FAULTED;
}

/* Each write raises #GP and leaves the MSR as it was (SDM vol. 2, WRMSR). */
static void check_refused(const char *name, const struct writes *l)
{
	for (unsigned int i = 0; i < l->n; i++) {
		uint64_t before = read_msr(l->w[i].msr), after;
		int v = wrmsr_safe(l->w[i].msr, l->w[i].val);

		after = read_msr(l->w[i].msr);
		if (v != X86_GP || after != before || before == MSR_FAULTED) {
			if (v == NO_EXCEPTION)
				wrmsr_safe(l->w[i].msr, before);
			check(name, false,
			      "WRMSR 0x%x of 0x%lx raised %s; read 0x%lx before, 0x%lx after",
			      l->w[i].msr, l->w[i].val, exception_name(v), before, after);
			return;
		}
	}
	check(name, l->n > 0, "no write to check");
}

/* Each write is taken and reads back as written. */
static void check_taken(const char *name, const struct writes *l)
{
	for (unsigned int i = 0; i < l->n; i++) {
		uint64_t got = 0;
		int w = wrmsr_safe(l->w[i].msr, l->w[i].val), r = rdmsr_safe(l->w[i].msr, &got);

		if (w != NO_EXCEPTION || r != NO_EXCEPTION || got != l->w[i].val) {
			check(name, false, "WRMSR 0x%x of 0x%lx raised %s, RDMSR %s read 0x%lx",
			      l->w[i].msr, l->w[i].val, exception_name(w), exception_name(r), got);
			return;
		}
	}
	check(name, l->n > 0, "no write to check");
}

/* Each MSR of the list reads want without a fault. */
static void check_reads(const char *name, const uint32_t *msrs, unsigned int n, uint64_t want)
{
	for (unsigned int i = 0; i < n; i++) {
		uint64_t val = 0;
		int r = rdmsr_safe(msrs[i], &val);

		if (r != NO_EXCEPTION || val != want) {
			check(name, false, "RDMSR 0x%x raised %s, read 0x%lx (want 0x%lx)", msrs[i],
			      exception_name(r), val, want);
			return;
		}
	}
	check(name, n > 0, "no MSR to read");
}

/* ---- IA32_TSC and IA32_TSC_ADJUST (SDM vol. 3, 18.17 "Time-Stamp Counter") ---- */

#define TSC_PAST      1000ULL
#define TSC_FUTURE    BIT64(62)       /* decades ahead at any rate */
#define TSC_JUMP      BIT64(44)       /* hours at a few GHz: far more than any wait here */
#define TSC_SLACK_US  10000           /* what a WRMSR and a few reads may take, loaded */
#define TSC_WINDOW_MS 10000           /* a written TSC is read back within 10 s of ticks */

static uint64_t ticks_per_ms;
static int64_t tsc_shift; /* the sum of the jumps the checks made the TSC take */

static uint64_t us_to_ticks(uint64_t us) { return us * ticks_per_ms / 1000; }

/*
 * WRMSR of an MSR that moves the TSC, RDTSC just before and just after: the
 * jump between them is added to tsc_shift, whatever the hypervisor did.
 */
static int tsc_move(uint32_t msr, uint64_t val, uint64_t *before, uint64_t *after)
{
	uint64_t t0 = rdtsc(), t1;
	int v = wrmsr_safe(msr, val);

	t1 = rdtsc();
	tsc_shift += (int64_t)(t1 - t0);
	if (before)
		*before = t0;
	if (after)
		*after = t1;
	return v;
}

/* The TSC back where it would be had the checks not moved it */
static void tsc_restore(void)
{
	tsc_move(MSR_IA32_TSC, rdtsc() - (uint64_t)tsc_shift, NULL, NULL);
}

static bool tsc_near(uint64_t got, uint64_t val)
{
	return got >= val && got - val < TSC_WINDOW_MS * ticks_per_ms;
}

/* SDM vol. 4, table 2-2, IA32_TSC: a write sets the counter, which counts on from there. */
static void check_tsc_write(const char *name, uint64_t val)
{
	uint64_t after, msr = 0;
	int v = tsc_move(MSR_IA32_TSC, val, NULL, &after), r = rdmsr_safe(MSR_IA32_TSC, &msr);

	check(name, v == NO_EXCEPTION && r == NO_EXCEPTION && tsc_near(after, val) &&
		    tsc_near(msr, val),
	      "WRMSR of 0x%lx raised %s; then RDTSC 0x%lx, RDMSR 0x%lx (%s)", val,
	      exception_name(v), after, msr, exception_name(r));
}

static bool tsc_adjust_offered(void) { return cpuid_has(7, 0, EBX, 1); }

/* SDM 18.17.3: IA32_TSC_ADJUST is 0 at reset, and nothing has written the TSC yet. */
static void check_tsc_adjust_reset(void)
{
	uint64_t val = 1;
	int r;

	if (!tsc_adjust_offered()) {
		check_absent1("tsc-adjust-absent-gp", MSR_IA32_TSC_ADJUST,
			      "CPUID.(7,0):EBX[1] clear");
		return;
	}
	r = rdmsr_safe(MSR_IA32_TSC_ADJUST, &val);
	check("tsc-adjust-reads-0", r == NO_EXCEPTION && val == 0, "RDMSR raised %s, read 0x%lx",
	      exception_name(r), val);
}

/* SDM 18.17.3: a WRMSR to IA32_TSC adds (new TSC - old TSC) to IA32_TSC_ADJUST. */
static void check_tsc_write_moves_adjust(void)
{
	uint64_t adj0 = read_msr(MSR_IA32_TSC_ADJUST), val = rdtsc() + TSC_JUMP, before, after;
	int64_t want, got, slack;

	tsc_move(MSR_IA32_TSC, val, &before, &after);
	want = (int64_t)(val - before);
	got = (int64_t)(read_msr(MSR_IA32_TSC_ADJUST) - adj0);
	slack = (int64_t)(after - val + us_to_ticks(TSC_SLACK_US));
	check("tsc-write-moves-tsc-adjust", got - want <= slack && want - got <= slack,
	      "TSC moved by 0x%lx, IA32_TSC_ADJUST by 0x%lx (tolerance 0x%lx)", want, got, slack);
}

/* SDM 18.17.3: a WRMSR to IA32_TSC_ADJUST adds (new - old adjust) to the TSC. */
static void check_adjust_write_moves_tsc(const char *name, int64_t delta)
{
	uint64_t adj0 = read_msr(MSR_IA32_TSC_ADJUST), adj1, before, after;
	int v = tsc_move(MSR_IA32_TSC_ADJUST, adj0 + (uint64_t)delta, &before, &after);
	int64_t jump = (int64_t)(after - before), slack = (int64_t)us_to_ticks(TSC_SLACK_US);

	adj1 = read_msr(MSR_IA32_TSC_ADJUST);
	check(name, v == NO_EXCEPTION && adj1 == adj0 + (uint64_t)delta &&
		    jump - delta <= slack && delta - jump <= slack,
	      "WRMSR of 0x%lx raised %s, read 0x%lx; the TSC moved by 0x%lx (want 0x%lx)",
	      adj0 + (uint64_t)delta, exception_name(v), adj1, jump, delta);
}

static void check_tsc_msrs(void)
{
	check_tsc_adjust_reset();
	check_tsc_write("tsc-write-past", TSC_PAST);
	check_tsc_write("tsc-write-future", TSC_FUTURE);
	tsc_restore();
	if (!tsc_adjust_offered())
		return;
	check_tsc_write_moves_adjust();
	check_adjust_write_moves_tsc("tsc-adjust-write-forward-moves-tsc", (int64_t)TSC_JUMP);
	check_adjust_write_moves_tsc("tsc-adjust-write-back-moves-tsc", -(int64_t)TSC_JUMP);
	tsc_restore();
}

/* ---- The TSC-deadline timer against the guest's TSC (SDM vol. 3, 11.5.4.1) ---- */

#define VEC_DEADLINE  0x40
#define FIRE_WAIT_US  100000U
#define TSC_SET_BACK  1000000ULL

static volatile unsigned int deadline_irqs;

static void deadline_handler(uint8_t vector)
{
	(void)vector;
	deadline_irqs++;
	apic_eoi();
}

/* Takes interrupts until the timer's has come or us microseconds have passed. */
static bool deadline_fired_within(uint64_t us)
{
	uint64_t end = tsc_after_us(us);

	sti();
	while (!deadline_irqs && rdtsc() < end)
		asm volatile("pause");
	cli();
	return deadline_irqs;
}

static void deadline_arm(uint64_t deadline)
{
	deadline_irqs = 0;
	wrmsr_safe(MSR_IA32_TSC_DEADLINE, deadline);
}

/* Disarmed, and an interrupt that came late taken now, not in the next check */
static void deadline_disarm(void)
{
	wrmsr_safe(MSR_IA32_TSC_DEADLINE, 0);
	sti();
	udelay(1000);
	cli();
}

/* The guest's TSC far behind where it was: a deadline 1 ms ahead of it still comes. */
static void check_deadline_after_set_back(void)
{
	uint64_t deadline;

	tsc_move(MSR_IA32_TSC, TSC_SET_BACK, NULL, NULL);
	deadline = rdtsc() + ticks_per_ms;
	deadline_arm(deadline);
	check("tsc-deadline-after-tsc-set-back", deadline_fired_within(FIRE_WAIT_US),
	      "TSC set to %llu, deadline 0x%lx: no interrupt within %u ms", TSC_SET_BACK, deadline,
	      FIRE_WAIT_US / 1000);
	deadline_disarm();
}

/* An armed deadline the TSC is written past is due: it fires at once. */
static void check_deadline_overtaken(void)
{
	uint64_t now = rdtsc(), ahead = now + TSC_JUMP;
	uint64_t deadline = now + TSC_WINDOW_MS * ticks_per_ms;

	deadline_arm(deadline);
	tsc_move(MSR_IA32_TSC, ahead, NULL, NULL);
	check("tsc-deadline-overtaken-by-tsc-write", deadline_fired_within(FIRE_WAIT_US),
	      "deadline 0x%lx, TSC written to 0x%lx: no interrupt within %u ms", deadline, ahead,
	      FIRE_WAIT_US / 1000);
	deadline_disarm();
}

/* The TSC written far ahead: a deadline behind it, armed now, fires at once. */
static void check_deadline_past_after_set_forward(void)
{
	uint64_t deadline = rdtsc();

	tsc_move(MSR_IA32_TSC, deadline + TSC_JUMP, NULL, NULL);
	deadline_arm(deadline);
	check("tsc-deadline-past-after-tsc-set-forward", deadline_fired_within(FIRE_WAIT_US),
	      "deadline 0x%lx armed at TSC 0x%lx: no interrupt within %u ms", deadline, rdtsc(),
	      FIRE_WAIT_US / 1000);
	deadline_disarm();
}

static void check_tsc_deadline(void)
{
	if (!(cpuid(1, 0).ecx & CPUID_1_ECX_TSC_DEADLINE)) {
		check_absent1("tsc-deadline-absent-gp", MSR_IA32_TSC_DEADLINE,
			      "CPUID.1:ECX[24] clear");
		return;
	}
	apic_enable();
	irq_set_handler(VEC_DEADLINE, deadline_handler);
	apic_write(APIC_LVT_TIMER, VEC_DEADLINE | APIC_LVT_TIMER_DEADLINE);
	check_deadline_after_set_back();
	check_deadline_overtaken();
	check_deadline_past_after_set_forward();
	apic_write(APIC_LVT_TIMER, VEC_DEADLINE | APIC_LVT_MASKED);
	tsc_restore();
}

/* ---- IA32_PAT (SDM vol. 3, 12.12; APM vol. 2, 7.8) ---- */

#define PAT_RESET 0x0007040600070406ULL /* WB, WT, UC-, UC twice */
/*
 * Entries 0-3 as at reset (this guest's pages use 0 and 3), 4-7 WB, WP, WC, UC:
 * every valid type, UC- and WT in 1 and 2.
 */
#define PAT_VALID 0x0001050600070406ULL

static void check_pat_refused(void)
{
	struct writes l = { 0 };

	add_write(&l, MSR_IA32_PAT, (PAT_RESET & ~(0xffULL << 56)) | (2ULL << 56));
	check_refused("pat-type-2-gp", &l);
	l.n = 0;
	add_write(&l, MSR_IA32_PAT, (PAT_RESET & ~(0xffULL << 48)) | (3ULL << 48));
	check_refused("pat-type-3-gp", &l);
	l.n = 0;
	for (unsigned int bit = 3; bit < 8; bit++)
		add_write(&l, MSR_IA32_PAT, PAT_RESET | BIT64(8 * (4 + bit % 4) + bit));
	check_refused("pat-reserved-bits-gp", &l);
}

static void check_pat(void)
{
	uint32_t msr = MSR_IA32_PAT;
	struct writes l = { 0 };

	if (!cpuid_has(1, 0, EDX, 16)) {
		check_absent1("pat-absent-gp", msr, "CPUID.1:EDX[16] clear");
		return;
	}
	check_reads("pat-reset-value", &msr, 1, PAT_RESET);
	add_write(&l, msr, PAT_VALID);
	check_taken("pat-valid-value-read-back", &l);
	check_pat_refused();
	wrmsr_safe(msr, PAT_RESET);
}

/* ---- The MTRRs (SDM vol. 3, 12.11; APM vol. 2, 7.7) ---- */

#define MTRRCAP_VALUE   0x508ULL /* VCNT 8, FIX, WC; no SMRR */
#define DEF_TYPE_RESET  0x806ULL /* E, fixed ranges off, default WB */
#define DEF_TYPE_FE     BIT64(10)
#define DEF_TYPE_E      BIT64(11)
#define MTRR_WB         6
#define MTRR_VCNT       8
#define PHYSMASK_VALID  BIT64(11)
#define VAR_TEST_BASE   BIT64(35)  /* 32 GiB: within any MAXPHYADDR, far above this guest */
#define VAR_TEST_SIZE   BIT64(30)
#define FIXED_VALID     0x0605040100060504ULL /* WB WP WT WC UC WB WP WT */

static const uint32_t fixed_msrs[] = {
	0x250, 0x258, 0x259, 0x268, 0x269, 0x26a, 0x26b, 0x26c, 0x26d, 0x26e, 0x26f,
};
#define NR_FIXED (sizeof(fixed_msrs) / sizeof(fixed_msrs[0]))

static const uint8_t valid_types[] = { 0, 1, 4, 5, 6 };
static const uint8_t bad_types[] = { 2, 3, 7, 8 };

static uint64_t phys_addr_mask(void)
{
	return (BIT64(maxphyaddr()) - 1) & ~0xfffULL;
}

/* IA32_MTRRCAP is read-only */
static void check_mtrr_cap(void)
{
	uint32_t cap = MSR_IA32_MTRRCAP;
	struct writes l = { 0 };

	check_reads("mtrrcap-value", &cap, 1, MTRRCAP_VALUE);
	add_write(&l, cap, MTRRCAP_VALUE);
	check_refused("mtrrcap-write-gp", &l);
}

/* IA32_MTRR_DEF_TYPE: type in bits 7:0, FE 10, E 11, the rest reserved */
static void check_mtrr_def_type(void)
{
	static const unsigned int reserved[] = { 8, 9, 12, 31, 32, 63 };
	uint32_t def = MSR_IA32_MTRR_DEF_TYPE;
	struct writes l = { 0 };

	check_reads("mtrr-def-type-reset", &def, 1, DEF_TYPE_RESET);
	for (unsigned int i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		add_write(&l, def, DEF_TYPE_RESET | BIT64(reserved[i]));
	check_refused("mtrr-def-type-reserved-bits-gp", &l);
	l.n = 0;
	for (unsigned int i = 0; i < sizeof(bad_types); i++)
		add_write(&l, def, DEF_TYPE_E | bad_types[i]);
	check_refused("mtrr-def-type-bad-type-gp", &l);
	l.n = 0;
	add_write(&l, def, DEF_TYPE_E | DEF_TYPE_FE | MTRR_WB);
	check_taken("mtrr-def-type-read-back", &l);
	wrmsr_safe(def, DEF_TYPE_RESET);
}

static void check_var_reset(void)
{
	uint32_t msrs[2 * MTRR_VCNT];

	for (unsigned int i = 0; i < 2 * MTRR_VCNT; i++)
		msrs[i] = MSR_IA32_MTRR_PHYSBASE0 + i;
	check_reads("mtrr-var-reads-0", msrs, 2 * MTRR_VCNT, 0);
}

/* PHYSBASEn: type in bits 7:0, bits 11:8 and from MAXPHYADDR up reserved */
static void check_physbase_refused(void)
{
	struct writes types = { 0 }, low = { 0 }, high = { 0 };
	unsigned int maxphy = maxphyaddr();

	for (uint32_t n = 0; n < MTRR_VCNT; n++) {
		uint32_t msr = MSR_IA32_MTRR_PHYSBASE0 + 2 * n;

		for (unsigned int i = 0; i < sizeof(bad_types); i++)
			add_write(&types, msr, VAR_TEST_BASE | bad_types[i]);
		for (unsigned int bit = 8; bit < 12; bit++)
			add_write(&low, msr, VAR_TEST_BASE | MTRR_WB | BIT64(bit));
		add_write(&high, msr, VAR_TEST_BASE | MTRR_WB | BIT64(maxphy));
		add_write(&high, msr, VAR_TEST_BASE | MTRR_WB | BIT64(63));
	}
	check_refused("mtrr-physbase-bad-type-gp", &types);
	check_refused("mtrr-physbase-reserved-bits-gp", &low);
	check_refused("mtrr-physbase-above-maxphyaddr-gp", &high);
}

/* PHYSMASKn: V in bit 11, bits 10:0 and from MAXPHYADDR up reserved */
static void check_physmask_refused(void)
{
	uint64_t mask = (phys_addr_mask() & ~(VAR_TEST_SIZE - 1)) | PHYSMASK_VALID;
	unsigned int maxphy = maxphyaddr();
	struct writes low = { 0 }, high = { 0 };

	for (uint32_t n = 0; n < MTRR_VCNT; n++) {
		uint32_t msr = MSR_IA32_MTRR_PHYSMASK0 + 2 * n;

		for (unsigned int bit = 0; bit < 11; bit++)
			add_write(&low, msr, mask | BIT64(bit));
		add_write(&high, msr, mask | BIT64(maxphy));
		add_write(&high, msr, mask | BIT64(63));
	}
	check_refused("mtrr-physmask-reserved-bits-gp", &low);
	check_refused("mtrr-physmask-above-maxphyaddr-gp", &high);
}

/* A 1 GiB range at 32 GiB, of every valid type in turn: nothing of this guest's is there. */
static void check_var_taken(void)
{
	uint64_t mask = (phys_addr_mask() & ~(VAR_TEST_SIZE - 1)) | PHYSMASK_VALID;
	struct writes l = { 0 };

	for (uint32_t n = 0; n < MTRR_VCNT; n++) {
		add_write(&l, MSR_IA32_MTRR_PHYSBASE0 + 2 * n,
			  VAR_TEST_BASE | valid_types[n % sizeof(valid_types)]);
		add_write(&l, MSR_IA32_MTRR_PHYSMASK0 + 2 * n, mask);
	}
	check_taken("mtrr-var-pair-read-back", &l);
	for (uint32_t n = 0; n < MTRR_VCNT; n++) {
		wrmsr_safe(MSR_IA32_MTRR_PHYSMASK0 + 2 * n, 0);
		wrmsr_safe(MSR_IA32_MTRR_PHYSBASE0 + 2 * n, 0);
	}
}

/* MTRRCAP.VCNT = 8: there is no ninth pair */
static void check_var_beyond_vcnt(void)
{
	static const uint32_t msrs[] = { MSR_IA32_MTRR_PHYSBASE0 + 2 * MTRR_VCNT,
					 MSR_IA32_MTRR_PHYSMASK0 + 2 * MTRR_VCNT };

	check_absent("mtrr-var-beyond-vcnt-gp", msrs, 2, "MTRRCAP.VCNT is 8");
}

/* Each byte of a fixed-range MTRR is a memory type */
static void check_fixed(void)
{
	struct writes bad = { 0 }, good = { 0 };

	check_reads("mtrr-fixed-reads-0", fixed_msrs, NR_FIXED, 0);
	for (unsigned int i = 0; i < NR_FIXED; i++) {
		unsigned int byte = i % 8;

		/* 2, 3, 7 only: on AMD bits 4:3 are RdMem/WrMem (APM vol. 2, 7.7) */
		for (unsigned int t = 0; t < 3; t++)
			add_write(&bad, fixed_msrs[i],
				  (FIXED_VALID & ~(0xffULL << (8 * byte))) |
					  ((uint64_t)bad_types[t] << (8 * byte)));
		add_write(&good, fixed_msrs[i], FIXED_VALID);
	}
	check_refused("mtrr-fixed-bad-type-gp", &bad);
	check_taken("mtrr-fixed-read-back", &good);
	for (unsigned int i = 0; i < NR_FIXED; i++)
		wrmsr_safe(fixed_msrs[i], 0);
}

static void check_mtrr(void)
{
	static const uint32_t msrs[] = { MSR_IA32_MTRRCAP, MSR_IA32_MTRR_DEF_TYPE,
					 MSR_IA32_MTRR_PHYSBASE0, 0x250 };

	if (!cpuid_has(1, 0, EDX, 12)) {
		check_absent("mtrr-absent-gp", msrs, 4, "CPUID.1:EDX[12] clear");
		return;
	}
	check_mtrr_cap();
	check_mtrr_def_type();
	check_var_reset();
	check_physbase_refused();
	check_physmask_refused();
	check_var_taken();
	check_var_beyond_vcnt();
	check_fixed();
}

/* ---- IA32_TSC_AUX: RDTSCP and RDPID (SDM vol. 2, RDTSCP, RDPID; APM vol. 3) ---- */

#define TSC_AUX_TEST 0x1234ULL

struct tsc_aux_read {
	uint64_t tsc;
	uint64_t aux;
};

static void do_rdtscp(void *arg)
{
	struct tsc_aux_read *out = arg;
	uint32_t lo, hi, c;

	asm volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(c));
	out->tsc = ((uint64_t)hi << 32) | lo;
	out->aux = c;
}

/* RDPID RAX: F3 0F C7 /7 with ModRM 0xf8 (mod 11, reg 7, rm 0) */
static void do_rdpid(void *arg)
{
	struct tsc_aux_read *out = arg;
	uint64_t v;

	asm volatile(".byte 0xf3, 0x0f, 0xc7, 0xf8" : "=a"(v));
	out->aux = v;
}

/* RDTSCP: EDX:EAX the TSC, ECX the low 32 bits of IA32_TSC_AUX */
static void check_rdtscp(void)
{
	struct tsc_aux_read got = { 0, 0 };
	uint64_t t0;
	int v;

	if (!cpuid_has(0x80000001, 0, EDX, 27)) {
		skip("rdtscp-reads-tsc-aux", "RDTSCP not offered (CPUID.80000001H:EDX[27])");
		return;
	}
	t0 = rdtsc();
	v = guest_try(do_rdtscp, &got).vector;
	check("rdtscp-reads-tsc-aux",
	      v == NO_EXCEPTION && got.aux == TSC_AUX_TEST && tsc_near(got.tsc, t0),
	      "raised %s; ECX 0x%lx (want 0x%llx), TSC 0x%lx after RDTSC 0x%lx",
	      exception_name(v), got.aux, TSC_AUX_TEST, got.tsc, t0);
}

/* RDPID: IA32_TSC_AUX in the register, 64 bits in 64-bit mode */
static void check_rdpid(void)
{
	struct tsc_aux_read got = { 0, 0 };
	int v;

	if (!cpuid_has(7, 0, ECX, 22)) {
		skip("rdpid-reads-tsc-aux", "RDPID not offered (CPUID.(7,0):ECX[22])");
		return;
	}
	v = guest_try(do_rdpid, &got).vector;
	check("rdpid-reads-tsc-aux", v == NO_EXCEPTION && got.aux == TSC_AUX_TEST,
	      "raised %s; RDPID gave 0x%lx (want 0x%llx)", exception_name(v), got.aux,
	      TSC_AUX_TEST);
}

/* Intel: bits 63:32 reserved, #GP (SDM vol. 4, table 2-2). AMD: they are dropped. */
static void check_tsc_aux_high_bits(void)
{
	struct writes l = { 0 };
	uint64_t high = BIT64(40) | 0x5678, got = 0;
	int w, r;

	if (intel) {
		add_write(&l, MSR_TSC_AUX, high);
		check_refused("tsc-aux-high-bits-gp", &l);
	} else if (amd) {
		w = wrmsr_safe(MSR_TSC_AUX, high);
		r = rdmsr_safe(MSR_TSC_AUX, &got);
		check("tsc-aux-high-bits-dropped",
		      w == NO_EXCEPTION && r == NO_EXCEPTION && got == (uint32_t)high,
		      "WRMSR of 0x%lx raised %s, read 0x%lx", high, exception_name(w), got);
	} else {
		skip("tsc-aux-high-bits", "vendor neither Intel nor AMD");
	}
}

static void check_tsc_aux(void)
{
	uint32_t msr = MSR_TSC_AUX;
	struct writes l = { 0 };

	if (!cpuid_has(0x80000001, 0, EDX, 27) && !cpuid_has(7, 0, ECX, 22)) {
		check_absent1("tsc-aux-absent-gp", msr, "neither RDTSCP nor RDPID offered");
		return;
	}
	check_reads("tsc-aux-reads-0", &msr, 1, 0);
	add_write(&l, msr, TSC_AUX_TEST);
	check_taken("tsc-aux-read-back", &l);
	check_rdtscp();
	check_rdpid();
	check_tsc_aux_high_bits();
	wrmsr_safe(msr, 0);
}

/* ---- Per vendor: microcode revision, MISC_ENABLE ---- */

/*
 * SDM vol. 3, "Update Signature and Verification": WRMSR 0 to IA32_BIOS_SIGN_ID,
 * CPUID(1), then RDMSR gives the microcode revision. AMD: PATCH_LEVEL, read only.
 */
static void check_bios_sign_id(void)
{
	uint64_t val = 0;
	int w, r;

	if (intel) {
		w = wrmsr_safe(MSR_IA32_BIOS_SIGN_ID, 0);
		(void)cpuid(1, 0);
		r = rdmsr_safe(MSR_IA32_BIOS_SIGN_ID, &val);
		check("bios-sign-id-microcode-sequence", w == NO_EXCEPTION && r == NO_EXCEPTION,
		      "WRMSR 0 raised %s, RDMSR after CPUID(1) %s", exception_name(w),
		      exception_name(r));
	} else if (amd) {
		r = rdmsr_safe(MSR_IA32_BIOS_SIGN_ID, &val);
		check("patch-level-readable", r == NO_EXCEPTION, "RDMSR raised %s",
		      exception_name(r));
	} else {
		skip("bios-sign-id", "vendor neither Intel nor AMD");
	}
}

/* SDM vol. 4, table 2-2: IA32_MISC_ENABLE bit 0, fast-strings enable. AMD has no such MSR. */
static void check_misc_enable(void)
{
	struct writes l = { 0 };
	uint64_t val = 0;
	int r;

	if (!intel) {
		if (amd)
			check_absent1("misc-enable-absent-gp", MSR_IA32_MISC_ENABLE, "an AMD CPU");
		else
			skip("misc-enable", "vendor neither Intel nor AMD");
		return;
	}
	r = rdmsr_safe(MSR_IA32_MISC_ENABLE, &val);
	check("misc-enable-fast-strings", r == NO_EXCEPTION && (val & 1),
	      "RDMSR raised %s, read 0x%lx", exception_name(r), val);
	if (r != NO_EXCEPTION)
		return;
	add_write(&l, MSR_IA32_MISC_ENABLE, val);
	check_taken("misc-enable-write-same", &l);
}

/* ---- MSRs of features the CPUID may hide ---- */

/* Offered: RDMSR does not fault. Not offered: RDMSR and WRMSR raise #GP. */
static void check_feature_msr(const char *present, const char *absent, uint32_t msr,
			      bool offered, const char *why)
{
	uint64_t val = 0;
	int r;

	if (!offered) {
		check_absent1(absent, msr, why);
		return;
	}
	r = rdmsr_safe(msr, &val);
	check(present, r == NO_EXCEPTION, "RDMSR 0x%x raised %s", msr, exception_name(r));
}

/* ---- Speculation control (SDM vol. 4, table 2-2; APM vol. 3, E.4.17) ---- */

#define MSR_IA32_PRED_CMD          0x00000049
#define MSR_IA32_ARCH_CAPABILITIES 0x0000010a
#define MSR_IA32_FLUSH_CMD         0x0000010b

/* IA32_SPEC_CTRL's bits the CPUID enumerates: IBRS, STIBP, SSBD, then leaf 7.2's */
static uint64_t spec_ctrl_bits(void)
{
	uint64_t bits = 0;

	bits |= cpuid_has(7, 0, EDX, 26) || cpuid_has(0x80000008, 0, EBX, 14) ? BIT64(0) : 0;
	bits |= cpuid_has(7, 0, EDX, 27) || cpuid_has(0x80000008, 0, EBX, 15) ? BIT64(1) : 0;
	bits |= cpuid_has(7, 0, EDX, 31) || cpuid_has(0x80000008, 0, EBX, 24) ? BIT64(2) : 0;
	bits |= cpuid_has(7, 2, EDX, 0) ? BIT64(7) : 0;                 /* PSFD */
	bits |= cpuid_has(7, 2, EDX, 1) ? BIT64(3) | BIT64(4) : 0;      /* IPRED_DIS_U/S */
	bits |= cpuid_has(7, 2, EDX, 2) ? BIT64(5) | BIT64(6) : 0;      /* RRSBA_DIS_U/S */
	bits |= cpuid_has(7, 2, EDX, 3) ? BIT64(8) : 0;                 /* DDPD_U */
	bits |= cpuid_has(7, 2, EDX, 4) ? BIT64(10) : 0;                /* BHI_DIS_S */
	return bits;
}

/*
 * The MSR exists if any of its bits is enumerated: it reads 0 at start, each of those bits
 * is taken and reads back, any other bit raises #GP. It is put back to 0.
 */
static void check_spec_ctrl(void)
{
	uint64_t bits = spec_ctrl_bits();
	struct writes taken = { 0 }, refused = { 0 };

	if (!bits) {
		check_absent1("spec-ctrl-absent-gp", MSR_IA32_SPEC_CTRL,
			      "no IBRS, STIBP, SSBD or leaf 7.2 control in CPUID");
		return;
	}
	check_reads("spec-ctrl-reads-0", (const uint32_t[]){ MSR_IA32_SPEC_CTRL }, 1, 0);
	for (unsigned int bit = 0; bit < 64; bit++)
		add_write(bits & BIT64(bit) ? &taken : &refused, MSR_IA32_SPEC_CTRL, BIT64(bit));
	add_write(&taken, MSR_IA32_SPEC_CTRL, bits);
	check_taken("spec-ctrl-offered-bits-read-back", &taken);
	wrmsr_safe(MSR_IA32_SPEC_CTRL, 0);
	check_refused("spec-ctrl-other-bits-gp", &refused);
}

/* A command MSR (IBPB, L1D flush): write-only, bit 0 the command, any other bit #GP. */
static void check_command_msr(const char *name, uint32_t msr, bool offered, const char *why)
{
	char taken[40], refused[40], unreadable[40];
	uint64_t val = 0;
	int w1, w2, r;

	if (!offered) {
		fmt_snprintf(taken, sizeof(taken), "%s-absent-gp", name);
		check(taken, wrmsr_safe(msr, 1) == X86_GP, "%s, yet WRMSR 0x%x did not #GP", why, msr);
		return;
	}
	fmt_snprintf(taken, sizeof(taken), "%s-command-taken", name);
	fmt_snprintf(refused, sizeof(refused), "%s-reserved-bits-gp", name);
	fmt_snprintf(unreadable, sizeof(unreadable), "%s-write-only", name);
	w1 = wrmsr_safe(msr, 1);
	w2 = wrmsr_safe(msr, 0);
	check(taken, w1 == NO_EXCEPTION && w2 == NO_EXCEPTION, "WRMSR 0x%x of 1 raised %s, of 0 %s",
	      msr, exception_name(w1), exception_name(w2));
	w1 = wrmsr_safe(msr, 2);
	w2 = wrmsr_safe(msr, BIT64(63) | 1);
	check(refused, w1 == X86_GP && w2 == X86_GP, "WRMSR 0x%x of 2 raised %s, of bit 63 %s",
	      msr, exception_name(w1), exception_name(w2));
	r = rdmsr_safe(msr, &val);
	check(unreadable, r == X86_GP, "RDMSR 0x%x raised %s", msr, exception_name(r));
}

/*
 * IA32_ARCH_CAPABILITIES: read-only; none of the bits that announce an MSR this vCPU lacks
 * (TSX_CTRL 7, MCU_CONTROL 9, MISC_PACKAGE_CTRLS 10, ENERGY_FILTERING_CTL 11, DOITM 12,
 * FB_CLEAR_CTRL 18, XAPIC_DISABLE 21, OVERCLOCKING_STATUS 23, GDS_CTRL 25).
 */
static void check_arch_capabilities(void)
{
	const uint64_t announce_msrs = BIT64(7) | BIT64(9) | BIT64(10) | BIT64(11) | BIT64(12) |
				       BIT64(18) | BIT64(21) | BIT64(23) | BIT64(25);
	uint64_t val = 0;
	int r, w;

	if (!cpuid_has(7, 0, EDX, 29)) {
		check_absent1("arch-capabilities-absent-gp", MSR_IA32_ARCH_CAPABILITIES,
			      "CPUID.(7,0):EDX[29] clear");
		return;
	}
	r = rdmsr_safe(MSR_IA32_ARCH_CAPABILITIES, &val);
	w = wrmsr_safe(MSR_IA32_ARCH_CAPABILITIES, val);
	check("arch-capabilities-read-only", r == NO_EXCEPTION && w == X86_GP,
	      "RDMSR raised %s, WRMSR of its value %s", exception_name(r), exception_name(w));
	check("arch-capabilities-no-absent-msrs", !(val & announce_msrs),
	      "reads 0x%lx: bits 0x%lx announce MSRs", val, val & announce_msrs);
}

static void check_speculation_control(void)
{
	check_spec_ctrl();
	check_command_msr("pred-cmd", MSR_IA32_PRED_CMD,
			  cpuid_has(7, 0, EDX, 26) || cpuid_has(0x80000008, 0, EBX, 12),
			  "no IBPB in CPUID.(7,0):EDX[26] or 80000008H:EBX[12]");
	check_command_msr("flush-cmd", MSR_IA32_FLUSH_CMD, cpuid_has(7, 0, EDX, 28),
			  "CPUID.(7,0):EDX[28] clear");
	check_arch_capabilities();
}

static void check_hidden_features(void)
{
	check_feature_msr("mcg-cap-readable", "mcg-cap-absent-gp", MSR_IA32_MCG_CAP,
			  cpuid_has(1, 0, EDX, 14), "CPUID.1:EDX[14] (MCA) clear");
	check_feature_msr("perf-capabilities-readable", "perf-capabilities-absent-gp",
			  MSR_IA32_PERF_CAPS, cpuid_has(1, 0, ECX, 15),
			  "CPUID.1:ECX[15] (PDCM) clear");
}

/* ---- IA32_XSS and XSAVES (SDM vol. 1, 13.11-13.12; vol. 2, XSAVES) ---- */

#define XSAVE_AREA_SIZE  8192
#define XCOMP_BV_COMPACT BIT64(63)

static uint8_t xsave_area[XSAVE_AREA_SIZE] __attribute__((aligned(64)));

/* XSAVES of x87 and SSE state (RFBM = 3), then XRSTORS of it. */
static void do_xsaves(void *arg)
{
	(void)arg;
	asm volatile("xsaves64 %0" : "+m"(xsave_area) : "a"(3), "d"(0) : "memory");
	asm volatile("xrstors64 %0" : : "m"(xsave_area), "a"(3), "d"(0) : "memory");
}

/*
 * With XSAVES offered: IA32_XSS reads 0 and takes 0; no supervisor component is offered
 * (CPUID.(0DH,1):ECX and EDX are 0), so any other value is #GP; XSAVES and XRSTORS run,
 * and XSAVES writes the compacted format (XCOMP_BV bit 63).
 */
static void check_xsaves(void)
{
	struct cpuid_regs d1 = cpuid(0xd, 1);
	uint64_t xcomp_bv;
	struct exception x;

	if (!cpuid_has(0xd, 1, EAX, 3)) {
		check_absent1("xss-absent-gp", MSR_IA32_XSS, "CPUID.(0xD,1):EAX[3] (XSAVES) clear");
		return;
	}
	check("xss-no-supervisor-components", d1.ecx == 0 && d1.edx == 0,
	      "CPUID.(0xD,1) ECX 0x%x EDX 0x%x", d1.ecx, d1.edx);
	check_reads("xss-reads-0", (const uint32_t[]){ MSR_IA32_XSS }, 1, 0);
	check_refused("xss-other-values-gp",
		      &(struct writes){ 3, { { MSR_IA32_XSS, BIT64(8) }, { MSR_IA32_XSS, BIT64(0) },
					     { MSR_IA32_XSS, BIT64(63) } } });
	check("xss-zero-taken", wrmsr_safe(MSR_IA32_XSS, 0) == NO_EXCEPTION, "WRMSR of 0 faulted");
	write_cr4(read_cr4() | CR4_OSXSAVE);
	x = guest_try(do_xsaves, NULL);
	xcomp_bv = *(volatile uint64_t *)&xsave_area[520];
	check("xsaves-runs", x.vector == NO_EXCEPTION && (xcomp_bv & XCOMP_BV_COMPACT),
	      "XSAVES/XRSTORS raised %s, XCOMP_BV 0x%lx", exception_name(x.vector), xcomp_bv);
}

void test_main(const char *cmdline)
{
	(void)cmdline;
	detect_vendor();
	ticks_per_ms = tsc_khz();
	check_tsc_msrs();
	check_tsc_deadline();
	check_pat();
	check_mtrr();
	check_tsc_aux();
	check_bios_sign_id();
	check_misc_enable();
	check_speculation_control();
	check_xsaves();
	check_hidden_features();
}

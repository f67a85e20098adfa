/*
 * XSETBV and XCR0 as the architecture defines them (Intel SDM vol. 1, 13.3;
 * vol. 2, XSETBV; vol. 3, 2.6): each invalid combination raises #GP and
 * leaves XCR0 as it was, a valid value reads back with XGETBV, and
 * CPUID.(EAX=0DH,ECX=0):EBX follows XCR0. Every check holds on a real CPU;
 * a value of a component the CPU does not offer is #GP there too, so each
 * check says whether the rule or the offer is what it exercised.
 *
 * With exit-counters=on on the module line the guest also says how many
 * XSETBVs the hypervisor handled (QEMU's TCG ignores SVM's XSETBV intercept:
 * none there), and with "expect-exits" on its own command line checks that
 * each XSETBV exited.
 */
#include "lib/fmt.h"
#include "guest-tests/lib/guest.h"

#define CPUID1_ECX_XSAVE (1U << 26)
#define X87        (1ULL << 0)
#define SSE        (1ULL << 1)
#define AVX        (1ULL << 2)
#define BNDREGS    (1ULL << 3)
#define BNDCSR     (1ULL << 4)
#define AVX512     (7ULL << 5)  /* opmask, ZMM_Hi256, Hi16_ZMM */
#define OPMASK     (1ULL << 5)
#define PT         (1ULL << 8)  /* supervisor components: IA32_XSS's */
#define CET_U      (1ULL << 11)
#define CET_S      (1ULL << 12)
#define XTILECFG   (1ULL << 17)
#define XTILEDATA  (1ULL << 18)
#define BIT63      (1ULL << 63)
#define SUPERVISOR (PT | (0x7fULL << 10))
#define LEGACY_AREA_AND_HEADER 576 /* the XSAVE area with x87 and SSE only */
#define MSR_XSETBV_EXITS 0x4d480016 /* exit-counters=on: EXIT_XSETBV (22) of core/exit.h */
#define XSETBVS_TRIED    20         /* the XSETBVs below that reach the hypervisor */

static uint64_t offered; /* CPUID.(EAX=0DH,ECX=0):EDX:EAX */
static uint64_t original; /* XCR0 as the test found it */

static const char *offer(uint64_t components)
{
	return (offered & components) == components ? "offered" : "not all offered";
}

/* value is refused with #GP, and XCR0 keeps what it held */
static void expect_gp(const char *name, uint64_t rcx, uint64_t value, const char *rule)
{
	uint64_t before = xgetbv(0);
	int v = xsetbv_safe(rcx, value);
	uint64_t after = xgetbv(0);

	if (v == NO_EXCEPTION)
		xsetbv_safe(0, original);
	check(name, v == X86_GP && after == before,
	      "XSETBV ECX=0x%x of 0x%lx (%s) raised %s; XCR0 0x%lx before, 0x%lx after",
	      (uint32_t)rcx, value, rule, exception_name(v), before, after);
}

/* value loads, and XGETBV reads it back */
static void expect_loaded(const char *name, uint64_t rcx, uint64_t value)
{
	int v = xsetbv_safe(rcx, value);
	uint64_t got = xgetbv(0);

	check(name, v == NO_EXCEPTION && got == value, "XSETBV ECX=0x%x of 0x%lx raised %s, XCR0 reads 0x%lx",
	      (uint32_t)rcx, value, exception_name(v), got);
}

static void check_invalid_combinations(void)
{
	char why[64];

	expect_gp("xcr0-x87-clear", 0, SSE, "x87 clear");
	expect_gp("xcr0-zero", 0, 0, "x87 clear");
	expect_gp("xcr0-avx-without-sse", 0, X87 | AVX, "AVX without SSE");
	fmt_snprintf(why, sizeof(why), "one AVX-512 component of three, %s", offer(AVX512));
	expect_gp("xcr0-avx512-partial", 0, X87 | SSE | AVX | OPMASK, why);
	fmt_snprintf(why, sizeof(why), "AVX-512 without AVX, %s", offer(AVX512));
	expect_gp("xcr0-avx512-without-avx", 0, X87 | SSE | AVX512, why);
	fmt_snprintf(why, sizeof(why), "BNDREGS without BNDCSR, MPX %s", offer(BNDREGS | BNDCSR));
	expect_gp("xcr0-mpx-bndregs-alone", 0, X87 | SSE | BNDREGS, why);
	expect_gp("xcr0-mpx-bndcsr-alone", 0, X87 | SSE | BNDCSR, why);
	fmt_snprintf(why, sizeof(why), "XTILECFG without XTILEDATA, AMX %s", offer(XTILECFG | XTILEDATA));
	expect_gp("xcr0-amx-tilecfg-alone", 0, X87 | SSE | XTILECFG, why);
	expect_gp("xcr0-amx-tiledata-alone", 0, X87 | SSE | XTILEDATA, why);
}

/* The lowest bit from 20 up that the CPU does not offer: no rule but the offer applies. */
static uint64_t unoffered_bit(void)
{
	for (unsigned int bit = 20; bit < 63; bit++)
		if (!(offered & (1ULL << bit)))
			return 1ULL << bit;
	return BIT63;
}

static void check_reserved_and_supervisor(void)
{
	expect_gp("xcr0-not-offered", 0, X87 | SSE | unoffered_bit(), "a component not offered");
	expect_gp("xcr0-supervisor-pt", 0, X87 | SSE | PT, "PT, a supervisor component");
	expect_gp("xcr0-supervisor-cet", 0, X87 | SSE | CET_U | CET_S, "CET, supervisor components");
	expect_gp("xcr0-bit63", 0, X87 | SSE | BIT63, "bit 63, reserved");
	expect_gp("xcr-index-1", 1, X87 | SSE, "XCR1");
	expect_gp("xcr-index-high", 0xffffffff, X87 | SSE, "XCR 0xffffffff");
}

/* Every user component the CPU offers, less any group it offers only in part. */
static uint64_t largest_valid(void)
{
	static const uint64_t groups[] = { BNDREGS | BNDCSR, AVX512, XTILECFG | XTILEDATA };
	uint64_t value = offered & ~(SUPERVISOR | BIT63);

	for (unsigned int i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		if ((value & groups[i]) != groups[i])
			value &= ~groups[i];
	if (!(value & AVX))
		value &= ~AVX512;
	return value;
}

/* XSAVE area size for XCR0: the end of the furthest enabled component (SDM vol. 1, 13.4.3). */
static uint32_t xsave_size(uint64_t xcr0)
{
	uint32_t size = LEGACY_AREA_AND_HEADER;

	for (unsigned int i = 2; i < 63; i++) {
		struct cpuid_regs r = cpuid(0xd, i);

		if ((xcr0 & (1ULL << i)) && r.ebx + r.eax > size)
			size = r.ebx + r.eax;
	}
	return size;
}

static void check_valid_values(void)
{
	uint64_t all = largest_valid();
	uint32_t size;

	expect_loaded("xcr0-x87-sse", 0, X87 | SSE);
	size = cpuid(0xd, 0).ebx;
	check("cpuid-0xd-size-x87-sse", size == LEGACY_AREA_AND_HEADER,
	      "CPUID.(0DH,0):EBX is %u with XCR0 = 3", size);
	expect_loaded("xcr0-rcx-upper-ignored", 1ULL << 32, X87);
	expect_loaded("xcr0-every-offered-component", 0, all);
	size = cpuid(0xd, 0).ebx;
	check("cpuid-0xd-size-follows-xcr0", size == xsave_size(all),
	      "CPUID.(0DH,0):EBX is %u with XCR0 = 0x%lx, the components end at %u", size, all,
	      xsave_size(all));
	expect_gp("xcr0-still-checked-after-load", 0, all & ~X87, "x87 clear");
}

/* SDM vol. 2, XSETBV: #UD while CR4.OSXSAVE is clear, before any other check. */
static void check_osxsave_clear(void)
{
	uint64_t cr4 = read_cr4();
	int v;

	write_cr4(cr4 & ~CR4_OSXSAVE);
	v = xsetbv_safe(0, X87 | SSE);
	write_cr4(cr4);
	check("xsetbv-ud-without-osxsave", v == X86_UD, "XSETBV with CR4.OSXSAVE clear raised %s",
	      exception_name(v));
}

/* What the hypervisor counted; -1 without exit-counters=on. */
static int64_t xsetbv_exits(void)
{
	uint64_t n;

	return rdmsr_safe(MSR_XSETBV_EXITS, &n) == NO_EXCEPTION ? (int64_t)n : -1;
}

static void report_exits(const char *cmdline, int64_t before)
{
	int64_t n = xsetbv_exits() - before;

	if (before < 0)
		return;
	guest_printf("the hypervisor handled %ld XSETBVs\n", n);
	if (cmdline_has(cmdline, "expect-exits"))
		check("xsetbv-exits", n >= XSETBVS_TRIED, "%ld XSETBV exits, %d XSETBVs", n,
		      XSETBVS_TRIED);
}

void test_main(const char *cmdline)
{
	int64_t exits_before = xsetbv_exits();
	struct cpuid_regs d;

	if (!(cpuid(1, 0).ecx & CPUID1_ECX_XSAVE)) {
		skip("xsetbv", "the CPU offers no XSAVE");
		return;
	}
	write_cr4(read_cr4() | CR4_OSXSAVE);
	d = cpuid(0xd, 0);
	offered = (uint64_t)d.edx << 32 | d.eax;
	original = xgetbv(0);
	guest_printf("XCR0 components offered 0x%lx, XCR0 0x%lx\n", offered, original);
	check_invalid_combinations();
	check_reserved_and_supervisor();
	check_valid_values();
	check_osxsave_clear();
	xsetbv_safe(0, original);
	report_exits(cmdline, exits_before);
}

/*
 * XSETBV with random XCR indexes and values, on either vCPU, now and then
 * with CR4.OSXSAVE clear. Each result is checked against the architecture
 * (Intel SDM vol. 2, XSETBV; vol. 1, 13.3), written here from the manual
 * and not from the hypervisor's code: #UD without CR4.OSXSAVE; #GP for an
 * XCR other than 0, a component CPUID.(EAX=0DH,ECX=0) does not offer, a
 * supervisor component or bit 63, x87 clear, AVX without SSE, part of
 * AVX-512 or AVX-512 without AVX, one of MPX's two or of AMX's two; after
 * #GP XCR0 is unchanged, after success XGETBV reads the value back.
 */
#include "guest-tests/fuzz/fuzz.h"

#define CPUID1_ECX_XSAVE (1U << 26)
#define X87      (1ULL << 0)
#define SSE      (1ULL << 1)
#define AVX      (1ULL << 2)
#define MPX      (3ULL << 3)
#define AVX512   (7ULL << 5)
#define AMX      (3ULL << 17)
#define IA32_XSS_ONLY ((1ULL << 8) | (0x7fULL << 10)) /* PT, PASID, CET, HDC, UINTR, LBR, HWP */
#define BIT63    (1ULL << 63)
#define MSR_EXIT_COUNTERS 0x4d480000 /* the hypervisor's, with exit-counters=on */
#define EXIT_XSETBV       22         /* its exit reason "xsetbv" */

static struct {
	uint64_t rcx, value;
	bool osxsave;
	int vector;
	uint64_t before, after; /* XGETBV(0) around the XSETBV (with CR4.OSXSAVE set) */
	bool exited;            /* the hypervisor saw it (its exit counter moved) */
} x;

static uint64_t xsetbv_exits(void)
{
	uint64_t n = 0;

	rdmsr_safe(MSR_EXIT_COUNTERS + EXIT_XSETBV, &n);
	return n;
}

static uint64_t offered(void)
{
	struct cpuid_regs r = cpuid(0xd, 0);

	return (uint64_t)r.edx << 32 | r.eax;
}

/* A group is all there or all absent */
static bool whole(uint64_t value, uint64_t group)
{
	return (value & group) == 0 || (value & group) == group;
}

static int expected_vector(void)
{
	uint64_t v = x.value;

	if (!x.osxsave)
		return X86_UD;
	if ((uint32_t)x.rcx != 0 || (v & ~offered()) || (v & (IA32_XSS_ONLY | BIT63)))
		return X86_GP;
	if (!(v & X87) || ((v & AVX) && !(v & SSE)) || ((v & AVX512) && !(v & AVX)))
		return X86_GP;
	return whole(v, MPX) && whole(v, AVX512) && whole(v, AMX) ? NO_EXCEPTION : X86_GP;
}

/* On the vCPU that runs it: CR4.OSXSAVE as asked, the XSETBV, CR4.OSXSAVE set again. */
static void xsetbv_here(void)
{
	uint64_t cr4 = read_cr4() | CR4_OSXSAVE;
	uint64_t exits;

	write_cr4(cr4);
	x.before = xgetbv(0);
	if (!x.osxsave)
		write_cr4(cr4 & ~CR4_OSXSAVE);
	exits = xsetbv_exits();
	x.vector = xsetbv_safe(x.rcx, x.value);
	x.exited = xsetbv_exits() != exits;
	write_cr4(cr4);
	x.after = xgetbv(0);
}

static uint64_t pick_value(void)
{
	uint64_t known = X87 | SSE | AVX | MPX | AVX512 | (1ULL << 9) | AMX;

	switch (rng_below(4)) {
	case 0:
		return rng_value();
	case 1: /* a subset of what is offered, x87 mostly set */
		return (rng_u64() & offered()) | (rng_percent(90) ? X87 : 0);
	case 2: /* the components the rules name, at random */
		return rng_u64() & known;
	default: /* what is offered, one or two bits flipped */
		return (offered() & ~(IA32_XSS_ONLY | BIT63)) ^ (1ULL << rng_below(64)) ^
		       (rng_percent(50) ? 1ULL << rng_below(20) : 0);
	}
}

/*
 * An XSETBV the CPU carried out without an exit is the emulator's, not the
 * hypervisor's (QEMU 7.2's TCG ignores SVM's XSETBV intercept, and applies
 * the host's components, not the guest's CPU model): said once, not judged.
 */
static void not_intercepted(void)
{
	static bool said;

	if (!said)
		guest_printf("fuzz: xsetbv: the CPU carried out an XSETBV without the "
			     "hypervisor's exit (an emulator ignoring the intercept): not judged\n");
	said = true;
}

static uint64_t pick_rcx(void)
{
	if (rng_percent(85))
		return rng_percent(50) ? 0 : rng_u64() << 32; /* RCX's upper half is ignored */
	return rng_percent(50) ? 1 : rng_u64();
}

void op_xsetbv(void)
{
	unsigned int vp = fz.cpus > 1 && rng_percent(40) ? AP : BSP;
	int want;

	if (!(cpuid(1, 0).ecx & CPUID1_ECX_XSAVE))
		return;
	x.rcx = pick_rcx();
	x.value = pick_value();
	x.osxsave = rng_percent(92);
	want = expected_vector();
	if (vp == BSP)
		xsetbv_here();
	else if (!fz.ap_alive || !ap_call(xsetbv_here))
		return;
	if (want == X86_GP && x.vector == NO_EXCEPTION && !x.exited)
		not_intercepted();
	else if (x.vector != want)
		mismatch("XSETBV ECX=0x%x of 0x%lx on vp %u (CR4.OSXSAVE %u) raised %s, expected %s",
			 (uint32_t)x.rcx, x.value, vp, x.osxsave, exception_name(x.vector),
			 exception_name(want));
	else if (want == NO_EXCEPTION && x.after != x.value)
		mismatch("XSETBV of 0x%lx on vp %u: XCR0 reads 0x%lx", x.value, vp, x.after);
	else if (want != NO_EXCEPTION && x.after != x.before)
		mismatch("XSETBV of 0x%lx on vp %u raised %s but XCR0 went from 0x%lx to 0x%lx",
			 x.value, vp, exception_name(x.vector), x.before, x.after);
}

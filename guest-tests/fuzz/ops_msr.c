/*
 * MSRs: every synthetic MSR (the TLFS appendix C set this hypervisor has:
 * VP_ASSIST_PAGE and the EOI/ICR/TPR MSRs among them, whose writes are left
 * to ops_apic.c and guest-tests/hvapic.c; and neighbours it has not:
 * VP_RUNTIME, RESET, the crash MSRs - all #GP), the x2APIC range, and random
 * MSR numbers with random values. A synthetic MSR reads what the model
 * holds; a write #GPs where the TLFS says (read-only MSRs, an unmasked SINT
 * below vector 16, a page outside RAM) and reads back as written otherwise.
 * An MSR the hypervisor does not implement #GPs both ways (cpumodel/msr_policy.c).
 */
#include "guest-tests/fuzz/fuzz.h"

#define MSR_TSC          0x10
#define MSR_MISC_ENABLE  0x1a0
#define MSR_STAR         0xc0000081
#define HV_FIRST         0x40000000
#define HV_SPAN          0x200

static const uint32_t hv_msrs[] = {
	0x40000000, 0x40000001, 0x40000002, 0x40000003, 0x40000010, 0x40000020, 0x40000021,
	0x40000022, 0x40000023, 0x40000070, 0x40000071, 0x40000072, HV_MSR_VP_ASSIST,
	0x40000080, 0x40000081, 0x40000082, 0x40000083, 0x40000084, 0x40000090, 0x40000092,
	0x40000093, 0x4000009f, 0x400000b0, 0x400000b1, 0x400000b2, 0x400000b7, 0x400000f0,
	0x40000100, 0x40000105, 0x40000106, 0x40000118,
};

#define MSR_TSC_ADJUST   0x3b
#define MSR_UCODE_REV    0x8b
#define MSR_MTRRCAP      0xfe
#define MSR_PAT          0x277
#define MSR_MTRR_DEFTYPE 0x2ff
#define MSR_TSC_AUX      0xc0000103

/* The features whose MSRs exist only when the guest's CPUID offers them */
enum {
	MSR_HAS_TSC_ADJUST = 1 << 0, /* CPUID.(7,0):EBX[1] */
	MSR_HAS_TSC_AUX = 1 << 1,    /* RDTSCP or RDPID */
	MSR_HAS_MTRR = 1 << 2,       /* CPUID.1:EDX[12] */
	MSR_HAS_PAT = 1 << 3,        /* CPUID.1:EDX[16] */
	MSR_HAS_SPEC_CTRL = 1 << 4,  /* IBRS, STIBP, SSBD or a leaf 7.2 control */
	MSR_HAS_PRED_CMD = 1 << 5,   /* IBPB: CPUID.(7,0):EDX[26] or 80000008H:EBX[12] */
	MSR_HAS_FLUSH_CMD = 1 << 6,  /* CPUID.(7,0):EDX[28] */
	MSR_HAS_ARCH_CAPS = 1 << 7,  /* CPUID.(7,0):EDX[29] */
	MSR_HAS_XSS = 1 << 8,        /* XSAVES: CPUID.(0DH,1):EAX[3] */
};

static uint32_t speculation_features(void)
{
	struct cpuid_regs l7 = cpuid(7, 0), l72 = cpuid(7, 2), e8 = cpuid(0x80000008, 0);
	bool spec_ctrl = (l7.edx & (1u << 26 | 1u << 27 | 1u << 31)) || (l72.edx & 0x1f) ||
			 (e8.ebx & (1u << 14 | 1u << 15 | 1u << 24));

	return (spec_ctrl ? MSR_HAS_SPEC_CTRL : 0) |
	       ((l7.edx & (1u << 26)) || (e8.ebx & (1u << 12)) ? MSR_HAS_PRED_CMD : 0) |
	       (l7.edx & (1u << 28) ? MSR_HAS_FLUSH_CMD : 0) |
	       (l7.edx & (1u << 29) ? MSR_HAS_ARCH_CAPS : 0);
}

void msr_features_detect(void)
{
	struct cpuid_regs l1 = cpuid(1, 0), l7 = cpuid(7, 0), e1 = cpuid(0x80000001, 0);

	fz.msr_features = (l7.ebx & (1u << 1) ? MSR_HAS_TSC_ADJUST : 0) |
			  ((e1.edx & (1u << 27)) || (l7.ecx & (1u << 22)) ? MSR_HAS_TSC_AUX : 0) |
			  (l1.edx & (1u << 12) ? MSR_HAS_MTRR : 0) |
			  (l1.edx & (1u << 16) ? MSR_HAS_PAT : 0) |
			  (cpuid(0xd, 1).eax & (1u << 3) ? MSR_HAS_XSS : 0) | speculation_features();
}

static bool has(uint32_t feature) { return fz.msr_features & feature; }

/* The MTRRs: MTRRCAP, the 8 variable ranges, the fixed ranges, DEF_TYPE (SDM vol. 3, 12.11) */
static bool is_mtrr(uint32_t msr)
{
	return msr == MSR_MTRRCAP || (msr >= 0x200 && msr <= 0x20f) || msr == 0x250 ||
	       msr == 0x258 || msr == 0x259 || (msr >= 0x268 && msr <= 0x26f) ||
	       msr == MSR_MTRR_DEFTYPE;
}

/* The MSRs the hypervisor's MSR table (cpumodel/msr_table.c) serves outside the Hyper-V and
 * x2APIC ranges, and those the CPU switches for the guest (the backend's guest-owned list) */
static bool other_known_msr(uint32_t msr)
{
	switch (msr) {
	case MSR_TSC:
	case MSR_IA32_APIC_BASE:
	case MSR_UCODE_REV:
	case MSR_IA32_TSC_DEADLINE:
	case MSR_EFER:
	case 0x174: case 0x175: case 0x176:
	case 0xc0000081: case 0xc0000082: case 0xc0000083: case 0xc0000084:
	case 0xc0000100: case 0xc0000101: case 0xc0000102:
		return true;
	case MSR_TSC_ADJUST:
		return has(MSR_HAS_TSC_ADJUST);
	case MSR_TSC_AUX:
		return has(MSR_HAS_TSC_AUX);
	case MSR_PAT:
		return has(MSR_HAS_PAT);
	case 0x48:
		return has(MSR_HAS_SPEC_CTRL);
	case 0x49:
		return has(MSR_HAS_PRED_CMD);
	case 0x10a:
		return has(MSR_HAS_ARCH_CAPS) && fz.intel;
	case 0x10b:
		return has(MSR_HAS_FLUSH_CMD) && fz.intel;
	case 0xda0:
		return has(MSR_HAS_XSS);
	case MSR_MISC_ENABLE:
		return fz.intel;
	case 0xc0010000 ... 0xc0010007: /* AMD's legacy performance counters: read 0, take any write */
	case 0xc0010010: case 0xc0010015: case 0xc001001f: case 0xc0010055: /* SYSCFG, HWCR, NB_CFG,
									       INT_PENDING_MSG */
		return !fz.intel;
	}
	return is_mtrr(msr) && has(MSR_HAS_MTRR);
}

/*
 * A random value written to the TSC or TSC_ADJUST would move the guest's clock, which every
 * wait of this program reads: they are written with their own value instead (the TSC a
 * little ahead, so that it never goes back).
 */
static bool moves_the_clock(uint32_t msr)
{
	return msr == MSR_TSC || msr == MSR_TSC_ADJUST;
}

static uint32_t pick_hv_msr(void)
{
	if (rng_percent(70))
		return RNG_PICK(hv_msrs) + (rng_percent(20) ? (uint32_t)rng_below(16) : 0);
	return HV_FIRST + (uint32_t)rng_below(HV_SPAN);
}

/* What a synthetic MSR must read: the model's value, or the architecture's */
static void check_hv_read(unsigned int vp, uint32_t msr, uint64_t val)
{
	const struct vp_model *m = &hv.vp[vp];
	uint64_t want = val;

	if (msr == HV_MSR_VP_INDEX) want = vp;
	else if (msr == HV_MSR_SVERSION) want = 1;
	else if (msr == HV_MSR_EOM) want = 0;
	else if (msr == HV_MSR_TSC_FREQUENCY) want = hv.tsc_hz;
	else if (msr == HV_MSR_APIC_FREQUENCY) want = hv.apic_hz;
	else if (msr == HV_MSR_GUEST_OS_ID) want = hv.guest_os_id;
	else if (msr == HV_MSR_HYPERCALL) want = hv.hypercall;
	else if (msr == HV_MSR_REFERENCE_TSC) want = hv.ref_tsc;
	else if (msr == HV_MSR_SCONTROL) want = m->scontrol;
	else if (msr == HV_MSR_SIMP) want = m->simp;
	else if (msr == HV_MSR_SIEFP) want = m->siefp;
	else if (msr >= HV_MSR_SINT(0) && msr <= HV_MSR_SINT(15)) want = m->sint[msr - HV_MSR_SINT(0)];
	else if (msr >= HV_MSR_STIMER_COUNT(0) && msr <= HV_MSR_STIMER_COUNT(3) && (msr & 1))
		want = m->epoch[(msr - HV_MSR_STIMER_COUNT(0)) / 2].count;
	if (msr == HV_MSR_TIME_REF_COUNT && val < hv.last_ref)
		mismatch("vp %u TIME_REF_COUNT 0x%lx after 0x%lx was read", vp, val, hv.last_ref);
	else if (msr == HV_MSR_TIME_REF_COUNT)
		hv.last_ref = val;
	if (val != want)
		mismatch("vp %u rdmsr 0x%x: 0x%lx, expected 0x%lx", vp, msr, val, want);
}

static void hv_read(unsigned int vp, uint32_t msr)
{
	uint64_t val = 0;
	int want = model_read_vector(msr), v = msr_read_on(vp, msr, &val);

	if (v == NOT_RUN)
		return;
	if (v != want)
		mismatch("vp %u rdmsr 0x%x raised %s, expected %s", vp, msr, exception_name(v),
			 exception_name(want));
	else if (v == NO_EXCEPTION)
		check_hv_read(vp, msr, val);
}

/* A random value, with the vector of a SINT kept off the denied ones */
static uint64_t hv_value(uint32_t msr)
{
	uint64_t val = rng_percent(50) ? rng_value() : rng_u64() & 0x7ffff;

	if (msr >= HV_MSR_SINT(0) && msr <= HV_MSR_SINT(15))
		val = (val & ~0xffULL) | deny_fix_vector((uint8_t)val);
	if (msr == HV_MSR_GUEST_OS_ID && !val && rng_percent(80))
		val = HV_GUEST_OS_ID;
	return val;
}

/*
 * An enabled VP assist page takes the hypervisor's APIC-assist writes (its
 * first word, whenever an interrupt is injected): it is a page of the
 * fuzzer's own, never one its code or data live in. A page outside RAM
 * stays as drawn, for the #GP.
 */
static uint8_t assist_pages[NR_VPS][PAGE] __attribute__((aligned(PAGE)));

static uint64_t vp_assist_value(unsigned int vp, uint64_t val)
{
	uint64_t gpa = val & ~(PAGE - 1);

	if (!(val & 1) || !model_ram_page(gpa))
		return val;
	return (val & (PAGE - 1)) | (uint64_t)(uintptr_t)assist_pages[vp];
}

static void hv_write(unsigned int vp, uint32_t msr)
{
	uint64_t val = hv_value(msr);

	if (msr == HV_MSR_VP_ASSIST)
		val = vp_assist_value(vp, val);

	if (pages_is_page_msr(msr))
		pages_write(vp, msr, val);
	else if (msr >= HV_MSR_STIMER_CONFIG(0) && msr <= HV_MSR_STIMER_COUNT(3))
		timer_write(vp, msr, val);
	else if (msr >= HV_MSR_APIC_EOI && msr < HV_MSR_VP_ASSIST)
		return; /* EOI, ICR, TPR: the APIC's, whose writes ops_apic.c makes */
	else if (deny_msr_write(msr))
		hv_msr_write_checked(vp, msr, 0); /* not offered: #GP even for 0 */
	else
		hv_msr_write_checked(vp, msr, val);
}

static void hv_msr_op(void)
{
	unsigned int vp = fz.ap_alive && rng_percent(25) ? AP : BSP;
	uint32_t msr = pick_hv_msr();

	if (rng_percent(50))
		hv_read(vp, msr);
	else
		hv_write(vp, msr);
}

/* ---- anything else ---- */

static uint32_t pick_any_msr(void)
{
	switch (rng_below(5)) {
	case 0:
		return (uint32_t)rng_u64();
	case 1:
		return 0xc0000000 + (uint32_t)rng_below(0x12000);
	case 2:
		return (uint32_t)rng_below(0x2000);
	case 3:
		return HV_FIRST + (uint32_t)rng_below(HV_SPAN);
	default:
		return RNG_PICK(((const uint32_t[]){ MSR_TSC, MSR_IA32_APIC_BASE, MSR_IA32_TSC_DEADLINE,
			MSR_EFER, MSR_MISC_ENABLE, MSR_PAT, MSR_MTRRCAP, MSR_MTRR_DEFTYPE, 0x200, 0x20f,
			0x210, 0x250, 0x26f, MSR_TSC_ADJUST, MSR_UCODE_REV, 0x48 /* SPEC_CTRL */,
			0x49 /* PRED_CMD */, 0x10a /* ARCH_CAPABILITIES */, 0x10b /* FLUSH_CMD */,
			0xda0 /* XSS */, 0x179 /* MCG_CAP */, 0x345 /* PERF_CAPABILITIES */, MSR_TSC_AUX,
			MSR_STAR }));
	}
}

static void any_msr_op(void)
{
	uint32_t msr = pick_any_msr();
	bool write = rng_percent(50) && !deny_msr_write(msr);
	uint64_t val = rng_value();
	int v;

	if (msr >= 0x800 && msr <= 0x8ff) {
		apic_msr_access(BSP, msr);
		return;
	}
	if (model_is_hv_msr(msr) || (msr >= HV_FIRST && msr < HV_FIRST + HV_SPAN)) {
		write ? hv_write(BSP, msr) : hv_read(BSP, msr);
		return;
	}
	if (write && moves_the_clock(msr) && rdmsr_safe(msr, &val) == NO_EXCEPTION)
		val += msr == MSR_TSC ? 2000 : 0;
	v = write ? wrmsr_safe(msr, val) : rdmsr_safe(msr, &val);
	if (!other_known_msr(msr) && v != X86_GP)
		mismatch("%s of MSR 0x%x (not implemented) raised %s, expected #GP",
			 write ? "wrmsr" : "rdmsr", msr, exception_name(v));
}

/*
 * EFER (SDM vol. 4, table 2-2, and vol. 3, 2.2.1): reserved bits and a
 * change of LME while paging is on #GP; its own value writes back.
 */
static void efer_op(void)
{
	uint64_t efer = rdmsr(MSR_EFER), bad;
	int v;

	switch (rng_below(3)) {
	case 0:
		bad = efer | 1ULL << RNG_PICK(((const uint8_t[]){ 1, 2, 3, 4, 5, 6, 7, 9, 16, 31, 63 }));
		break;
	case 1:
		bad = efer & ~EFER_LME;
		break;
	default:
		v = wrmsr_safe(MSR_EFER, efer);
		if (v != NO_EXCEPTION || rdmsr(MSR_EFER) != efer)
			mismatch("EFER 0x%lx written back raised %s, reads 0x%lx", efer,
				 exception_name(v), rdmsr(MSR_EFER));
		return;
	}
	v = wrmsr_safe(MSR_EFER, bad);
	if (v != X86_GP || rdmsr(MSR_EFER) != efer)
		mismatch("EFER 0x%lx -> 0x%lx raised %s, reads 0x%lx", efer, bad, exception_name(v),
			 rdmsr(MSR_EFER));
}

void op_msr(void)
{
	switch (rng_below(20)) {
	case 0:
		efer_op();
		break;
	case 1 ... 11:
		hv_msr_op();
		break;
	default:
		any_msr_op();
	}
}

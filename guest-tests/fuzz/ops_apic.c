/*
 * The local APIC: xAPIC <-> x2APIC mode flips through IA32_APIC_BASE, the
 * x2APIC MSRs, self-IPIs with random vectors and delivery modes, TPR and
 * CR8 writes against delivery, EOI with nothing in service. Every operation
 * ends with the APIC put back (lapic.c). References: Intel SDM vol. 3,
 * chapter 11.
 */
#include "guest-tests/fuzz/fuzz.h"

#define BASE_RESERVED   (0xffULL | 1ULL << 9 | ~((1ULL << 52) - 1)) /* 11.4.4; MAXPHYADDR 52 */
#define ICR_DM(dm)      ((uint32_t)(dm) << 8)
#define DM_FIXED        0
#define DM_LOWEST       1
#define DM_SMI          2
#define DM_NMI          4
#define DM_INIT         5
#define DM_SIPI         6
#define DM_EXTINT       7
#define ESR_ILLEGAL     (3U << 5) /* send or receive illegal vector (11.5.3) */
#define WAIT_US         500000 /* only a failure waits so long: an emulator on a loaded machine */

/* ---- IA32_APIC_BASE (11.12.5, figure 11-27) ---- */

static struct {
	uint64_t val, before, after;
	int vector;
} base_req;

static void base_write(void)
{
	base_req.before = rdmsr(MSR_IA32_APIC_BASE);
	base_req.vector = wrmsr_safe(MSR_IA32_APIC_BASE, base_req.val);
	base_req.after = rdmsr(MSR_IA32_APIC_BASE);
	lapic_sane();
}

/* EXTD without EN is invalid; x2APIC leaves only to disabled; disabled leads only to xAPIC. */
static int base_expect(uint64_t old, uint64_t val)
{
	bool old_en = old & APIC_BASE_ENABLE, old_x2 = old & APIC_BASE_X2APIC;
	bool en = val & APIC_BASE_ENABLE, x2 = val & APIC_BASE_X2APIC;

	if ((val & BASE_RESERVED) || (x2 && !en) || (old_x2 && en && !x2) || (!old_en && x2))
		return X86_GP;
	return NO_EXCEPTION;
}

static void check_base(unsigned int vp)
{
	int want = base_expect(base_req.before, base_req.val);
	uint64_t expect = want == NO_EXCEPTION ? base_req.val : base_req.before;

	if (base_req.vector != want)
		mismatch("vp %u IA32_APIC_BASE 0x%lx -> 0x%lx raised %s, expected %s", vp,
			 base_req.before, base_req.val, exception_name(base_req.vector),
			 exception_name(want));
	else if ((base_req.after ^ expect) & ~APIC_BASE_BSP)
		mismatch("vp %u IA32_APIC_BASE reads 0x%lx after writing 0x%lx (was 0x%lx)", vp,
			 base_req.after, base_req.val, base_req.before);
}

/* The address stays where it is: a moved xAPIC page would cover RAM (deny.c). */
static void base_op(void)
{
	unsigned int vp = fz.ap_alive && rng_percent(25) ? AP : BSP;
	uint64_t old = rdmsr(MSR_IA32_APIC_BASE);
	uint64_t val = (old & APIC_BASE_ADDR_MASK) | (old & APIC_BASE_BSP);

	val |= rng_percent(75) ? APIC_BASE_ENABLE : 0;
	val |= rng_percent(50) ? APIC_BASE_X2APIC : 0;
	if (rng_percent(10))
		val |= rng_u64() & BASE_RESERVED;
	base_req.val = val;
	if (vp == BSP)
		base_write();
	else if (!ap_call(base_write))
		return;
	check_base(vp);
}

/* ---- the x2APIC MSRs (11.12.1, table 11-6) ---- */

enum { R = 1, W = 2 };

struct x2reg {
	uint16_t first, last;
	uint8_t access;
	uint32_t writable; /* reserved bits #GP (11.12.1.3); EOI and ESR take 0 only */
};

/* As the hypervisor has them: SVR bits 9 and 12 (not offered) reserved, APR and DFR absent */
static const struct x2reg x2regs[] = {
	{ 0x802, 0x803, R, 0 },          { 0x808, 0x808, R | W, 0xff },
	{ 0x80a, 0x80a, R, 0 },          { 0x80b, 0x80b, W, 0 },
	{ 0x80d, 0x80d, R, 0 },          { 0x80f, 0x80f, R | W, 0x1ff },
	{ 0x810, 0x827, R, 0 },          { 0x828, 0x828, R | W, 0 },
	{ 0x82f, 0x82f, R | W, 0x107ff },  { 0x830, 0x830, R | W, 0xffffffff },
	{ 0x832, 0x832, R | W, 0x700ff },  { 0x833, 0x834, R | W, 0x107ff },
	{ 0x835, 0x836, R | W, 0x1a7ff },  { 0x837, 0x837, R | W, 0x100ff },
	{ 0x838, 0x838, R | W, 0xffffffff }, { 0x839, 0x839, R, 0 },
	{ 0x83e, 0x83e, R | W, 0xb },      { 0x83f, 0x83f, W, 0xff },
};

static const struct x2reg *x2reg_of(uint32_t msr)
{
	for (unsigned int i = 0; i < sizeof(x2regs) / sizeof(x2regs[0]); i++)
		if (msr >= x2regs[i].first && msr <= x2regs[i].last)
			return &x2regs[i];
	return NULL;
}

static bool in_x2apic_mode(unsigned int vp)
{
	uint64_t base;

	return msr_read_on(vp, MSR_IA32_APIC_BASE, &base) == NO_EXCEPTION &&
	       (base & (APIC_BASE_ENABLE | APIC_BASE_X2APIC)) == (APIC_BASE_ENABLE | APIC_BASE_X2APIC);
}

/* A value for a write: vectors kept off the denied ones, reserved bits now and then. */
static uint64_t x2_value(const struct x2reg *r)
{
	uint64_t val = rng_value();

	if (r && rng_percent(80))
		val &= r->writable;
	return (val & ~0xffULL) | deny_fix_vector((uint8_t)val);
}

static void check_x2_access(unsigned int vp, bool x2apic, uint32_t msr, bool write, uint64_t val,
			    int v)
{
	const struct x2reg *r = x2reg_of(msr);
	int want = X86_GP;

	if (x2apic && r && (r->access & (write ? W : R)) &&
	    (!write || !(val & ~(uint64_t)r->writable)))
		want = NO_EXCEPTION;
	if (v != NOT_RUN && v != want)
		mismatch("vp %u %s x2APIC MSR 0x%x (0x%lx) raised %s, expected %s", vp,
			 write ? "wrmsr" : "rdmsr", msr, val, exception_name(v), exception_name(want));
}

/*
 * The mode is read first, and a write is followed by lapic_sane() in the same
 * call: one that software-disables the AP's APIC (SVR bit 8) leaves it deaf to
 * the fixed IPI of any later call (SDM 11.4.7.2; seed 9 on QEMU).
 */
void apic_msr_access(unsigned int vp, uint32_t msr)
{
	bool x2apic = in_x2apic_mode(vp);
	uint64_t val = 0;
	int v;

	if (rng_percent(50) || deny_msr_write(msr)) {
		v = msr_read_on(vp, msr, &val);
		check_x2_access(vp, x2apic, msr, false, 0, v);
		return;
	}
	val = x2_value(x2reg_of(msr));
	v = msr_write_then_sane_on(vp, msr, val);
	check_x2_access(vp, x2apic, msr, true, val, v);
}

/* ---- self-IPIs (11.6.1, 11.12.11) ---- */

static uint32_t pick_mode(void)
{
	static const uint8_t modes[] = { DM_FIXED, DM_FIXED, DM_FIXED, DM_FIXED, DM_LOWEST,
					 DM_NMI, DM_SMI, 3, DM_SIPI, DM_EXTINT };

	return RNG_PICK(modes); /* never INIT to itself: that is the end of this vCPU (deny.c) */
}

/* Sends it one of three ways; true when through the x2APIC SELF IPI register. */
static bool send_self(uint32_t dm, uint8_t vector)
{
	uint32_t icr = ICR_DM(dm) | vector;

	switch (rng_below(4)) {
	case 0:
		apic_send_ipi(0, icr | APIC_DEST_SELF);
		return false;
	case 1:
		apic_send_ipi(apic_id(), icr);
		return false;
	default:
		if (dm != DM_FIXED || !apic_is_x2apic()) {
			apic_send_ipi(0, icr | APIC_DEST_SELF);
			return false;
		}
		x2apic_write(APIC_SELF_IPI, vector); /* 11.12.11: fixed, edge, to itself */
		return true;
	}
}

/*
 * An illegal vector through the SELF IPI register sets no ESR bit where the CPU
 * virtualizes that register (APICv's self-IPI virtualization, SDM 29.5, checks no
 * vector), and the guest cannot tell whether it does: that case is not checked.
 */
static void check_self_delivery(uint32_t dm, uint8_t vector, uint32_t before, uint32_t nmis,
				bool self_ipi_reg)
{
	if ((dm == DM_FIXED || dm == DM_LOWEST) && vector >= 16) {
		if (!irq_wait(BSP, vector, before, WAIT_US))
			mismatch("self-IPI (mode %u) on vector 0x%x not delivered", dm, vector);
	} else if ((dm == DM_FIXED || dm == DM_LOWEST) && !self_ipi_reg) {
		uint32_t esr = lapic_esr();

		irq_window();
		if (!(esr & ESR_ILLEGAL))
			mismatch("self-IPI on illegal vector 0x%x: ESR 0x%x", vector, esr);
	} else if (dm == DM_NMI && !nmi_wait(BSP, nmis, WAIT_US)) {
		mismatch("self-NMI not delivered");
	}
}

static void self_ipi_op(void)
{
	uint32_t dm = pick_mode();
	uint8_t v = (uint8_t)(rng_percent(85) ? rng_range(32, 255) : rng_below(16));
	uint8_t vector = deny_fix_vector(v);
	uint32_t before = irq_seen(BSP, vector), nmis = nmi_seen(BSP);
	bool self_ipi_reg;

	lapic_esr();
	self_ipi_reg = send_self(dm, vector);
	check_self_delivery(dm, vector, before, nmis, self_ipi_reg);
}

/* ---- TPR, CR8 and PPR (11.8.3, 11.8.6) ---- */

static void write_cr8(uint64_t v) { asm volatile("mov %0, %%cr8" ::"r"(v) : "memory"); }

static uint64_t read_cr8(void)
{
	uint64_t v;

	asm volatile("mov %%cr8, %0" : "=r"(v));
	return v;
}

static uint32_t set_tpr(void)
{
	uint32_t tpr = (uint32_t)rng_below(256);
	uint32_t back;

	if (rng_percent(30) && fz.cr8) {
		write_cr8(tpr >> 4); /* CR8[3:0] is TPR[7:4], TPR[3:0] cleared */
		tpr &= 0xf0;
	} else {
		apic_write(APIC_TPR, tpr);
	}
	back = apic_read(APIC_TPR);
	if (back != tpr || read_cr8() != tpr >> 4 || apic_read(APIC_PPR) != tpr)
		mismatch("TPR 0x%x written: TPR 0x%x, CR8 0x%lx, PPR 0x%x (nothing in service)", tpr,
			 back, read_cr8(), apic_read(APIC_PPR));
	return tpr;
}

/* 11.8.3.1: a vector is delivered when its class is above the PPR's. */
static void tpr_op(void)
{
	uint8_t vector = deny_fix_vector((uint8_t)rng_range(32, 255));
	uint32_t before = irq_seen(BSP, vector), tpr = set_tpr();
	bool blocked = (vector & 0xf0) <= (tpr & 0xf0);

	lapic_self_ipi(vector);
	irq_window();
	if (blocked == (irq_seen(BSP, vector) != before))
		mismatch("TPR 0x%x, vector 0x%x: %s", tpr, vector,
			 blocked ? "delivered over the TPR" : "not delivered");
	apic_write(APIC_TPR, 0);
	if (!irq_wait(BSP, vector, before, WAIT_US))
		mismatch("vector 0x%x held back by TPR 0x%x not delivered once TPR is 0", vector, tpr);
}

/* 11.8.5: EOI with nothing in service changes nothing. */
static void eoi_op(void)
{
	uint32_t ppr = apic_read(APIC_PPR);

	apic_eoi();
	if (apic_read(APIC_PPR) != ppr)
		mismatch("EOI with nothing in service: PPR 0x%x -> 0x%x", ppr, apic_read(APIC_PPR));
}

void op_apic(void)
{
	lapic_sane();
	switch (rng_below(10)) {
	case 0:
	case 1:
		base_op();
		break;
	case 2:
	case 3:
	case 4:
		timers_off(BSP); /* no storm of the fuzzer's own holds the vector back */
		self_ipi_op();
		break;
	case 5:
	case 6:
		timers_off(BSP);
		tpr_op();
		break;
	case 7:
		eoi_op();
		break;
	default:
		apic_msr_access(fz.ap_alive && rng_percent(20) ? AP : BSP,
				0x800 + (uint32_t)rng_below(0x100));
	}
	lapic_sane();
}

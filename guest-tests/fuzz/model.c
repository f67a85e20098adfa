/*
 * The fuzzer's model of what the hypervisor holds for the partition: the
 * synthetic MSRs as synic/hv_msr.c, synic.c and stimer.c implement the TLFS,
 * and from it what an access should do. The BSP keeps it; the AP's MSRs are
 * written only through the BSP's requests (msr_access.c), so it stays exact.
 */
#include "guest-tests/fuzz/fuzz.h"

#define STIMER_CONFIG_RSVDZ 0xfffffffffff0e000ULL /* TLFS 12.3.1: bits 15:13 and 63:20 */
#define SINT_VECTOR(v)      ((v) & 0xff)

struct hv_model hv;

void model_init(void)
{
	hv.privileges = cpuid(HV_CPUID_FEATURES, 0).ebx;
	hv.hints = cpuid(HV_CPUID_RECOMMENDATIONS, 0).eax;
	hv.tsc_hz = rdmsr(HV_MSR_TSC_FREQUENCY);
	hv.apic_hz = rdmsr(HV_MSR_APIC_FREQUENCY);
	for (unsigned int vp = 0; vp < NR_VPS; vp++)
		for (unsigned int n = 0; n < 16; n++)
			hv.vp[vp].sint[n] = HV_SINT_MASKED; /* TLFS 11.8.4: the reset value */
}

bool model_ram_page(uint64_t gpa)
{
	return !(gpa & (PAGE - 1)) && gpa < fz.mem_size && fz.mem_size - gpa >= PAGE;
}

static unsigned int role_if(uint64_t msr, uint64_t gpa, enum page_role role)
{
	return page_on(msr) && page_gpa(msr) == gpa ? role : 0;
}

unsigned int model_roles(uint64_t gpa)
{
	gpa &= ~(PAGE - 1);
	return role_if(hv.vp[BSP].simp, gpa, ROLE_SIMP0) | role_if(hv.vp[BSP].siefp, gpa, ROLE_SIEFP0) |
	       role_if(hv.vp[AP].simp, gpa, ROLE_SIMP1) | role_if(hv.vp[AP].siefp, gpa, ROLE_SIEFP1) |
	       role_if(hv.hypercall, gpa, ROLE_HYPERCALL) | role_if(hv.ref_tsc, gpa, ROLE_REF_TSC);
}

bool model_synic_page(unsigned int vp, uint64_t msr_value)
{
	return (hv.vp[vp].scontrol & 1) && page_on(msr_value);
}

static bool is_sint(uint32_t msr) { return msr >= HV_MSR_SINT(0) && msr <= HV_MSR_SINT(15); }
static bool is_stimer(uint32_t msr)
{
	return msr >= HV_MSR_STIMER_CONFIG(0) && msr <= HV_MSR_STIMER_COUNT(3);
}

/* The synthetic MSRs synic/hv_msr.c implements (the CPUID privileges say the same). */
bool model_is_hv_msr(uint32_t msr)
{
	switch (msr) {
	case HV_MSR_GUEST_OS_ID:
	case HV_MSR_HYPERCALL:
	case HV_MSR_VP_INDEX:
	case HV_MSR_TIME_REF_COUNT:
	case HV_MSR_REFERENCE_TSC:
	case HV_MSR_TSC_FREQUENCY:
	case HV_MSR_APIC_FREQUENCY:
		return true;
	}
	return (msr >= HV_MSR_SCONTROL && msr <= HV_MSR_EOM) || is_sint(msr) || is_stimer(msr) ||
	       (msr >= HV_MSR_APIC_EOI && msr <= HV_MSR_VP_ASSIST) ||
	       (msr >= HV_MSR_CRASH_P0 && msr <= HV_MSR_CRASH_CTL);
}

/* HV_X64_MSR_EOI is write-only */
int model_read_vector(uint32_t msr)
{
	return model_is_hv_msr(msr) && msr != HV_MSR_APIC_EOI ? NO_EXCEPTION : X86_GP;
}

/* TLFS appendix C and 11.8: the read-only MSRs #GP on a write */
static bool read_only(uint32_t msr)
{
	return msr == HV_MSR_VP_INDEX || msr == HV_MSR_TIME_REF_COUNT ||
	       msr == HV_MSR_TSC_FREQUENCY || msr == HV_MSR_APIC_FREQUENCY ||
	       msr == HV_MSR_SVERSION;
}

/* An overlay or SynIC page enabled outside the partition's RAM #GPs (TLFS 3.13, 11.8). */
static bool page_outside(uint64_t val)
{
	return page_on(val) && !model_ram_page(page_gpa(val));
}

int model_write_vector(unsigned int vp, uint32_t msr, uint64_t val)
{
	(void)vp;
	if (!model_is_hv_msr(msr) || read_only(msr))
		return X86_GP;
	if (msr == HV_MSR_HYPERCALL) /* Enable stays clear without a guest OS id: no #GP then */
		return hv.guest_os_id && page_outside(val) ? X86_GP : NO_EXCEPTION;
	if (msr == HV_MSR_REFERENCE_TSC || msr == HV_MSR_SIMP || msr == HV_MSR_SIEFP ||
	    msr == HV_MSR_VP_ASSIST)
		return page_outside(val) ? X86_GP : NO_EXCEPTION;
	/* TLFS 11.8.4: an illegal vector #GPs when the SINT is unmasked (as KVM, see hyperv.md) */
	if (is_sint(msr))
		return !(val & HV_SINT_MASKED) && SINT_VECTOR(val) < 16 ? X86_GP : NO_EXCEPTION;
	if (msr >= HV_MSR_STIMER_CONFIG(0) && !((msr - HV_MSR_STIMER_CONFIG(0)) & 1))
		return val & STIMER_CONFIG_RSVDZ ? X86_GP : NO_EXCEPTION;
	return NO_EXCEPTION;
}

/*
 * Reserved bits are kept as written (RsvdP, TLFS 11.8); EOM reads 0; a
 * timer's Enable is the hypervisor's to clear (expiry, SINT 0 in message mode).
 */
uint64_t model_readback(unsigned int vp, uint32_t msr, uint64_t val, uint64_t *mask)
{
	(void)vp;
	*mask = ~0ULL;
	switch (msr) {
	case HV_MSR_HYPERCALL:
		return hv.guest_os_id ? val : val & ~HV_PAGE_ENABLE;
	case HV_MSR_EOM:
		return 0;
	case HV_MSR_CRASH_CTL: /* what the hypervisor does with a crash: CrashNotify, CrashMessage */
		return HV_CRASH_CTL_CAPS;
	}
	if (is_stimer(msr) && !((msr - HV_MSR_STIMER_CONFIG(0)) & 1)) {
		bool sint0 = !(val & HV_STIMER_DIRECT_MODE) && !(val & HV_STIMER_SINT(15));

		if (!sint0)
			*mask = ~HV_STIMER_ENABLE;
		return sint0 ? val & ~HV_STIMER_ENABLE : val;
	}
	return val;
}

static bool same_mapping(uint64_t old, uint64_t new)
{
	return page_on(old) == page_on(new) && (!page_on(new) || page_gpa(old) == page_gpa(new));
}

/*
 * An overlay's page shows its content while no other overlay shares the
 * page: when one comes or goes there the hypervisor remaps that page, and
 * what the other one's page shows is undefined (TLFS: overlapping overlay
 * pages are undefined).
 */
static void overlay_moved(uint64_t old, uint64_t new, bool *clean, uint64_t other,
			  bool *other_clean)
{
	if (same_mapping(old, new))
		return;
	if (page_on(other) && page_on(old) && page_gpa(other) == page_gpa(old))
		*other_clean = false;
	if (!page_on(new))
		return;
	*clean = !(page_on(other) && page_gpa(other) == page_gpa(new));
	if (!*clean)
		*other_clean = false;
}

static void write_hypercall(uint64_t val)
{
	overlay_moved(hv.hypercall, val, &hv.hc_clean, hv.ref_tsc, &hv.tsc_clean);
	hv.hypercall = val;
}

static void write_ref_tsc(uint64_t val)
{
	overlay_moved(hv.ref_tsc, val, &hv.tsc_clean, hv.hypercall, &hv.hc_clean);
	hv.ref_tsc = val;
}

/* After a write that did not fault; back: what read back (the hypervisor's state now). */
void model_written(unsigned int vp, uint32_t msr, uint64_t back)
{
	struct vp_model *m = &hv.vp[vp];

	if (is_sint(msr))
		m->sint[msr - HV_MSR_SINT(0)] = back;
	switch (msr) {
	case HV_MSR_GUEST_OS_ID: /* 0 takes the hypercall page away (TLFS 3.13) */
		hv.guest_os_id = back;
		if (!back)
			write_hypercall(hv.hypercall & ~HV_PAGE_ENABLE);
		break;
	case HV_MSR_HYPERCALL:
		write_hypercall(back);
		break;
	case HV_MSR_REFERENCE_TSC:
		write_ref_tsc(back);
		break;
	case HV_MSR_SCONTROL:
		m->scontrol = back;
		break;
	case HV_MSR_SIMP:
		m->simp = back;
		break;
	case HV_MSR_SIEFP:
		m->siefp = back;
		break;
	}
}

/* TIME_REF_COUNT never goes back, on any vCPU (TLFS 12.4) */
uint64_t ref_count(void)
{
	uint64_t now = rdmsr(HV_MSR_TIME_REF_COUNT);

	if (now < hv.last_ref)
		mismatch("TIME_REF_COUNT went back from 0x%lx to 0x%lx", hv.last_ref, now);
	else
		hv.last_ref = now;
	return now;
}

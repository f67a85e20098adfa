/*
 * The Hyper-V CPUID leaves (TLFS chapter 2, "Feature and Interface
 * Discovery"): the privileges and features say exactly what synic/ implements.
 */
#include "synic/hv.h"
#include "lib/string.h"

#define HV_MAX_LEAF        0x40000010 /* the timing leaf of cpumodel/cpuid_policy.c is the last */
#define HV_VERSION_BUILD   1
#define HV_VERSION_MAJOR   1
#define HV_VERSION_MINOR   0
#define HV_NEVER_NOTIFY_SPINS 0xffffffffu /* 0x40000004.EBX: no NotifyLongSpinWait */

static const char hv_vendor[12] = "Microsoft Hv";

static void vendor_leaf(struct cpuid_regs *r)
{
	r->eax = HV_MAX_LEAF;
	memcpy(&r->ebx, hv_vendor, 4);
	memcpy(&r->ecx, hv_vendor + 4, 4);
	memcpy(&r->edx, hv_vendor + 8, 4);
}

/*
 * 0x40000003: the MSRs of GUEST_OS_ID/HYPERCALL, VP_INDEX, the SynIC, the
 * synthetic timers (direct mode too), the APIC (EOI, ICR, TPR, the VP assist
 * page: synic/hv_apic.c), the reference counter and TSC page and
 * the frequencies (which Linux wants in both EAX and EDX), the guest crash
 * MSRs (synic/hv_crash.c); the two SynIC hypercalls unless send=off; SINT
 * polling. hv-apic=off and hv-crash=off withhold theirs.
 */
static void features_leaf(const struct partition *p, struct cpuid_regs *r)
{
	uint32_t withheld = p->config.hv_withheld;

	r->eax = HV_PRIV_ACCESS_REF_COUNTER | HV_PRIV_ACCESS_SYNIC_REGS |
		 HV_PRIV_ACCESS_STIMER_REGS | HV_PRIV_ACCESS_HYPERCALL_MSRS |
		 HV_PRIV_ACCESS_VP_INDEX | HV_PRIV_ACCESS_REF_TSC | HV_PRIV_ACCESS_FREQUENCY_REGS;
	r->eax |= withheld & GUEST_HV_APIC ? 0 : HV_PRIV_ACCESS_APIC_MSRS;
	r->ebx = p->hv->privileges;
	r->edx = HV_FEATURE_FREQUENCY_MSRS | HV_FEATURE_SINT_POLLING | HV_FEATURE_DIRECT_STIMERS;
	r->edx |= withheld & GUEST_HV_CRASH ? 0 : HV_FEATURE_GUEST_CRASH_MSRS;
}

void hv_cpuid(const struct vcpu *v, uint32_t leaf, struct cpuid_regs *r)
{
	*r = (struct cpuid_regs){ 0 };
	switch (leaf) {
	case HV_CPUID_VENDOR:
		vendor_leaf(r);
		break;
	case HV_CPUID_INTERFACE:
		r->eax = HV_INTERFACE_SIGNATURE;
		break;
	case HV_CPUID_VERSION:
		r->eax = HV_VERSION_BUILD;
		r->ebx = HV_VERSION_MAJOR << 16 | HV_VERSION_MINOR;
		break;
	case HV_CPUID_FEATURES:
		features_leaf(v->partition, r);
		break;
	case HV_CPUID_RECOMMENDATIONS:
		r->eax = v->partition->hv->hints;
		r->ebx = HV_NEVER_NOTIFY_SPINS;
		break;
	case HV_CPUID_LIMITS:
		r->eax = GUEST_MAX_CPUS;
		break;
	case HV_CPUID_HW_FEATURES:
		r->eax = HV_HW_MSR_BITMAPS | HV_HW_SLAT;
		break;
	}
}

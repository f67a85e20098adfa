/*
 * CPUID with random leaves and subleaves: basic, extended, the hypervisor's
 * range, huge values. A leaf reads the same each time (on the same vCPU);
 * leaf 0's vendor never changes; the Hyper-V leaves say "Microsoft Hv",
 * "Hv#1" and a maximum leaf of at least 0x40000006 (TLFS 2.4), and leaves
 * above it in the hypervisor's range read as zeros (cpumodel/cpuid_policy.c);
 * leaf 1 has the hypervisor bit, x2APIC, this vCPU's APIC ID and no VMX
 * or SVM (they are not virtualized).
 */
#include "guest-tests/fuzz/fuzz.h"

#define ECX1_VMX        (1U << 5)
#define ECX1_X2APIC     (1U << 21)
#define ECX1_HYPERVISOR (1U << 31)
#define ECX81_SVM       (1U << 2)
#define HV_MIN_MAX_LEAF 0x40000006
#define HV_RANGE_END    0x50000000

static struct cpuid_regs vendor;

static bool same(struct cpuid_regs a, struct cpuid_regs b)
{
	return a.eax == b.eax && a.ebx == b.ebx && a.ecx == b.ecx && a.edx == b.edx;
}

static uint32_t pick_leaf(void)
{
	uint32_t max = cpuid(0, 0).eax, ext = cpuid(0x80000000, 0).eax;

	switch (rng_below(8)) {
	case 0:
	case 1:
		return (uint32_t)rng_below(max + 3);
	case 2:
		return 0x80000000 + (uint32_t)rng_below(ext - 0x80000000 + 3);
	case 3:
	case 4:
		return HV_CPUID_VENDOR + (uint32_t)rng_below(0x100);
	case 5:
		return HV_CPUID_VENDOR + (uint32_t)rng_below(HV_RANGE_END - HV_CPUID_VENDOR);
	default:
		return (uint32_t)rng_u64();
	}
}

static void check_hv_leaves(uint32_t leaf, struct cpuid_regs r)
{
	uint32_t max = cpuid(HV_CPUID_VENDOR, 0).eax;

	if (leaf == HV_CPUID_VENDOR && (r.eax < HV_MIN_MAX_LEAF || r.ebx != 0x7263694d ||
					r.ecx != 0x666f736f || r.edx != 0x76482074))
		mismatch("CPUID 0x40000000: max leaf 0x%x, vendor %08x %08x %08x", r.eax, r.ebx,
			 r.ecx, r.edx);
	else if (leaf == HV_CPUID_VENDOR + 1 && r.eax != 0x31237648)
		mismatch("CPUID 0x40000001.EAX 0x%x, not \"Hv#1\"", r.eax);
	else if (leaf > max && leaf < HV_RANGE_END && (r.eax | r.ebx | r.ecx | r.edx))
		mismatch("CPUID 0x%x above the hypervisor's maximum 0x%x: %x %x %x %x", leaf, max,
			 r.eax, r.ebx, r.ecx, r.edx);
}

static void check_leaf(uint32_t leaf, struct cpuid_regs r)
{
	if (leaf == 0 && !same(r, vendor))
		mismatch("CPUID 0 changed: max 0x%x vendor %08x %08x %08x", r.eax, r.ebx, r.edx, r.ecx);
	if (leaf == 1 && (!(r.ecx & ECX1_HYPERVISOR) || !(r.ecx & ECX1_X2APIC) ||
			  (r.ecx & ECX1_VMX) || (r.ebx >> 24) != apic_id()))
		mismatch("CPUID 1: ECX 0x%x, EBX 0x%x (APIC ID %u)", r.ecx, r.ebx, apic_id());
	if (leaf == 0x80000001 && (r.ecx & ECX81_SVM))
		mismatch("CPUID 0x80000001 offers SVM: ECX 0x%x", r.ecx);
	if (leaf >= HV_CPUID_VENDOR && leaf < HV_RANGE_END)
		check_hv_leaves(leaf, r);
}

void op_cpuid(void)
{
	uint32_t leaf = pick_leaf(), sub = (uint32_t)(rng_percent(70) ? rng_below(4) : rng_u64());
	struct cpuid_regs a, b;

	if (!vendor.ebx)
		vendor = cpuid(0, 0);
	a = cpuid(leaf, sub);
	b = cpuid(leaf, sub);
	if (!same(a, b))
		mismatch("CPUID 0x%x.0x%x read twice: %x %x %x %x, then %x %x %x %x", leaf, sub,
			 a.eax, a.ebx, a.ecx, a.edx, b.eax, b.ebx, b.ecx, b.edx);
	check_leaf(leaf, a);
}

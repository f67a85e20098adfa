/* The hypervisor's CPUID policy, as a guest sees it. */
#include "guest-tests/lib/guest.h"

#define CPUID_1_ECX_VMX        (1U << 5)
#define CPUID_1_ECX_HYPERVISOR (1U << 31)
#define CPUID_80000001_ECX_SVM (1U << 2)
#define HV_LEAF_BASE           0x40000000
#define EXT_LEAF_BASE          0x80000000

/* A 12-byte signature from three registers, in the order given. */
static void signature(char out[13], uint32_t a, uint32_t b, uint32_t c)
{
	const uint32_t regs[3] = { a, b, c };

	for (int i = 0; i < 12; i++)
		out[i] = (char)(regs[i / 4] >> (8 * (i % 4)));
	out[12] = '\0';
}

/* Printable ASCII, or NUL padding to the end. */
static bool signature_ok(const char sig[12])
{
	int i = 0;

	while (i < 12 && sig[i] >= 0x20 && sig[i] < 0x7f)
		i++;
	while (i < 12 && sig[i] == '\0')
		i++;
	return i == 12;
}

static void check_basic_leaf(void)
{
	struct cpuid_regs r = cpuid(0, 0);
	char vendor[13];

	signature(vendor, r.ebx, r.edx, r.ecx);
	guest_printf("cpu vendor: '%s', max basic leaf 0x%x\n", vendor, r.eax);
	check("basic-leaf", r.eax >= 1 && signature_ok(vendor),
	      "max leaf 0x%x, vendor '%s'", r.eax, vendor);
}

static void check_hypervisor_leaves(void)
{
	struct cpuid_regs r = cpuid(HV_LEAF_BASE, 0);
	char sig[13];

	check("hypervisor-bit", cpuid(1, 0).ecx & CPUID_1_ECX_HYPERVISOR,
	      "CPUID.1:ECX[31] is clear");
	signature(sig, r.ebx, r.ecx, r.edx);
	guest_printf("hypervisor signature: '%s', max hypervisor leaf 0x%x\n", sig, r.eax);
	check("hypervisor-leaf", r.eax >= HV_LEAF_BASE && signature_ok(sig),
	      "CPUID.0x40000000: EAX 0x%x, signature '%s'", r.eax, sig);
}

static void check_virtualization_hidden(void)
{
	check("vmx-hidden", !(cpuid(1, 0).ecx & CPUID_1_ECX_VMX), "CPUID.1:ECX[5] (VMX) is set");
	if (cpuid(EXT_LEAF_BASE, 0).eax < EXT_LEAF_BASE + 1) {
		skip("svm-hidden", "no CPUID leaf 0x80000001");
		return;
	}
	check("svm-hidden", !(cpuid(EXT_LEAF_BASE + 1, 0).ecx & CPUID_80000001_ECX_SVM),
	      "CPUID.80000001:ECX[2] (SVM) is set");
}

/* CPUID.1:EBX[31:24], the initial APIC ID */
static uint32_t initial_apic_id(void)
{
	return cpuid(1, 0).ebx >> 24;
}

/* Leaf 0xB exists when the maximum basic leaf reaches it and subleaf 0 has EBX != 0. */
static bool has_leaf_b(void)
{
	return cpuid(0, 0).eax >= 0xb && cpuid(0xb, 0).ebx;
}

/* Leaf 0xB reports the x2APIC ID in EDX, whose low 8 bits are the initial APIC ID
 * (Intel SDM vol. 2A, CPUID, leaf 0BH). */
static void check_apic_id_leaf_b(void)
{
	uint32_t x2apic_id;

	if (!has_leaf_b()) {
		skip("apic-id-leaf-b", "no CPUID leaf 0xB");
		return;
	}
	x2apic_id = cpuid(0xb, 0).edx;
	check("apic-id-leaf-b", (x2apic_id & 0xff) == initial_apic_id(),
	      "CPUID.1 says %u, CPUID.0xB says %u", initial_apic_id(), x2apic_id);
}

void test_main(const char *cmdline)
{
	(void)cmdline;
	check_basic_leaf();
	check_hypervisor_leaves();
	check_virtualization_hidden();
	check_apic_id_leaf_b();
}

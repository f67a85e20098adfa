/* CPU feature detection for the VMX and SVM backends (CPUID and capability MSRs). */
#include "host/cpu_features.h"
#include "lib/fmt.h"
#include "console/log.h"
#include "lib/string.h"
#include "lib/x86.h"

static const char *const feature_names[FEAT_COUNT] = {
	[FEAT_VMX] = "vmx",
	[FEAT_SVM] = "svm",
	[FEAT_EPT] = "ept",
	[FEAT_NPT] = "npt",
	[FEAT_VPID] = "vpid",
	[FEAT_ASID] = "asid",
	[FEAT_UNRESTRICTED_GUEST] = "unrestricted-guest",
	[FEAT_APIC_ACCESS] = "apic-access",
	[FEAT_APIC_REG_VIRT] = "apic-reg-virt",
	[FEAT_VIRT_INTR_DELIVERY] = "virt-intr-delivery",
	[FEAT_POSTED_INTR] = "posted-intr",
	[FEAT_X2APIC_VIRT] = "x2apic-virt",
	[FEAT_AVIC] = "avic",
	[FEAT_X2AVIC] = "x2avic",
	[FEAT_NRIP_SAVE] = "nrip-save",
	[FEAT_DECODE_ASSISTS] = "decode-assists",
	[FEAT_VGIF] = "vgif",
	[FEAT_PREEMPT_TIMER] = "preempt-timer",
	[FEAT_X2APIC] = "x2apic",
	[FEAT_TSC_DEADLINE] = "tsc-deadline",
	[FEAT_INVARIANT_TSC] = "invariant-tsc",
	[FEAT_TSC_AUX] = "tsc-aux",
	[FEAT_XSAVES] = "xsaves",
};

#define COMMON_FEATURES (BIT(FEAT_X2APIC) | BIT(FEAT_TSC_DEADLINE) | BIT(FEAT_INVARIANT_TSC) | \
			 BIT(FEAT_TSC_AUX) | BIT(FEAT_XSAVES))
#define INTEL_FEATURES                                                                  \
	(BIT(FEAT_VMX) | BIT(FEAT_EPT) | BIT(FEAT_VPID) | BIT(FEAT_UNRESTRICTED_GUEST) |  \
	 BIT(FEAT_APIC_ACCESS) | BIT(FEAT_APIC_REG_VIRT) | BIT(FEAT_VIRT_INTR_DELIVERY) | \
	 BIT(FEAT_POSTED_INTR) | BIT(FEAT_X2APIC_VIRT) | BIT(FEAT_PREEMPT_TIMER) |        \
	 COMMON_FEATURES)
#define AMD_FEATURES                                                                    \
	(BIT(FEAT_SVM) | BIT(FEAT_NPT) | BIT(FEAT_ASID) | BIT(FEAT_AVIC) |               \
	 BIT(FEAT_X2AVIC) | BIT(FEAT_NRIP_SAVE) | BIT(FEAT_DECODE_ASSISTS) |             \
	 BIT(FEAT_VGIF) | COMMON_FEATURES)

/* Intel SDM vol. 3, appendix A: VMX capability MSR bits */
#define FEATURE_CONTROL_LOCKED      BIT(0)
#define FEATURE_CONTROL_VMX_NO_SMX  BIT(2)
#define PIN_PREEMPT_TIMER           BIT(6)
#define PIN_POSTED_INTR             BIT(7)
#define PROC_SECONDARY_CONTROLS     BIT(31)
#define PROC2_VIRT_APIC_ACCESS      BIT(0)
#define PROC2_EPT                   BIT(1)
#define PROC2_VIRT_X2APIC           BIT(4)
#define PROC2_VPID                  BIT(5)
#define PROC2_UNRESTRICTED_GUEST    BIT(7)
#define PROC2_APIC_REG_VIRT         BIT(8)
#define PROC2_VIRT_INTR_DELIVERY    BIT(9)
#define EPT_CAP_WALK_4              BIT(6)
#define EPT_CAP_WB                  BIT(14)
#define VPID_CAP_INVVPID            BIT(32)

/* AMD APM vol. 2, 15.4 and CPUID Fn8000_000A_EDX */
#define VM_CR_LOCK    BIT(3)
#define VM_CR_SVMDIS  BIT(4)
#define SVM_NPT       BIT(0)
#define SVM_NRIPS     BIT(3)
#define SVM_DECODE    BIT(7)
#define SVM_AVIC      BIT(13)
#define SVM_VGIF      BIT(16)
#define SVM_X2AVIC    BIT(18)

struct feature_bit {
	uint64_t reg_bit;
	enum cpu_feature feature;
};

static uint32_t collect(uint64_t reg, const struct feature_bit *bits, size_t n)
{
	uint32_t present = 0;

	for (size_t i = 0; i < n; i++)
		if (reg & bits[i].reg_bit)
			present |= BIT(bits[i].feature);
	return present;
}

/* Allowed-1 settings are the high half of each control capability MSR. */
static uint32_t detect_vmx_controls(void)
{
	static const struct feature_bit pin[] = {
		{ PIN_PREEMPT_TIMER, FEAT_PREEMPT_TIMER },
		{ PIN_POSTED_INTR, FEAT_POSTED_INTR },
	};
	static const struct feature_bit proc2[] = {
		{ PROC2_VIRT_APIC_ACCESS, FEAT_APIC_ACCESS },
		{ PROC2_VIRT_X2APIC, FEAT_X2APIC_VIRT },
		{ PROC2_UNRESTRICTED_GUEST, FEAT_UNRESTRICTED_GUEST },
		{ PROC2_APIC_REG_VIRT, FEAT_APIC_REG_VIRT },
		{ PROC2_VIRT_INTR_DELIVERY, FEAT_VIRT_INTR_DELIVERY },
	};
	uint32_t present = collect(rdmsr(MSR_IA32_VMX_PINBASED) >> 32, pin, ARRAY_SIZE(pin));

	if (!((rdmsr(MSR_IA32_VMX_PROCBASED) >> 32) & PROC_SECONDARY_CONTROLS))
		return present;
	uint64_t allowed2 = rdmsr(MSR_IA32_VMX_PROCBASED2) >> 32;
	uint64_t ept_vpid = rdmsr(MSR_IA32_VMX_EPT_VPID_CAP);
	present |= collect(allowed2, proc2, ARRAY_SIZE(proc2));
	if ((allowed2 & PROC2_EPT) && (ept_vpid & EPT_CAP_WALK_4) && (ept_vpid & EPT_CAP_WB))
		present |= BIT(FEAT_EPT);
	if ((allowed2 & PROC2_VPID) && (ept_vpid & VPID_CAP_INVVPID))
		present |= BIT(FEAT_VPID);
	return present;
}

static void detect_vmx(struct cpu_features *f)
{
	if (!(cpuid(1, 0).ecx & BIT(5)))
		return;
	uint64_t fc = rdmsr(MSR_IA32_FEATURE_CONTROL);
	f->vmx_locked_off = (fc & FEATURE_CONTROL_LOCKED) && !(fc & FEATURE_CONTROL_VMX_NO_SMX);
	if (!f->vmx_locked_off)
		f->present |= BIT(FEAT_VMX);
	f->present |= detect_vmx_controls();
}

static void detect_svm(struct cpu_features *f)
{
	static const struct feature_bit svm[] = {
		{ SVM_NPT, FEAT_NPT },       { SVM_NRIPS, FEAT_NRIP_SAVE },
		{ SVM_DECODE, FEAT_DECODE_ASSISTS }, { SVM_AVIC, FEAT_AVIC },
		{ SVM_VGIF, FEAT_VGIF },     { SVM_X2AVIC, FEAT_X2AVIC },
	};

	if (cpuid(0x80000000, 0).eax < 0x8000000a || !(cpuid(0x80000001, 0).ecx & BIT(2)))
		return;
	uint64_t vm_cr = rdmsr(MSR_AMD_VM_CR);
	f->svm_disabled = vm_cr & VM_CR_SVMDIS;
	f->svm_locked = vm_cr & VM_CR_LOCK;
	if (!f->svm_disabled)
		f->present |= BIT(FEAT_SVM);
	struct cpuid_regs r = cpuid(0x8000000a, 0);
	f->present |= collect(r.edx, svm, ARRAY_SIZE(svm));
	if (r.ebx >= 2)
		f->present |= BIT(FEAT_ASID);
}

static enum cpu_vendor detect_vendor(void)
{
	struct cpuid_regs r = cpuid(0, 0);
	char id[12];

	memcpy(id, &r.ebx, 4);
	memcpy(id + 4, &r.edx, 4);
	memcpy(id + 8, &r.ecx, 4);
	if (!memcmp(id, "GenuineIntel", 12))
		return VENDOR_INTEL;
	if (!memcmp(id, "AuthenticAMD", 12) || !memcmp(id, "HygonGenuine", 12))
		return VENDOR_AMD;
	return VENDOR_UNKNOWN;
}

/* CPUID.80000001H:EDX[27] (RDTSCP) or CPUID.(7,0):ECX[22] (RDPID): the CPU has IA32_TSC_AUX. */
static bool has_tsc_aux(void)
{
	bool rdtscp = cpuid(0x80000000, 0).eax >= 0x80000001 && (cpuid(0x80000001, 0).edx & BIT(27));

	return rdtscp || (cpuid(0, 0).eax >= 7 && (cpuid(7, 0).ecx & BIT(22)));
}

void cpu_features_detect(struct cpu_features *f)
{
	struct cpuid_regs leaf1 = cpuid(1, 0);

	*f = (struct cpu_features){ .vendor = detect_vendor() };
	if (leaf1.ecx & BIT(21))
		f->present |= BIT(FEAT_X2APIC);
	if (leaf1.ecx & BIT(24))
		f->present |= BIT(FEAT_TSC_DEADLINE);
	if (cpuid(0x80000000, 0).eax >= 0x80000007 && (cpuid(0x80000007, 0).edx & BIT(8)))
		f->present |= BIT(FEAT_INVARIANT_TSC);
	if (has_tsc_aux())
		f->present |= BIT(FEAT_TSC_AUX);
	if (cpuid(0, 0).eax >= 0xd && (cpuid(0xd, 1).eax & BIT(3)))
		f->present |= BIT(FEAT_XSAVES);
	if (f->vendor == VENDOR_INTEL)
		detect_vmx(f);
	else if (f->vendor == VENDOR_AMD)
		detect_svm(f);
}

/* Writes the names of the features in mask, space-separated, into buf ("" for none). */
static void feature_list(uint32_t mask, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 0; i < FEAT_COUNT && n < size; i++)
		if (mask & BIT(i))
			n += fmt_snprintf(buf + n, size - n, "%s%s", n ? " " : "",
					  feature_names[i]);
}

static uint32_t vendor_features(enum cpu_vendor v)
{
	return v == VENDOR_INTEL ? INTEL_FEATURES : v == VENDOR_AMD ? AMD_FEATURES : COMMON_FEATURES;
}

static void report_disabled(const struct cpu_features *f)
{
	if (f->vmx_locked_off)
		log_warn("vmx: disabled by the firmware: IA32_FEATURE_CONTROL is locked with "
			 "VMX outside SMX off; enable Intel VT-x in the firmware setup");
	if (f->svm_disabled)
		log_warn("svm: disabled by the firmware (VM_CR.SVMDIS%s); enable AMD SVM "
			 "in the firmware setup", f->svm_locked ? ", locked" : "");
}

void cpu_features_report(const struct cpu_features *f)
{
	static const char *const vendor_names[] = { "unknown", "intel", "amd" };
	uint32_t family = vendor_features(f->vendor);
	char buf[200];

	log_info("cpu vendor: %s", vendor_names[f->vendor]);
	feature_list(f->present & family, buf, sizeof(buf));
	log_info("features: %s", buf);
	feature_list(family & ~f->present, buf, sizeof(buf));
	log_info("missing: %s", buf);
	report_disabled(f);
}

uint32_t cpu_features_diff(const struct cpu_features *a, const struct cpu_features *b,
			   char *buf, size_t size)
{
	uint32_t diff = a->present ^ b->present;

	feature_list(diff, buf, size);
	return diff;
}

#define CPUID1_ECX_XSAVE BIT(26)

void cpu_enable_xsave(void)
{
	if (cpuid(1, 0).ecx & CPUID1_ECX_XSAVE)
		write_cr4(read_cr4() | CR4_OSXSAVE);
}

/* What the CPU offers a hypervisor, detected on every CPU and compared. */
#ifndef HV_HOST_CPU_FEATURES_H
#define HV_HOST_CPU_FEATURES_H

#include "lib/types.h"

enum cpu_vendor {
	VENDOR_UNKNOWN,
	VENDOR_INTEL,
	VENDOR_AMD,
};

/* In the order the console lists them; the names are in cpu_features.c. */
enum cpu_feature {
	FEAT_VMX,
	FEAT_SVM,
	FEAT_EPT,
	FEAT_NPT,
	FEAT_VPID,
	FEAT_ASID,
	FEAT_UNRESTRICTED_GUEST,
	FEAT_APIC_ACCESS,
	FEAT_APIC_REG_VIRT,
	FEAT_VIRT_INTR_DELIVERY,
	FEAT_POSTED_INTR,
	FEAT_X2APIC_VIRT,
	FEAT_AVIC,
	FEAT_X2AVIC,
	FEAT_NRIP_SAVE,
	FEAT_DECODE_ASSISTS,
	FEAT_VGIF,
	FEAT_PREEMPT_TIMER,
	FEAT_X2APIC,
	FEAT_TSC_DEADLINE,
	FEAT_INVARIANT_TSC,
	FEAT_TSC_AUX,       /* IA32_TSC_AUX exists: RDTSCP or RDPID */
	FEAT_XSAVES,        /* XSAVES and IA32_XSS */
	FEAT_COUNT,
};

struct cpu_features {
	enum cpu_vendor vendor;
	uint32_t present;    /* bit n: enum cpu_feature n */
	bool vmx_locked_off; /* IA32_FEATURE_CONTROL locked without VMXON */
	bool svm_disabled;   /* VM_CR.SVMDIS */
	bool svm_locked;     /* VM_CR.LOCK: only the firmware can change it */
};

void cpu_features_detect(struct cpu_features *f);

static inline bool cpu_has(const struct cpu_features *f, enum cpu_feature feat)
{
	return f->present & BIT(feat);
}

/* Prints the "cpu vendor", "features" and "missing" lines, and why VMX/SVM is off. */
void cpu_features_report(const struct cpu_features *f);

/*
 * CR4.OSXSAVE on this CPU when it has XSAVE, so that XSETBV works: the
 * hypervisor itself uses no extended state, a guest's XCR0 simply stays
 * loaded on the CPU its vCPU owns (cpumodel/xcr.c).
 */
void cpu_enable_xsave(void);

/* Names the features in which two CPUs differ into buf; returns their mask. */
uint32_t cpu_features_diff(const struct cpu_features *a, const struct cpu_features *b,
			   char *buf, size_t size);

#endif

/*
 * The CR4 and EFER bits a guest may set, from the CPUID it is offered: a
 * bit of a feature the guest's CPUID does not show is reserved for it, as
 * on a CPU without the feature (Intel SDM vol. 3, 2.5 and 2.2.1; vol. 2,
 * MOV to CR4 and WRMSR; AMD APM vol. 2, 3.1.3 and 3.1.7). Pure, so that the
 * host unit tests check each bit (tests/unit/test_cr_rules.c).
 */
#ifndef HV_CPUMODEL_CR_RULES_H
#define HV_CPUMODEL_CR_RULES_H

#include "lib/x86.h"

/* CR4 (SDM vol. 3, 2.5) */
#define CR4_VME        BIT(0)
#define CR4_PVI        BIT(1)
#define CR4_TSD        BIT(2)
#define CR4_DE         BIT(3)
#define CR4_PSE        BIT(4)
#define CR4_MCE        BIT(6)
#define CR4_PCE        BIT(8)
#define CR4_OSFXSR     BIT(9)
#define CR4_OSXMMEXCPT BIT(10)
#define CR4_UMIP       BIT(11)
#define CR4_LA57       BIT(12)
#define CR4_VMXE       BIT(13)
#define CR4_SMXE       BIT(14)
#define CR4_FSGSBASE   BIT(16)
#define CR4_PCIDE      BIT(17)
#define CR4_KL         BIT(19)
#define CR4_SMEP       BIT(20)
#define CR4_SMAP       BIT(21)
#define CR4_PKE        BIT(22)
#define CR4_CET        BIT(23)
#define CR4_PKS        BIT(24)
#define CR4_UINTR      BIT(25)
#define CR4_LASS       BIT(27)
#define CR4_LAM_SUP    BIT(28)
#define CR4_FRED       BIT(32)

/* EFER (SDM vol. 3, 2.2.1; APM vol. 2, 3.1.7) */
#define EFER_SCE       BIT(0)
#define EFER_LMSLE     BIT(13)
#define EFER_FFXSR     BIT(14)
#define EFER_TCE       BIT(15)
#define EFER_MCOMMIT   BIT(17)
#define EFER_AUTOIBRS  BIT(21)

/* The leaves of the guest's CPUID that say which CR4 and EFER bits exist. */
struct cr_rules_cpuid {
	struct cpuid_regs leaf1;   /* CPUID.1 */
	struct cpuid_regs leaf7;   /* CPUID.(EAX=7,ECX=0) */
	struct cpuid_regs leaf7_1; /* CPUID.(EAX=7,ECX=1) */
	struct cpuid_regs ext1;    /* CPUID.80000001H */
	struct cpuid_regs ext8;    /* CPUID.80000008H */
};

/* The CR4 bits MOV to CR4 may set; any other is #GP(0). */
uint64_t cr4_valid_bits(const struct cr_rules_cpuid *c);

/* The EFER bits WRMSR may set (LMA included: the CPU's, which a write keeps). */
uint64_t efer_valid_bits(const struct cr_rules_cpuid *c);

#endif

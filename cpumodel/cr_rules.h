/*
 * The CR4 and EFER bits a guest may set, from the CPUID it is offered: a
 * bit of a feature the guest's CPUID does not show is reserved for it, as
 * on a CPU without the feature (Intel SDM vol. 3, 2.5 and 2.2.1; vol. 2,
 * MOV to CR4 and WRMSR; AMD APM vol. 2, 3.1.3 and 3.1.7). Pure, so that the
 * host unit tests check each bit (tests/unit/test_cr_rules.c).
 */
#ifndef HV_CPUMODEL_CR_RULES_H
#define HV_CPUMODEL_CR_RULES_H

#include "cpumodel/cpu_model.h"

/* The CR4 bits MOV to CR4 may set; any other is #GP(0). */
uint64_t cr4_valid_bits(const struct cpu_model_leaves *c);

/* The EFER bits WRMSR may set (LMA included: the CPU's, which a write keeps). */
uint64_t efer_valid_bits(const struct cpu_model_leaves *c);

#endif

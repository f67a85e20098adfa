/*
 * The control-register policy: the CR4 and EFER bits a vCPU may set are
 * those its CPUID offers (cpumodel/cr_rules.c), fixed at its creation as
 * its CPUID is. The backends (vmx/cr_access.c, svm/cr_access.c) and the MSR
 * policy's EFER (cpumodel/msr_policy.c) raise #GP for any other.
 */
#include "cpumodel/cr_policy.h"
#include "cpumodel/cpuid_policy.h"
#include "cpumodel/cr_rules.h"

void cr_policy_init_vcpu(struct vcpu *v)
{
	struct cpu_model_leaves c;

	cpuid_guest_feature_leaves(v, &c);
	v->cr4_valid = cr4_valid_bits(&c);
	v->efer_valid = efer_valid_bits(&c);
}

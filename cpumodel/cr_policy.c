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
	const struct cr_rules_cpuid c = {
		.leaf1 = cpuid_guest_offered(v, 1, 0),
		.leaf7 = cpuid_guest_offered(v, 7, 0),
		.leaf7_1 = cpuid_guest_offered(v, 7, 1),
		.ext1 = cpuid_guest_offered(v, 0x80000001, 0),
		.ext8 = cpuid_guest_offered(v, 0x80000008, 0),
	};

	v->cr4_valid = cr4_valid_bits(&c);
	v->efer_valid = efer_valid_bits(&c);
}

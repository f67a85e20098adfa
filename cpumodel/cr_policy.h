/* The control-register and EFER bits each vCPU may set, from its CPUID. */
#ifndef HV_CPUMODEL_CR_POLICY_H
#define HV_CPUMODEL_CR_POLICY_H

#include "core/vcpu.h"

/*
 * Sets v->cr4_valid and v->efer_valid from the features the guest's CPUID
 * offers (cpumodel/cr_rules.c). Once per vCPU, at its creation, after
 * partition_add_vcpu() and before its backend state is made (the VMCS's
 * CR4 guest/host mask is built from it).
 */
void cr_policy_init_vcpu(struct vcpu *v);

#endif

/* The MSRs a guest may read and write, and what they hold. */
#ifndef HV_CPUMODEL_MSR_POLICY_H
#define HV_CPUMODEL_MSR_POLICY_H

#include "core/vcpu.h"

/*
 * At the vCPU's creation, after its CPUID is fixed: which of the MSR table's
 * features it has, and its MSRs as firmware leaves them.
 */
void msr_policy_init_vcpu(struct vcpu *v);

/* False: the guest gets #GP (an MSR it does not have is logged once per partition). */
bool msr_guest_read(struct vcpu *v, uint32_t msr, uint64_t *val);
bool msr_guest_write(struct vcpu *v, uint32_t msr, uint64_t val);

/* EXIT_RDMSR and EXIT_WRMSR: the MSR's value in EDX:EAX, or #GP. */
void msr_guest_rdmsr_exit(struct vcpu *v, const struct exit_event *e);
void msr_guest_wrmsr_exit(struct vcpu *v, const struct exit_event *e);

#endif

/* The MSRs a guest may read and write, and what they hold. */
#ifndef HV_CORE_MSR_POLICY_H
#define HV_CORE_MSR_POLICY_H

#include "core/vcpu.h"

/*
 * MSRs the guest owns outright (the backends do not intercept them):
 * SYSENTER_* and FS/GS base are switched with the guest state on both
 * backends; STAR/LSTAR/CSTAR/SFMASK and KERNEL_GS_BASE are switched by SVM's
 * VMLOAD/VMSAVE, and on VMX need no switching because the hypervisor never
 * uses SYSCALL or SWAPGS and has no user mode.
 */
extern const uint32_t msr_guest_owned[];
extern const unsigned int nr_msr_guest_owned;

/* False: the guest gets #GP (logged once per MSR and partition). */
bool msr_guest_read(struct vcpu *v, uint32_t msr, uint64_t *val);
bool msr_guest_write(struct vcpu *v, uint32_t msr, uint64_t val);

#endif

/* Instruction lengths, for backends that are not told where the next instruction is. */
#ifndef HV_SVM_INSN_H
#define HV_SVM_INSN_H

#include "core/vcpu.h"

/*
 * The length of the instruction at the guest's RIP that caused an exit of
 * `reason` (CPUID, RDMSR/WRMSR, HLT, hypercall), prefixes included.
 */
unsigned int insn_length(struct vcpu *v, enum exit_reason reason);

#endif

/*
 * A guest operand that faulted on the host: an instruction of host/extable.h,
 * carried out for a guest, raised an exception the hypervisor's own check
 * should have foreseen. The guest gets that same exception, as if its own
 * instruction had raised it, and the console says so once per partition.
 */
#ifndef HV_CPUMODEL_HOST_FAULT_H
#define HV_CPUMODEL_HOST_FAULT_H

#include "core/vcpu.h"

/* insn and operand name what faulted, for the console. */
void host_fault_reflect(struct vcpu *v, const char *insn, uint64_t operand);

#endif

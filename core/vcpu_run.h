/* Running vCPUs on their physical CPUs. */
#ifndef HV_CORE_VCPU_RUN_H
#define HV_CORE_VCPU_RUN_H

#include "core/vcpu.h"

typedef void (*exit_handler_t)(struct vcpu *v, const struct exit_event *e);

/*
 * The exits the layers above core handle, registered by boot/ before any
 * vCPU runs: CPUID, RDMSR, WRMSR and XSETBV (cpumodel/), port I/O and nested
 * page faults (devices/), hypercalls (synic/).
 */
void vcpu_run_set_exit_handler(enum exit_reason reason, exit_handler_t handler);

/* Runs v until it stops running (its partition ended, it halted for good, or INIT). */
void vcpu_run_loop(struct vcpu *v);

#endif

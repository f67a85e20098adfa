/* Running vCPUs on their physical CPUs. */
#ifndef HV_CORE_VCPU_RUN_H
#define HV_CORE_VCPU_RUN_H

#include "core/vcpu.h"

/* Runs v until it stops running (its partition ended, it halted for good, or INIT). */
void vcpu_run_loop(struct vcpu *v);

#endif

/* What each physical CPU does: run its pinned vCPU, or wait for one. */
#ifndef HV_CORE_SCHED_H
#define HV_CORE_SCHED_H

#include "core/types.h"

/* The loop every CPU ends in; it never returns. */
__noreturn void cpu_idle_loop(void);

/* Tells every CPU with a vCPU to start it. */
void sched_start_all(void);

#endif

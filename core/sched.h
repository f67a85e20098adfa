/* What each physical CPU does: run its pinned vCPU, or wait for one. */
#ifndef HV_CORE_SCHED_H
#define HV_CORE_SCHED_H

#include "core/types.h"

/* The loop every CPU ends in; it never returns. */
__noreturn void cpu_idle_loop(void);

/*
 * Sleeps until an interrupt, with the host timer set for the console poll on
 * the CPU that polls (and the poll done first): what a CPU does with nothing
 * to run.
 */
void cpu_doze(void);

/* Tells every CPU with a vCPU to start it. */
void sched_start_all(void);

#endif

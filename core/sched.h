/* What each physical CPU does: run its pinned vCPU, or wait for one. */
#ifndef HV_CORE_SCHED_H
#define HV_CORE_SCHED_H

#include "lib/types.h"

/*
 * Host work a CPU does between guest exits and while it idles: the console
 * input poll (shell/console_in.c), registered by boot/. Until then, none.
 */
struct host_poll {
	void (*poll_if_due)(void);  /* cheap when there is nothing to do */
	uint64_t (*deadline)(void); /* the TSC by which this CPU must poll again, 0: never */
};

extern const struct host_poll *host_poll;

/* The loop every CPU ends in; it never returns. */
__noreturn void cpu_idle_loop(void);

/*
 * Sleeps until an interrupt, with the host timer set for the host poll (and
 * the poll done first): what a CPU does with nothing
 * to run.
 */
void cpu_doze(void);

/* Tells every CPU with a vCPU to start it. */
void sched_start_all(void);

#endif

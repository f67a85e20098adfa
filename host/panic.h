/* Stopping the system when the hypervisor itself is broken. */
#ifndef HV_HOST_PANIC_H
#define HV_HOST_PANIC_H

#include "lib/types.h"

/* Prints "hv: PANIC on cpu N: ...", a backtrace, and stops every CPU. */
__noreturn void panic(const char *fmt, ...) __printf(1, 2);

/* After a fatal report: stop the other CPUs (by NMI), then this one. */
__noreturn void panic_halt_system(void);

/*
 * What each CPU says of itself before it halts: the layers above register
 * it (core/crash.c: its vCPU and that vCPU's last exits).
 */
void panic_set_cpu_report(void (*report)(void));

/* The NMI handler: halts this CPU when a panic asked for it. */
void panic_nmi(void);

#define BUG_ON(cond)                                                        \
	do {                                                                \
		if (cond)                                                   \
			panic("BUG_ON(%s) at %s:%d", #cond, __FILE__, __LINE__); \
	} while (0)

#endif

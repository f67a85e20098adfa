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

/*
 * A debugger of guests (gdb/), registered by boot/: the breakpoint and
 * single-step traps it arms come to it before the guest, and a crash of a
 * guest it debugs. With none (or for a trap it did not arm) a guest's #BP
 * and #DB are its own.
 */
struct debugger {
	/*
	 * On v's CPU: a #BP or #DB exit, or the end of a single step
	 * (EXIT_SINGLE_STEP). True: the debugger's (v then waits for it),
	 * false: the guest's own, delivered to it.
	 */
	bool (*trap)(struct vcpu *v, const struct exit_event *e);
	/*
	 * On v's CPU: its guest crashed (the report is printed). True: the
	 * debugger holds it for inspection and ends it later; false: it ends now.
	 */
	bool (*crashed)(struct vcpu *v);
	/* On v's CPU: v starts at a SIPI (the traps armed for its guest are armed for it too). */
	void (*vcpu_started)(struct vcpu *v);
	/*
	 * On v's CPU: an EXIT_DR_ACCESS (MOV DR exits are armed while the
	 * debugger owns the debug registers), emulated against the guest's
	 * own values it keeps; false: not one it armed.
	 */
	bool (*dr_access)(struct vcpu *v, const struct exit_event *e);
};

extern const struct debugger *debugger;

/* Runs v until it stops running (its partition ended, it halted for good, or INIT). */
void vcpu_run_loop(struct vcpu *v);

#endif

/*
 * A debugger of guests (gdb/), as core sees it: the breakpoint and
 * single-step traps it arms come to it before the guest. boot/ registers
 * it; with none (or for a trap it did not arm) a guest's #BP and #DB are its
 * own.
 */
#ifndef HV_CORE_DEBUGGER_H
#define HV_CORE_DEBUGGER_H

#include "core/exit.h"
#include "core/vcpu.h"

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
};

extern const struct debugger *debugger;

#endif

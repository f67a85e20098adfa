/* Ending a guest that did something it cannot survive, with a report. */
#ifndef HV_CORE_CRASH_H
#define HV_CORE_CRASH_H

#include "core/vcpu.h"

/*
 * Prints why, the exit in the backend's words, the vCPU's registers and its
 * last exits, then ends the guest.
 */
void crash_guest(struct vcpu *v, const struct exit_event *e, const char *why);

/* The panic report's line for this CPU: its vCPU and that vCPU's last exits. */
void crash_panic_cpu_report(void);

/* The vCPU's registers as the crash report shows them (on the vCPU's CPU). */
void vcpu_print_registers(struct vcpu *v);

#endif

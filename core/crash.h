/* Ending a guest that did something it cannot survive, with a report. */
#ifndef HV_CORE_CRASH_H
#define HV_CORE_CRASH_H

#include "core/vcpu.h"

/* Prints why, the exit in the backend's words and the vCPU's registers, then ends the guest. */
void crash_guest(struct vcpu *v, const struct exit_event *e, const char *why);

#endif

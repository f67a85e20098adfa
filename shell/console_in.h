/*
 * Console input. The first CPU polls the serial port every CONSOLE_POLL_MS
 * (as Xen's ns16550 driver does where it has no IRQ) and hands characters to
 * one owner at a time: the debug shell or a guest's virtual UART. Ctrl-A
 * three times in a row passes input to the next owner, and says which.
 */
#ifndef HV_SHELL_CONSOLE_IN_H
#define HV_SHELL_CONSOLE_IN_H

#include "core/sched.h"

#define CONSOLE_POLL_MS 20

/* Input goes to guest (a name; "": the debug shell) from now on; the first CPU polls. */
void console_in_start(const char *guest);

/*
 * For core/sched.h: on any CPU, cheaply, polls the port when this CPU polls
 * and the time has come; the TSC of the next poll on this CPU, 0 on others.
 */
extern const struct host_poll console_in_poll;

#endif

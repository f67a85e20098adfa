/*
 * Console input. The first CPU polls the serial port every CONSOLE_POLL_MS
 * (as Xen's ns16550 driver does where it has no IRQ) and hands characters to
 * one owner at a time: the debug shell or a guest's virtual UART. Ctrl-A
 * three times in a row passes input to the next owner, and says which.
 */
#ifndef HV_CORE_CONSOLE_IN_H
#define HV_CORE_CONSOLE_IN_H

#include "core/types.h"

#define CONSOLE_POLL_MS 20

/* Input goes to guest (a name; "": the debug shell) from now on; the first CPU polls. */
void console_in_start(const char *guest);

/* On any CPU, cheaply: polls the port when this CPU polls and the time has come. */
void console_poll_if_due(void);

/* The TSC of the next poll on this CPU (its host timer must fire by then), 0 on others. */
uint64_t console_poll_deadline(void);

#endif

/* The hypervisor console: whole lines, never interleaved between CPUs, buffered. */
#ifndef HV_CONSOLE_CONSOLE_H
#define HV_CONSOLE_CONSOLE_H

#include "lib/types.h"

/* Returns false, staying on COM1, when no UART answers at port. */
bool console_init(uint16_t port, uint32_t baud);
/* Queues s (whole: a line is never split between CPUs) and sends a bounded part of the queue. */
void console_write(const char *s, size_t len);
/* Sends everything queued, and waits until the UART has (before the machine stops or QEMU exits). */
void console_flush(void);
/* Sends a bounded part of what is queued (the console poll). */
void console_flush_some(void);

/* The console's UART (no other user may take its port). */
uint16_t console_uart(void);
/* A character received on the console's port, or -1. */
int console_getc(void);

/* For the panic path: take the console even if a CPU died holding it. */
void console_write_forced(const char *s, size_t len);

#endif

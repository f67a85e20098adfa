/* The hypervisor console: whole lines, never interleaved between CPUs. */
#ifndef HV_CORE_CONSOLE_H
#define HV_CORE_CONSOLE_H

#include "core/types.h"

/* Returns false, staying on COM1, when no UART answers at port. */
bool console_init(uint16_t port, uint32_t baud);
void console_write(const char *s, size_t len);

/* A character received on the console's port, or -1. */
int console_getc(void);

/* For the panic path: take the console even if a CPU died holding it. */
void console_write_forced(const char *s, size_t len);

#endif

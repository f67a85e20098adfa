/* The 16550 UART that carries the hypervisor console. */
#ifndef HV_CONSOLE_UART_H
#define HV_CONSOLE_UART_H

#include "lib/types.h"

bool uart_init(uint16_t port, uint32_t baud);
void uart_putc(uint16_t port, char c);
/* A received character, or -1 when none waits. */
int uart_getc(uint16_t port);

#endif

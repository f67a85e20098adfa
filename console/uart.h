/* The 16550 UART that carries the hypervisor console. */
#ifndef HV_CONSOLE_UART_H
#define HV_CONSOLE_UART_H

#include "lib/types.h"

bool uart_init(uint16_t port, uint32_t baud);
void uart_putc(uint16_t port, char c);
/*
 * Waits (bounded) until the last byte has left the UART: an emulator that
 * exits at once loses what its UART still holds (QEMU's, while its
 * console socket lags behind).
 */
void uart_wait_sent(uint16_t port);
/* A received character, or -1 when none waits. */
int uart_getc(uint16_t port);

#endif

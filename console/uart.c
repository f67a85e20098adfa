/* 16550 UART: programmed I/O, polled transmit. */
#include "console/uart.h"
#include "lib/x86.h"

enum uart_reg {
	UART_THR = 0, /* transmit holding (DLAB=0) */
	UART_RBR = 0, /* receive buffer (DLAB=0) */
	UART_DLL = 0, /* divisor latch low (DLAB=1) */
	UART_IER = 1,
	UART_DLM = 1,
	UART_FCR = 2,
	UART_LCR = 3,
	UART_MCR = 4,
	UART_LSR = 5,
	UART_SCR = 7,
};

#define LCR_8N1   0x03
#define LCR_DLAB  0x80
#define FCR_FIFO  0x07 /* enable and clear both FIFOs */
#define MCR_DTR_RTS_OUT2 0x0b
#define LSR_DR    0x01
#define LSR_THRE  0x20
#define LSR_TEMT  0x40 /* the FIFO and the shift register empty: all sent */
#define UART_SPINS 1000000

/* A port with no UART behind it reads back 0xff; the scratch register tells. */
static bool uart_probe(uint16_t port)
{
	outb(port + UART_SCR, 0x5a);
	if (inb(port + UART_SCR) != 0x5a)
		return false;
	outb(port + UART_SCR, 0xa5);
	return inb(port + UART_SCR) == 0xa5;
}

bool uart_init(uint16_t port, uint32_t baud)
{
	uint16_t divisor = (uint16_t)(115200 / baud);

	if (!uart_probe(port))
		return false;
	outb(port + UART_IER, 0);
	outb(port + UART_LCR, LCR_DLAB);
	outb(port + UART_DLL, divisor & 0xff);
	outb(port + UART_DLM, divisor >> 8);
	outb(port + UART_LCR, LCR_8N1);
	outb(port + UART_FCR, FCR_FIFO);
	outb(port + UART_MCR, MCR_DTR_RTS_OUT2);
	return true;
}

/* Bounded wait: a wedged UART must not hang the hypervisor. */
void uart_putc(uint16_t port, char c)
{
	for (unsigned int i = 0; i < UART_SPINS; i++) {
		if (inb(port + UART_LSR) & LSR_THRE)
			break;
		cpu_relax();
	}
	outb(port + UART_THR, (uint8_t)c);
}

void uart_wait_sent(uint16_t port)
{
	for (unsigned int i = 0; i < UART_SPINS; i++) {
		if (inb(port + UART_LSR) & LSR_TEMT)
			break;
		cpu_relax();
	}
}

int uart_getc(uint16_t port)
{
	if (!(inb(port + UART_LSR) & LSR_DR))
		return -1;
	return inb(port + UART_RBR);
}

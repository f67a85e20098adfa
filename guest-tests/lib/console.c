/*
 * The console on COM1 and the exit port. The UART is used as the loader left
 * it (QEMU's and the hypervisor's virtual 16550 need no set-up). A lock keeps
 * the output of one guest_vprintf() together when several CPUs print.
 */
#include "lib/fmt.h"
#include "guest-tests/lib/internal.h"

#define COM1           0x3f8
#define UART_LSR       5
#define LSR_THRE       0x20 /* transmit holding register empty */
#define THRE_POLLS     100000
#define EXIT_PORT      0xf4

static bool console_locked;

/* Bounded wait: a UART that never gets ready must not hang the test. */
static void serial_putc(char c)
{
	for (int i = 0; i < THRE_POLLS; i++) {
		if (inb(COM1 + UART_LSR) & LSR_THRE)
			break;
		asm volatile("pause");
	}
	outb(COM1, (uint8_t)c);
}

/* Interrupts stay off while the lock is held: a handler that prints must not spin on it. */
static uint64_t console_lock(void)
{
	uint64_t rflags = irq_save();

	while (__atomic_exchange_n(&console_locked, true, __ATOMIC_ACQUIRE))
		asm volatile("pause");
	return rflags;
}

static void console_unlock(uint64_t rflags)
{
	__atomic_store_n(&console_locked, false, __ATOMIC_RELEASE);
	irq_restore(rflags);
}

void guest_vprintf(const char *fmt, va_list ap)
{
	char buf[256];
	uint64_t rflags;

	fmt_vsnprintf(buf, sizeof(buf), fmt, ap);
	rflags = console_lock();
	for (const char *p = buf; *p; p++) {
		if (*p == '\n')
			serial_putc('\r');
		serial_putc(*p);
	}
	console_unlock(rflags);
}

void guest_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	guest_vprintf(fmt, ap);
	va_end(ap);
}

/* Ends the guest with CODE, as QEMU's isa-debug-exit does; halts if nothing listens. */
void guest_exit(uint32_t code)
{
	outl(EXIT_PORT, code);
	for (;;) {
		cli();
		hlt();
	}
}

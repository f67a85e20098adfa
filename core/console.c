/* Console output over the serial port, one locked write per log line. */
#include "core/console.h"
#include "core/spinlock.h"
#include "core/uart.h"

static struct spinlock console_lock = SPINLOCK_INIT;
static uint16_t console_port = 0x3f8;

bool console_init(uint16_t port, uint32_t baud)
{
	if (uart_init(port, baud)) {
		console_port = port;
		return true;
	}
	uart_init(console_port, 115200);
	return false;
}

static void console_emit(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\n')
			uart_putc(console_port, '\r');
		uart_putc(console_port, s[i]);
	}
}

void console_write(const char *s, size_t len)
{
	uint64_t flags = spin_lock_irqsave(&console_lock);

	console_emit(s, len);
	spin_unlock_irqrestore(&console_lock, flags);
}

void console_write_forced(const char *s, size_t len)
{
	bool locked = false;

	for (unsigned int i = 0; i < 10000000 && !locked; i++)
		locked = spin_trylock(&console_lock);
	console_emit(s, len);
	if (locked)
		spin_unlock(&console_lock);
}

int console_getc(void)
{
	return uart_getc(console_port);
}

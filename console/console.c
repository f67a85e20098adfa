/*
 * Console output over the serial port. Writers put whole lines into a ring
 * (so lines never mix between CPUs) and send at most CONSOLE_DRAIN_MAX bytes
 * of it before going back to their guest; whoever writes next, or the
 * console poll, sends the rest. A full ring drops the line and says how many
 * were dropped once there is room again.
 */
#include "console/console.h"
#include "lib/fmt.h"
#include "lib/spinlock.h"
#include "console/uart.h"

#define RING_SIZE          65536
#define CONSOLE_DRAIN_MAX  2048
#define CHUNK              64

static struct spinlock ring_lock = SPINLOCK_INIT;
static char ring[RING_SIZE];
static uint64_t head, tail;      /* bytes put in and sent, ever */
static unsigned int dropped;     /* lines that found the ring full */
static volatile bool draining;   /* a CPU is sending */
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

/* Copies out up to CHUNK bytes from the ring; how many. */
static size_t take_chunk(char *buf)
{
	uint64_t flags = spin_lock_irqsave(&ring_lock);
	size_t n = MIN((size_t)(head - tail), (size_t)CHUNK);

	for (size_t i = 0; i < n; i++)
		buf[i] = ring[(tail + i) % RING_SIZE];
	tail += n;
	spin_unlock_irqrestore(&ring_lock, flags);
	return n;
}

static void report_dropped(void)
{
	unsigned int n = __atomic_exchange_n(&dropped, 0, __ATOMIC_RELAXED);
	char line[64];

	if (n)
		console_emit(line, (size_t)fmt_snprintf(line, sizeof(line),
							"hv: console: %u lines dropped\n", n));
}

/* Sends up to max bytes unless another CPU is sending; then looks again for late writers. */
static void drain(size_t max)
{
	char buf[CHUNK];
	size_t sent = 0, n;

	while (!__atomic_exchange_n(&draining, true, __ATOMIC_ACQUIRE)) {
		while (sent < max && (n = take_chunk(buf))) {
			console_emit(buf, n);
			sent += n;
		}
		report_dropped();
		__atomic_store_n(&draining, false, __ATOMIC_RELEASE);
		if (sent >= max || __atomic_load_n(&head, __ATOMIC_ACQUIRE) ==
					   __atomic_load_n(&tail, __ATOMIC_ACQUIRE))
			return;
	}
}

void console_write(const char *s, size_t len)
{
	uint64_t flags = spin_lock_irqsave(&ring_lock);

	if (head - tail + len > RING_SIZE) {
		dropped++;
	} else {
		for (size_t i = 0; i < len; i++)
			ring[(head + i) % RING_SIZE] = s[i];
		head += len;
	}
	spin_unlock_irqrestore(&ring_lock, flags);
	drain(CONSOLE_DRAIN_MAX);
}

void console_flush(void)
{
	while (__atomic_load_n(&head, __ATOMIC_ACQUIRE) != __atomic_load_n(&tail, __ATOMIC_ACQUIRE))
		drain(SIZE_MAX);
	uart_wait_sent(console_port);
}

void console_flush_some(void)
{
	drain(CONSOLE_DRAIN_MAX);
}

/*
 * The panic path: what is queued, then the line, under the ring's lock so
 * that the CPUs' reports do not mix. A CPU stopped while it held the lock
 * leaves the queue where it is: the line goes out anyway.
 */
void console_write_forced(const char *s, size_t len)
{
	bool locked = false;

	for (unsigned int i = 0; i < 10000000 && !locked; i++)
		locked = spin_trylock(&ring_lock);
	for (; locked && tail != head; tail++)
		console_emit(&ring[tail % RING_SIZE], 1);
	console_emit(s, len);
	if (locked)
		spin_unlock(&ring_lock);
}

uint16_t console_uart(void)
{
	return console_port;
}

int console_getc(void)
{
	return uart_getc(console_port);
}

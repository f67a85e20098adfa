/*
 * The guest's COM1: a 16550A with its FIFOs, for polled and interrupt-driven
 * drivers alike. Output is cut into lines, each written to the console whole
 * (with the guest's name in front when several guests share it); a character
 * leaves at once, so the transmitter is always empty. Input is what the
 * console hands the guest while it owns console input (shell/console_in.c).
 * The interrupt goes to I/O APIC pin 4, ISA IRQ 4, as on every PC.
 */
#include "console/console.h"
#include "lib/fmt.h"
#include "devices/guest_io.h"

enum vuart_reg {
	REG_DATA = 0, /* THR/RBR, or DLL with LCR.DLAB */
	REG_IER = 1,  /* or DLM with LCR.DLAB */
	REG_IIR = 2,  /* FCR on write */
	REG_LCR = 3,
	REG_MCR = 4,
	REG_LSR = 5,
	REG_MSR = 6,
	REG_SCR = 7,
};

#define COM1_IRQ     4
#define LCR_DLAB     0x80
#define IER_RX_DATA  BIT(0)
#define IER_THRE     BIT(1)
#define IIR_NO_INT   0x01
#define IIR_THRE     0x02
#define IIR_RX_DATA  0x04
#define IIR_FIFO_ON  0xc0
#define FCR_FIFO_ON  BIT(0)
#define MCR_OUT2     BIT(3) /* on a PC, gates the UART's interrupt onto its IRQ line */
#define LSR_DR       0x01
#define LSR_THRE_TEMT 0x60
#define MSR_DCD_DSR_CTS 0xb0

/*
 * The line so far goes to the console, ended by a newline or not (a prompt
 * the user should see); the guest's name goes in front unless the line is
 * the continuation of one sent unfinished.
 */
static void send_line(struct partition *p, bool finished)
{
	char out[VUART_LINE_MAX + GUEST_NAME_MAX + 8];
	struct vuart *u = &p->devices->uart;
	int n;

	n = fmt_snprintf(out, sizeof(out), "%s%.*s%s", u->continued ? "" : partition_console_prefix(p),
			 (int)u->len, u->line, finished ? "\n" : "");
	console_write(out, MIN((size_t)n, sizeof(out) - 1));
	u->len = 0;
	u->continued = !finished;
}

void vuart_flush(struct partition *p)
{
	if (p->devices->uart.len || p->devices->uart.continued)
		send_line(p, true);
}

void vuart_flush_unfinished(struct partition *p)
{
	uint64_t flags = spin_lock_irqsave(&p->io_lock);

	if (p->devices->uart.len)
		send_line(p, false);
	spin_unlock_irqrestore(&p->io_lock, flags);
}

static void vuart_transmit(struct partition *p, char c)
{
	struct vuart *u = &p->devices->uart;

	if (c == '\r')
		return;
	if (c == '\n' || u->len == VUART_LINE_MAX) {
		vuart_flush(p);
		if (c == '\n')
			return;
	}
	u->line[u->len++] = c;
}

/* The pending interrupt of highest priority (16550 IIR: received data, then THR empty). */
static uint8_t pending_interrupt(const struct vuart *u)
{
	if ((u->ier & IER_RX_DATA) && u->rx_count)
		return IIR_RX_DATA;
	if ((u->ier & IER_THRE) && u->thre_pending)
		return IIR_THRE;
	return IIR_NO_INT;
}

static void update_irq(struct partition *p)
{
	struct vuart *u = &p->devices->uart;

	vioapic_set_irq(&p->devices->ioapic, COM1_IRQ,
			(u->mcr & MCR_OUT2) && pending_interrupt(u) != IIR_NO_INT);
}

void vuart_receive(struct partition *p, char c)
{
	uint64_t flags = spin_lock_irqsave(&p->io_lock);
	struct vuart *u = &p->devices->uart;

	if (u->rx_count == VUART_RX_MAX)
		u->rx_dropped++;
	else
		u->rx[(u->rx_head + u->rx_count++) % VUART_RX_MAX] = c;
	update_irq(p);
	spin_unlock_irqrestore(&p->io_lock, flags);
}

static uint8_t receive(struct vuart *u)
{
	char c;

	if (!u->rx_count)
		return 0;
	c = u->rx[u->rx_head];
	u->rx_head = (u->rx_head + 1) % VUART_RX_MAX;
	u->rx_count--;
	return (uint8_t)c;
}

/* Reading IIR clears a THR-empty interrupt it reports (16550 datasheet, table 4). */
static uint8_t read_iir(struct vuart *u)
{
	uint8_t id = pending_interrupt(u);

	if (id == IIR_THRE)
		u->thre_pending = false;
	return (u->fcr & FCR_FIFO_ON ? IIR_FIFO_ON : 0) | id;
}

static uint8_t read_register(struct vuart *u, unsigned int reg)
{
	bool dlab = u->lcr & LCR_DLAB;

	switch (reg) {
	case REG_DATA:
		return dlab ? u->dll : receive(u);
	case REG_IER:
		return dlab ? u->dlm : u->ier;
	case REG_IIR:
		return read_iir(u);
	case REG_LCR:
		return u->lcr;
	case REG_MCR:
		return u->mcr;
	case REG_LSR:
		return LSR_THRE_TEMT | (u->rx_count ? LSR_DR : 0);
	case REG_MSR:
		return MSR_DCD_DSR_CTS;
	default:
		return u->scr;
	}
}

uint8_t vuart_read(struct partition *p, unsigned int reg)
{
	uint8_t value = read_register(&p->devices->uart, reg);

	update_irq(p);
	return value;
}

/* Enabling the THR-empty interrupt while the THR is empty raises it. */
static void write_ier(struct vuart *u, uint8_t value)
{
	if ((value & IER_THRE) && !(u->ier & IER_THRE))
		u->thre_pending = true;
	u->ier = value & 0x0f;
}

static void write_register(struct partition *p, unsigned int reg, uint8_t value)
{
	struct vuart *u = &p->devices->uart;
	bool dlab = u->lcr & LCR_DLAB;

	switch (reg) {
	case REG_DATA:
		if (dlab) {
			u->dll = value;
		} else {
			vuart_transmit(p, (char)value);
			u->thre_pending = true; /* sent at once: the THR is empty again */
		}
		break;
	case REG_IER:
		if (dlab)
			u->dlm = value;
		else
			write_ier(u, value);
		break;
	case REG_IIR:
		u->fcr = value & FCR_FIFO_ON;
		break;
	case REG_LCR:
		u->lcr = value;
		break;
	case REG_MCR:
		u->mcr = value & 0x1f;
		break;
	case REG_SCR:
		u->scr = value;
		break;
	}
}

void vuart_write(struct partition *p, unsigned int reg, uint8_t value)
{
	write_register(p, reg, value);
	update_irq(p);
}

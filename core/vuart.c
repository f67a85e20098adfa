/*
 * The guest's COM1: enough of a 16550 for a polled driver. Output is cut
 * into lines, each written to the console whole (with the guest's name in
 * front when several guests share it). Input is what the console hands the
 * guest while it owns console input (core/console_in.c).
 */
#include "core/console.h"
#include "core/fmt.h"
#include "core/guest_io.h"

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

#define LCR_DLAB     0x80
#define IIR_NO_INT   0x01
#define IIR_FIFO_ON  0xc0
#define LSR_DR       0x01
#define LSR_THRE_TEMT 0x60
#define MSR_DCD_DSR_CTS 0xb0

void vuart_flush(struct partition *p)
{
	char out[VUART_LINE_MAX + GUEST_NAME_MAX + 8];
	int n;

	if (!p->uart.len)
		return;
	n = fmt_snprintf(out, sizeof(out), "%s%.*s\n", partition_console_prefix(p),
			 (int)p->uart.len, p->uart.line);
	console_write(out, MIN((size_t)n, sizeof(out) - 1));
	p->uart.len = 0;
}

static void vuart_transmit(struct partition *p, char c)
{
	struct vuart *u = &p->uart;

	if (c == '\r')
		return;
	if (c == '\n' || u->len == VUART_LINE_MAX) {
		vuart_flush(p);
		if (c == '\n')
			return;
	}
	u->line[u->len++] = c;
}

void vuart_receive(struct partition *p, char c)
{
	uint64_t flags = spin_lock_irqsave(&p->io_lock);
	struct vuart *u = &p->uart;

	if (u->rx_count == VUART_RX_MAX)
		u->rx_dropped++;
	else
		u->rx[(u->rx_head + u->rx_count++) % VUART_RX_MAX] = c;
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

uint8_t vuart_read(struct partition *p, unsigned int reg)
{
	struct vuart *u = &p->uart;
	bool dlab = u->lcr & LCR_DLAB;

	switch (reg) {
	case REG_DATA:
		return dlab ? u->dll : receive(u);
	case REG_IER:
		return dlab ? u->dlm : u->ier;
	case REG_IIR:
		return IIR_FIFO_ON | IIR_NO_INT;
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

void vuart_write(struct partition *p, unsigned int reg, uint8_t value)
{
	struct vuart *u = &p->uart;
	bool dlab = u->lcr & LCR_DLAB;

	switch (reg) {
	case REG_DATA:
		if (dlab)
			u->dll = value;
		else
			vuart_transmit(p, (char)value);
		break;
	case REG_IER:
		if (dlab)
			u->dlm = value;
		else
			u->ier = value & 0x0f;
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

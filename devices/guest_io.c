/* Port I/O routing for the guest environment (the contract in DESIGN.md). */
#include "devices/guest_io.h"
#include "devices/guest_acpi.h"
#include "host/rtc.h"
#include "console/log.h"

#define COM1_BASE    0x3f8
#define COM1_PORTS   8
#define FW_CFG_CTL   0x510
#define FW_CFG_DATA  0x511
#define KBD_STATUS   0x64   /* the 8042's status (read) and command (write) port */
#define KBD_RESET    0xfe   /* its command that pulses the reset line */
#define RESET_CTL    0xcf9  /* PIIX/ICH reset control: bit 2 starts the reset */
#define RESET_NOW    BIT(2)
/* ACPI 6.5, 4.8.3.7: the HW-reduced sleep control register: SLP_TYPx in bits 4:2, SLP_EN bit 5 */
#define SLEEP_TYPE(v) (((v) >> 2) & 7)
#define SLEEP_ENABLE  BIT(5)

static bool in_range(uint16_t port, uint16_t base, unsigned int count)
{
	return port >= base && port < base + count;
}

uint32_t guest_io_in(struct vcpu *v, uint16_t port, unsigned int size)
{
	struct partition *p = v->partition;
	uint32_t value = 0xffffffffu >> (32 - 8 * size);
	uint64_t flags = spin_lock_irqsave(&p->io_lock);

	if (in_range(port, COM1_BASE, COM1_PORTS))
		value = vuart_read(p, port - COM1_BASE);
	else if (port == FW_CFG_DATA)
		value = fw_cfg_read(p);
	else if (port == RTC_DATA_PORT)
		value = vrtc_read_data(&p->devices->rtc, host_rtc_now());
	else if (port == KBD_STATUS || port == GUEST_PM_SLEEP_CTL || port == GUEST_PM_SLEEP_STS)
		value = 0; /* the 8042 never busy (a reset goes at once), the sleep registers idle */
	spin_unlock_irqrestore(&p->io_lock, flags);
	return value;
}

void guest_io_out(struct vcpu *v, uint16_t port, unsigned int size, uint32_t value)
{
	struct partition *p = v->partition;
	uint64_t flags;

	if (port == EXIT_PORT) {
		partition_end(p, value, NULL);
		return;
	}
	if ((port == KBD_STATUS && (uint8_t)value == KBD_RESET) ||
	    (port == RESET_CTL && (value & RESET_NOW))) {
		partition_end(p, GUEST_RESET_EXIT_CODE, "the guest asked for a reset");
		return;
	}
	if (port == GUEST_PM_SLEEP_CTL && (value & SLEEP_ENABLE) &&
	    SLEEP_TYPE(value) == GUEST_PM_SLEEP_TYP_S5) {
		partition_end(p, 0, "the guest powered off");
		return;
	}
	flags = spin_lock_irqsave(&p->io_lock);
	if (in_range(port, COM1_BASE, COM1_PORTS))
		vuart_write(p, port - COM1_BASE, (uint8_t)value);
	else if (port == FW_CFG_CTL && size == 2)
		fw_cfg_select(p, (uint16_t)value);
	else if (port == RTC_INDEX_PORT)
		vrtc_write_index(&p->devices->rtc, (uint8_t)value);
	else if (port == RTC_DATA_PORT)
		vrtc_write_data(&p->devices->rtc, (uint8_t)value);
	spin_unlock_irqrestore(&p->io_lock, flags);
}

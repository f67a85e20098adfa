/* The virtual I/O APIC: registers, redirection table, pins, messages (82093AA datasheet, 3). */
#include "lib/types.h"
#include "apic/vlapic.h"
#include "apic/vioapic.h"

#define VIOAPIC_REGSEL_MASK 0xffu	/* IOREGSEL bits 7:0; 31:8 are reserved */

_Static_assert(VIOAPIC_PINS <= 32, "one bit per pin in vioapic.asserted");
_Static_assert(VIOAPIC_REG_REDIR_HI(VIOAPIC_PINS - 1) <= VIOAPIC_REGSEL_MASK,
	       "every redirection register has an IOREGSEL index");
_Static_assert(!(VIOAPIC_RTE_WRITABLE & (VIOAPIC_RTE_DELIVS | VIOAPIC_RTE_REMOTE_IRR)),
	       "delivery status and remote IRR are read-only");
_Static_assert(VIOAPIC_VER_VALUE == 0x00170011,
	       "IOAPICVER: maximum redirection entry 23, version 0x11");

static uint32_t vioapic_pin_bit(unsigned int pin)
{
	return (uint32_t)BIT(pin);
}

/*
 * Only fixed and lowest-priority entries are level-sensitive: NMI, INIT, SMI
 * and ExtINT are edge-triggered whatever the trigger mode bit says (datasheet
 * 3.2.4, delivery mode; SDM 11.11.2). So remote IRR, which waits for an EOI
 * that only a vector brings, is never set for them.
 */
static bool vioapic_entry_is_level(uint64_t e)
{
	unsigned int dm = VIOAPIC_RTE_DM(e);

	return (e & VIOAPIC_RTE_LEVEL) && (dm == APIC_DM_FIXED || dm == APIC_DM_LOWEST);
}

static void vioapic_send(struct vioapic *io, uint64_t e)
{
	vlapic_deliver_msg(io->lapics, VIOAPIC_RTE_DEST(e), e & VIOAPIC_RTE_LOGICAL,
			   VIOAPIC_RTE_DM(e), VIOAPIC_RTE_VECTOR(e), vioapic_entry_is_level(e));
}

/*
 * A level-sensitive pin sends while the request is asserted, the entry
 * unmasked and remote IRR clear; remote IRR then holds further messages until
 * the EOI of this one (datasheet 3.2.4, remote IRR). The datasheet sets it
 * when an APIC accepts; vlapic_deliver_msg() does not report acceptance, so
 * it is set on sending. Messages are delivered at once: delivery status
 * (bit 12) always reads idle.
 */
static void vioapic_service_level(struct vioapic *io, unsigned int pin)
{
	uint64_t *e = &io->redir[pin];

	if (!(io->asserted & vioapic_pin_bit(pin)) ||
	    (*e & (VIOAPIC_RTE_MASKED | VIOAPIC_RTE_REMOTE_IRR)))
		return;
	*e |= VIOAPIC_RTE_REMOTE_IRR;
	vioapic_send(io, *e);
}

void vioapic_init(struct vioapic *io, struct vlapic_group *lapics, uint32_t id)
{
	*io = (struct vioapic){ .lapics = lapics, .id = id & VIOAPIC_ID_MASK };
	for (unsigned int pin = 0; pin < VIOAPIC_PINS; pin++)
		io->redir[pin] = VIOAPIC_RTE_MASKED;
}

/*
 * Rewrites the bits of half (one dword) of entry pin that software may
 * write. Remote IRR survives a write of a level entry but, as in KVM, not a
 * switch to edge: without the version-0x20 EOI register that is how a guest
 * clears a stale one (Linux's __eoi_ioapic_pin). Unmasking an asserted level
 * pin sends; an edge pin held high stays silent until its next rising edge.
 */
static void vioapic_write_entry(struct vioapic *io, unsigned int pin, uint64_t val, uint64_t half)
{
	uint64_t *e = &io->redir[pin];
	uint64_t writable = VIOAPIC_RTE_WRITABLE & half;

	*e = (*e & ~writable) | (val & writable);
	if (vioapic_entry_is_level(*e))
		vioapic_service_level(io, pin);
	else
		*e &= ~VIOAPIC_RTE_REMOTE_IRR;
}

/* The entry that indirect register reg is half of (0x10 + 2n low, 0x11 + 2n high), or -1. */
static int vioapic_reg_pin(uint32_t reg)
{
	if (reg < VIOAPIC_REG_REDIR_LO(0) || reg > VIOAPIC_REG_REDIR_HI(VIOAPIC_PINS - 1))
		return -1;
	return (int)(reg - VIOAPIC_REG_REDIR_LO(0)) / 2;
}

static unsigned int vioapic_reg_shift(uint32_t reg)
{
	return reg & 1 ? 32 : 0;
}

/* Datasheet 3.2.1-3.2.3: the arbitration ID is loaded from the ID; unknown registers read 0. */
static uint32_t vioapic_read_reg(const struct vioapic *io, uint32_t reg)
{
	int pin = vioapic_reg_pin(reg);

	switch (reg) {
	case VIOAPIC_REG_ID:
	case VIOAPIC_REG_ARB:
		return io->id << VIOAPIC_ID_SHIFT;
	case VIOAPIC_REG_VER:
		return VIOAPIC_VER_VALUE;
	default:
		return pin < 0 ? 0 : (uint32_t)(io->redir[pin] >> vioapic_reg_shift(reg));
	}
}

/* Only the ID's bits 27:24 and the redirection entries are writable. */
static void vioapic_write_reg(struct vioapic *io, uint32_t reg, uint32_t val)
{
	int pin = vioapic_reg_pin(reg);
	unsigned int shift = vioapic_reg_shift(reg);

	if (reg == VIOAPIC_REG_ID)
		io->id = val >> VIOAPIC_ID_SHIFT & VIOAPIC_ID_MASK;
	else if (pin >= 0)
		vioapic_write_entry(io, (unsigned int)pin, (uint64_t)val << shift,
				    0xffffffffULL << shift);
}

uint32_t vioapic_mmio_read(struct vioapic *io, uint32_t offset)
{
	switch (offset) {
	case VIOAPIC_IOREGSEL:
		return io->regsel;
	case VIOAPIC_IOWIN:
		return vioapic_read_reg(io, io->regsel);
	default:
		return 0;
	}
}

void vioapic_mmio_write(struct vioapic *io, uint32_t offset, uint32_t val)
{
	switch (offset) {
	case VIOAPIC_IOREGSEL:
		io->regsel = val & VIOAPIC_REGSEL_MASK;
		break;
	case VIOAPIC_IOWIN:
		vioapic_write_reg(io, io->regsel, val);
		break;
	default:
		break;
	}
}

/*
 * asserted is the device's request, not a voltage: the model does not
 * simulate the electrical level, so the polarity bit (13) is kept for the
 * guest to read back but inverts nothing. An edge entry sends once per
 * rising edge while unmasked; an edge on a masked pin is lost (datasheet
 * 3.2.4, interrupt mask).
 */
void vioapic_set_irq(struct vioapic *io, unsigned int pin, bool asserted)
{
	bool rising;

	if (pin >= VIOAPIC_PINS)
		return;
	rising = asserted && !(io->asserted & vioapic_pin_bit(pin));
	if (asserted)
		io->asserted |= vioapic_pin_bit(pin);
	else
		io->asserted &= ~vioapic_pin_bit(pin);
	if (vioapic_entry_is_level(io->redir[pin]))
		vioapic_service_level(io, pin);
	else if (rising && !(io->redir[pin] & VIOAPIC_RTE_MASKED))
		vioapic_send(io, io->redir[pin]);
}

/*
 * Datasheet 3.2.4: an EOI with a matching vector clears remote IRR. Only
 * level entries have it set (vioapic_write_entry), and those still asserted
 * send again.
 */
void vioapic_eoi(struct vioapic *io, uint8_t vector)
{
	for (unsigned int pin = 0; pin < VIOAPIC_PINS; pin++) {
		uint64_t *e = &io->redir[pin];

		if (!(*e & VIOAPIC_RTE_REMOTE_IRR) || VIOAPIC_RTE_VECTOR(*e) != vector)
			continue;
		*e &= ~VIOAPIC_RTE_REMOTE_IRR;
		vioapic_service_level(io, pin);
	}
}

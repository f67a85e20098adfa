/*
 * A virtual I/O APIC: one 82093AA-style I/O APIC with 24 input pins, as QEMU
 * and KVM model it. Device lines come in through vioapic_set_irq(); each
 * unmasked request leaves as an interrupt message for the local APICs of a
 * group (vlapic_deliver_msg). Pure logic, freestanding: the caller maps the
 * MMIO page, serializes all calls on one I/O APIC (a lock), and forwards the
 * vLAPICs' EOIs (hooks->eoi) to vioapic_eoi().
 *
 * References: Intel 82093AA I/O Advanced Programmable Interrupt Controller
 * datasheet (order 290566), section 3; Intel SDM vol. 3, 11.11 (the message).
 */
#ifndef HV_APIC_VIOAPIC_H
#define HV_APIC_VIOAPIC_H

#include "lib/types.h"
#include "apic/vlapic.h"

#define VIOAPIC_PINS 24

struct vioapic {
	struct vlapic_group *lapics;   /* where messages go */
	uint32_t id;                   /* IOAPICID bits 27:24 */
	uint32_t regsel;               /* IOREGSEL */
	uint64_t redir[VIOAPIC_PINS];  /* redirection table; delivery status and remote IRR kept here too */
	uint32_t asserted;             /* pin levels (1 = the device asserts its request) */
};

void vioapic_init(struct vioapic *io, struct vlapic_group *lapics, uint32_t id);   /* reset: every entry masked (bit 16), rest 0 */
/* MMIO, offset within the 4 KiB page: 0x00 IOREGSEL, 0x10 IOWIN; 32-bit accesses; other offsets read 0, writes ignored. */
uint32_t vioapic_mmio_read(struct vioapic *io, uint32_t offset);
void vioapic_mmio_write(struct vioapic *io, uint32_t offset, uint32_t val);
void vioapic_set_irq(struct vioapic *io, unsigned int pin, bool asserted);  /* a device's line; pin >= 24 ignored */
/*
 * A vLAPIC EOI of a level-triggered vector: clears remote IRR of the level
 * entries with that vector and re-delivers those still asserted. Harmless for
 * any other vector (only entries with remote IRR set react), so every EOI may
 * be forwarded.
 */
void vioapic_eoi(struct vioapic *io, uint8_t vector);

/* Redirection table entry (datasheet 3.2.4): the fields of redir[] */
#define VIOAPIC_RTE_VECTOR(e)   ((uint8_t)(e))
#define VIOAPIC_RTE_DM(e)       ((unsigned int)((e) >> 8) & 7)	/* enum vlapic_delivery_mode; 7 = ExtINT */
#define VIOAPIC_RTE_LOGICAL     BIT(11)
#define VIOAPIC_RTE_DELIVS      BIT(12)	/* delivery status, RO */
#define VIOAPIC_RTE_POLARITY    BIT(13)	/* 1 = active low */
#define VIOAPIC_RTE_REMOTE_IRR  BIT(14)	/* RO */
#define VIOAPIC_RTE_LEVEL       BIT(15)
#define VIOAPIC_RTE_MASKED      BIT(16)
#define VIOAPIC_RTE_DEST(e)     ((uint8_t)((e) >> 56))

/* ---- Within apic/ (and its tests) only ---- */

/* The two MMIO registers (datasheet 3.1): index, then data, of the indirect register. */
#define VIOAPIC_IOREGSEL        0x00
#define VIOAPIC_IOWIN           0x10

/* Indirect registers (datasheet 3.2) */
#define VIOAPIC_REG_ID          0x00
#define VIOAPIC_REG_VER         0x01
#define VIOAPIC_REG_ARB         0x02
#define VIOAPIC_REG_REDIR_LO(n) (0x10 + 2 * (n))
#define VIOAPIC_REG_REDIR_HI(n) (0x11 + 2 * (n))

/*
 * Version 0x11, the 82093AA's, as KVM's in-kernel I/O APIC reports (QEMU's
 * own defaults to 0x20). 0x20 adds the EOI register at 0x40, for guests that
 * suppress the local APICs' EOI broadcast (SDM 11.8.5); the vLAPIC does not
 * offer that (its version register's bit 24 is clear), so every EOI of a
 * level-triggered vector reaches vioapic_eoi() and the register would serve
 * nothing. Without it a guest clears a stuck remote IRR only by switching the
 * entry to edge and back, which Linux does for versions below 0x20.
 */
#define VIOAPIC_VERSION         0x11
#define VIOAPIC_VER_VALUE       ((VIOAPIC_PINS - 1) << 16 | VIOAPIC_VERSION)
#define VIOAPIC_ID_SHIFT        24
#define VIOAPIC_ID_MASK         0xfu	/* IOAPICID bits 27:24 */

/* Software writes bits 63:56, 16, 15, 13 and 11:0; 55:17 are reserved, 14 and 12 read-only. */
#define VIOAPIC_RTE_WRITABLE    (0xff00000000000000ULL | VIOAPIC_RTE_MASKED | VIOAPIC_RTE_LEVEL | \
				 VIOAPIC_RTE_POLARITY | 0xfffULL)

#endif

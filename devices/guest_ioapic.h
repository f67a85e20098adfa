/*
 * The partition's I/O APIC (apic/vioapic.c) in the exit path: its page at
 * GUEST_IOAPIC_BASE, its lock (the devices' io_lock), and the EOIs of
 * level-triggered vectors it waits for.
 */
#ifndef HV_DEVICES_GUEST_IOAPIC_H
#define HV_DEVICES_GUEST_IOAPIC_H

#include "core/exit.h"
#include "core/partition.h"

bool guest_ioapic_is_mmio(uint64_t gpa);
void guest_ioapic_mmio(struct vcpu *v, const struct exit_event *e);
/* A vLAPIC of p retired vector. */
void guest_ioapic_eoi(struct partition *p, uint8_t vector);

#endif

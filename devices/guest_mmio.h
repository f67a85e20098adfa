/*
 * Emulated MMIO devices whose registers are 32-bit dwords (the xAPIC, the
 * I/O APIC): the instruction that faulted is decoded at RIP (devices/mmio_decode.c),
 * its dword read or write applied, RIP moved past it.
 */
#ifndef HV_DEVICES_GUEST_MMIO_H
#define HV_DEVICES_GUEST_MMIO_H

#include "core/exit.h"
#include "core/vcpu.h"

struct mmio_dword_device {
	const char *name;                                       /* for the crash report */
	void *dev;
	uint32_t (*read)(void *dev, uint32_t offset);
	void (*write)(void *dev, uint32_t offset, uint32_t value);
};

/*
 * The access at RIP to offset within the device's page. Accesses of another
 * size read 0 and write nothing (both devices define only dword accesses).
 * An instruction that cannot be decoded crashes the guest with its bytes.
 */
void guest_mmio_dword(struct vcpu *v, const struct exit_event *e, uint32_t offset,
		      const struct mmio_dword_device *d);

/*
 * An access that no device and no RAM answers, as on a bus where nothing
 * responds: a read returns all ones, a write is lost. what names the place
 * for the crash report when the instruction cannot be decoded.
 */
void guest_mmio_open_bus(struct vcpu *v, const struct exit_event *e, const char *what);

#endif

/*
 * What core asks of the guest's devices (devices/), which boot/ registers
 * before any partition is made. The exits the devices take (port I/O,
 * nested page faults outside RAM) are registered as exit handlers instead
 * (core/vcpu_run.h).
 */
#ifndef HV_CORE_DEVICE_MODEL_H
#define HV_CORE_DEVICE_MODEL_H

#include "core/partition.h"

struct device_model {
	/* A local APIC of p retired a level-triggered vector: the EOI broadcast to the I/O APIC. */
	void (*level_eoi)(struct partition *p, uint8_t vector);
	/* p has ended: its devices hand the console what they still hold. */
	void (*partition_ended)(struct partition *p);
};

extern const struct device_model *device_model;

#endif

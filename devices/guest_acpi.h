/*
 * The ACPI tables of a Linux guest with no BIOS (ACPI 6.5): RSDP, XSDT, a
 * hardware-reduced FADT (no PIC, PIT, PM timer, SCI or RTC), a MADT with one
 * local APIC per vCPU and one I/O APIC, and a DSDT describing COM1, the VMBus
 * device and \_S5. Pure logic, unit-tested on the host.
 */
#ifndef HV_DEVICES_GUEST_ACPI_H
#define HV_DEVICES_GUEST_ACPI_H

#include "lib/types.h"

#define GUEST_ACPI_BASE      0xe0000UL /* where Linux scans for the RSDP; e820-reserved */
#define GUEST_ACPI_MAX_SIZE  0x2000
#define GUEST_ACPI_MAX_CPUS  64
#define GUEST_IOAPIC_BASE    0xfec00000UL
#define GUEST_IOAPIC_ID      0
#define GUEST_PM_SLEEP_CTL   0x600     /* HW-reduced sleep control register (I/O port, 1 byte) */
#define GUEST_PM_SLEEP_STS   0x601     /* sleep status register */
#define GUEST_PM_SLEEP_TYP_S5 5         /* SLP_TYP of \_S5 */
#define GUEST_RESET_PORT     0xcf9
#define GUEST_RESET_VALUE    0x06

/*
 * Writes the tables for `cpus` vCPUs (APIC IDs 0..cpus-1, 1 <= cpus <= 64) at
 * buf, laid out for guest address base; returns the bytes used (RSDP first, at
 * base), or 0 if cap is too small or cpus is out of range.
 */
size_t guest_acpi_build(void *buf, size_t cap, uint64_t base, unsigned int cpus);

#endif

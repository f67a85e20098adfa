/* The few ACPI tables the hypervisor reads: RSDP, RSDT/XSDT, MADT, FADT. */
#ifndef HV_HOST_ACPI_H
#define HV_HOST_ACPI_H

#include "lib/acpi_tables.h"

struct acpi_pm_timer {
	uint16_t port; /* 0: none */
	bool width32;
};

struct acpi_cpu {
	uint32_t apic_id;
	uint32_t uid; /* ACPI processor UID */
};

#define ACPI_MAX_CPUS 256

struct acpi_info {
	struct acpi_cpu cpus[ACPI_MAX_CPUS];
	unsigned int nr_cpus;
	unsigned int nr_cpus_ignored; /* beyond ACPI_MAX_CPUS */
	struct acpi_pm_timer pm_timer;
};

/* rsdp may be NULL: then the BIOS areas are searched (legacy boot only). */
bool acpi_init(const void *rsdp, unsigned int rsdp_len, struct acpi_info *info);

#endif

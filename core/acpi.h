/* The few ACPI tables the hypervisor reads: RSDP, RSDT/XSDT, MADT, FADT. */
#ifndef HV_CORE_ACPI_H
#define HV_CORE_ACPI_H

#include "core/types.h"

/* ACPI 6.x, 5.2.6 */
struct acpi_sdt_header {
	char signature[4];      /* 0x00 */
	uint32_t length;        /* 0x04 */
	uint8_t revision;       /* 0x08 */
	uint8_t checksum;       /* 0x09 */
	char oem_id[6];         /* 0x0a */
	char oem_table_id[8];   /* 0x10 */
	uint32_t oem_revision;  /* 0x18 */
	uint32_t creator_id;    /* 0x1c */
	uint32_t creator_rev;   /* 0x20 */
} __packed;
_Static_assert(sizeof(struct acpi_sdt_header) == 36, "acpi sdt header");

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

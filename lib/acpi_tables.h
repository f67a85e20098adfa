/*
 * ACPI table layouts (ACPI 6.x, chapter 5.2): what the hypervisor reads on
 * the machine (host/acpi.c) and what it builds for a guest (devices/guest_acpi.c).
 */
#ifndef HV_LIB_ACPI_TABLES_H
#define HV_LIB_ACPI_TABLES_H

#include "lib/types.h"

/* ACPI 6.x, 5.2.5.3: the RSDP; revision 0 stops after rsdt_address. */
struct acpi_rsdp {
	char signature[8];      /* 0x00: "RSD PTR " */
	uint8_t checksum;       /* 0x08: first 20 bytes */
	char oem_id[6];         /* 0x09 */
	uint8_t revision;       /* 0x0f */
	uint32_t rsdt_address;  /* 0x10 */
	uint32_t length;        /* 0x14: revision >= 2 */
	uint64_t xsdt_address;  /* 0x18 */
	uint8_t ext_checksum;   /* 0x20: whole structure */
	uint8_t reserved[3];    /* 0x21 */
} __packed;
_Static_assert(sizeof(struct acpi_rsdp) == 36, "acpi rsdp");
#define ACPI_RSDP_V1_SIZE 20

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

/* ACPI 6.x, 5.2.12: MADT interrupt controller structures */
enum madt_type {
	MADT_LOCAL_APIC = 0,
	MADT_IO_APIC = 1,
	MADT_LOCAL_X2APIC = 9,
};

/* 5.2.12.2 */
struct madt_local_apic {
	uint8_t type, length;   /* 0x00 */
	uint8_t processor_uid;  /* 0x02 */
	uint8_t apic_id;        /* 0x03 */
	uint32_t flags;         /* 0x04 */
} __packed;
_Static_assert(sizeof(struct madt_local_apic) == 8, "madt local apic");

#define MADT_ENABLED        BIT(0)
#define MADT_ONLINE_CAPABLE BIT(1)

/* The bytes' sum: 0 over a table whose checksum is right (5.2.5.3, 5.2.6). */
static inline uint8_t acpi_byte_sum(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	while (n--)
		sum += *b++;
	return sum;
}

#endif

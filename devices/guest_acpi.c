/* The guest's ACPI tables (section numbers are those of the ACPI 6.5 specification). */
#include "devices/guest_acpi.h"
#include "lib/acpi_tables.h"
#include "lib/string.h"

#define OEM_ID             "HVMHV "   /* 6 bytes */
#define OEM_TABLE_ID       "HVMGUEST" /* 8 bytes */
#define OEM_REVISION       1
#define CREATOR_ID         "HVMH"
#define CREATOR_REVISION   1
#define HYPERVISOR_VENDOR  "MHYPERVI" /* FADT Hypervisor Vendor Identity, 8 bytes */

#define RSDP_REVISION      2 /* ACPI 2.0+: XSDT address and extended checksum */
#define XSDT_REVISION      1
#define FADT_REVISION      6
#define FADT_MINOR_VERSION 5
#define MADT_REVISION      6
#define DSDT_REVISION      2 /* 2 and up: AML integers are 64-bit (5.2.11.1) */
#define TABLE_ALIGN        8

/* FADT Flags (5.2.9) */
#define FADT_PWR_BUTTON      BIT(4)  /* set: no fixed-feature power button */
#define FADT_SLP_BUTTON      BIT(5)  /* set: no fixed-feature sleep button */
#define FADT_RESET_REG_SUP   BIT(10)
#define FADT_HW_REDUCED_ACPI BIT(20) /* 4.1: no PM1/GPE blocks, PM timer, SCI, PIC/PIT needed */

/* FADT IAPC_BOOT_ARCH (5.2.9.3) */
#define IAPC_VGA_NOT_PRESENT      BIT(2)
#define IAPC_MSI_NOT_SUPPORTED    BIT(3)
#define IAPC_CMOS_RTC_NOT_PRESENT BIT(5)

/* Generic Address Structure (5.2.3.2) */
#define GAS_SYSTEM_IO      1
#define GAS_ACCESS_BYTE    1

/* MADT, 5.2.12 */
#define LAPIC_BASE         0xfee00000U

/* 5.2.8 */
struct xsdt {
	struct acpi_sdt_header header;   /* 0x00 "XSDT" */
	uint64_t entry[2];          /* 0x24 the FADT, the MADT */
} __packed;
_Static_assert(sizeof(struct xsdt) == 52, "XSDT");

/* 5.2.3.2 */
struct gas {
	uint8_t space_id;           /* 0x00 */
	uint8_t bit_width;          /* 0x01 */
	uint8_t bit_offset;         /* 0x02 */
	uint8_t access_size;        /* 0x03 */
	uint64_t address;           /* 0x04 */
} __packed;
_Static_assert(sizeof(struct gas) == 12, "GAS");

/* 5.2.9 */
struct fadt {
	struct acpi_sdt_header header;   /* 0x00 "FACP" */
	uint32_t firmware_ctrl;     /* 0x24 no FACS: HW-reduced */
	uint32_t dsdt;              /* 0x28 0: X_DSDT is used */
	uint8_t reserved0;          /* 0x2c */
	uint8_t preferred_pm_profile; /* 0x2d */
	uint16_t sci_int;           /* 0x2e */
	uint32_t smi_cmd;           /* 0x30 */
	uint8_t legacy_pm[57];      /* 0x34 ACPI_ENABLE .. CENTURY: fixed hardware, absent */
	uint16_t iapc_boot_arch;    /* 0x6d */
	uint8_t reserved1;          /* 0x6f */
	uint32_t flags;             /* 0x70 */
	struct gas reset_reg;       /* 0x74 */
	uint8_t reset_value;        /* 0x80 */
	uint16_t arm_boot_arch;     /* 0x81 */
	uint8_t minor_version;      /* 0x83 */
	uint64_t x_firmware_ctrl;   /* 0x84 */
	uint64_t x_dsdt;            /* 0x8c */
	struct gas x_legacy_pm[8];  /* 0x94 X_PM1a_EVT_BLK .. X_GPE1_BLK: absent */
	struct gas sleep_control_reg; /* 0xf4 */
	struct gas sleep_status_reg;  /* 0x100 */
	char hypervisor_vendor[8];  /* 0x10c */
} __packed;
_Static_assert(sizeof(struct fadt) == 276, "FADT");

/* 5.2.12 */
struct madt {
	struct acpi_sdt_header header;   /* 0x00 "APIC" */
	uint32_t lapic_address;     /* 0x24 */
	uint32_t flags;             /* 0x28 PCAT_COMPAT (bit 0) clear: there is no 8259 */
} __packed;
_Static_assert(sizeof(struct madt) == 44, "MADT");

/* 5.2.12.3 */
struct madt_ioapic {
	uint8_t type;               /* 0x00 1 */
	uint8_t length;             /* 0x01 12 */
	uint8_t ioapic_id;          /* 0x02 */
	uint8_t reserved;           /* 0x03 */
	uint32_t address;           /* 0x04 */
	uint32_t gsi_base;          /* 0x08 */
} __packed;
_Static_assert(sizeof(struct madt_ioapic) == 12, "MADT I/O APIC");

/*
 * The DSDT's AML (chapter 20). A PkgLength (20.2.4) counts itself and what
 * follows; up to 63 it is one byte, up to 4095 two: 0x40 | (n & 0xf), n >> 4.
 * A ResourceTemplate is a Buffer ending in an End Tag whose checksum 0 means
 * "not checked" (6.4.2.9).
 *
 * DefinitionBlock ("", "DSDT", 2, "HVMHV ", "HVMGUEST", 1) {
 *   Scope (\_SB) {
 *     Device (COM1) {
 *       Name (_HID, EisaId ("PNP0501"))
 *       Name (_UID, One)
 *       Name (_CRS, ResourceTemplate () {
 *         IO (Decode16, 0x03F8, 0x03F8, 0x00, 0x08)
 *         IRQNoFlags () {4}
 *       })
 *     }
 *     Device (VMBS) {
 *       Name (_STA, 0x0F)
 *       Method (_HID) { Return ("VMBus") }
 *       Name (_UID, Zero)
 *       Name (_DDN, "VMBUS")
 *       Name (_CRS, ResourceTemplate () { IRQNoFlags () {7} })
 *     }
 *   }
 *   Name (\_S5, Package (0x04) { 0x05, 0x05, Zero, Zero })
 * }
 *
 * Linux's hv_vmbus binds to _HID "VMBus"; iasl takes no 5-character string
 * for a Name (_HID), hence the Method, as QEMU and Hyper-V have it.
 */
static const uint8_t dsdt_aml[] = {
	0x10, 0x41, 0x07, '\\', '_', 'S', 'B', '_',       /* Scope, PkgLength 113 */
	0x5b, 0x82, 0x2b, 'C', 'O', 'M', '1',             /* Device, PkgLength 43 */
	0x08, '_', 'H', 'I', 'D', 0x0c, 0x41, 0xd0, 0x05, 0x01, /* DWord 0x0105d041 */
	0x08, '_', 'U', 'I', 'D', 0x01,
	0x08, '_', 'C', 'R', 'S', 0x11, 0x10, 0x0a, 0x0d, /* Buffer, PkgLength 16, 13 bytes */
	0x47, 0x01, 0xf8, 0x03, 0xf8, 0x03, 0x00, 0x08,   /* I/O port descriptor (6.4.2.5) */
	0x22, 0x10, 0x00,                                 /* IRQ descriptor (6.4.2.1), IRQ 4 */
	0x79, 0x00,                                       /* End Tag */
	0x5b, 0x82, 0x3b, 'V', 'M', 'B', 'S',             /* Device, PkgLength 59 */
	0x08, '_', 'S', 'T', 'A', 0x0a, 0x0f,
	0x14, 0x0e, '_', 'H', 'I', 'D', 0x00,             /* Method, PkgLength 14, no arguments */
	0xa4, 0x0d, 'V', 'M', 'B', 'u', 's', 0x00,        /* Return (String) */
	0x08, '_', 'U', 'I', 'D', 0x00,
	0x08, '_', 'D', 'D', 'N', 0x0d, 'V', 'M', 'B', 'U', 'S', 0x00,
	0x08, '_', 'C', 'R', 'S', 0x11, 0x08, 0x0a, 0x05, /* Buffer, PkgLength 8, 5 bytes */
	0x22, 0x80, 0x00,                                 /* IRQ descriptor, IRQ 7 */
	0x79, 0x00,
	0x08, '\\', '_', 'S', '5', '_', 0x12, 0x08, 0x04, /* Package, PkgLength 8, 4 elements */
	0x0a, GUEST_PM_SLEEP_TYP_S5, 0x0a, GUEST_PM_SLEEP_TYP_S5, 0x00, 0x00,
};
_Static_assert(sizeof(dsdt_aml) == 129, "DSDT AML");

/* Where each table goes in the buffer; the RSDP is at 0. */
struct layout {
	size_t xsdt, fadt, madt, dsdt, size;
};

static size_t madt_size(unsigned int cpus)
{
	return sizeof(struct madt) + cpus * sizeof(struct madt_local_apic) + sizeof(struct madt_ioapic);
}

static void plan(struct layout *l, unsigned int cpus)
{
	l->xsdt = ALIGN_UP(sizeof(struct acpi_rsdp), TABLE_ALIGN);
	l->fadt = ALIGN_UP(l->xsdt + sizeof(struct xsdt), TABLE_ALIGN);
	l->madt = ALIGN_UP(l->fadt + sizeof(struct fadt), TABLE_ALIGN);
	l->dsdt = ALIGN_UP(l->madt + madt_size(cpus), TABLE_ALIGN);
	l->size = l->dsdt + sizeof(struct acpi_sdt_header) + sizeof(dsdt_aml);
}

/* The byte that makes len bytes at p, itself included (still 0), sum to 0 (5.2.6). */
static uint8_t checksum(const void *p, size_t len)
{
	return (uint8_t)-acpi_byte_sum(p, len);
}

static void header(struct acpi_sdt_header *h, const char *signature, size_t length, uint8_t revision)
{
	memcpy(h->signature, signature, sizeof(h->signature));
	h->length = (uint32_t)length;
	h->revision = revision;
	memcpy(h->oem_id, OEM_ID, sizeof(h->oem_id));
	memcpy(h->oem_table_id, OEM_TABLE_ID, sizeof(h->oem_table_id));
	h->oem_revision = OEM_REVISION;
	memcpy(&h->creator_id, CREATOR_ID, sizeof(h->creator_id));
	h->creator_rev = CREATOR_REVISION;
}

/* Called last, once the table is complete. */
static void seal(struct acpi_sdt_header *h)
{
	h->checksum = checksum(h, h->length);
}

static void build_rsdp(struct acpi_rsdp *r, uint64_t xsdt)
{
	memcpy(r->signature, "RSD PTR ", sizeof(r->signature));
	memcpy(r->oem_id, OEM_ID, sizeof(r->oem_id));
	r->revision = RSDP_REVISION;
	r->length = sizeof(*r);
	r->xsdt_address = xsdt;
	r->checksum = checksum(r, ACPI_RSDP_V1_SIZE);
	r->ext_checksum = checksum(r, sizeof(*r));
}

static void build_xsdt(struct xsdt *x, uint64_t fadt, uint64_t madt)
{
	header(&x->header, "XSDT", sizeof(*x), XSDT_REVISION);
	x->entry[0] = fadt;
	x->entry[1] = madt;
	seal(&x->header);
}

/* A one-byte register in the system I/O space (5.2.3.2). */
static struct gas io_port(uint16_t port)
{
	return (struct gas){
		.space_id = GAS_SYSTEM_IO, .bit_width = 8,
		.access_size = GAS_ACCESS_BYTE, .address = port,
	};
}

/*
 * Hardware-reduced (4.1): the OS uses no PM1/GPE blocks, PM timer or SCI,
 * and enters S5 by writing SLP_TYP and SLP_EN to the sleep control register
 * (4.8.3.7); it resets the machine through RESET_REG (4.8.3.6).
 */
static void build_fadt(struct fadt *f, uint64_t dsdt)
{
	header(&f->header, "FACP", sizeof(*f), FADT_REVISION);
	f->iapc_boot_arch = IAPC_VGA_NOT_PRESENT | IAPC_MSI_NOT_SUPPORTED |
			    IAPC_CMOS_RTC_NOT_PRESENT;
	f->flags = FADT_PWR_BUTTON | FADT_SLP_BUTTON | FADT_RESET_REG_SUP | FADT_HW_REDUCED_ACPI;
	f->reset_reg = io_port(GUEST_RESET_PORT);
	f->reset_value = GUEST_RESET_VALUE;
	f->minor_version = FADT_MINOR_VERSION;
	f->x_dsdt = dsdt;
	f->sleep_control_reg = io_port(GUEST_PM_SLEEP_CTL);
	f->sleep_status_reg = io_port(GUEST_PM_SLEEP_STS);
	memcpy(f->hypervisor_vendor, HYPERVISOR_VENDOR, sizeof(f->hypervisor_vendor));
	seal(&f->header);
}

/*
 * APIC ID = processor UID = vCPU index. The I/O APIC's ID is 0, as QEMU's: I/O
 * APIC IDs are their own name space since APICs talk over the system bus
 * (SDM 11.1), and the I/O APIC's ID register has only 4 bits.
 */
static void build_madt(struct madt *m, unsigned int cpus)
{
	struct madt_local_apic *lapic = (struct madt_local_apic *)(m + 1);
	struct madt_ioapic *ioapic = (struct madt_ioapic *)(lapic + cpus);
	unsigned int i;

	header(&m->header, "APIC", madt_size(cpus), MADT_REVISION);
	m->lapic_address = LAPIC_BASE;
	for (i = 0; i < cpus; i++)
		lapic[i] = (struct madt_local_apic){
			MADT_LOCAL_APIC, sizeof(*lapic), i, i, MADT_ENABLED,
		};
	*ioapic = (struct madt_ioapic){
		MADT_IO_APIC, sizeof(*ioapic), GUEST_IOAPIC_ID, 0, GUEST_IOAPIC_BASE, 0,
	};
	seal(&m->header);
}

static void build_dsdt(struct acpi_sdt_header *h)
{
	header(h, "DSDT", sizeof(*h) + sizeof(dsdt_aml), DSDT_REVISION);
	memcpy(h + 1, dsdt_aml, sizeof(dsdt_aml));
	seal(h);
}

size_t guest_acpi_build(void *buf, size_t cap, uint64_t base, unsigned int cpus)
{
	uint8_t *p = buf;
	struct layout l;

	if (cpus < 1 || cpus > GUEST_ACPI_MAX_CPUS)
		return 0;
	plan(&l, cpus);
	if (l.size > cap)
		return 0;
	memset(p, 0, l.size);
	build_rsdp((struct acpi_rsdp *)p, base + l.xsdt);
	build_xsdt((struct xsdt *)(p + l.xsdt), base + l.fadt, base + l.madt);
	build_fadt((struct fadt *)(p + l.fadt), base + l.dsdt);
	build_madt((struct madt *)(p + l.madt), cpus);
	build_dsdt((struct acpi_sdt_header *)(p + l.dsdt));
	return l.size;
}

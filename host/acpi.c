/* ACPI table discovery: checksums and lengths are checked before any use. */
#include "host/acpi.h"
#include "console/log.h"
#include "mm/paging.h"
#include "lib/string.h"
#include "lib/x86.h"

#define ACPI_TABLE_MAX_LEN (1024 * 1024)

/* ACPI 6.x, 5.2.12.12 */
struct madt_local_x2apic {
	uint8_t type, length;   /* 0x00 */
	uint16_t reserved;      /* 0x02 */
	uint32_t x2apic_id;     /* 0x04 */
	uint32_t flags;         /* 0x08 */
	uint32_t processor_uid; /* 0x0c */
} __packed;
_Static_assert(sizeof(struct madt_local_x2apic) == 16, "madt local x2apic");

#define MADT_ENTRIES_OFFSET 44 /* header, local APIC address, flags */

/* ACPI 6.x, 5.2.9: the FADT fields used here */
#define FADT_PM_TMR_BLK   76
#define FADT_FLAGS        112
#define FADT_TMR_VAL_EXT  BIT(8)
#define FADT_X_PM_TMR_BLK 208 /* generic address structure, 12 bytes */

static const struct acpi_sdt_header *map_table(paddr_t pa, const char *sig)
{
	const struct acpi_sdt_header *h = phys_to_virt(pa);

	if (!pa || !paging_is_mapped(pa, sizeof(*h)) || memcmp(h->signature, sig, 4))
		return NULL;
	if (h->length < sizeof(*h) || h->length > ACPI_TABLE_MAX_LEN ||
	    !paging_is_mapped(pa, h->length) || acpi_byte_sum(h, h->length)) {
		log_warn("acpi: table %.4s at 0x%lx has a bad length or checksum, ignored",
			 h->signature, pa);
		return NULL;
	}
	return h;
}

/* The RSDP lives in the EBDA's first KiB or in 0xe0000-0xfffff (ACPI 5.2.5.1). */
static const struct acpi_rsdp *scan_for_rsdp(void)
{
	paddr_t ebda = (paddr_t)phys_read16(0x40e) << 4;
	const paddr_t areas[2][2] = { { ebda, ebda + 1024 }, { 0xe0000, 0x100000 } };

	for (int a = 0; a < 2; a++)
		for (paddr_t pa = areas[a][0]; pa && pa < areas[a][1]; pa += 16) {
			const struct acpi_rsdp *r = phys_to_virt(pa);
			if (!memcmp(r->signature, "RSD PTR ", 8) && !acpi_byte_sum(r, ACPI_RSDP_V1_SIZE))
				return r;
		}
	return NULL;
}

struct root_table {
	const struct acpi_sdt_header *sdt;
	unsigned int entry_size; /* 8 for the XSDT, 4 for the RSDT */
};

static struct root_table find_root(const struct acpi_rsdp *r, unsigned int len)
{
	struct root_table root = { NULL, 8 };

	if (r->revision >= 2 && len >= sizeof(*r))
		root.sdt = map_table(r->xsdt_address, "XSDT");
	if (!root.sdt) {
		root.sdt = map_table(r->rsdt_address, "RSDT");
		root.entry_size = 4;
	}
	return root;
}

static const struct acpi_sdt_header *find_table(const struct root_table *root, const char *sig)
{
	const uint8_t *entries = (const uint8_t *)(root->sdt + 1);
	unsigned int n = (root->sdt->length - sizeof(*root->sdt)) / root->entry_size;

	for (unsigned int i = 0; i < n; i++) {
		paddr_t pa = 0;
		memcpy(&pa, entries + i * root->entry_size, root->entry_size);
		const struct acpi_sdt_header *t = map_table(pa, sig);
		if (t)
			return t;
	}
	return NULL;
}

static void add_cpu(struct acpi_info *info, uint32_t apic_id, uint32_t uid, uint32_t flags)
{
	if (!(flags & (MADT_ENABLED | MADT_ONLINE_CAPABLE)))
		return;
	for (unsigned int i = 0; i < info->nr_cpus; i++)
		if (info->cpus[i].apic_id == apic_id)
			return;
	if (info->nr_cpus == ACPI_MAX_CPUS) {
		info->nr_cpus_ignored++;
		return;
	}
	info->cpus[info->nr_cpus++] = (struct acpi_cpu){ apic_id, uid };
}

static void parse_madt(const struct acpi_sdt_header *madt, struct acpi_info *info)
{
	const uint8_t *p = (const uint8_t *)madt + MADT_ENTRIES_OFFSET;
	const uint8_t *end = (const uint8_t *)madt + madt->length;

	while (p + 2 <= end && p[1] >= 2 && p + p[1] <= end) {
		const struct madt_local_apic *la = (const void *)p;
		const struct madt_local_x2apic *lx = (const void *)p;
		if (p[0] == MADT_LOCAL_APIC && p[1] >= sizeof(*la))
			add_cpu(info, la->apic_id, la->processor_uid, la->flags);
		else if (p[0] == MADT_LOCAL_X2APIC && p[1] >= sizeof(*lx))
			add_cpu(info, lx->x2apic_id, lx->processor_uid, lx->flags);
		p += p[1];
	}
	if (p != end)
		log_warn("acpi: MADT entry at offset %lu is malformed, the rest is ignored",
			 (unsigned long)(p - (const uint8_t *)madt));
}

static void parse_fadt(const struct acpi_sdt_header *fadt, struct acpi_info *info)
{
	const uint8_t *f = (const uint8_t *)fadt;
	uint32_t port = 0, flags = 0;

	if (fadt->length < FADT_FLAGS + 4)
		return;
	memcpy(&port, f + FADT_PM_TMR_BLK, 4);
	memcpy(&flags, f + FADT_FLAGS, 4);
	if (!port && fadt->length >= FADT_X_PM_TMR_BLK + 12 && f[FADT_X_PM_TMR_BLK] == 1)
		memcpy(&port, f + FADT_X_PM_TMR_BLK + 4, 4); /* address space 1: I/O */
	if (port > 0xfffc)
		return;
	info->pm_timer = (struct acpi_pm_timer){ (uint16_t)port, !!(flags & FADT_TMR_VAL_EXT) };
}

bool acpi_init(const void *rsdp, unsigned int rsdp_len, struct acpi_info *info)
{
	const struct acpi_rsdp *r = rsdp;

	if (!r) {
		r = scan_for_rsdp();
		rsdp_len = r && r->revision >= 2 ? sizeof(*r) : ACPI_RSDP_V1_SIZE;
	}
	if (!r)
		return false;
	struct root_table root = find_root(r, rsdp_len);
	if (!root.sdt)
		return false;
	const struct acpi_sdt_header *madt = find_table(&root, "APIC");
	const struct acpi_sdt_header *fadt = find_table(&root, "FACP");
	if (madt)
		parse_madt(madt, info);
	if (fadt)
		parse_fadt(fadt, info);
	log_debug("acpi: %s, %u cpus in the MADT, PM timer at port 0x%x",
		  root.entry_size == 8 ? "XSDT" : "RSDT", info->nr_cpus, info->pm_timer.port);
	return madt != NULL;
}

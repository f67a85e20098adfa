/* Multiboot2 information parsing: every length is checked before it is used. */
#include "loader/mb2.h"
#include "loader/multiboot2.h"
#include "lib/acpi_tables.h"

struct parser {
	const uint8_t *buf;
	size_t size; /* bytes that may be read */
	paddr_t mbi_addr;
	struct boot_info *bi;
	uint32_t offset; /* of the tag being parsed */
	uint32_t type;
};

static void issue(struct parser *p, const char *what)
{
	struct boot_info *bi = p->bi;

	if (bi->nr_issues == BOOT_MAX_ISSUES) {
		bi->nr_issues_dropped++;
		return;
	}
	bi->issues[bi->nr_issues++] = (struct mb2_issue){ p->offset, p->type, what };
}

/* Returns the NUL-terminated string at [s, s + len), or NULL if unterminated. */
static const char *tag_string(struct parser *p, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] == '\0')
			return s;
	issue(p, "string is not NUL-terminated");
	return NULL;
}

static void parse_string(struct parser *p, const struct mb2_tag *tag, const char **out)
{
	const struct mb2_tag_string *t = (const void *)tag;

	if (*out) {
		issue(p, "duplicate tag, the first one is used");
		return;
	}
	*out = tag_string(p, t->string, tag->size - sizeof(*tag));
}

static void add_range(struct parser *p, struct mem_range *map, unsigned int *nr,
		      bool *truncated, paddr_t base, uint64_t length, uint32_t type)
{
	struct mem_range *last = *nr ? &map[*nr - 1] : NULL;

	if (length == 0)
		return;
	if (base + length < base) {
		issue(p, "memory range wraps around the address space");
		return;
	}
	if (last && last->type == type && last->base + last->length == base) {
		last->length += length;
		return;
	}
	if (*nr == BOOT_MAX_MEM_RANGES) {
		*truncated = true;
		return;
	}
	map[(*nr)++] = (struct mem_range){ base, length, type };
}

static void parse_mmap(struct parser *p, const struct mb2_tag *tag)
{
	const struct mb2_tag_mmap *t = (const void *)tag;
	uint32_t body = tag->size - sizeof(*t);

	if (p->bi->nr_mmap) {
		issue(p, "duplicate tag, the first one is used");
		return;
	}
	if (t->entry_size < sizeof(struct mb2_mmap_entry) || t->entry_size % 8) {
		issue(p, "bad memory map entry size");
		return;
	}
	if (body % t->entry_size)
		issue(p, "memory map ends in a partial entry, which is ignored");
	for (uint32_t off = 0; off + t->entry_size <= body; off += t->entry_size) {
		const struct mb2_mmap_entry *e = (const void *)((const uint8_t *)(t + 1) + off);
		add_range(p, p->bi->mmap, &p->bi->nr_mmap, &p->bi->mmap_truncated, e->base,
			  e->length, e->type);
	}
}

/* After ExitBootServices these EFI types are free RAM (UEFI 2.x, 7.2). */
static uint32_t efi_type_to_mb2(uint32_t efi_type)
{
	switch (efi_type) {
	case EFI_BOOT_SERVICES_CODE:
	case EFI_BOOT_SERVICES_DATA:
	case EFI_CONVENTIONAL_MEMORY:
		return MB2_MMAP_AVAILABLE;
	case EFI_ACPI_RECLAIM_MEMORY:
		return MB2_MMAP_ACPI_RECLAIMABLE;
	case EFI_ACPI_MEMORY_NVS:
		return MB2_MMAP_NVS;
	default:
		return MB2_MMAP_RESERVED;
	}
}

static void parse_efi_mmap(struct parser *p, const struct mb2_tag *tag)
{
	const struct mb2_tag_efi_mmap *t = (const void *)tag;
	uint32_t body = tag->size - sizeof(*t);

	if (p->bi->nr_efi_mmap) {
		issue(p, "duplicate tag, the first one is used");
		return;
	}
	if (t->descriptor_size < sizeof(struct efi_memory_descriptor) || t->descriptor_size % 8) {
		issue(p, "bad EFI memory descriptor size");
		return;
	}
	if (body % t->descriptor_size)
		issue(p, "EFI memory map ends in a partial descriptor, which is ignored");
	for (uint32_t off = 0; off + t->descriptor_size <= body; off += t->descriptor_size) {
		const struct efi_memory_descriptor *d =
			(const void *)((const uint8_t *)(t + 1) + off);
		if (d->number_of_pages > (UINT64_MAX >> PAGE_SHIFT)) {
			issue(p, "EFI memory descriptor too large");
			continue;
		}
		add_range(p, p->bi->efi_mmap, &p->bi->nr_efi_mmap, &p->bi->efi_mmap_truncated,
			  d->physical_start, d->number_of_pages << PAGE_SHIFT,
			  efi_type_to_mb2(d->type));
	}
}

static bool ranges_overlap(paddr_t a0, paddr_t a1, paddr_t b0, paddr_t b1)
{
	return a0 < b1 && b0 < a1;
}

static bool module_overlaps(struct parser *p, paddr_t start, paddr_t end)
{
	struct boot_info *bi = p->bi;

	if (ranges_overlap(start, end, p->mbi_addr, p->mbi_addr + p->size))
		return true;
	for (unsigned int i = 0; i < bi->nr_modules; i++)
		if (ranges_overlap(start, end, bi->modules[i].start, bi->modules[i].end))
			return true;
	return false;
}

static void parse_module(struct parser *p, const struct mb2_tag *tag)
{
	const struct mb2_tag_module *t = (const void *)tag;
	const char *cmdline = tag_string(p, t->cmdline, tag->size - sizeof(*t));

	if (!cmdline)
		return;
	if (t->mod_end < t->mod_start) {
		issue(p, "module ends before it starts");
		return;
	}
	if (module_overlaps(p, t->mod_start, t->mod_end)) {
		issue(p, "module overlaps another module or the information structure");
		return;
	}
	if (p->bi->nr_modules == BOOT_MAX_MODULES) {
		issue(p, "too many modules, this one is ignored");
		return;
	}
	p->bi->modules[p->bi->nr_modules++] =
		(struct boot_module){ t->mod_start, t->mod_end, cmdline };
}

static uint8_t byte_sum(const uint8_t *b, size_t n)
{
	uint8_t sum = 0;

	while (n--)
		sum += *b++;
	return sum;
}

/* The new (ACPI 2.0+) RSDP wins over the old one, whatever the tag order. */
static void parse_rsdp(struct parser *p, const struct mb2_tag *tag, bool is_new)
{
	const struct acpi_rsdp *r = (const void *)(tag + 1);
	uint32_t body = tag->size - sizeof(*tag);
	uint32_t len = is_new ? sizeof(*r) : ACPI_RSDP_V1_SIZE;

	if (body < len || byte_sum((const void *)r, ACPI_RSDP_V1_SIZE) ||
	    (is_new && (r->length < len || r->length > body ||
			byte_sum((const void *)r, r->length)))) {
		issue(p, "ACPI RSDP copy is truncated or fails its checksum");
		return;
	}
	if (p->bi->rsdp && (p->bi->rsdp_len > ACPI_RSDP_V1_SIZE || !is_new))
		return;
	p->bi->rsdp = r;
	p->bi->rsdp_len = is_new ? r->length : ACPI_RSDP_V1_SIZE;
}

static void parse_framebuffer(struct parser *p, const struct mb2_tag *tag)
{
	const struct mb2_tag_framebuffer *t = (const void *)tag;

	p->bi->has_framebuffer = true;
	p->bi->fb = (struct boot_framebuffer){ t->addr, t->pitch, t->width, t->height,
					       t->bpp, t->fb_type };
}

static void parse_efi64(struct parser *p, const struct mb2_tag *tag)
{
	p->bi->efi_system_table = ((const struct mb2_tag_efi64 *)tag)->pointer;
}

struct tag_desc {
	uint32_t type;
	uint32_t min_size;
	void (*parse)(struct parser *p, const struct mb2_tag *tag);
};

static void parse_cmdline(struct parser *p, const struct mb2_tag *t) { parse_string(p, t, &p->bi->cmdline); }
static void parse_loader(struct parser *p, const struct mb2_tag *t) { parse_string(p, t, &p->bi->loader_name); }
static void parse_acpi_old(struct parser *p, const struct mb2_tag *t) { parse_rsdp(p, t, false); }
static void parse_acpi_new(struct parser *p, const struct mb2_tag *t) { parse_rsdp(p, t, true); }

static const struct tag_desc tag_descs[] = {
	{ MB2_TAG_CMDLINE, sizeof(struct mb2_tag) + 1, parse_cmdline },
	{ MB2_TAG_LOADER_NAME, sizeof(struct mb2_tag) + 1, parse_loader },
	{ MB2_TAG_MODULE, sizeof(struct mb2_tag_module) + 1, parse_module },
	{ MB2_TAG_MMAP, sizeof(struct mb2_tag_mmap), parse_mmap },
	{ MB2_TAG_EFI_MMAP, sizeof(struct mb2_tag_efi_mmap), parse_efi_mmap },
	{ MB2_TAG_FRAMEBUFFER, sizeof(struct mb2_tag_framebuffer), parse_framebuffer },
	{ MB2_TAG_ACPI_OLD, sizeof(struct mb2_tag) + ACPI_RSDP_V1_SIZE, parse_acpi_old },
	{ MB2_TAG_ACPI_NEW, sizeof(struct mb2_tag) + sizeof(struct acpi_rsdp), parse_acpi_new },
	{ MB2_TAG_EFI64, sizeof(struct mb2_tag_efi64), parse_efi64 },
};

static void parse_tag(struct parser *p, const struct mb2_tag *tag)
{
	for (size_t i = 0; i < ARRAY_SIZE(tag_descs); i++) {
		if (tag_descs[i].type != tag->type)
			continue;
		if (tag->size < tag_descs[i].min_size)
			issue(p, "tag is truncated");
		else
			tag_descs[i].parse(p, tag);
		return;
	}
}

/* Walks the tags; returns false when no end tag was found. */
static bool walk_tags(struct parser *p)
{
	uint32_t off = sizeof(struct mb2_info_header);

	while (off + sizeof(struct mb2_tag) <= p->size) {
		const struct mb2_tag *tag = (const void *)(p->buf + off);
		p->offset = off;
		p->type = tag->type;
		if (tag->size < sizeof(struct mb2_tag) || tag->size > p->size - off) {
			issue(p, tag->size < sizeof(struct mb2_tag) ? "tag size is below 8"
								       : "tag runs past the end");
			return true;
		}
		if (tag->type == MB2_TAG_END)
			return true;
		parse_tag(p, tag);
		off += ALIGN_UP(tag->size, 8);
	}
	return false;
}

void mb2_parse(const void *buf, size_t avail, paddr_t mbi_addr, struct boot_info *bi)
{
	struct parser p = { .buf = buf, .mbi_addr = mbi_addr, .bi = bi };
	const struct mb2_info_header *h = buf;

	*bi = (struct boot_info){ 0 };
	if (avail < sizeof(*h) || h->total_size < sizeof(*h)) {
		issue(&p, "information structure is smaller than its header");
		return;
	}
	p.size = MIN(h->total_size, MIN(avail, (size_t)MB2_INFO_MAX_SIZE));
	if (p.size < h->total_size)
		issue(&p, "information structure claims more bytes than can be read");
	bi->total_size = (uint32_t)p.size;
	if (!walk_tags(&p)) {
		p.offset = (uint32_t)p.size;
		p.type = MB2_TAG_END;
		issue(&p, "no end tag");
	}
}

const struct mem_range *boot_memory_map(const struct boot_info *bi, unsigned int *count,
					bool *truncated)
{
	if (bi->nr_mmap) {
		*count = bi->nr_mmap;
		*truncated = bi->mmap_truncated;
		return bi->mmap;
	}
	*count = bi->nr_efi_mmap;
	*truncated = bi->efi_mmap_truncated;
	return bi->efi_mmap;
}

/*
 * Multiboot guest kernels: finding the Multiboot 1 header (Multiboot 0.6.96
 * 3.1) or the Multiboot2 header (Multiboot2 3.1), checking its flags or walking
 * its tags, then loading the image from the header's load addresses (the a.out
 * kludge, 0.6.96 3.1.3; the address tag, Multiboot2 3.1.5) or as ELF (guest_elf.c).
 */
#include "loader/guest_image_parser.h"

/* Multiboot 0.6.96, 3.1.1-3.1.2: 4-byte aligned, wholly inside the first 8 KiB. */
#define MB1_HEADER_MAGIC      0x1BADB002u
#define MB1_SEARCH_END        8192
#define MB1_FLAGS_REQUIRED    0xffffu /* bits 0-15: refuse the image if not understood */
#define MB1_FLAG_ALIGN_MODS   BIT(0)  /* modules are always page-aligned */
#define MB1_FLAG_MEM_INFO     BIT(1)  /* mem_* and the memory map are always given */
#define MB1_FLAG_VIDEO_MODE   BIT(2)  /* ignored: guests have a serial console only */
#define MB1_FLAGS_HONOURED    (MB1_FLAG_ALIGN_MODS | MB1_FLAG_MEM_INFO | MB1_FLAG_VIDEO_MODE)
#define MB1_FLAG_AOUT_KLUDGE  BIT(16)

/* Multiboot2 spec 3.1.1: 8-byte aligned, wholly inside the first 32 KiB. */
#define MB2_HEADER_MAGIC      0xE85250D6u
#define MB2_SEARCH_END        32768
#define MB2_ARCH_I386         0
#define MB2_HDR_TAG_OPTIONAL  BIT(0)
#define MB2_LOAD_FROM_START   0xffffffffu /* load_addr: load the file from offset 0 */

enum mb2_header_tag_type {
	MB2_HDR_TAG_END = 0,
	MB2_HDR_TAG_INFO_REQUEST = 1,
	MB2_HDR_TAG_ADDRESS = 2,
	MB2_HDR_TAG_ENTRY = 3,
	MB2_HDR_TAG_CONSOLE_FLAGS = 4,
	MB2_HDR_TAG_FRAMEBUFFER = 5,
	MB2_HDR_TAG_MODULE_ALIGN = 6,
	MB2_HDR_TAG_EFI_BS = 7,
	MB2_HDR_TAG_ENTRY_EFI32 = 8,
	MB2_HDR_TAG_ENTRY_EFI64 = 9,
	MB2_HDR_TAG_RELOCATABLE = 10,
};

/* Multiboot 0.6.96 3.1.3 and Multiboot2 3.1.5: where a non-ELF image goes. */
struct load_addrs {
	uint32_t header_addr;   /* 0x00: where the header's magic lands */
	uint32_t load_addr;     /* 0x04: where the loaded part of the file starts */
	uint32_t load_end_addr; /* 0x08: end of the loaded part; 0: the end of the file */
	uint32_t bss_end_addr;  /* 0x0c: end of the BSS; 0: no BSS */
} __packed;
_Static_assert(sizeof(struct load_addrs) == 16, "load addresses");

/* The video fields that may follow entry_addr are not read. */
struct mb1_header {
	uint32_t magic;          /* 0x00 */
	uint32_t flags;          /* 0x04 */
	uint32_t checksum;       /* 0x08: magic + flags + checksum == 0 */
	struct load_addrs addrs; /* 0x0c: only if flags bit 16 */
	uint32_t entry_addr;     /* 0x1c: only if flags bit 16 */
} __packed;
_Static_assert(sizeof(struct mb1_header) == 32, "multiboot header");

struct mb2_header {
	uint32_t magic;         /* 0x00 */
	uint32_t architecture;  /* 0x04 */
	uint32_t header_length; /* 0x08: tags included */
	uint32_t checksum;      /* 0x0c: the four fields sum to 0 */
} __packed;
_Static_assert(sizeof(struct mb2_header) == 16, "multiboot2 header");

struct mb2_header_tag {
	uint16_t type;  /* 0x00 */
	uint16_t flags; /* 0x02 */
	uint32_t size;  /* 0x04: header included, padding to 8 excluded */
} __packed;
_Static_assert(sizeof(struct mb2_header_tag) == 8, "multiboot2 header tag");

struct mb2_header_tag_address {
	struct mb2_header_tag tag; /* 0x00 */
	struct load_addrs addrs;   /* 0x08 */
} __packed;
_Static_assert(sizeof(struct mb2_header_tag_address) == 24, "multiboot2 address tag");

struct mb2_header_tag_entry {
	struct mb2_header_tag tag; /* 0x00 */
	uint32_t entry_addr;       /* 0x08 */
} __packed;
_Static_assert(sizeof(struct mb2_header_tag_entry) == 12, "multiboot2 entry tag");

struct mb2_header_tags {
	const struct mb2_header_tag_address *address; /* NULL when absent */
	const struct mb2_header_tag_entry *entry;
};

/*
 * Multiboot 0.6.96 3.1.3 (the a.out kludge) and Multiboot2 3.1.5 (the address
 * tag): the file from header_offset - (header_addr - load_addr) on goes to
 * load_addr, up to load_end_addr (0: the end of the file), then BSS up to
 * bss_end_addr (0: none).
 */
static const char *load_raw_image(struct image_parser *p, uint32_t header_offset,
				  const struct load_addrs *a)
{
	uint64_t offset, filesz, memsz;

	if (a->load_addr > a->header_addr || a->header_addr - a->load_addr > header_offset)
		return image_fail(p, "load_addr 0x%x must lie at most 0x%x bytes below header_addr 0x%x",
				  a->load_addr, header_offset, a->header_addr);
	if (a->load_end_addr && a->load_end_addr < a->load_addr)
		return image_fail(p, "load_end_addr 0x%x lies below load_addr 0x%x",
				  a->load_end_addr, a->load_addr);
	offset = header_offset - (a->header_addr - a->load_addr);
	filesz = a->load_end_addr ? a->load_end_addr - a->load_addr : p->size - offset;
	if (a->bss_end_addr && a->bss_end_addr < a->load_addr + filesz)
		return image_fail(p, "bss_end_addr 0x%x lies below the end of the loaded part 0x%lx",
				  a->bss_end_addr, a->load_addr + filesz);
	memsz = a->bss_end_addr ? a->bss_end_addr - a->load_addr : filesz;
	return image_add_segment(p, a->load_addr, offset, filesz, memsz);
}

bool image_find_mb1_header(const struct image_parser *p, uint32_t *offset)
{
	size_t end = MIN(p->size, (size_t)MB1_SEARCH_END);

	for (size_t off = 0; off + offsetof(struct mb1_header, addrs) <= end; off += 4) {
		const struct mb1_header *h = (const void *)(p->file + off);

		if (h->magic == MB1_HEADER_MAGIC && h->magic + h->flags + h->checksum == 0) {
			*offset = (uint32_t)off;
			return true;
		}
	}
	return false;
}

const char *image_parse_mb1(struct image_parser *p, uint32_t off)
{
	const struct mb1_header *h = (const void *)(p->file + off);
	uint32_t unknown = h->flags & MB1_FLAGS_REQUIRED & ~MB1_FLAGS_HONOURED;

	p->img->protocol = GUEST_BOOT_MULTIBOOT1;
	if (unknown)
		return image_fail(p, "multiboot header requires flag bit %d, which is not supported",
				  __builtin_ctz(unknown));
	if (!(h->flags & MB1_FLAG_AOUT_KLUDGE))
		return image_parse_elf(p);
	if (MIN(p->size, (size_t)MB1_SEARCH_END) - off < sizeof(*h))
		return image_fail(p, "multiboot header is truncated: its load addresses lie past %s",
				  p->size < MB1_SEARCH_END ? "the end of the file"
							   : "the first 8 KiB");
	p->entry = h->entry_addr;
	return load_raw_image(p, off, &h->addrs);
}

bool image_find_mb2_header(const struct image_parser *p, uint32_t *offset)
{
	size_t end = MIN(p->size, (size_t)MB2_SEARCH_END);

	for (size_t off = 0; off + sizeof(struct mb2_header) <= end; off += 8) {
		const struct mb2_header *h = (const void *)(p->file + off);

		if (h->magic == MB2_HEADER_MAGIC &&
		    h->magic + h->architecture + h->header_length + h->checksum == 0) {
			*offset = (uint32_t)off;
			return true;
		}
	}
	return false;
}

/* The tags we use must be whole; the others are ignored or refused (Multiboot2 3.1.3-3.1.13). */
static const char *check_mb2_tag(struct image_parser *p, const struct mb2_header_tag *tag,
				 struct mb2_header_tags *tags)
{
	switch (tag->type) {
	case MB2_HDR_TAG_ADDRESS:
		if (tag->size < sizeof(*tags->address))
			return image_fail(p, "multiboot2 address tag is truncated");
		tags->address = (const void *)tag;
		return NULL;
	case MB2_HDR_TAG_ENTRY:
		if (tag->size < sizeof(*tags->entry))
			return image_fail(p, "multiboot2 entry address tag is truncated");
		tags->entry = (const void *)tag;
		return NULL;
	case MB2_HDR_TAG_INFO_REQUEST:  /* the information given is fixed */
	case MB2_HDR_TAG_CONSOLE_FLAGS: /* COM1 is always there */
	case MB2_HDR_TAG_FRAMEBUFFER:   /* none: text only */
	case MB2_HDR_TAG_MODULE_ALIGN:  /* modules are always page-aligned */
	case MB2_HDR_TAG_ENTRY_EFI32:   /* 3.1.11-12: used only along with EFI boot services */
	case MB2_HDR_TAG_ENTRY_EFI64:
	case MB2_HDR_TAG_RELOCATABLE:   /* loaded at its link addresses, which it allows */
		return NULL;
	}
	if (tag->flags & MB2_HDR_TAG_OPTIONAL)
		return NULL;
	if (tag->type == MB2_HDR_TAG_EFI_BS)
		return image_fail(p, "multiboot2 header requires EFI boot services, which guests do not have");
	return image_fail(p, "multiboot2 header requires tag type %u, which is not supported",
			  tag->type);
}

/* Multiboot2 3.1.3: 8-byte aligned tags inside header_length, up to an end tag. */
static const char *walk_mb2_tags(struct image_parser *p, const struct mb2_header *h,
				 struct mb2_header_tags *tags)
{
	const uint8_t *base = (const uint8_t *)h;
	uint32_t off = sizeof(*h);
	const char *why;

	while (off + sizeof(struct mb2_header_tag) <= h->header_length) {
		const struct mb2_header_tag *tag = (const void *)(base + off);

		if (tag->size < sizeof(*tag) || tag->size > h->header_length - off)
			return image_fail(p, "multiboot2 header tag at offset 0x%x has a bad size (%u)",
					  off, tag->size);
		if (tag->type == MB2_HDR_TAG_END)
			return NULL;
		why = check_mb2_tag(p, tag, tags);
		if (why)
			return why;
		off += ALIGN_UP(tag->size, 8);
	}
	return image_fail(p, "multiboot2 header has no end tag");
}

static const char *load_mb2_image(struct image_parser *p, uint32_t off,
				  const struct mb2_header_tags *tags)
{
	struct load_addrs addrs;
	const char *why;

	if (!tags->address) {
		why = image_parse_elf(p);
	} else if (!tags->entry) {
		return image_fail(p, "multiboot2 header has an address tag but no entry address tag");
	} else {
		addrs = tags->address->addrs;
		if (addrs.load_addr == MB2_LOAD_FROM_START)
			addrs.load_addr = addrs.header_addr - off;
		why = load_raw_image(p, off, &addrs);
	}
	if (tags->entry)
		p->entry = tags->entry->entry_addr;
	return why;
}

const char *image_parse_mb2(struct image_parser *p, uint32_t off)
{
	const struct mb2_header *h = (const void *)(p->file + off);
	struct mb2_header_tags tags = { NULL, NULL };
	const char *why;

	p->img->protocol = GUEST_BOOT_MULTIBOOT2;
	if (h->architecture != MB2_ARCH_I386)
		return image_fail(p, "multiboot2 header is for architecture %u, not i386 (0)",
				  h->architecture);
	if (h->header_length < sizeof(*h) ||
	    h->header_length > MIN(p->size, (size_t)MB2_SEARCH_END) - off)
		return image_fail(p, "multiboot2 header length %u is below 16 or runs past %s",
				  h->header_length,
				  p->size < MB2_SEARCH_END ? "the end of the file"
							   : "the first 32 KiB");
	why = walk_mb2_tags(p, h, &tags);
	if (why)
		return why;
	return load_mb2_image(p, off, &tags);
}

/*
 * Guest kernel images: the multiboot header, then the segments to load from
 * the ELF program headers or from the header's load addresses. Every offset
 * and length read from the file is checked before it is used.
 */
#include "loader/guest_image.h"
#include "loader/guest_bzimage.h"
#include "lib/fmt.h"
#include "lib/string.h"

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

/* System V ABI (gABI) 4.1: the ELF header and program header fields used here. */
#define ELF_MAGIC    "\177ELF"
#define ELF_PN_XNUM  0xffff
enum {
	EI_CLASS = 4, EI_DATA = 5, EI_VERSION = 6, EI_NIDENT = 16,
	ELFCLASS32 = 1, ELFCLASS64 = 2, ELFDATA2LSB = 1, EV_CURRENT = 1,
	ET_EXEC = 2, EM_386 = 3, EM_X86_64 = 62, PT_LOAD = 1,
};

struct elf32_ehdr {
	uint8_t e_ident[EI_NIDENT]; /* 0x00 */
	uint16_t e_type;            /* 0x10 */
	uint16_t e_machine;         /* 0x12 */
	uint32_t e_version;         /* 0x14 */
	uint32_t e_entry;           /* 0x18 */
	uint32_t e_phoff;           /* 0x1c */
	uint32_t e_shoff;           /* 0x20 */
	uint32_t e_flags;           /* 0x24 */
	uint16_t e_ehsize;          /* 0x28 */
	uint16_t e_phentsize;       /* 0x2a */
	uint16_t e_phnum;           /* 0x2c */
	uint16_t e_shentsize;       /* 0x2e */
	uint16_t e_shnum;           /* 0x30 */
	uint16_t e_shstrndx;        /* 0x32 */
} __packed;
_Static_assert(sizeof(struct elf32_ehdr) == 52, "elf32 header");

struct elf64_ehdr {
	uint8_t e_ident[EI_NIDENT]; /* 0x00 */
	uint16_t e_type;            /* 0x10 */
	uint16_t e_machine;         /* 0x12 */
	uint32_t e_version;         /* 0x14 */
	uint64_t e_entry;           /* 0x18 */
	uint64_t e_phoff;           /* 0x20 */
	uint64_t e_shoff;           /* 0x28 */
	uint32_t e_flags;           /* 0x30 */
	uint16_t e_ehsize;          /* 0x34 */
	uint16_t e_phentsize;       /* 0x36 */
	uint16_t e_phnum;           /* 0x38 */
	uint16_t e_shentsize;       /* 0x3a */
	uint16_t e_shnum;           /* 0x3c */
	uint16_t e_shstrndx;        /* 0x3e */
} __packed;
_Static_assert(sizeof(struct elf64_ehdr) == 64, "elf64 header");

struct elf32_phdr {
	uint32_t p_type;   /* 0x00 */
	uint32_t p_offset; /* 0x04 */
	uint32_t p_vaddr;  /* 0x08 */
	uint32_t p_paddr;  /* 0x0c */
	uint32_t p_filesz; /* 0x10 */
	uint32_t p_memsz;  /* 0x14 */
	uint32_t p_flags;  /* 0x18 */
	uint32_t p_align;  /* 0x1c */
} __packed;
_Static_assert(sizeof(struct elf32_phdr) == 32, "elf32 program header");

struct elf64_phdr {
	uint32_t p_type;   /* 0x00 */
	uint32_t p_flags;  /* 0x04 */
	uint64_t p_offset; /* 0x08 */
	uint64_t p_vaddr;  /* 0x10 */
	uint64_t p_paddr;  /* 0x18 */
	uint64_t p_filesz; /* 0x20 */
	uint64_t p_memsz;  /* 0x28 */
	uint64_t p_align;  /* 0x30 */
} __packed;
_Static_assert(sizeof(struct elf64_phdr) == 56, "elf64 program header");

/* The header fields of either ELF class, widened. */
struct elf_info {
	uint16_t type, machine, phentsize, phnum;
	uint32_t version;
	uint64_t entry, phoff;
};

/* A program header of either ELF class, widened. */
struct elf_phdr {
	uint32_t type;
	uint64_t offset, vaddr, paddr, filesz, memsz;
};

struct elf_class {
	uint8_t ident_class;
	uint16_t machine;
	const char *machine_name;
	size_t ehdr_size, phdr_size;
	void (*read_ehdr)(const uint8_t *b, struct elf_info *eh);
	void (*read_phdr)(const uint8_t *b, struct elf_phdr *ph);
};

struct image_parser {
	const uint8_t *file;
	size_t size;
	uint64_t mem_size;
	struct guest_image *img;
	uint64_t entry; /* guest-physical, checked once the segments are known */
};

struct mb2_header_tags {
	const struct mb2_header_tag_address *address; /* NULL when absent */
	const struct mb2_header_tag_entry *entry;
};

static __printf(2, 3) const char *fail(struct image_parser *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(p->img->error, sizeof(p->img->error), fmt, ap);
	va_end(ap);
	return p->img->error;
}

/* Whether [base, base + len) lies inside [0, limit), without overflowing. */
static bool range_ok(uint64_t base, uint64_t len, uint64_t limit)
{
	return len <= limit && base <= limit - len;
}

static bool in_range(uint64_t addr, uint64_t base, uint64_t len)
{
	return addr >= base && addr - base < len;
}

static bool ranges_overlap(uint64_t a, uint64_t a_len, uint64_t b, uint64_t b_len)
{
	return a_len && b_len && a < b + b_len && b < a + a_len;
}

/* The segment that [gpa, gpa + memsz) overlaps, or -1. Both ranges are validated. */
static int overlapping_segment(const struct guest_image *img, uint64_t gpa, uint64_t memsz)
{
	for (unsigned int i = 0; i < img->nr_segments; i++)
		if (ranges_overlap(gpa, memsz, img->segments[i].gpa, img->segments[i].memsz))
			return (int)i;
	return -1;
}

static const char *add_segment(struct image_parser *p, uint64_t gpa, uint64_t offset,
			       uint64_t filesz, uint64_t memsz)
{
	struct guest_image *img = p->img;
	unsigned int n = img->nr_segments;
	int other;

	if (n == GUEST_IMAGE_MAX_SEGMENTS)
		return fail(p, "more than %u loadable segments", GUEST_IMAGE_MAX_SEGMENTS);
	if (filesz > memsz)
		return fail(p, "segment %u: file size 0x%lx exceeds memory size 0x%lx", n, filesz,
			    memsz);
	if (!range_ok(offset, filesz, p->size))
		return fail(p, "segment %u: file bytes 0x%lx+0x%lx lie outside the file (0x%zx bytes)",
			    n, offset, filesz, p->size);
	if (!range_ok(gpa, memsz, p->mem_size))
		return fail(p, "segment %u (0x%lx-0x%lx) lies outside guest memory [0, 0x%lx)", n,
			    gpa, gpa + memsz, p->mem_size);
	other = overlapping_segment(img, gpa, memsz);
	if (other >= 0)
		return fail(p, "segment %u (0x%lx-0x%lx) overlaps segment %d", n, gpa, gpa + memsz,
			    other);
	img->segments[img->nr_segments++] = (struct guest_segment){ gpa, offset, filesz, memsz };
	return NULL;
}

static void read_ehdr32(const uint8_t *b, struct elf_info *eh)
{
	const struct elf32_ehdr *h = (const void *)b;

	*eh = (struct elf_info){ h->e_type, h->e_machine, h->e_phentsize, h->e_phnum,
				 h->e_version, h->e_entry, h->e_phoff };
}

static void read_ehdr64(const uint8_t *b, struct elf_info *eh)
{
	const struct elf64_ehdr *h = (const void *)b;

	*eh = (struct elf_info){ h->e_type, h->e_machine, h->e_phentsize, h->e_phnum,
				 h->e_version, h->e_entry, h->e_phoff };
}

static void read_phdr32(const uint8_t *b, struct elf_phdr *ph)
{
	const struct elf32_phdr *h = (const void *)b;

	*ph = (struct elf_phdr){ h->p_type, h->p_offset, h->p_vaddr, h->p_paddr, h->p_filesz,
				 h->p_memsz };
}

static void read_phdr64(const uint8_t *b, struct elf_phdr *ph)
{
	const struct elf64_phdr *h = (const void *)b;

	*ph = (struct elf_phdr){ h->p_type, h->p_offset, h->p_vaddr, h->p_paddr, h->p_filesz,
				 h->p_memsz };
}

static const struct elf_class elf_classes[] = {
	{ ELFCLASS32, EM_386, "EM_386", sizeof(struct elf32_ehdr), sizeof(struct elf32_phdr),
	  read_ehdr32, read_phdr32 },
	{ ELFCLASS64, EM_X86_64, "EM_X86_64", sizeof(struct elf64_ehdr),
	  sizeof(struct elf64_phdr), read_ehdr64, read_phdr64 },
};

static const struct elf_class *elf_class_of(const struct image_parser *p)
{
	if (p->size < EI_NIDENT || memcmp(p->file, ELF_MAGIC, 4))
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(elf_classes); i++)
		if (elf_classes[i].ident_class == p->file[EI_CLASS])
			return &elf_classes[i];
	return NULL;
}

static const char *check_elf_header(struct image_parser *p, const struct elf_class *cls,
				    const struct elf_info *eh)
{
	if (p->file[EI_DATA] != ELFDATA2LSB)
		return fail(p, "ELF file is not little-endian");
	if (p->file[EI_VERSION] != EV_CURRENT || eh->version != EV_CURRENT)
		return fail(p, "ELF version is not 1");
	if (eh->type != ET_EXEC)
		return fail(p, "ELF type %u is not ET_EXEC", eh->type);
	if (eh->machine != cls->machine)
		return fail(p, "ELF machine %u is not %s", eh->machine, cls->machine_name);
	if (eh->phentsize != cls->phdr_size)
		return fail(p, "ELF program header size %u is not %zu", eh->phentsize,
			    cls->phdr_size);
	if (eh->phnum == ELF_PN_XNUM)
		return fail(p, "ELF file has too many program headers");
	if (!range_ok(eh->phoff, (uint64_t)eh->phnum * eh->phentsize, p->size))
		return fail(p, "ELF program headers lie outside the file");
	return NULL;
}

/*
 * PT_LOAD segments go to their physical addresses; the entry point, a virtual
 * address, is translated through the segment holding it, as GRUB does
 * (grub-core/loader/multiboot_elfxx.c).
 */
static const char *load_elf_segments(struct image_parser *p, const struct elf_class *cls,
				     const struct elf_info *eh)
{
	struct elf_phdr ph;
	const char *why;

	p->entry = eh->entry;
	for (unsigned int i = 0; i < eh->phnum; i++) {
		cls->read_phdr(p->file + eh->phoff + i * cls->phdr_size, &ph);
		if (ph.type != PT_LOAD || ph.memsz == 0)
			continue;
		why = add_segment(p, ph.paddr, ph.offset, ph.filesz, ph.memsz);
		if (why)
			return why;
		if (in_range(eh->entry, ph.vaddr, ph.memsz))
			p->entry = eh->entry - ph.vaddr + ph.paddr;
	}
	return NULL;
}

static const char *parse_elf(struct image_parser *p)
{
	const struct elf_class *cls = elf_class_of(p);
	struct elf_info eh;
	const char *why;

	if (!cls)
		return fail(p, "neither ELF32 nor ELF64, and the multiboot header gives no load addresses");
	if (p->size < cls->ehdr_size)
		return fail(p, "ELF header is truncated");
	cls->read_ehdr(p->file, &eh);
	why = check_elf_header(p, cls, &eh);
	if (why)
		return why;
	return load_elf_segments(p, cls, &eh);
}

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
		return fail(p, "load_addr 0x%x must lie at most 0x%x bytes below header_addr 0x%x",
			    a->load_addr, header_offset, a->header_addr);
	if (a->load_end_addr && a->load_end_addr < a->load_addr)
		return fail(p, "load_end_addr 0x%x lies below load_addr 0x%x", a->load_end_addr,
			    a->load_addr);
	offset = header_offset - (a->header_addr - a->load_addr);
	filesz = a->load_end_addr ? a->load_end_addr - a->load_addr : p->size - offset;
	if (a->bss_end_addr && a->bss_end_addr < a->load_addr + filesz)
		return fail(p, "bss_end_addr 0x%x lies below the end of the loaded part 0x%lx",
			    a->bss_end_addr, a->load_addr + filesz);
	memsz = a->bss_end_addr ? a->bss_end_addr - a->load_addr : filesz;
	return add_segment(p, a->load_addr, offset, filesz, memsz);
}

static bool find_mb1_header(const struct image_parser *p, uint32_t *offset)
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

static const char *parse_mb1(struct image_parser *p, uint32_t off)
{
	const struct mb1_header *h = (const void *)(p->file + off);
	uint32_t unknown = h->flags & MB1_FLAGS_REQUIRED & ~MB1_FLAGS_HONOURED;

	p->img->protocol = GUEST_BOOT_MULTIBOOT1;
	if (unknown)
		return fail(p, "multiboot header requires flag bit %d, which is not supported",
			    __builtin_ctz(unknown));
	if (!(h->flags & MB1_FLAG_AOUT_KLUDGE))
		return parse_elf(p);
	if (MIN(p->size, (size_t)MB1_SEARCH_END) - off < sizeof(*h))
		return fail(p, "multiboot header is truncated: its load addresses lie past %s",
			    p->size < MB1_SEARCH_END ? "the end of the file" : "the first 8 KiB");
	p->entry = h->entry_addr;
	return load_raw_image(p, off, &h->addrs);
}

static bool find_mb2_header(const struct image_parser *p, uint32_t *offset)
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
			return fail(p, "multiboot2 address tag is truncated");
		tags->address = (const void *)tag;
		return NULL;
	case MB2_HDR_TAG_ENTRY:
		if (tag->size < sizeof(*tags->entry))
			return fail(p, "multiboot2 entry address tag is truncated");
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
		return fail(p, "multiboot2 header requires EFI boot services, which guests do not have");
	return fail(p, "multiboot2 header requires tag type %u, which is not supported", tag->type);
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
			return fail(p, "multiboot2 header tag at offset 0x%x has a bad size (%u)",
				    off, tag->size);
		if (tag->type == MB2_HDR_TAG_END)
			return NULL;
		why = check_mb2_tag(p, tag, tags);
		if (why)
			return why;
		off += ALIGN_UP(tag->size, 8);
	}
	return fail(p, "multiboot2 header has no end tag");
}

static const char *load_mb2_image(struct image_parser *p, uint32_t off,
				  const struct mb2_header_tags *tags)
{
	struct load_addrs addrs;
	const char *why;

	if (!tags->address) {
		why = parse_elf(p);
	} else if (!tags->entry) {
		return fail(p, "multiboot2 header has an address tag but no entry address tag");
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

static const char *parse_mb2(struct image_parser *p, uint32_t off)
{
	const struct mb2_header *h = (const void *)(p->file + off);
	struct mb2_header_tags tags = { NULL, NULL };
	const char *why;

	p->img->protocol = GUEST_BOOT_MULTIBOOT2;
	if (h->architecture != MB2_ARCH_I386)
		return fail(p, "multiboot2 header is for architecture %u, not i386 (0)",
			    h->architecture);
	if (h->header_length < sizeof(*h) ||
	    h->header_length > MIN(p->size, (size_t)MB2_SEARCH_END) - off)
		return fail(p, "multiboot2 header length %u is below 16 or runs past %s",
			    h->header_length,
			    p->size < MB2_SEARCH_END ? "the end of the file" : "the first 32 KiB");
	why = walk_mb2_tags(p, h, &tags);
	if (why)
		return why;
	return load_mb2_image(p, off, &tags);
}

static bool entry_in_segment(const struct guest_image *img, uint64_t entry)
{
	for (unsigned int i = 0; i < img->nr_segments; i++)
		if (in_range(entry, img->segments[i].gpa, img->segments[i].memsz))
			return true;
	return false;
}

static uint64_t image_top(const struct guest_image *img)
{
	uint64_t top = 0;

	for (unsigned int i = 0; i < img->nr_segments; i++)
		top = MAX(top, img->segments[i].gpa + img->segments[i].memsz);
	return top;
}

static const char *check_entry_and_end(struct image_parser *p)
{
	struct guest_image *img = p->img;

	if (!img->nr_segments)
		return fail(p, "no loadable segments");
	if (p->entry > UINT32_MAX)
		return fail(p, "entry point 0x%lx lies above 4 GiB", p->entry);
	if (!entry_in_segment(img, p->entry))
		return fail(p, "entry point 0x%lx is not inside a loaded segment", p->entry);
	img->entry = (uint32_t)p->entry;
	img->end = ALIGN_UP(image_top(img), PAGE_SIZE);
	return NULL;
}

const char *guest_image_parse(const void *file, size_t size, uint64_t mem_size,
			      struct guest_image *img)
{
	struct image_parser p = { file, size, mem_size, img, 0 };
	const char *why;
	uint32_t off;

	memset(img, 0, sizeof(*img));
	if (bzimage_detect(file, size))
		return bzimage_parse(file, size, mem_size, img);
	if (find_mb2_header(&p, &off))
		why = parse_mb2(&p, off);
	else if (find_mb1_header(&p, &off))
		why = parse_mb1(&p, off);
	else
		return fail(&p, "no multiboot2 header in the first 32 KiB nor multiboot header in the first 8 KiB");
	return why ? why : check_entry_and_end(&p);
}

void guest_image_load(const struct guest_image *img, const void *file, void *mem)
{
	for (unsigned int i = 0; i < img->nr_segments; i++) {
		const struct guest_segment *s = &img->segments[i];
		uint8_t *dst = (uint8_t *)mem + s->gpa;

		memcpy(dst, (const uint8_t *)file + s->offset, s->filesz);
		memset(dst + s->filesz, 0, s->memsz - s->filesz);
	}
}

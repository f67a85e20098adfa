/*
 * ELF guest kernels (System V gABI 4.1: chapter 4, the ELF header; chapter 5,
 * the program headers): the ELF32 and ELF64 class readers, the header checks
 * and the PT_LOAD segments, for a multiboot header without load addresses.
 */
#include "loader/guest_image_parser.h"
#include "lib/string.h"

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
		return image_fail(p, "ELF file is not little-endian");
	if (p->file[EI_VERSION] != EV_CURRENT || eh->version != EV_CURRENT)
		return image_fail(p, "ELF version is not 1");
	if (eh->type != ET_EXEC)
		return image_fail(p, "ELF type %u is not ET_EXEC", eh->type);
	if (eh->machine != cls->machine)
		return image_fail(p, "ELF machine %u is not %s", eh->machine, cls->machine_name);
	if (eh->phentsize != cls->phdr_size)
		return image_fail(p, "ELF program header size %u is not %zu", eh->phentsize,
				  cls->phdr_size);
	if (eh->phnum == ELF_PN_XNUM)
		return image_fail(p, "ELF file has too many program headers");
	if (!image_range_ok(eh->phoff, (uint64_t)eh->phnum * eh->phentsize, p->size))
		return image_fail(p, "ELF program headers lie outside the file");
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
		why = image_add_segment(p, ph.paddr, ph.offset, ph.filesz, ph.memsz);
		if (why)
			return why;
		if (image_in_range(eh->entry, ph.vaddr, ph.memsz))
			p->entry = eh->entry - ph.vaddr + ph.paddr;
	}
	return NULL;
}

const char *image_parse_elf(struct image_parser *p)
{
	const struct elf_class *cls = elf_class_of(p);
	struct elf_info eh;
	const char *why;

	if (!cls)
		return image_fail(p, "neither ELF32 nor ELF64, and the multiboot header gives no load addresses");
	if (p->size < cls->ehdr_size)
		return image_fail(p, "ELF header is truncated");
	cls->read_ehdr(p->file, &eh);
	why = check_elf_header(p, cls, &eh);
	if (why)
		return why;
	return load_elf_segments(p, cls, &eh);
}

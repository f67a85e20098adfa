/*
 * Validating parser of the multiboot2 information structure. Pure logic: it
 * reads only the buffer it is given, so it runs in host unit tests too.
 */
#ifndef HV_LOADER_MB2_H
#define HV_LOADER_MB2_H

#include "lib/types.h"

#define BOOT_MAX_MEM_RANGES 256
#define BOOT_MAX_MODULES    32
#define BOOT_MAX_ISSUES     16
#define MB2_INFO_MAX_SIZE   (1024 * 1024)

/* A memory range in the multiboot2 (e820-like) types of multiboot2.h. */
struct mem_range {
	paddr_t base;
	uint64_t length;
	uint32_t type;
};

struct boot_module {
	paddr_t start;
	paddr_t end; /* exclusive */
	const char *cmdline;
};

struct boot_framebuffer {
	paddr_t addr;
	uint32_t pitch, width, height;
	uint8_t bpp, type;
};

/* Something wrong in the information structure: reported, then skipped. */
struct mb2_issue {
	uint32_t offset; /* of the tag, from the start of the structure */
	uint32_t type;   /* of the tag */
	const char *what;
};

struct boot_info {
	uint32_t total_size;   /* as parsed: clamped to what was readable */
	const char *cmdline;   /* NULL when absent */
	const char *loader_name;

	/* Adjacent entries of one type are merged; what does not fit is dropped. */
	struct mem_range mmap[BOOT_MAX_MEM_RANGES]; /* the BIOS-style map */
	unsigned int nr_mmap;
	bool mmap_truncated;
	struct mem_range efi_mmap[BOOT_MAX_MEM_RANGES]; /* the EFI map, converted */
	unsigned int nr_efi_mmap;
	bool efi_mmap_truncated;

	struct boot_module modules[BOOT_MAX_MODULES];
	unsigned int nr_modules;

	const void *rsdp;      /* a copy of the RSDP inside the structure */
	unsigned int rsdp_len; /* 20 (ACPI 1.0) or the revision-2 length */
	uint64_t efi_system_table;
	bool has_framebuffer;
	struct boot_framebuffer fb;

	struct mb2_issue issues[BOOT_MAX_ISSUES];
	unsigned int nr_issues;
	unsigned int nr_issues_dropped;
};

/*
 * Parses the structure at buf, of which avail bytes may be read; mbi_addr is
 * its physical address (modules overlapping it are refused). Never reads
 * outside [buf, buf + avail).
 */
void mb2_parse(const void *buf, size_t avail, paddr_t mbi_addr, struct boot_info *bi);

/*
 * The memory map to use: the BIOS-style one, else the converted EFI map.
 * *truncated tells whether entries of it were dropped.
 */
const struct mem_range *boot_memory_map(const struct boot_info *bi, unsigned int *count,
					bool *truncated);

#endif

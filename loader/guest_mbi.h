/*
 * The multiboot (v1) or multiboot2 information a guest boots with, written
 * into its memory. Pure logic: it writes only the guest memory it is given.
 */
#ifndef HV_LOADER_GUEST_MBI_H
#define HV_LOADER_GUEST_MBI_H

#include "loader/guest_image.h"

#define MB1_BOOTLOADER_MAGIC 0x2BADB002u /* EAX for a multiboot (v1) kernel */

/* Multiboot 0.6.96, 3.3: the boot information format, up to the VBE fields. */
enum mb1_info_flags {
	MB1_INFO_MEM = BIT(0),
	MB1_INFO_CMDLINE = BIT(2),
	MB1_INFO_MODS = BIT(3),
	MB1_INFO_MMAP = BIT(6),
	MB1_INFO_LOADER_NAME = BIT(9),
};

struct mb1_info {
	uint32_t flags;             /* 0x00 */
	uint32_t mem_lower;         /* 0x04: KiB from 0 */
	uint32_t mem_upper;         /* 0x08: KiB from 1 MiB */
	uint32_t boot_device;       /* 0x0c */
	uint32_t cmdline;           /* 0x10 */
	uint32_t mods_count;        /* 0x14 */
	uint32_t mods_addr;         /* 0x18 */
	uint32_t syms[4];           /* 0x1c */
	uint32_t mmap_length;       /* 0x2c */
	uint32_t mmap_addr;         /* 0x30 */
	uint32_t drives_length;     /* 0x34 */
	uint32_t drives_addr;       /* 0x38 */
	uint32_t config_table;      /* 0x3c */
	uint32_t boot_loader_name;  /* 0x40 */
	uint32_t apm_table;         /* 0x44 */
	uint32_t vbe_control_info;  /* 0x48 */
	uint32_t vbe_mode_info;     /* 0x4c */
	uint16_t vbe_mode;          /* 0x50 */
	uint16_t vbe_interface_seg; /* 0x52 */
	uint16_t vbe_interface_off; /* 0x54 */
	uint16_t vbe_interface_len; /* 0x56 */
} __packed;
_Static_assert(sizeof(struct mb1_info) == 88, "multiboot info");

struct mb1_module {
	uint32_t mod_start; /* 0x00 */
	uint32_t mod_end;   /* 0x04: first byte past the module */
	uint32_t string;    /* 0x08: its command line */
	uint32_t reserved;  /* 0x0c */
} __packed;
_Static_assert(sizeof(struct mb1_module) == 16, "multiboot module");

/* mmap_addr points at size, which counts the bytes after it. */
struct mb1_mmap_entry {
	uint32_t size;      /* 0x00: 20 */
	uint64_t base_addr; /* 0x04 */
	uint64_t length;    /* 0x0c */
	uint32_t type;      /* 0x14: 1 available, 2 reserved */
} __packed;
_Static_assert(sizeof(struct mb1_mmap_entry) == 24, "multiboot mmap entry");

struct guest_module {
	const void *data;
	size_t size;
	const char *cmdline; /* NULL: none */
};

struct guest_boot_params {
	const char *cmdline;            /* the guest's own command line; NULL: none */
	uint64_t mem_size;
	const struct guest_module *modules;
	unsigned int nr_modules;
	uint64_t acpi_rsdp;             /* Linux: the RSDP the hypervisor wrote; 0: none */
};

/*
 * Lays out, from guest-physical `at` (page-aligned, at least 64 KiB) upward:
 * the module copies (each page-aligned), the strings and the information
 * structure, in guest memory `mem` of mem_size bytes, all below 4 GiB.
 * Returns the guest-physical address of the information structure (the value
 * for EBX), or 0 with *err set to a message when it does not fit.
 */
uint32_t guest_mbi_build(enum guest_boot_protocol proto, void *mem, uint64_t at,
			 const struct guest_boot_params *p, const char **err);

#endif

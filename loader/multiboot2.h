/* Multiboot2 information structure layouts (Multiboot2 spec, section 3.6). */
#ifndef HV_LOADER_MULTIBOOT2_H
#define HV_LOADER_MULTIBOOT2_H

#include "lib/types.h"

#define MB2_BOOTLOADER_MAGIC 0x36d76289u

enum mb2_tag_type {
	MB2_TAG_END = 0,
	MB2_TAG_CMDLINE = 1,
	MB2_TAG_LOADER_NAME = 2,
	MB2_TAG_MODULE = 3,
	MB2_TAG_BASIC_MEMINFO = 4,
	MB2_TAG_BOOTDEV = 5,
	MB2_TAG_MMAP = 6,
	MB2_TAG_VBE = 7,
	MB2_TAG_FRAMEBUFFER = 8,
	MB2_TAG_ELF_SECTIONS = 9,
	MB2_TAG_APM = 10,
	MB2_TAG_EFI32 = 11,
	MB2_TAG_EFI64 = 12,
	MB2_TAG_SMBIOS = 13,
	MB2_TAG_ACPI_OLD = 14,
	MB2_TAG_ACPI_NEW = 15,
	MB2_TAG_NETWORK = 16,
	MB2_TAG_EFI_MMAP = 17,
	MB2_TAG_EFI_BS = 18,
	MB2_TAG_EFI32_IH = 19,
	MB2_TAG_EFI64_IH = 20,
	MB2_TAG_LOAD_BASE_ADDR = 21,
};

struct mb2_info_header {
	uint32_t total_size; /* 0x00 */
	uint32_t reserved;   /* 0x04 */
} __packed;
_Static_assert(sizeof(struct mb2_info_header) == 8, "mb2 info header");

struct mb2_tag {
	uint32_t type; /* 0x00 */
	uint32_t size; /* 0x04: header included, padding to 8 excluded */
} __packed;
_Static_assert(sizeof(struct mb2_tag) == 8, "mb2 tag");

struct mb2_tag_string {
	struct mb2_tag tag; /* 0x00 */
	char string[];      /* 0x08: NUL-terminated */
} __packed;

struct mb2_tag_module {
	struct mb2_tag tag; /* 0x00 */
	uint32_t mod_start; /* 0x08 */
	uint32_t mod_end;   /* 0x0c: first byte past the module */
	char cmdline[];     /* 0x10 */
} __packed;
_Static_assert(sizeof(struct mb2_tag_module) == 16, "mb2 module tag");

struct mb2_tag_mmap {
	struct mb2_tag tag;     /* 0x00 */
	uint32_t entry_size;    /* 0x08 */
	uint32_t entry_version; /* 0x0c */
} __packed;
_Static_assert(sizeof(struct mb2_tag_mmap) == 16, "mb2 mmap tag");

struct mb2_mmap_entry {
	uint64_t base;     /* 0x00 */
	uint64_t length;   /* 0x08 */
	uint32_t type;     /* 0x10 */
	uint32_t reserved; /* 0x14 */
} __packed;
_Static_assert(sizeof(struct mb2_mmap_entry) == 24, "mb2 mmap entry");

enum mb2_mmap_type {
	MB2_MMAP_AVAILABLE = 1,
	MB2_MMAP_RESERVED = 2,
	MB2_MMAP_ACPI_RECLAIMABLE = 3,
	MB2_MMAP_NVS = 4,
	MB2_MMAP_BADRAM = 5,
};

struct mb2_tag_efi_mmap {
	struct mb2_tag tag;         /* 0x00 */
	uint32_t descriptor_size;   /* 0x08 */
	uint32_t descriptor_version;/* 0x0c */
} __packed;
_Static_assert(sizeof(struct mb2_tag_efi_mmap) == 16, "mb2 efi mmap tag");

/* UEFI spec 2.x, EFI_MEMORY_DESCRIPTOR */
struct efi_memory_descriptor {
	uint32_t type;           /* 0x00 */
	uint32_t pad;            /* 0x04 */
	uint64_t physical_start; /* 0x08 */
	uint64_t virtual_start;  /* 0x10 */
	uint64_t number_of_pages;/* 0x18 */
	uint64_t attribute;      /* 0x20 */
} __packed;
_Static_assert(sizeof(struct efi_memory_descriptor) == 40, "efi memory descriptor");

enum efi_memory_type {
	EFI_LOADER_CODE = 1,
	EFI_LOADER_DATA = 2,
	EFI_BOOT_SERVICES_CODE = 3,
	EFI_BOOT_SERVICES_DATA = 4,
	EFI_CONVENTIONAL_MEMORY = 7,
	EFI_ACPI_RECLAIM_MEMORY = 9,
	EFI_ACPI_MEMORY_NVS = 10,
};

struct mb2_tag_framebuffer {
	struct mb2_tag tag; /* 0x00 */
	uint64_t addr;      /* 0x08 */
	uint32_t pitch;     /* 0x10 */
	uint32_t width;     /* 0x14 */
	uint32_t height;    /* 0x18 */
	uint8_t bpp;        /* 0x1c */
	uint8_t fb_type;    /* 0x1d */
	uint16_t reserved;  /* 0x1e */
} __packed;
_Static_assert(sizeof(struct mb2_tag_framebuffer) == 32, "mb2 framebuffer tag");

struct mb2_tag_efi64 {
	struct mb2_tag tag; /* 0x00 */
	uint64_t pointer;   /* 0x08 */
} __packed;
_Static_assert(sizeof(struct mb2_tag_efi64) == 16, "mb2 efi64 tag");

#endif

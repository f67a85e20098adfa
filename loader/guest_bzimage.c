/* Linux bzImage guests: the setup header and the zero page (Documentation/x86/boot.rst). */
#include "loader/guest_bzimage.h"
#include "lib/fmt.h"
#include "lib/string.h"

/* Offsets in the file and in the zero page: the setup header is at the same place in both. */
#define SETUP_SECTS       0x1f1
#define BOOT_FLAG         0x1fe /* 0xaa55 */
#define JUMP              0x200 /* its second byte + 0x202 ends the header */
#define HEADER_MAGIC      0x202 /* "HdrS" */
#define VERSION           0x206
#define TYPE_OF_LOADER    0x210
#define RAMDISK_IMAGE     0x218
#define RAMDISK_SIZE      0x21c
#define CMD_LINE_PTR      0x228
#define INITRD_ADDR_MAX   0x22c
#define RELOCATABLE       0x234
#define CMDLINE_SIZE      0x238
#define INIT_SIZE         0x260
#define HEADER_END_MIN    0x264
#define E820_ENTRIES      0x1e8
#define E820_TABLE        0x2d0
#define EXT_RAMDISK_IMAGE 0x0c0
#define EXT_RAMDISK_SIZE  0x0c4
#define ACPI_RSDP_ADDR    0x070 /* protocol 2.14 */

#define LOADER_UNDEFINED  0xff
#define E820_RAM          1
#define E820_RESERVED     2
#define LOW_RAM_END       0x9fc00 /* below: RAM for the real-mode trampoline; above: the BIOS area */

static uint32_t rd(const void *file, size_t off, size_t n)
{
	uint32_t v = 0;

	memcpy(&v, (const uint8_t *)file + off, n);
	return v;
}

bool bzimage_detect(const void *file, size_t size)
{
	return size >= HEADER_END_MIN && rd(file, BOOT_FLAG, 2) == 0xaa55 &&
	       !memcmp((const uint8_t *)file + HEADER_MAGIC, "HdrS", 4);
}

static const char *refuse(struct guest_image *img, const char *why)
{
	fmt_snprintf(img->error, sizeof(img->error), "bzImage: %s", why);
	return img->error;
}

/* setup_sects 0 means 4 (boot.rst, "The real-mode kernel header"). */
static size_t protected_mode_offset(const void *file)
{
	uint32_t sects = rd(file, SETUP_SECTS, 1);

	return ((sects ? sects : 4) + 1) * 512;
}

const char *bzimage_parse(const void *file, size_t size, uint64_t mem_size,
			  struct guest_image *img)
{
	size_t pm = protected_mode_offset(file);
	uint64_t need;

	memset(img, 0, sizeof(*img));
	if (rd(file, VERSION, 2) < LINUX_MIN_PROTOCOL)
		return refuse(img, "boot protocol older than 2.12");
	if (size <= pm)
		return refuse(img, "truncated: no protected-mode kernel after the setup sectors");
	if (!rd(file, RELOCATABLE, 1))
		return refuse(img, "the kernel is not relocatable");
	if (mem_size > LINUX_MEM_MAX)
		return refuse(img, "mem= would reach the I/O APIC at 0xfec00000 (at most 4075M)");
	need = LINUX_LOAD_ADDR + MAX((uint64_t)rd(file, INIT_SIZE, 4), (uint64_t)(size - pm));
	if (need > mem_size) {
		fmt_snprintf(img->error, sizeof(img->error),
			     "bzImage: the kernel needs %lu MiB of guest memory, mem= gives %lu",
			     (unsigned long)(ALIGN_UP(need, MiB) / MiB), (unsigned long)(mem_size / MiB));
		return img->error;
	}
	img->protocol = GUEST_BOOT_LINUX;
	img->entry = LINUX_LOAD_ADDR;
	img->segments[0] = (struct guest_segment){ LINUX_LOAD_ADDR, pm, size - pm, size - pm };
	img->nr_segments = 1;
	img->end = ALIGN_UP(need, PAGE_SIZE);
	return NULL;
}

static void wr(uint8_t *zp, size_t off, uint64_t v, size_t n)
{
	memcpy(zp + off, &v, n);
}

static void add_e820(uint8_t *zp, uint64_t addr, uint64_t len, uint32_t type)
{
	unsigned int n = zp[E820_ENTRIES];
	uint8_t *e = zp + E820_TABLE + 20 * n;

	memcpy(e, &addr, 8);
	memcpy(e + 8, &len, 8);
	memcpy(e + 16, &type, 4);
	zp[E820_ENTRIES] = (uint8_t)(n + 1);
}

/* The initrd at the top of memory (below initrd_addr_max), page-aligned, clear of the kernel. */
static const char *place_initrd(uint8_t *mem, uint8_t *zp, const struct guest_image *img,
				uint64_t mem_size, const struct guest_module *m)
{
	uint64_t top = MIN(mem_size, (uint64_t)rd(zp, INITRD_ADDR_MAX, 4) + 1);
	uint64_t at = ALIGN_DOWN(top - MIN(top, (uint64_t)m->size), PAGE_SIZE);

	if (m->size > top || at < img->end)
		return "bzImage: the initrd does not fit between the kernel and the end of memory";
	memcpy(mem + at, m->data, m->size);
	wr(zp, RAMDISK_IMAGE, (uint32_t)at, 4);
	wr(zp, RAMDISK_SIZE, (uint32_t)m->size, 4);
	wr(zp, EXT_RAMDISK_IMAGE, at >> 32, 4);
	wr(zp, EXT_RAMDISK_SIZE, (uint64_t)m->size >> 32, 4);
	return NULL;
}

uint32_t bzimage_build_zero_page(void *mem, const void *file, size_t size,
				 const struct guest_image *img, const struct guest_boot_params *bp,
				 const char **err)
{
	uint8_t *zp = (uint8_t *)mem + LINUX_ZERO_PAGE;
	size_t header_end = MIN((size_t)(0x202 + rd(file, JUMP + 1, 1)), size);
	size_t cmdline_max = MIN((size_t)rd(file, CMDLINE_SIZE, 4), (size_t)PAGE_SIZE - 1);
	const char *cmdline = bp->cmdline ? bp->cmdline : "";
	size_t len = MIN(strlen(cmdline), cmdline_max);

	memset(zp, 0, PAGE_SIZE);
	memcpy(zp + SETUP_SECTS, (const uint8_t *)file + SETUP_SECTS, header_end - SETUP_SECTS);
	zp[TYPE_OF_LOADER] = LOADER_UNDEFINED;
	add_e820(zp, 0, LOW_RAM_END, E820_RAM);
	add_e820(zp, LOW_RAM_END, 1 * MiB - LOW_RAM_END, E820_RESERVED);
	add_e820(zp, 1 * MiB, bp->mem_size - 1 * MiB, E820_RAM);
	memcpy((char *)mem + LINUX_CMDLINE, cmdline, len);
	((char *)mem)[LINUX_CMDLINE + len] = '\0';
	wr(zp, CMD_LINE_PTR, LINUX_CMDLINE, 4);
	wr(zp, ACPI_RSDP_ADDR, bp->acpi_rsdp, 8);
	*err = bp->nr_modules ? place_initrd(mem, zp, img, bp->mem_size, &bp->modules[0]) : NULL;
	return *err ? 0 : (uint32_t)LINUX_ZERO_PAGE;
}

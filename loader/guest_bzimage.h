/*
 * Linux bzImage guests (Documentation/x86/boot.rst, the 32-bit boot
 * protocol): the protected-mode kernel loaded at 16 MiB and entered in 32-bit
 * protected mode with paging off, ESI pointing at the zero page (struct
 * boot_params) that carries the e820 map, the command line and the initrd.
 * Pure logic, unit-tested on the host.
 */
#ifndef HV_LOADER_GUEST_BZIMAGE_H
#define HV_LOADER_GUEST_BZIMAGE_H

#include "loader/guest_mbi.h"

#define LINUX_LOAD_ADDR     0x1000000UL /* pref_address of every x86-64 kernel: 16 MiB */
#define LINUX_ZERO_PAGE     0x7000UL
#define LINUX_CMDLINE       0x20000UL
#define LINUX_MIN_PROTOCOL  0x020c      /* 2.12: xloadflags, init_size, pref_address */
#define LINUX_MEM_MAX       0xfec00000UL /* RAM is one range from 0: it ends below the I/O APIC */

/* The setup header's "HdrS" and boot flag: whether file is a bzImage. */
bool bzimage_detect(const void *file, size_t size);

/*
 * The protected-mode kernel as img's one segment at LINUX_LOAD_ADDR and its
 * entry (startup_32), protocol GUEST_BOOT_LINUX. Refuses (a message in
 * img->error) a truncated file, a protocol before 2.12, a kernel that is not
 * relocatable, memory reaching LINUX_MEM_MAX, and a kernel whose init_size
 * does not fit in mem_size.
 */
const char *bzimage_parse(const void *file, size_t size, uint64_t mem_size,
			  struct guest_image *img);

/*
 * Writes the zero page at LINUX_ZERO_PAGE (the setup header copied from the
 * file, the loader type, the e820 map of mem_size bytes, the command line at
 * LINUX_CMDLINE, the first module as the initrd, page-aligned at the top of
 * memory) and returns its address, or 0 with *err set.
 */
uint32_t bzimage_build_zero_page(void *mem, const void *file, size_t size,
				 const struct guest_image *img, const struct guest_boot_params *bp,
				 const char **err);

#endif

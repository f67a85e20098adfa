/* The hypervisor's own page tables: an identity map of all physical memory. */
#ifndef HV_MM_PAGING_H
#define HV_MM_PAGING_H

#include "lib/types.h"

/*
 * Maps [0, max(top, 4 GiB)) 1:1, with 1 GiB pages above 4 GiB where the CPU
 * has them and 2 MiB pages elsewhere, and switches to it. The tables sit
 * below 4 GiB so that the AP trampoline can load them from 32-bit code.
 */
bool paging_init(paddr_t top);
paddr_t paging_root(void);
bool paging_is_mapped(paddr_t pa, uint64_t len);

/* Remaps one 4 KiB MMIO page as uncacheable (e.g. the xAPIC registers). */
void paging_map_uncached(paddr_t pa);

#endif

/* Turning the firmware memory map into the list of frames the hypervisor may use. */
#ifndef HV_MM_MEMMAP_H
#define HV_MM_MEMMAP_H

#include "loader/mb2.h"

#define MEMMAP_MAX_FREE 256

struct phys_range {
	paddr_t start;
	paddr_t end; /* exclusive */
};

/*
 * Free memory: every page wholly inside an available range and outside every
 * other range of the map (firmware maps may overlap; reserved wins) and
 * outside every exclusion. Returns the number of ranges written to out,
 * sorted by address; *lost is set when out was too small.
 */
unsigned int memmap_free_ranges(const struct mem_range *map, unsigned int nr_map,
				const struct phys_range *excl, unsigned int nr_excl,
				struct phys_range *out, unsigned int max_out, bool *lost);

/* The end of the highest range of any type: what the page tables must reach. */
paddr_t memmap_top(const struct mem_range *map, unsigned int nr_map);

#endif

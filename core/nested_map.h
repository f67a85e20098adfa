/*
 * Building a partition's nested page tables (NPT or EPT): both are 4-level
 * radix trees of 512 8-byte entries; only the entry encodings differ.
 */
#ifndef HV_CORE_NESTED_MAP_H
#define HV_CORE_NESTED_MAP_H

#include "core/partition.h"

struct nested_format {
	uint64_t (*table_entry)(paddr_t table);          /* points to the next level */
	uint64_t (*leaf_entry)(paddr_t hpa, bool large); /* maps RAM, 4 KiB or 2 MiB */
	uint64_t present;                                /* bits that make an entry valid */
	uint64_t addr_mask;                              /* the next table's address */
	uint64_t writable;                               /* a leaf's write permission */
	uint64_t large;                                  /* a PDE that maps 2 MiB */
};

/*
 * Maps guest-physical [0, mem_size) to the partition's host frames, with
 * 2 MiB pages wherever guest and host addresses are both 2 MiB-aligned, and
 * sets p->nested_root.
 */
bool nested_map_partition(struct partition *p, const struct nested_format *f);

/* Maps one 4 KiB guest-physical page outside the partition's RAM (a device page). */
bool nested_map_page(struct partition *p, const struct nested_format *f, uint64_t gpa,
		     paddr_t hpa);

/*
 * Maps the 4 KiB page at gpa, inside the partition's RAM, to hpa (an overlay
 * page, or the RAM page itself again), read-only unless writable; a 2 MiB
 * page around it is split first. Other CPUs may be walking the tables: each
 * entry changes with one store. The caller flushes the vCPUs' TLBs.
 */
bool nested_remap_page(struct partition *p, const struct nested_format *f, uint64_t gpa,
		       paddr_t hpa, bool writable);

#endif

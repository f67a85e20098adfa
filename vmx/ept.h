/* Extended page tables for VMX (Intel SDM vol. 3, 28.3). */
#ifndef HV_VMX_EPT_H
#define HV_VMX_EPT_H

#include "core/partition.h"

/* Maps guest-physical [0, mem_size) to the partition's host frames; sets p->nested_root. */
bool ept_build(struct partition *p);

/* Maps the 4 KiB page at gpa to hpa (the APIC-access page). */
bool ept_map_page(struct partition *p, uint64_t gpa, paddr_t hpa);

/* Maps the RAM page at gpa to hpa, read-only unless writable (core/nested_map.h). */
bool ept_remap_page(struct partition *p, uint64_t gpa, paddr_t hpa, bool writable);

#endif

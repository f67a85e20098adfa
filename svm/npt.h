/* Nested page tables for SVM (AMD APM vol. 2, 15.25). */
#ifndef HV_SVM_NPT_H
#define HV_SVM_NPT_H

#include "core/partition.h"

/* Maps guest-physical [0, mem_size) to the partition's host frames. */
bool npt_build(struct partition *p);

/* Maps one 4 KiB page outside the partition's RAM (the AVIC APIC page). */
bool npt_map_page(struct partition *p, uint64_t gpa, paddr_t hpa);

/* Maps the RAM page at gpa to hpa, read-only unless writable (core/nested_map.h). */
bool npt_remap_page(struct partition *p, uint64_t gpa, paddr_t hpa, bool writable);

#endif

/*
 * AVIC's tables (AMD APM vol. 2, 15.29): the physical APIC ID table entry
 * of each vCPU and the logical APIC ID table, and which unaccelerated APIC
 * accesses are traps. Pure logic, unit-tested on the host: no emulator
 * here has AVIC.
 */
#ifndef HV_SVM_AVIC_TABLE_H
#define HV_SVM_AVIC_TABLE_H

#include "lib/types.h"

#define AVIC_PHYS_HOST_ID_MASK 0xffUL
#define AVIC_PHYS_BACKING_MASK 0x000ffffffffff000UL
#define AVIC_PHYS_IS_RUNNING   BIT(62)
#define AVIC_PHYS_VALID        BIT(63)
#define AVIC_LOG_VALID         BIT(31)
#define AVIC_LOGICAL_ENTRIES   512 /* 4 bytes each: one page */

/* A vCPU's entry: its backing page, the host CPU that runs it, running or not. */
uint64_t avic_physical_entry(paddr_t backing, uint8_t host_apic_id, bool running);

/*
 * The logical table index of an xAPIC LDR (bits 31:24): the bit number in
 * the flat model, cluster * 4 + bit in the cluster model; -1 when the LDR
 * names no single bit.
 */
int avic_logical_index(uint32_t ldr, bool flat);
uint32_t avic_logical_entry(uint8_t guest_apic_id);

/* Unaccelerated writes to these registers are traps (done, RIP advanced); others fault. */
bool avic_noaccel_is_trap(uint32_t offset);

#endif

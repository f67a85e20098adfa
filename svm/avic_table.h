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

/*
 * The logical table of nr vCPUs from their LDRs and DFRs (vCPU i is guest
 * physical APIC ID i): every entry invalid but those a vCPU's LDR names.
 */
void avic_logical_table_fill(uint32_t table[AVIC_LOGICAL_ENTRIES], unsigned int nr,
			     const uint32_t *ldr, const uint32_t *dfr);

/* Unaccelerated writes to these registers are traps (done, RIP advanced); others fault. */
bool avic_noaccel_is_trap(uint32_t offset);

/*
 * IsRunning of a vCPU's physical-table entry, set just before VMRUN and
 * cleared just after #VMEXIT on the vCPU's CPU (APM 15.29.4.2): a sender's
 * CPU rings the doorbell of the entry's host APIC ID while it is set.
 */
void avic_entry_set_running(uint64_t *entry, bool running);

/*
 * A sender in the hypervisor (a device interrupt, a software-delivered IPI)
 * has set the target's IRR bit in its backing page: the host APIC ID whose
 * doorbell makes the running target take it, or -1 when it does not run
 * (it sees the IRR at its next VMRUN; the caller wakes it). The entry is
 * read after the IRR write, and the target clears IsRunning before it
 * looks at its IRR, so one of the two always sees the other.
 */
int avic_doorbell_target(const uint64_t *entry);

/*
 * AVIC_INCOMPLETE_IPI (#VMEXIT 0x401, APM 15.29.5.3): the guest wrote an
 * ICR the CPU could not deliver completely. EXITINFO1 holds ICRH:ICRL,
 * EXITINFO2 the cause in bits 63:32 and, for a target not running, its
 * physical-table index in bits 7:0.
 */
enum avic_ipi_failure {
	AVIC_IPI_INVALID_INT_TYPE = 0,     /* not fixed and edge: nothing done */
	AVIC_IPI_TARGET_NOT_RUNNING = 1,   /* every target's IRR set; some did not run */
	AVIC_IPI_INVALID_TARGET = 2,       /* a destination with no valid table entry */
	AVIC_IPI_INVALID_BACKING_PAGE = 3, /* a valid entry with a bad backing page pointer */
};

struct avic_incomplete_ipi {
	uint32_t icr_lo, icr_hi;
	uint32_t cause;  /* enum avic_ipi_failure, or a value the manual does not name */
	uint8_t index;
};

struct avic_incomplete_ipi avic_decode_incomplete_ipi(uint64_t info1, uint64_t info2);

/*
 * True when the CPU has already put the vector into every target's IRR
 * (a target not running): the hypervisor must only wake those targets;
 * delivering the IPI again would deliver it twice to a target that took
 * the first meanwhile. False: the hypervisor delivers the whole IPI itself.
 */
bool avic_ipi_irr_done(const struct avic_incomplete_ipi *ipi);

/*
 * AMD erratum 1235 (family 17h, and Hygon's family 18h built from it): the
 * CPU's IPI virtualization may miss that IsRunning was cleared, and the
 * sender's doorbell then goes to a CPU that no longer runs the target: the
 * IPI is lost. There IsRunning is never set, so that every IPI takes the
 * incomplete-IPI exit and the hypervisor wakes its targets. From CPUID 0's
 * vendor string and CPUID 1's EAX.
 */
bool avic_erratum_1235(const char vendor[12], uint32_t cpuid1_eax);

#endif

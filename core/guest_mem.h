/* Access to a guest's memory by guest-physical and guest-virtual address. */
#ifndef HV_CORE_GUEST_MEM_H
#define HV_CORE_GUEST_MEM_H

#include "core/partition.h"

/* False when any byte of [gpa, gpa + len) is outside the guest's RAM. */
bool gpa_read(const struct partition *p, uint64_t gpa, void *buf, size_t len);
bool gpa_write(struct partition *p, uint64_t gpa, const void *buf, size_t len);

/*
 * Walks the guest's own page tables (none, 32-bit, PAE or 4-level, as its
 * CR0/CR4/EFER say); false when the address is not mapped.
 */
bool gva_to_gpa(const struct vcpu *v, const struct vcpu_control_regs *c, uint64_t gva,
		uint64_t *gpa);

/* Reads guest-virtual memory, page by page; false at the first unmapped page. */
bool gva_read(const struct vcpu *v, const struct vcpu_control_regs *c, uint64_t gva,
	      void *buf, size_t len);

bool gva_write(const struct vcpu *v, const struct vcpu_control_regs *c, uint64_t gva,
	       const void *buf, size_t len);

#endif

/*
 * XCR0, the extended-state feature mask (Intel SDM vol. 1, 13.3): the host
 * lets XSETBV work, and a guest's XSETBV that exits (VMX always does) is
 * checked and carried out. The hypervisor itself uses no extended state, so
 * the guest's XCR0 simply stays loaded on the CPU its vCPU owns.
 */
#ifndef HV_CORE_XCR_H
#define HV_CORE_XCR_H

#include "core/types.h"

/* CR4.OSXSAVE on this CPU when it has XSAVE: XSETBV works in the host. */
void xcr_enable_host(void);

/* Whether value is an XCR0 the CPU accepts: x87 on, AVX with SSE, AVX-512 whole, nothing it lacks. */
bool xcr0_valid(uint64_t value);

static inline void xsetbv(uint32_t xcr, uint64_t value)
{
	asm volatile("xsetbv" ::"c"(xcr), "a"((uint32_t)value), "d"((uint32_t)(value >> 32)));
}

#endif

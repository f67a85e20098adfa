/*
 * The INIT, SIPI and NMI a vCPU is sent wait as bits of its pending_events
 * until its own CPU takes them (core/guest_apic.c). These rules keep what
 * their order means although the bits do not record it (Intel SDM vol. 3,
 * 9.4.4 and 11.6.1). Pure logic.
 */
#ifndef HV_CORE_VCPU_EVENTS_H
#define HV_CORE_VCPU_EVENTS_H

#include "core/vcpu.h"

/* An INIT drops a SIPI that came before it: the reset undoes what that SIPI would start. */
static inline uint32_t vcpu_events_with_init(uint32_t pending)
{
	return (pending & ~VCPU_SIPI_MASK) | VCPU_PENDING_INIT;
}

/*
 * Of the SIPIs that wait together the first is the one taken: a processor
 * waiting for SIPI starts on it, and is running when the next one comes.
 */
static inline uint32_t vcpu_events_with_sipi(uint32_t pending, uint8_t vector)
{
	if (pending & VCPU_PENDING_SIPI)
		return pending;
	return pending | VCPU_PENDING_SIPI | (uint32_t)vector << VCPU_SIPI_VECTOR_SHIFT;
}

static inline uint8_t vcpu_events_sipi_vector(uint32_t pending)
{
	return (uint8_t)(pending >> VCPU_SIPI_VECTOR_SHIFT);
}

/*
 * An NMI is for the code that ran when it came: not one that came with an
 * INIT (the reset), nor one that came while the vCPU waited for its SIPI,
 * which alone ends that wait; a vCPU halted with interrupts off takes it.
 */
static inline bool vcpu_events_nmi_taken(enum vcpu_state state, uint32_t pending)
{
	return (pending & VCPU_PENDING_NMI) && !(pending & VCPU_PENDING_INIT) &&
	       (state == VCPU_RUNNING || state == VCPU_PARKED);
}

#endif

/*
 * Enlightenments: the interface a guest sees besides the architecture, today
 * Hyper-V's (synic/). Core and the CPU model reach it only through this table,
 * which boot/ registers; with none registered a guest sees a plain CPU.
 *
 * The SynIC's coupling to the local APIC is all here, and used in one file,
 * core/guest_apic.c: the EOI hook (the next pending message is delivered when
 * a SINT's vector is retired), the vectors that must be in the EOI-exit bitmap
 * under APICv so that the hypervisor sees those EOIs, and whether the CPU's APIC
 * acceleration stays on (auto-EOI vectors are injected by the hypervisor, never
 * posted: vlapic_accept_auto_eoi()).
 */
#ifndef HV_CORE_ENLIGHTENMENT_H
#define HV_CORE_ENLIGHTENMENT_H

#include "core/vcpu.h"
#include "lib/x86.h"

struct enlightenment {
	/* On the vCPU's CPU before each entry and while it waits in HLT: deliver what is due. */
	void (*before_entry)(struct vcpu *v);
	/* The TSC at which its earliest timer is due, 0 when none is armed. */
	uint64_t (*timer_deadline)(const struct vcpu *v);
	/* On v's CPU: v's TSC offset changed (core/guest_tsc.c). */
	void (*tsc_moved)(struct vcpu *v);
	/* The guest retired vector (EOI write or EOI-induced exit). */
	void (*eoi)(struct vcpu *v, uint8_t vector);
	/* The vectors whose EOI it must see (256 bits): they go into the EOI-exit bitmap. */
	const uint64_t *(*eoi_vectors)(const struct vcpu *v);
	/*
	 * APIC assist, with the software APIC: offer the guest to skip the EOI
	 * of the vector just injected (true: offered, in its memory); at the
	 * next exit, withdraw the offer (true: the guest took it, skipping its
	 * EOI, which is then the hypervisor's to do).
	 */
	bool (*eoi_assist_offer)(struct vcpu *v);
	bool (*eoi_assist_taken)(struct vcpu *v);
	/* Whether v's APIC acceleration should be on now (the interrupt policy). */
	bool (*wants_apic_acceleration)(const struct vcpu *v);

	/* The local-APIC register (its xAPIC offset) one of its MSRs stands for, 0: none. */
	uint32_t (*apic_msr_offset)(uint32_t msr);

	/* CPUID leaves 0x40000000-0x4000000f. */
	void (*cpuid)(const struct vcpu *v, uint32_t leaf, struct cpuid_regs *r);
	/* Its MSRs; reads and writes return false for #GP. */
	bool (*is_msr)(uint32_t msr);
	bool (*msr_read)(struct vcpu *v, uint32_t msr, uint64_t *val);
	bool (*msr_write)(struct vcpu *v, uint32_t msr, uint64_t val);
	/* A guest write to guest RAM that faulted in the nested tables: true if it hit a read-only page it shows there. */
	bool (*is_overlay)(const struct partition *p, uint64_t gpa);
};

extern const struct enlightenment *enlightenment;

#endif

/*
 * Each vCPU's virtual local APIC (apic/) wired into the partition and the
 * exit path: IPIs between vCPUs, INIT/SIPI, the timer, and delivery of the
 * highest pending interrupt at VM entry when no acceleration does it.
 */
#ifndef HV_CORE_GUEST_APIC_H
#define HV_CORE_GUEST_APIC_H

#include "core/partition.h"

/* Gives the vCPU its APIC (a register page from the frame allocator). */
bool guest_apic_init_vcpu(struct vcpu *v);
void guest_apic_init_partition(struct partition *p);

/* Makes v's CPU look at v again: an IPI when it is another CPU. */
void vcpu_kick(struct vcpu *v);
/* Posts enum vcpu_pending_event bits for v's CPU to take before the next entry. */
void vcpu_post_event(struct vcpu *v, uint32_t event);

/* Runs fn(v, arg) on v's CPU outside the guest and waits; false after timeout_us. */
bool vcpu_call(struct vcpu *v, void (*fn)(struct vcpu *v, void *arg), void *arg,
	       uint64_t timeout_us);
/* On v's CPU while v does not run: a call posted for it. */
void vcpu_take_call(struct vcpu *v);

/*
 * Drops the guest-linear mappings the CPUs cache for each vCPU of vps (bit
 * = vCPU index) but self: those outside the guest flush before they enter
 * it, those in it are made to exit and waited for (a remote TLB flush: on
 * return none of them uses a stale translation). self flushes at its next
 * entry, which comes before it runs guest code again.
 */
void vcpu_flush_guest_tlbs(struct partition *p, uint64_t vps, struct vcpu *self);
/*
 * Last thing before entry, interrupts off: the vCPU is in the guest from
 * here on for vcpu_flush_guest_tlbs(), and takes a flush posted meanwhile.
 */
void guest_apic_flush_before_entry(struct vcpu *v);

/* On the vCPU's own CPU, before each entry: events, timer, interrupt injection. */
void guest_apic_before_entry(struct vcpu *v);
/* After each exit, before its handler: the EOI the guest skipped (APIC assist), done. */
void guest_apic_after_exit(struct vcpu *v);

/* Whether the idle CPU of a vCPU has something to run it for. */
bool guest_apic_vcpu_wants_cpu(const struct vcpu *v);

/* HLT with interrupts enabled: sleep until an interrupt or event is pending. */
void guest_apic_wait_for_interrupt(struct vcpu *v);

/* Whether gpa is in v's xAPIC page (devices/devices.c emulates its accesses). */
bool guest_apic_is_mmio(const struct vcpu *v, uint64_t gpa);

/* IA32_APIC_BASE writes: false = #GP; a mode change reaches the backend. */
bool guest_apic_set_base(struct vcpu *v, uint64_t val);

/*
 * IA32_TSC_DEADLINE written with val, a time on v's TSC; after v's TSC
 * moved (core/guest_tsc.c), the deadline set is due at another host TSC.
 */
void guest_apic_tsc_deadline_write(struct vcpu *v, uint64_t val);
void guest_apic_tsc_moved(struct vcpu *v);

/* APICv's exit after the guest retired a vector of the EOI-exit bitmap. */
void guest_apic_eoi_induced(struct vcpu *v, const struct exit_event *e);

/* APICv's trap after a guest write to an APIC register. */
void guest_apic_write_trap(struct vcpu *v, const struct exit_event *e);

/* AVIC's ICR write that reached every target's IRR: its targets woken, none given it again. */
void guest_apic_wake_ipi_targets(struct vcpu *v);

#endif

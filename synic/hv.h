/*
 * The Hyper-V interface (TLFS) a guest sees, as core/ routes to it: the CPUID
 * leaves, the synthetic MSRs, the hypercalls, and the SynIC's share of the
 * vCPU loop (delivery before entry, acknowledge on EOI).
 */
#ifndef HV_SYNIC_HV_H
#define HV_SYNIC_HV_H

#include "core/enlightenment.h"
#include "core/partition.h"
#include "synic/apic_policy.h"
#include "synic/hv_state.h"
#include "lib/x86.h"

/* What core/ and cpumodel/ call (boot/ registers it). */
extern const struct enlightenment hv_enlightenment;

/* vmbus_host: the hypervisor answers the guest's VMBus control channel (a Linux guest, whose DSDT has the device). */
bool hv_partition_init(struct partition *p, bool vmbus_host);
bool hv_vcpu_init(struct vcpu *v);
/* The reference clock starts and the reference TSC page is made (hv_partition_init). */
bool hv_time_init(struct partition *p);
/* On the vCPU's CPU: expires the synthetic timers that are due. */
void hv_vcpu_poll_timers(struct vcpu *v);

/* The 4 KiB page at gpa in the guest's RAM, or NULL when it is not all RAM. */
void *hv_guest_page(const struct partition *p, uint64_t gpa);

/*
 * The interrupt policy (apic-policy= on the hypervisor's command line):
 * whether v's APIC acceleration should be on now, given its SynIC.
 */
void hv_set_apic_policy(enum apic_policy policy);
bool hv_wants_apic_acceleration(const struct vcpu *v);
/* After a SynIC MSR write: the vCPUs whose answer may have changed look again. */
void hv_policy_synic_changed(struct vcpu *v, bool used_auto_eoi);
bool hv_vcpu_uses_auto_eoi(const struct vcpu *v);
bool hv_policy_keeps_acceleration(void);

/* CPUID 0x40000000-0x4000000f */
void hv_cpuid(const struct vcpu *v, uint32_t leaf, struct cpuid_regs *r);
/* The synthetic MSRs implemented; reads and writes return false for #GP. */
bool hv_is_msr(uint32_t msr);
bool hv_msr_read(struct vcpu *v, uint32_t msr, uint64_t *val);
bool hv_msr_write(struct vcpu *v, uint32_t msr, uint64_t val);

/* The synthetic APIC MSRs and the VP assist page (synic/hv_apic.c); false: #GP. */
bool hv_apic_is_msr(uint32_t msr);
bool hv_apic_msr_read(struct vcpu *v, uint32_t msr, uint64_t *val);
bool hv_apic_msr_write(struct vcpu *v, uint32_t msr, uint64_t val);
uint32_t hv_apic_msr_offset(uint32_t msr);
bool hv_apic_assist_offer(struct vcpu *v);
bool hv_apic_assist_taken(struct vcpu *v);

/* The guest crash MSRs (synic/hv_crash.c): CrashNotify reports the crash and ends the guest. */
bool hv_crash_is_msr(uint32_t msr);
bool hv_crash_msr_read(struct vcpu *v, uint32_t msr, uint64_t *val);
bool hv_crash_msr_write(struct vcpu *v, uint32_t msr, uint64_t val);

/* VMCALL/VMMCALL */
void hv_hypercall(struct vcpu *v, const struct exit_event *e);

/* Moves, shows or hides an overlay page as its MSR says; false: #GP. p->hv->lock is held. */
bool hv_overlay_write(struct partition *p, struct hv_overlay *ov, uint64_t val);
/* A guest write that faulted in the nested tables: true if it hit an overlay (#GP). */
bool hv_is_overlay(const struct partition *p, uint64_t gpa);

/* The reference time now, and TIME_REF_COUNT (the same, never going back across vCPUs). */
uint64_t hv_ref_time(const struct partition *p);
uint64_t hv_ref_count(struct partition *p);

/* A synthetic timer MSR write (false: #GP); the guest acknowledged the SINTs of sint_mask. */
bool hv_vcpu_stimer_write(struct vcpu *v, uint32_t msr, uint64_t val);
void hv_vcpu_sints_acked(struct vcpu *v, uint32_t sint_mask);
/* The TSC at which the vCPU's earliest synthetic timer is due, 0 when none is armed. */
uint64_t hv_vcpu_timer_deadline(const struct vcpu *v);
/* The vCPU's TSC offset changed: the reference TSC page follows. */
void hv_vcpu_tsc_moved(struct vcpu *v);

/* On the vCPU's CPU before each entry, and while it waits in HLT. */
void hv_vcpu_before_entry(struct vcpu *v);
/* The guest retired vector (EOI write or EOI-induced exit). */
void hv_vcpu_eoi(struct vcpu *v, uint8_t vector);
/* The vectors whose EOI the SynIC must see (256 bits). */
const uint64_t *hv_vcpu_eoi_vectors(const struct vcpu *v);

#endif

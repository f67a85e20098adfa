/*
 * The interrupt policy (apic-policy= on the hypervisor's command line):
 * whether the CPU's APIC acceleration stays on with SynIC (synic/hv_policy.c).
 */
#ifndef HV_SYNIC_APIC_POLICY_H
#define HV_SYNIC_APIC_POLICY_H

/* The benchmarks compare them. */
enum apic_policy {
	APIC_POLICY_OURS, /* on; auto-EOI vectors injected by the hypervisor */
	APIC_POLICY_KVM,  /* off for the partition while any SINT uses auto-EOI (KVM today) */
	APIC_POLICY_SEED, /* off for a vCPU once its SynIC is on (KVM's first SynIC) */
	APIC_POLICY_NONE, /* off */
};

#endif

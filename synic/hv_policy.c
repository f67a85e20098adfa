/*
 * The interrupt policies the benchmarks compare (apic-policy=): ours keeps
 * APICv or AVIC on with SynIC and injects auto-EOI vectors itself; KVM today
 * turns acceleration off for the whole VM while any SINT uses auto-EOI; the
 * seed (Linux 4.5) turned it off for a vCPU once its SynIC was on; none
 * never uses it. The switch itself is guest_apic.c's, on each vCPU's CPU.
 */
#include "synic/hv.h"
#include "core/guest_apic.h"

static enum apic_policy policy;

void hv_set_apic_policy(enum apic_policy p)
{
	policy = p;
}

/* Whether a vCPU that uses SynIC without auto-EOI keeps its APIC acceleration. */
bool hv_policy_keeps_acceleration(void)
{
	return policy == APIC_POLICY_OURS || policy == APIC_POLICY_KVM;
}

bool hv_vcpu_uses_auto_eoi(const struct vcpu *v)
{
	const uint64_t *m = v->hv->synic.auto_eoi;

	return m[0] | m[1] | m[2] | m[3];
}

bool hv_wants_apic_acceleration(const struct vcpu *v)
{
	switch (policy) {
	case APIC_POLICY_KVM:
		return !__atomic_load_n(&v->partition->hv->auto_eoi_users, __ATOMIC_ACQUIRE);
	case APIC_POLICY_SEED:
		return !(v->hv->synic.scontrol & 1);
	case APIC_POLICY_NONE:
		return false;
	default:
		return true;
	}
}

/* KVM's inhibit is the partition's: every vCPU looks again when one starts or stops using auto-EOI. */
void hv_policy_synic_changed(struct vcpu *v, bool used_auto_eoi)
{
	struct partition *p = v->partition;
	bool uses = hv_vcpu_uses_auto_eoi(v);

	if (uses != used_auto_eoi)
		__atomic_add_fetch(&p->hv->auto_eoi_users, uses ? 1 : -1, __ATOMIC_RELEASE);
	if (policy == APIC_POLICY_SEED)
		vcpu_post_event(v, VCPU_PENDING_POLICY);
	if (policy == APIC_POLICY_KVM && uses != used_auto_eoi)
		for (unsigned int i = 0; i < p->nr_vcpus; i++)
			vcpu_post_event(p->vcpus[i], VCPU_PENDING_POLICY);
}

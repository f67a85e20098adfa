/*
 * The synthetic MSRs (TLFS appendix "Hypervisor Synthetic MSRs"), routed:
 * the partition-wide GUEST_OS_ID, HYPERCALL and reference time, the per-vCPU
 * VP_INDEX, and the SynIC's, synthetic timers', APIC's and crash MSRs, which
 * synic.c, stimer.c, hv_apic.c and hv_crash.c keep.
 */
#include "synic/hv.h"
#include "console/log.h"
#include "synic/ref_clock.h"

bool hv_is_msr(uint32_t msr)
{
	switch (msr) {
	case HV_MSR_GUEST_OS_ID:
	case HV_MSR_HYPERCALL:
	case HV_MSR_VP_INDEX:
	case HV_MSR_TIME_REF_COUNT:
	case HV_MSR_REFERENCE_TSC:
	case HV_MSR_TSC_FREQUENCY:
	case HV_MSR_APIC_FREQUENCY:
		return true;
	}
	return synic_is_msr(msr) || stimer_is_msr(msr) || hv_apic_is_msr(msr) ||
	       hv_crash_is_msr(msr);
}

static bool read_partition_msr(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	struct partition *p = v->partition;

	switch (msr) {
	case HV_MSR_GUEST_OS_ID:
		*val = __atomic_load_n(&p->hv->guest_os_id, __ATOMIC_RELAXED);
		return true;
	case HV_MSR_HYPERCALL:
		*val = __atomic_load_n(&p->hv->hypercall.msr.raw, __ATOMIC_RELAXED);
		return true;
	case HV_MSR_REFERENCE_TSC:
		*val = __atomic_load_n(&p->hv->tsc_page.msr.raw, __ATOMIC_RELAXED);
		return true;
	case HV_MSR_TIME_REF_COUNT:
		*val = hv_ref_count(p);
		return true;
	case HV_MSR_TSC_FREQUENCY:
		*val = p->apic_group.tsc_khz * 1000;
		return true;
	case HV_MSR_APIC_FREQUENCY:
		*val = p->apic_group.timer_khz * 1000;
		return true;
	}
	return false;
}

bool hv_msr_read(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	if (msr == HV_MSR_VP_INDEX) {
		*val = v->index;
		return true;
	}
	if (synic_is_msr(msr))
		return synic_msr_read(&v->hv->synic, msr, val);
	if (stimer_is_msr(msr))
		return stimer_msr_read(&v->hv->stimers, msr, val);
	if (hv_apic_is_msr(msr))
		return hv_apic_msr_read(v, msr, val);
	if (hv_crash_is_msr(msr))
		return hv_crash_msr_read(v, msr, val);
	return read_partition_msr(v, msr, val);
}

/*
 * Enable stays clear while GUEST_OS_ID is 0 (TLFS, "Establishing the
 * Hypercall Interface"). The Locked bit is not offered (CPUID
 * 0x40000003.EDX[18]), so it is kept as written and means nothing.
 */
static bool write_hypercall(struct partition *p, uint64_t val)
{
	union hv_page_msr new = { .raw = val };

	if (!p->hv->guest_os_id)
		new.enable = 0;
	return hv_overlay_write(p, &p->hv->hypercall, new.raw);
}

/* Writing 0 takes the hypercall page away again (TLFS, "Reporting the Guest OS Identity"). */
static bool write_guest_os_id(struct partition *p, uint64_t val)
{
	union hv_page_msr off = p->hv->hypercall.msr;

	__atomic_store_n(&p->hv->guest_os_id, val, __ATOMIC_RELAXED);
	off.enable = 0;
	return val || hv_overlay_write(p, &p->hv->hypercall, off.raw);
}

static bool write_partition_msr(struct partition *p, uint32_t msr, uint64_t val)
{
	bool ok = false;

	spin_lock(&p->hv->lock);
	if (msr == HV_MSR_GUEST_OS_ID)
		ok = write_guest_os_id(p, val);
	else if (msr == HV_MSR_HYPERCALL)
		ok = write_hypercall(p, val);
	else if (msr == HV_MSR_REFERENCE_TSC)
		ok = hv_overlay_write(p, &p->hv->tsc_page, val);
	spin_unlock(&p->hv->lock);
	return ok; /* the counter, the frequencies and VP_INDEX are read-only: #GP */
}

/* Says when a vCPU turns its SynIC on, and whether APIC acceleration stays with it. */
static void log_synic_enabled(struct vcpu *v, bool was_on)
{
	const char *apic = !v->apic_accelerated ? "software APIC"
			   : hv_wants_apic_acceleration(v) ? "APIC acceleration stays on"
							  : "APIC acceleration goes (interrupt policy)";

	if (!was_on && (v->hv->synic.scontrol & 1))
		log_info("guest %s vcpu %u: SynIC enabled, %s", v->partition->name, v->index, apic);
}

static bool write_synic_msr(struct vcpu *v, uint32_t msr, uint64_t val)
{
	bool was_on = v->hv->synic.scontrol & 1, used_auto_eoi = hv_vcpu_uses_auto_eoi(v);

	if (!synic_msr_write(&v->hv->synic, msr, val))
		return false;
	log_synic_enabled(v, was_on);
	hv_policy_synic_changed(v, used_auto_eoi);
	if (msr == HV_MSR_EOM || msr == HV_MSR_SIMP || msr == HV_MSR_SCONTROL)
		hv_vcpu_sints_acked(v, (1u << HV_SINT_COUNT) - 1);
	return true;
}

bool hv_msr_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
	if (synic_is_msr(msr))
		return write_synic_msr(v, msr, val);
	if (stimer_is_msr(msr))
		return hv_vcpu_stimer_write(v, msr, val);
	if (hv_apic_is_msr(msr))
		return hv_apic_msr_write(v, msr, val);
	if (hv_crash_is_msr(msr))
		return hv_crash_msr_write(v, msr, val);
	return write_partition_msr(v->partition, msr, val);
}

/*
 * The synthetic MSRs (TLFS appendix "Hypervisor Synthetic MSRs"): the
 * partition-wide GUEST_OS_ID and HYPERCALL, the per-vCPU VP_INDEX, and the
 * SynIC's, which synic.c keeps.
 */
#include "synic/hv.h"
#include "core/backend.h"
#include "core/guest_apic.h"
#include "core/log.h"

#define RAM_PAGE(p, gpa) ((p)->mem_hpa + (gpa))

bool hv_is_msr(uint32_t msr)
{
	return msr == HV_MSR_GUEST_OS_ID || msr == HV_MSR_HYPERCALL || msr == HV_MSR_VP_INDEX ||
	       synic_is_msr(msr);
}

bool hv_msr_read(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	struct hv_partition *h = &v->partition->hv;

	switch (msr) {
	case HV_MSR_GUEST_OS_ID:
		*val = __atomic_load_n(&h->guest_os_id, __ATOMIC_RELAXED);
		return true;
	case HV_MSR_HYPERCALL:
		*val = __atomic_load_n(&h->hypercall.raw, __ATOMIC_RELAXED);
		return true;
	case HV_MSR_VP_INDEX:
		*val = v->index;
		return true;
	}
	return synic_msr_read(&v->hv.synic, msr, val);
}

/* Every vCPU drops its cached translations before it next runs. */
static void flush_partition(struct partition *p)
{
	for (unsigned int i = 0; i < p->nr_vcpus; i++)
		vcpu_post_event(p->vcpus[i], VCPU_PENDING_FLUSH);
}

/*
 * The hypercall page is an overlay (TLFS, "Establishing the Hypercall
 * Interface"): the guest's RAM page under it comes back unchanged when it
 * moves or goes; the guest may read and execute it, and a write #GPs
 * (vcpu.c). h->lock is held.
 */
static bool move_hypercall_page(struct partition *p, union hv_page_msr old,
				union hv_page_msr new)
{
	uint64_t old_gpa = (uint64_t)old.pfn << PAGE_SHIFT, new_gpa = (uint64_t)new.pfn << PAGE_SHIFT;
	bool ok = true;

	if (old.enable == new.enable && (!new.enable || old.pfn == new.pfn))
		return true;
	if (old.enable)
		ok = backend->partition_remap_page(p, old_gpa, RAM_PAGE(p, old_gpa), true);
	if (ok && new.enable)
		ok = backend->partition_remap_page(p, new_gpa, p->hv.hypercall_page, false);
	flush_partition(p);
	return ok;
}

/*
 * Enable stays clear while GUEST_OS_ID is 0 (same section); a page outside the
 * guest's RAM #GPs. The Locked bit is not offered (CPUID 0x40000003.EDX[18]),
 * so it is kept as written and means nothing.
 */
static bool write_hypercall(struct partition *p, uint64_t val)
{
	struct hv_partition *h = &p->hv;
	union hv_page_msr new = { .raw = val };
	bool ok;

	spin_lock(&h->lock);
	if (!h->guest_os_id)
		new.enable = 0;
	ok = !new.enable || hv_guest_page(p, (uint64_t)new.pfn << PAGE_SHIFT);
	ok = ok && move_hypercall_page(p, h->hypercall, new);
	if (ok)
		__atomic_store_n(&h->hypercall.raw, new.raw, __ATOMIC_RELAXED);
	spin_unlock(&h->lock);
	return ok;
}

/* Writing 0 takes the hypercall page away again (TLFS, "Reporting the Guest OS Identity"). */
static bool write_guest_os_id(struct partition *p, uint64_t val)
{
	struct hv_partition *h = &p->hv;
	union hv_page_msr off;
	bool ok = true;

	spin_lock(&h->lock);
	__atomic_store_n(&h->guest_os_id, val, __ATOMIC_RELAXED);
	off = h->hypercall;
	off.enable = 0;
	if (!val && h->hypercall.enable) {
		ok = move_hypercall_page(p, h->hypercall, off);
		if (ok)
			__atomic_store_n(&h->hypercall.raw, off.raw, __ATOMIC_RELAXED);
	}
	spin_unlock(&h->lock);
	return ok;
}

/* Says when a vCPU turns its SynIC on, and that APIC acceleration stays with it. */
static bool write_scontrol(struct vcpu *v, uint64_t val)
{
	bool was_on = v->hv.synic.scontrol & 1;

	synic_msr_write(&v->hv.synic, HV_MSR_SCONTROL, val);
	if (!was_on && (val & 1))
		log_info("guest %s vcpu %u: SynIC enabled, %s", v->partition->name, v->index,
			 v->apic_accelerated ? "APIC acceleration stays on" : "software APIC");
	return true;
}

bool hv_msr_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
	switch (msr) {
	case HV_MSR_SCONTROL:
		return write_scontrol(v, val);
	case HV_MSR_GUEST_OS_ID:
		return write_guest_os_id(v->partition, val);
	case HV_MSR_HYPERCALL:
		return write_hypercall(v->partition, val);
	case HV_MSR_VP_INDEX:
		return false; /* read-only (TLFS, "Virtual Processor Index") */
	}
	return synic_msr_write(&v->hv.synic, msr, val);
}

bool hv_is_overlay(const struct partition *p, uint64_t gpa)
{
	union hv_page_msr h = { .raw = __atomic_load_n(&p->hv.hypercall.raw, __ATOMIC_RELAXED) };

	return h.enable && (gpa >> PAGE_SHIFT) == h.pfn;
}

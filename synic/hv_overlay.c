/*
 * Overlay pages (TLFS, "GPA Overlay Pages"): the hypercall page and the
 * reference TSC page are the hypervisor's pages, mapped read-only and
 * executable in the nested page tables over a page of the guest's RAM, which
 * comes back unchanged when the overlay moves or goes. A guest write #GPs.
 */
#include "synic/hv.h"
#include "core/backend.h"
#include "core/guest_apic.h"

static paddr_t ram_page(const struct partition *p, uint64_t gpa) { return p->mem_hpa + gpa; }
static uint64_t gpa_of(union hv_page_msr m) { return (uint64_t)m.pfn << PAGE_SHIFT; }

/* Every vCPU drops its cached translations before it next runs. */
static void flush_partition(struct partition *p)
{
	for (unsigned int i = 0; i < p->nr_vcpus; i++)
		vcpu_post_event(p->vcpus[i], VCPU_PENDING_FLUSH);
}

static bool remap(struct partition *p, struct hv_overlay *ov, union hv_page_msr new)
{
	union hv_page_msr old = ov->msr;
	bool ok = true;

	if (old.enable == new.enable && (!new.enable || old.pfn == new.pfn))
		return true;
	if (old.enable)
		ok = backend->partition_remap_page(p, gpa_of(old), ram_page(p, gpa_of(old)), true);
	if (ok && new.enable)
		ok = backend->partition_remap_page(p, gpa_of(new), ov->page, false);
	flush_partition(p);
	return ok;
}

/* A page outside the guest's RAM #GPs (false); the rest of the MSR is kept as written. */
bool hv_overlay_write(struct partition *p, struct hv_overlay *ov, uint64_t val)
{
	union hv_page_msr new = { .raw = val };

	if (new.enable && !hv_guest_page(p, gpa_of(new)))
		return false;
	if (!remap(p, ov, new))
		return false;
	__atomic_store_n(&ov->msr.raw, new.raw, __ATOMIC_RELAXED);
	return true;
}

static bool covers(const struct hv_overlay *ov, uint64_t gpa)
{
	union hv_page_msr m = { .raw = __atomic_load_n(&ov->msr.raw, __ATOMIC_RELAXED) };

	return m.enable && (gpa >> PAGE_SHIFT) == m.pfn;
}

bool hv_is_overlay(const struct partition *p, uint64_t gpa)
{
	return covers(&p->hv->hypercall, gpa) || covers(&p->hv->tsc_page, gpa);
}

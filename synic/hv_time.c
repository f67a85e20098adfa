/*
 * Time for a partition (TLFS, "Timers"): the reference counter, the reference
 * TSC page, and the synthetic timers of each vCPU driven by the host timer of
 * its CPU (core/ arms it at hv_vcpu_timer_deadline()).
 */
#include "synic/hv.h"
#include "host/cpu_features.h"
#include "mm/frames.h"
#include "host/percpu.h"
#include "host/tsc.h"
#include "synic/ref_clock.h"

uint64_t hv_ref_time(const struct partition *p)
{
	return ref_clock_at(&p->hv->clock, rdtsc());
}

/* TIME_REF_COUNT never goes back, even between vCPUs whose TSCs differ a little. */
uint64_t hv_ref_count(struct partition *p)
{
	uint64_t now = hv_ref_time(p);
	uint64_t last = __atomic_load_n(&p->hv->clock.last, __ATOMIC_RELAXED);

	while (now > last && !__atomic_compare_exchange_n(&p->hv->clock.last, &last, now, false,
							  __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
	return MAX(now, last);
}

/* Counting from 0 now; the TSC page is valid only with an invariant TSC. */
bool hv_time_init(struct partition *p)
{
	paddr_t page = frames_alloc_zeroed(1, 1, FRAMES_NO_LIMIT);

	if (!page)
		return false;
	ref_clock_init(&p->hv->clock, tsc_khz(), rdtsc(),
		       cpu_has(&this_cpu()->features, FEAT_INVARIANT_TSC));
	ref_clock_fill_page(&p->hv->clock, phys_to_virt(page), 0, true);
	p->hv->tsc_page.page = page;
	return true;
}

/*
 * A vCPU's TSC moved (IA32_TSC or IA32_TSC_ADJUST written): the page keeps
 * the reference time for the TSC the vCPUs now share, or, while their TSCs
 * differ, is marked not valid so that they read TIME_REF_COUNT instead. The
 * reference time itself is the partition's and does not move.
 */
void hv_vcpu_tsc_moved(struct vcpu *v)
{
	struct partition *p = v->partition;
	uint64_t flags = spin_lock_irqsave(&p->hv->lock);
	uint64_t offset = p->vcpus[0]->msrs.tsc_offset;
	bool same = true;

	for (unsigned int i = 1; i < p->nr_vcpus; i++)
		same &= __atomic_load_n(&p->vcpus[i]->msrs.tsc_offset, __ATOMIC_RELAXED) == offset;
	ref_clock_fill_page(&p->hv->clock, phys_to_virt(p->hv->tsc_page.page), offset, same);
	spin_unlock_irqrestore(&p->hv->lock, flags);
}

static void update_deadline(struct vcpu *v)
{
	uint64_t next = stimer_next_expiration(&v->hv->stimers);

	v->hv->stimer_tsc = next ? ref_clock_tsc_for(&v->partition->hv->clock, tsc_khz(), next) : 0;
}

bool hv_vcpu_stimer_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
	if (!stimer_msr_write(&v->hv->stimers, msr, val, hv_ref_time(v->partition)))
		return false;
	update_deadline(v);
	return true;
}

void hv_vcpu_sints_acked(struct vcpu *v, uint32_t sint_mask)
{
	if (sint_mask)
		stimer_sints_acked(&v->hv->stimers, sint_mask, hv_ref_time(v->partition));
}

uint64_t hv_vcpu_timer_deadline(const struct vcpu *v)
{
	return v->hv->stimer_tsc;
}

/* Before entry: the timers that are due expire (a TSC compare when none is). */
void hv_vcpu_poll_timers(struct vcpu *v)
{
	if (!v->hv->stimer_tsc || rdtsc() < v->hv->stimer_tsc)
		return;
	stimer_poll(&v->hv->stimers, hv_ref_time(v->partition));
	update_deadline(v);
}

/*
 * The synthetic APIC MSRs and the VP assist page (TLFS, "Virtual Processor
 * Assist Page" and "Synthetic APIC MSRs"; privilege AccessApicMsrs):
 * HV_X64_MSR_EOI, _ICR and _TPR reach the local APIC's EOI, ICR and TPR in
 * either APIC mode, an MSR exit instead of the xAPIC page's decoded MMIO;
 * HV_X64_MSR_VP_ASSIST_PAGE names a page of the guest's RAM, each vCPU its
 * own. Its first word is the APIC assist (core/guest_apic.c decides when):
 * the hypervisor sets "no EOI required" as it injects an interrupt whose EOI
 * may wait; the guest's handler clears the word and, if the bit was set,
 * skips its EOI write; at the next exit the hypervisor clears the word and,
 * if the guest had, does that EOI itself.
 */
#include "synic/hv.h"

bool hv_apic_is_msr(uint32_t msr)
{
	return msr >= HV_MSR_EOI && msr <= HV_MSR_VP_ASSIST_PAGE;
}

/* For the exit counters: the EOI and ICR MSRs count as the APIC's EOI and ICR writes. */
uint32_t hv_apic_msr_offset(uint32_t msr)
{
	switch (msr) {
	case HV_MSR_EOI:
		return 0xb0;
	case HV_MSR_ICR:
		return 0x300;
	case HV_MSR_TPR:
		return 0x80;
	}
	return 0;
}

/* hv-apic=off: the MSRs are not there (#GP), as the privilege is not offered. */
static bool withheld(const struct vcpu *v)
{
	return v->partition->config.hv_withheld & GUEST_HV_APIC;
}

bool hv_apic_msr_read(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	if (withheld(v))
		return false;
	switch (msr) {
	case HV_MSR_ICR:
		return vlapic_hv_icr_read(&v->apic, val);
	case HV_MSR_TPR:
		return vlapic_hv_tpr_read(&v->apic, val);
	case HV_MSR_VP_ASSIST_PAGE:
		*val = __atomic_load_n(&v->hv->vp_assist.raw, __ATOMIC_RELAXED);
		return true;
	}
	return false; /* EOI is write-only */
}

/* Enabling names a page of the guest's RAM (else #GP); reserved bits are kept (RsvdP). */
static bool write_vp_assist(struct vcpu *v, uint64_t val)
{
	union hv_page_msr new = { .raw = val };

	if (new.enable && !hv_guest_page(v->partition, (uint64_t)new.pfn << PAGE_SHIFT))
		return false;
	__atomic_store_n(&v->hv->vp_assist.raw, val, __ATOMIC_RELAXED);
	return true;
}

/* The page's APIC-assist word, while the page is enabled. */
static uint32_t *assist_word(struct vcpu *v)
{
	union hv_page_msr page = { .raw = __atomic_load_n(&v->hv->vp_assist.raw, __ATOMIC_RELAXED) };

	if (!page.enable)
		return NULL;
	return &((struct hv_vp_assist_page *)hv_guest_page(v->partition,
							   (uint64_t)page.pfn << PAGE_SHIFT))->apic_assist;
}

bool hv_apic_assist_offer(struct vcpu *v)
{
	uint32_t *word = assist_word(v);

	if (!word)
		return false;
	__atomic_store_n(word, HV_APIC_ASSIST_NO_EOI, __ATOMIC_RELAXED);
	return true;
}

/* The vCPU is out of the guest: nobody else writes the word now. */
bool hv_apic_assist_taken(struct vcpu *v)
{
	uint32_t *word = assist_word(v);

	return word && !(__atomic_exchange_n(word, 0, __ATOMIC_RELAXED) & HV_APIC_ASSIST_NO_EOI);
}

bool hv_apic_msr_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
	if (withheld(v))
		return false;
	switch (msr) {
	case HV_MSR_EOI:
		return vlapic_hv_eoi(&v->apic); /* the value written means nothing */
	case HV_MSR_ICR:
		return vlapic_hv_icr_write(&v->apic, val);
	case HV_MSR_TPR:
		return vlapic_hv_tpr_write(&v->apic, val);
	}
	return write_vp_assist(v, val);
}

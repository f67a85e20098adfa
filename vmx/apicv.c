/*
 * APICv on VMX (SDM vol. 3, chapter 29): the APIC-access page, virtual-interrupt
 * delivery (RVI, SVI, the EOI-exit bitmap), x2APIC virtualization and posted
 * interrupts, and turning it off and on for one vCPU.
 */
#include "core/backend.h"
#include "mm/frames.h"
#include "host/lapic.h"
#include "core/partition.h"
#include "host/percpu.h"
#include "lib/string.h"
#include "vmx/ept.h"
#include "vmx/vmcs.h"
#include "vmx/vmx.h"

/* APICv: APIC-access virtualization, APIC-register virtualization, virtual-interrupt delivery. */
bool vmx_apicv_supported(void)
{
	const struct cpu_features *f = &this_cpu()->features;

	return cpu_has(f, FEAT_APIC_ACCESS) && cpu_has(f, FEAT_APIC_REG_VIRT) &&
	       cpu_has(f, FEAT_VIRT_INTR_DELIVERY);
}

bool vmx_posted_supported(void)
{
	return cpu_has(&this_cpu()->features, FEAT_POSTED_INTR) && !backend_posted_intr_off;
}

/*
 * The APIC-access page: any page will do, the CPU only compares addresses
 * (SDM 29.4); EPT maps the guest's APIC base to it. It is the partition's
 * own: in x2APIC mode, where "virtualize APIC accesses" must be off, the
 * guest reaches it as plain memory, so it is filled with ones, which is what
 * the undecoded xAPIC page reads on hardware (a write there sticks, unlike
 * on hardware: the mapping is shared with the vCPUs in xAPIC mode, and
 * making it read-only would turn their APIC writes into EPT violations,
 * which take priority over APIC-access virtualization, SDM 29.4.1). A guest
 * whose RAM reaches the APIC base would hide it, so such a guest runs
 * without APICv.
 */
bool vmx_map_apic_access_page(struct partition *p)
{
	p->apic_page = frames_alloc(1, 1, FRAMES_NO_LIMIT);
	if (p->apic_page)
		memset(phys_to_virt(p->apic_page), 0xff, PAGE_SIZE);
	return p->apic_page && p->mem_size <= VLAPIC_DEFAULT_BASE &&
	       ept_map_page(p, VLAPIC_DEFAULT_BASE, p->apic_page);
}

const char *vmx_apic_mode(void)
{
	if (!vmx_apicv_supported())
		return "software delivery (the CPU lacks APICv)";
	if (backend_posted_intr_off)
		return "APICv (APIC-register virtualization, virtual-interrupt delivery; "
		       "posted interrupts off: posted-intr=off)";
	return vmx_posted_supported() ? "APICv (APIC-register virtualization, virtual-interrupt "
				    "delivery, posted interrupts)"
				  : "APICv (APIC-register virtualization, virtual-interrupt "
				    "delivery; the CPU lacks posted interrupts)";
}

/*
 * Posts vector into v's descriptor from another CPU; the notification IPI
 * makes v's CPU move it into the virtual IRR without an exit when v runs
 * (SDM 29.6), or wakes that CPU, which moves it before the next entry.
 * On v's own CPU v is out of the guest, and the vector goes into its IRR
 * directly: posted there, it would wait with ON set and no notification
 * (a halted vCPU's CPU sleeps on), and every later post, seeing ON, would
 * not notify either. So would a vCPU whose VMCS does not exist yet (an AP
 * before its SIPI).
 */
bool vmx_vcpu_post_interrupt(struct vcpu *v, uint8_t vector)
{
	struct vmx_vcpu *x = __atomic_load_n(&v->arch, __ATOMIC_ACQUIRE);

	if (!x || !x->pi_enabled || v->cpu == this_cpu())
		return false;
	__atomic_fetch_add(&v->stats.posted, 1, __ATOMIC_RELAXED);
	if (pi_post(&x->pi, vector)) {
		__atomic_fetch_add(&v->stats.notified, 1, __ATOMIC_RELAXED);
		lapic_send_fixed(v->cpu->apic_id, POSTED_INTR_VECTOR);
	}
	return true;
}

/* Posted interrupts notify by themselves: no doorbell on VMX. */
bool vmx_vcpu_doorbell(struct vcpu *v)
{
	(void)v;
	return false;
}

void vmx_vcpu_sync_posted(struct vcpu *v)
{
	struct vmx_vcpu *x = v->arch;

	if (x && x->pi_enabled)
		pi_sync_to_irr(&x->pi, &v->apic.regs[0x200 / 4]);
}

/* SDM 29.1.1: RVI and SVI, which the CPU evaluates at VM entry (29.2.1). */
void vmx_vcpu_apic_update(struct vcpu *v, int highest_irr, int highest_isr)
{
	uint16_t status = (uint16_t)((highest_isr < 0 ? 0 : highest_isr) << 8) |
			  (uint16_t)(highest_irr < 0 ? 0 : highest_irr);

	(void)v;
	vmcs_write(VMCS_GUEST_INTR_STATUS, status);
}

/*
 * x2APIC mode: "virtualize x2APIC mode" replaces APIC-access virtualization
 * (the two exclude each other, SDM 26.2.1.1) and the MSR bitmap lets the
 * virtualized x2APIC MSRs through; otherwise the APIC-access page serves.
 */
/*
 * x2APIC mode: "virtualize x2APIC mode" where the CPU has it. An APIC
 * globally disabled under APICv: neither, so that the APIC-register
 * virtualization answers no read of the page (which reads all ones, see
 * vmx_map_apic_access_page). Otherwise "virtualize APIC accesses".
 */
void vmx_vcpu_apic_mode_changed(struct vcpu *v)
{
	bool x2apic = v->apic_accelerated && vlapic_x2apic_enabled(&v->apic) &&
		      cpu_has(&this_cpu()->features, FEAT_X2APIC_VIRT);
	bool off = v->apic_accelerated && !vlapic_x2apic_enabled(&v->apic) &&
		   !vlapic_xapic_enabled(&v->apic);
	uint64_t ctl = vmcs_read(VMCS_PROC_CONTROLS2) & ~(uint64_t)(PROC2_VIRT_APIC_ACCESS |
								  PROC2_VIRT_X2APIC);

	vmcs_write(VMCS_PROC_CONTROLS2, ctl | (x2apic ? PROC2_VIRT_X2APIC
					       : off  ? 0 : PROC2_VIRT_APIC_ACCESS));
	vmcs_write(VMCS_MSR_BITMAP, vmx_msr_bitmap(x2apic));
}

/*
 * APICv off for one vCPU: "virtualize APIC accesses" stays, so that every
 * access to the APIC page (which EPT maps for the partition) exits to the
 * decoder; without the TPR shadow the other APICv controls must be 0 (SDM
 * 26.2.1.1) and CR8 must exit. On again: the controls vmcs_setup() gave.
 */
bool vmx_vcpu_set_apic_accelerated(struct vcpu *v, bool on)
{
	uint64_t proc = vmcs_read(VMCS_PROC_CONTROLS) &
			~(uint64_t)(PROC_USE_TPR_SHADOW | PROC_CR8_LOAD_EXITING | PROC_CR8_STORE_EXITING);
	uint64_t proc2 = vmcs_read(VMCS_PROC_CONTROLS2) & ~(uint64_t)(PROC2_APICV | PROC2_VIRT_X2APIC);

	if (on) {
		proc |= PROC_USE_TPR_SHADOW;
		proc2 |= PROC2_APIC_REG_VIRT | PROC2_VIRT_INTR_DELIVERY;
	} else {
		backend->vcpu_sync_posted(v);
		proc |= PROC_CR8_LOAD_EXITING | PROC_CR8_STORE_EXITING;
		vmcs_write(VMCS_GUEST_INTR_STATUS, 0);
	}
	vmcs_write(VMCS_PROC_CONTROLS, proc);
	vmcs_write(VMCS_PROC_CONTROLS2, proc2);
	v->apic_accelerated = on;
	vmx_vcpu_apic_mode_changed(v);
	return true;
}

void vmx_vcpu_set_eoi_exit_bitmap(struct vcpu *v, const uint64_t bitmap[4])
{
	(void)v;
	for (unsigned int i = 0; i < 4; i++)
		vmcs_write(VMCS_EOI_EXIT_BITMAP0 + 2 * i, bitmap[i]);
}

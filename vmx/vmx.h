/* What the VMX backend's files share (nothing outside vmx/ includes this). */
#ifndef HV_VMX_VMX_H
#define HV_VMX_VMX_H

#include "core/exit.h"
#include "core/vcpu.h"
#include "vmx/posted_intr.h"

/* The per-CPU state: the VMXON region. */
struct vmx_cpu {
	paddr_t vmxon_pa;
	uint32_t revision; /* IA32_VMX_BASIC bits 30:0 */
};

struct vmx_vcpu {
	struct pi_desc pi;  /* first: 64-byte aligned in the page-aligned struct */
	bool pi_enabled;    /* posted interrupts in use */
	paddr_t vmcs_pa;
	bool launched;  /* VMLAUNCH succeeded once: VMRESUME from now on */
	uint64_t cr2;   /* the guest's CR2, which the VMCS does not hold */
	uint64_t cr0_mask, cr4_mask; /* the guest/host masks written to the VMCS */
};

/* vmx_entry.S */
int vmx_enter(struct guest_regs *regs, bool launched);
void vmx_exit(void);

/*
 * vmcs_setup.c: the VMCS of a new vCPU (current on this CPU); false if a
 * VMWRITE failed. apic_access 0: no APICv. Its CR4 guest/host mask holds
 * the bits v->cr4_valid lacks.
 */
bool vmcs_setup(struct vmx_vcpu *x, const struct vcpu *v, uint32_t entry, paddr_t msr_bitmap,
		paddr_t virtual_apic, paddr_t apic_access);
/* The real-mode state a SIPI starts an AP in (SDM 9.4.4); false if a VMWRITE failed. */
bool vmcs_guest_start_at_sipi(struct vmx_vcpu *x, uint8_t vector);
/* The CR0/CR4 value the CPU needs for a value the guest wants (fixed bits applied). */
uint64_t vmx_guest_cr0(uint64_t wanted);
uint64_t vmx_guest_cr4(uint64_t wanted);

/* vmx_exit.c: decodes the exit of the current VMCS into e. */
void vmx_decode_exit(struct vmx_vcpu *x, struct exit_event *e);
const char *vmx_exit_name(uint32_t basic_reason);
const char *vmx_insn_error_name(uint64_t error);

/* hw_reason of a VMLAUNCH/VMRESUME that failed (hw_info1: the VM-instruction error). */
#define VMX_HW_REASON_ENTRY_FAILED (~0UL)

/* vmx.c: an exception for the next entry; the exiting instruction skipped. */
void vmx_inject_exception(uint8_t vector, bool has_error, uint32_t error_code);
void vmx_skip_instruction(void);

/* msr_bitmap.c: makes the two MSR bitmaps once (false if out of memory); the one for a vCPU. */
bool vmx_msr_bitmap_init(void);
paddr_t vmx_msr_bitmap(bool x2apic_virtualized);

/* apicv.c: what this CPU offers, the partition's APIC-access page, the backend's APIC hooks. */
bool vmx_apicv_supported(void);
bool vmx_posted_supported(void);
bool vmx_map_apic_access_page(struct partition *p);
const char *vmx_apic_mode(void);
bool vmx_vcpu_post_interrupt(struct vcpu *v, uint8_t vector);
bool vmx_vcpu_doorbell(struct vcpu *v);
void vmx_vcpu_sync_posted(struct vcpu *v);
void vmx_vcpu_apic_update(struct vcpu *v, int highest_irr, int highest_isr);
void vmx_vcpu_apic_mode_changed(struct vcpu *v);
bool vmx_vcpu_set_apic_accelerated(struct vcpu *v, bool on);
void vmx_vcpu_set_eoi_exit_bitmap(struct vcpu *v, const uint64_t bitmap[4]);

/*
 * cr_access.c: the CR4 the guest sees; a CR-access exit emulated, the
 * write checked as the CPU checks it (false: core/ handles it).
 */
uint64_t vmx_guest_visible_cr4(const struct vmx_vcpu *x);
bool vmx_vcpu_cr_access(struct vcpu *v, const struct exit_event *e);
/* On v's CPU: drops the guest's linear and combined mappings (its VPID's, else all). */
void vmx_flush_guest_tlb(void);
/*
 * Under PAE paging with EPT, VM entry loads the four PDPTEs from the VMCS
 * (SDM vol. 3, 28.3.2.4): a CR3 or paging change the hypervisor carries out
 * loads them from the guest's page at cr3 as the CPU would; false (#GP) if
 * one is present with a reserved bit set or lies outside guest RAM.
 */
bool vmx_load_pdptes(struct vcpu *v, uint64_t cr3);

/* task_switch.c: an EXIT_TASK_SWITCH carried out; NULL, or why the guest cannot go on. */
const char *vmx_vcpu_task_switch(struct vcpu *v, const struct exit_event *e);

/* vmx_dump.c: the exit and the VMCS as crash reports print them. */
void vmx_describe_exit(const struct exit_event *e, char *buf, size_t size);
void vmx_vcpu_dump_state(struct vcpu *v);
void vmx_vcpu_dump_controls(struct vcpu *v);

#endif

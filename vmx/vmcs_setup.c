/*
 * Filling a new VMCS: the execution controls from the capability MSRs, the
 * host state of this CPU, and the guest in the state a multiboot loader
 * leaves a kernel in (identical to svm's vmcb_init_save).
 */
#include "host/lapic.h"
#include "console/log.h"
#include "core/partition.h"
#include "host/percpu.h"
#include "lib/x86.h"
#include "vmx/controls.h"
#include "vmx/ept.h"
#include "vmx/ept_entry.h"
#include "vmx/vmcs.h"
#include "vmx/vmx.h"

#define VMCS_LINK_NONE  (~0UL)

struct control_field {
	enum vmcs_field field;
	uint32_t msr, true_msr; /* true_msr 0: there is none */
	uint32_t wanted;
	uint32_t needed;        /* the subset without which the backend cannot work */
	const char *name;
};

/*
 * The guest's IA32_PAT is loaded at entry and the host's at exit (every CPU
 * with EPT can); the guest cannot change it without an exit, so it is not
 * saved (cpumodel/msr_memtype.c). Its TSC is the host's plus TSC_OFFSET.
 * Virtual NMIs: the guest's NMI blocking (until its IRET) is tracked by the
 * CPU apart from the host's, and NMI-window exiting needs it (SDM 24.6.1,
 * 26.2.1.1).
 */
static const struct control_field control_fields[] = {
	{ VMCS_PIN_CONTROLS, MSR_IA32_VMX_PINBASED, MSR_IA32_VMX_TRUE_PINBASED,
	  PIN_EXT_INTR_EXITING | PIN_NMI_EXITING | PIN_VIRTUAL_NMIS,
	  PIN_EXT_INTR_EXITING | PIN_NMI_EXITING | PIN_VIRTUAL_NMIS, "pin-based" },
	{ VMCS_PROC_CONTROLS, MSR_IA32_VMX_PROCBASED, MSR_IA32_VMX_TRUE_PROCBASED,
	  PROC_HLT_EXITING | PROC_MWAIT_EXITING | PROC_UNCOND_IO_EXITING |
		  PROC_USE_MSR_BITMAPS | PROC_MONITOR_EXITING | PROC_ACTIVATE_SECONDARY |
		  PROC_USE_TSC_OFFSETTING,
	  PROC_HLT_EXITING | PROC_UNCOND_IO_EXITING | PROC_USE_MSR_BITMAPS |
		  PROC_ACTIVATE_SECONDARY | PROC_USE_TSC_OFFSETTING, "primary processor-based" },
	{ VMCS_PROC_CONTROLS2, MSR_IA32_VMX_PROCBASED2, 0,
	  PROC2_ENABLE_EPT | PROC2_ENABLE_RDTSCP | PROC2_ENABLE_VPID |
		  PROC2_UNRESTRICTED_GUEST | PROC2_ENABLE_INVPCID | PROC2_ENABLE_XSAVES,
	  PROC2_ENABLE_EPT | PROC2_ENABLE_VPID | PROC2_UNRESTRICTED_GUEST,
	  "secondary processor-based" },
	{ VMCS_EXIT_CONTROLS, MSR_VMX_EXIT_CTLS, MSR_VMX_TRUE_EXIT_CTLS,
	  EXIT_SAVE_DEBUG | EXIT_HOST_ADDR_SPACE | EXIT_SAVE_EFER | EXIT_LOAD_EFER | EXIT_LOAD_PAT,
	  EXIT_HOST_ADDR_SPACE | EXIT_SAVE_EFER | EXIT_LOAD_EFER | EXIT_LOAD_PAT, "VM-exit" },
	/* IA-32e mode guest stays off until the guest sets EFER.LMA. */
	{ VMCS_ENTRY_CONTROLS, MSR_VMX_ENTRY_CTLS, MSR_VMX_TRUE_ENTRY_CTLS,
	  ENTRY_LOAD_DEBUG | ENTRY_LOAD_EFER | ENTRY_LOAD_PAT, ENTRY_LOAD_EFER | ENTRY_LOAD_PAT,
	  "VM-entry" },
};

/*
 * With APICv: the TPR shadow (the virtual-APIC page) and the three APICv
 * controls; with posted interrupts also their pin control and the
 * acknowledgement of interrupts at exit that they need (SDM 26.2.1.1).
 * Without: CR8 exits, or MOV to CR8 would reach the real TPR (SDM 25.3).
 */
static uint32_t apic_controls(enum vmcs_field field, bool apicv, bool posted)
{
	if (!apicv)
		return field == VMCS_PROC_CONTROLS ? PROC_CR8_LOAD_EXITING | PROC_CR8_STORE_EXITING
						   : 0;
	switch (field) {
	case VMCS_PROC_CONTROLS:
		return PROC_USE_TPR_SHADOW;
	case VMCS_PROC_CONTROLS2:
		return PROC2_APICV;
	case VMCS_PIN_CONTROLS:
		return posted ? PIN_POSTED_INTR : 0;
	case VMCS_EXIT_CONTROLS:
		return posted ? EXIT_ACK_INTR_ON_EXIT : 0;
	default:
		return 0;
	}
}

/* SDM A.2: with IA32_VMX_BASIC bit 55, the TRUE_* MSRs say which default-1 bits may be 0. */
static bool write_controls(bool apicv, bool posted)
{
	bool use_true = rdmsr(MSR_IA32_VMX_BASIC) & VMX_BASIC_TRUE_CTLS;
	bool ok = true;

	for (unsigned int i = 0; i < ARRAY_SIZE(control_fields); i++) {
		const struct control_field *c = &control_fields[i];
		uint32_t extra = apic_controls(c->field, apicv, posted);
		uint64_t cap = rdmsr(use_true && c->true_msr ? c->true_msr : c->msr);
		uint32_t val = vmx_adjust_controls(c->wanted | extra, cap);

		if ((val & (c->needed | extra)) != (c->needed | extra)) {
			log_err("vmx: the CPU does not allow the %s controls 0x%x (allowed 0x%x)",
				c->name, (c->needed | extra) & ~val, (uint32_t)(cap >> 32));
			return false;
		}
		ok &= vmcs_write(c->field, val);
	}
	return ok;
}

/*
 * SDM 23.8 and A.7/A.8: bits set in FIXED0 must be 1, bits clear in FIXED1
 * must be 0. Unrestricted guest lifts that rule for CR0.PE and CR0.PG
 * (26.3.1.1).
 */
uint64_t vmx_guest_cr0(uint64_t wanted)
{
	uint64_t fixed0 = rdmsr(MSR_VMX_CR0_FIXED0) & ~(CR0_PE | CR0_PG);

	return (wanted | fixed0) & rdmsr(MSR_VMX_CR0_FIXED1);
}

uint64_t vmx_guest_cr4(uint64_t wanted)
{
	return (wanted | rdmsr(MSR_VMX_CR4_FIXED0)) & rdmsr(MSR_VMX_CR4_FIXED1);
}

/*
 * The bits of CR0 the guest may not own: those the fixed MSRs pin (SDM 25.3),
 * and CD and NW, which VM entry and VM exit leave as they are (SDM 26.3.2.1,
 * 27.5.1): the guest's would be the host's. Its CD and NW live in the read
 * shadow, so that it reads what it wrote; writing them exits (cr_access.c).
 */
static uint64_t cr0_mask_bits(void)
{
	return ((rdmsr(MSR_VMX_CR0_FIXED0) | ~rdmsr(MSR_VMX_CR0_FIXED1)) & ~(CR0_PE | CR0_PG)) |
	       CR0_CD | CR0_NW;
}

/*
 * The bits of CR4 the guest may not own: those the fixed MSRs pin, and
 * every bit the guest may not set (reserved, or of a feature its CPUID does
 * not offer: VMXE, LA57, PKS, CET, ...), so that setting one exits and
 * cr_access.c refuses it with #GP (SDM 25.1.3, 25.3).
 */
static uint64_t cr4_mask_bits(uint64_t cr4_valid)
{
	return rdmsr(MSR_VMX_CR4_FIXED0) | ~rdmsr(MSR_VMX_CR4_FIXED1) | ~cr4_valid;
}

/* SDM 24.5 and 26.2.2-26.2.3: the state a VM exit loads; RSP is written at each entry. */
static bool write_host_state(void)
{
	struct percpu *cpu = this_cpu();
	struct {
		uint16_t limit;
		uint64_t base;
	} __packed idtr;
	bool ok = true;

	asm volatile("sidt %0" : "=m"(idtr));
	ok &= vmcs_write(VMCS_HOST_CR0, read_cr0());
	ok &= vmcs_write(VMCS_HOST_CR3, read_cr3());
	ok &= vmcs_write(VMCS_HOST_CR4, read_cr4());
	ok &= vmcs_write(VMCS_HOST_CS_SEL, SEL_CODE64);
	ok &= vmcs_write(VMCS_HOST_SS_SEL, SEL_DATA);
	ok &= vmcs_write(VMCS_HOST_DS_SEL, SEL_DATA);
	ok &= vmcs_write(VMCS_HOST_ES_SEL, SEL_DATA);
	ok &= vmcs_write(VMCS_HOST_FS_SEL, 0);
	ok &= vmcs_write(VMCS_HOST_GS_SEL, 0);
	ok &= vmcs_write(VMCS_HOST_TR_SEL, SEL_TSS);
	ok &= vmcs_write(VMCS_HOST_FS_BASE, rdmsr(MSR_FS_BASE));
	/* The per-CPU pointer: this_cpu() must work again right after the exit. */
	ok &= vmcs_write(VMCS_HOST_GS_BASE, rdmsr(MSR_GS_BASE));
	ok &= vmcs_write(VMCS_HOST_TR_BASE, (uintptr_t)&cpu->tables.tss);
	ok &= vmcs_write(VMCS_HOST_GDTR_BASE, (uintptr_t)cpu->tables.gdt);
	ok &= vmcs_write(VMCS_HOST_IDTR_BASE, idtr.base);
	ok &= vmcs_write(VMCS_HOST_SYSENTER_CS, 0);
	ok &= vmcs_write(VMCS_HOST_SYSENTER_ESP, 0);
	ok &= vmcs_write(VMCS_HOST_SYSENTER_EIP, 0);
	ok &= vmcs_write(VMCS_HOST_EFER, rdmsr(MSR_EFER));
	ok &= vmcs_write(VMCS_HOST_PAT, rdmsr(MSR_IA32_PAT));
	ok &= vmcs_write(VMCS_HOST_RIP, (uintptr_t)vmx_exit);
	return ok;
}

enum { ES, CS, SS, DS, FS, GS, LDTR, TR };

static bool write_segment_at(unsigned int index, uint16_t sel, uint32_t ar, uint32_t limit,
			     uint64_t base)
{
	bool ok = true;

	ok &= vmcs_write(VMCS_GUEST_ES_SEL + 2 * index, sel);
	ok &= vmcs_write(VMCS_GUEST_ES_BASE + 2 * index, base);
	ok &= vmcs_write(VMCS_GUEST_ES_LIMIT + 2 * index, limit);
	ok &= vmcs_write(VMCS_GUEST_ES_AR + 2 * index, ar);
	return ok;
}

static bool write_segment(unsigned int index, uint16_t sel, uint32_t ar, uint32_t limit)
{
	return write_segment_at(index, sel, ar, limit, 0);
}

/* CR0/CR4 as the guest wants them, the fixed bits added for the CPU (SDM 25.3). */
static bool write_cr0_cr4(struct vmx_vcpu *x, uint64_t cr0, uint64_t cr4)
{
	bool ok = true;

	ok &= vmcs_write(VMCS_CR0_READ_SHADOW, cr0);
	ok &= vmcs_write(VMCS_GUEST_CR0, vmx_guest_cr0(cr0));
	ok &= vmcs_write(VMCS_CR4_READ_SHADOW, cr4);
	ok &= vmcs_write(VMCS_GUEST_CR4, vmx_guest_cr4(cr4));
	ok &= vmcs_write(VMCS_GUEST_CR3, 0);
	x->cr2 = 0;
	return ok;
}

/* Real mode, CS = vector << 8, IP = 0, as an AP leaves wait-for-SIPI (SDM 9.4.4.1). */
bool vmcs_guest_start_at_sipi(struct vmx_vcpu *x, uint8_t vector)
{
	bool ok = write_segment_at(CS, (uint16_t)vector << 8, AR_CODE16, 0xffff,
				   (uint64_t)vector << 12);

	for (unsigned int seg = ES; seg <= GS; seg++)
		if (seg != CS)
			ok &= write_segment(seg, 0, AR_DATA16, 0xffff);
	ok &= write_segment(LDTR, 0, AR_LDT, 0xffff);
	ok &= write_segment(TR, 0, AR_TSS32, 0xffff);
	ok &= vmcs_write(VMCS_GUEST_GDTR_LIMIT, 0xffff);
	ok &= vmcs_write(VMCS_GUEST_IDTR_LIMIT, 0xffff);
	ok &= write_cr0_cr4(x, BIT(4) /* ET */, 0);
	ok &= vmcs_write(VMCS_GUEST_EFER, 0);
	ok &= vmcs_write(VMCS_GUEST_RFLAGS, BIT(1));
	ok &= vmcs_write(VMCS_GUEST_RIP, 0);
	ok &= vmcs_write(VMCS_GUEST_RSP, 0);
	ok &= vmcs_write(VMCS_GUEST_INTERRUPTIBILITY, 0);
	ok &= vmcs_write(VMCS_ENTRY_INTR_INFO, 0);
	return ok;
}

/* Multiboot: 32-bit protected mode, paging off, flat segments, IF clear. */
static bool write_guest_state(struct vmx_vcpu *x, const struct vcpu *v, uint32_t entry)
{
	uint64_t cr0 = CR0_PE | BIT(4); /* ET */
	bool ok = true;

	ok &= write_segment(CS, 0x08, AR_CODE32, 0xffffffff);
	ok &= write_segment(ES, 0x10, AR_DATA32, 0xffffffff);
	ok &= write_segment(SS, 0x10, AR_DATA32, 0xffffffff);
	ok &= write_segment(DS, 0x10, AR_DATA32, 0xffffffff);
	ok &= write_segment(FS, 0x10, AR_DATA32, 0xffffffff);
	ok &= write_segment(GS, 0x10, AR_DATA32, 0xffffffff);
	ok &= write_segment(LDTR, 0, AR_UNUSABLE, 0);
	ok &= write_segment(TR, 0, AR_TSS32, 0x67);
	ok &= vmcs_write(VMCS_GUEST_GDTR_BASE, 0);
	ok &= vmcs_write(VMCS_GUEST_GDTR_LIMIT, 0xffff);
	ok &= vmcs_write(VMCS_GUEST_IDTR_BASE, 0);
	ok &= vmcs_write(VMCS_GUEST_IDTR_LIMIT, 0x3ff);

	/* The guest reads CR0/CR4 as it wants them; the CPU gets the fixed bits too. */
	x->cr0_mask = cr0_mask_bits();
	x->cr4_mask = cr4_mask_bits(v->cr4_valid);
	ok &= vmcs_write(VMCS_CR0_GUEST_HOST_MASK, x->cr0_mask);
	ok &= vmcs_write(VMCS_CR4_GUEST_HOST_MASK, x->cr4_mask);
	ok &= write_cr0_cr4(x, cr0, 0);

	ok &= vmcs_write(VMCS_GUEST_RFLAGS, BIT(1));
	ok &= vmcs_write(VMCS_GUEST_RIP, entry);
	ok &= vmcs_write(VMCS_GUEST_RSP, 0);
	ok &= vmcs_write(VMCS_GUEST_DR7, 0x400);
	ok &= vmcs_write(VMCS_GUEST_DEBUGCTL, 0);
	ok &= vmcs_write(VMCS_GUEST_EFER, 0);
	ok &= vmcs_write(VMCS_GUEST_PAT, v->msrs.pat);
	ok &= vmcs_write(VMCS_TSC_OFFSET, v->msrs.tsc_offset);
	/* XSAVES and XRSTORS never exit: IA32_XSS is 0 (cpumodel/msr_table.c) */
	if (vmcs_read(VMCS_PROC_CONTROLS2) & PROC2_ENABLE_XSAVES)
		ok &= vmcs_write(VMCS_XSS_EXIT_BITMAP, 0);
	ok &= vmcs_write(VMCS_GUEST_SYSENTER_CS, 0);
	ok &= vmcs_write(VMCS_GUEST_SYSENTER_ESP, 0);
	ok &= vmcs_write(VMCS_GUEST_SYSENTER_EIP, 0);
	ok &= vmcs_write(VMCS_GUEST_INTERRUPTIBILITY, 0);
	ok &= vmcs_write(VMCS_GUEST_ACTIVITY_STATE, 0);
	ok &= vmcs_write(VMCS_GUEST_PENDING_DBG, 0);
	ok &= vmcs_write(VMCS_LINK_POINTER, VMCS_LINK_NONE);
	return ok;
}

/*
 * APICv (SDM 29.1-29.4): the vCPU's APIC register page is the virtual-APIC
 * page, the APIC-access page is where EPT maps the APIC base; TPR threshold,
 * EOI-exit bitmap and guest interrupt status start empty.
 */
static bool write_apicv_fields(struct vmx_vcpu *x, paddr_t virtual_apic, paddr_t apic_access)
{
	bool ok = true;

	if (x->pi_enabled) {
		ok &= vmcs_write(VMCS_PI_NOTIFY_VECTOR, POSTED_INTR_VECTOR);
		ok &= vmcs_write(VMCS_PI_DESC_ADDR, virt_to_phys(&x->pi));
	}
	ok &= vmcs_write(VMCS_VIRTUAL_APIC_ADDR, virtual_apic);
	ok &= vmcs_write(VMCS_APIC_ACCESS_ADDR, apic_access);
	ok &= vmcs_write(VMCS_TPR_THRESHOLD, 0);
	for (unsigned int i = 0; i < 4; i++)
		ok &= vmcs_write(VMCS_EOI_EXIT_BITMAP0 + 2 * i, 0);
	ok &= vmcs_write(VMCS_GUEST_INTR_STATUS, 0);
	return ok;
}

bool vmcs_setup(struct vmx_vcpu *x, const struct vcpu *v, uint32_t entry, paddr_t msr_bitmap,
		paddr_t virtual_apic, paddr_t apic_access)
{
	const struct partition *p = v->partition;
	bool ok = write_controls(apic_access != 0, x->pi_enabled);

	if (!ok)
		return false;
	ok &= vmcs_write(VMCS_EXCEPTION_BITMAP, BIT(1) | BIT(17) | BIT(18)); /* #DB, #AC, #MC */
	ok &= vmcs_write(VMCS_PF_ERROR_MASK, 0);
	ok &= vmcs_write(VMCS_PF_ERROR_MATCH, 0);
	ok &= vmcs_write(VMCS_CR3_TARGET_COUNT, 0);
	ok &= vmcs_write(VMCS_EXIT_MSR_STORE_COUNT, 0);
	ok &= vmcs_write(VMCS_EXIT_MSR_LOAD_COUNT, 0);
	ok &= vmcs_write(VMCS_ENTRY_MSR_LOAD_COUNT, 0);
	ok &= vmcs_write(VMCS_ENTRY_INTR_INFO, 0);
	ok &= vmcs_write(VMCS_MSR_BITMAP, msr_bitmap);
	ok &= vmcs_write(VMCS_EPT_POINTER, ept_pointer(p->nested_root));
	ok &= vmcs_write(VMCS_VPID, p->id + 1); /* VPID 0 is the host's */
	if (apic_access)
		ok &= write_apicv_fields(x, virtual_apic, apic_access);
	ok &= write_host_state();
	ok &= write_guest_state(x, v, entry);
	if (!ok)
		log_err("vmx: a VMWRITE failed while setting up the VMCS (VM-instruction error %lu)",
			vmcs_read(VMCS_INSN_ERROR));
	return ok;
}

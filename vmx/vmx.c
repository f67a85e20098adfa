/*
 * The VMX backend: VMX root operation, the VMCS of each vCPU, VM entry and
 * the handling of the exits core/ need not see (Intel SDM vol. 3,
 * chapters 23-28). The VMCS set-up is in vmcs_setup.c, exit decoding in
 * vmx_exit.c, the EPT in ept.c, the entry code in vmx_entry.S, the MSR
 * bitmaps in msr_bitmap.c, APICv in apicv.c, control-register accesses in
 * cr_access.c, what crash reports print in vmx_dump.c.
 */
#include "core/backend.h"
#include "mm/frames.h"
#include "host/lapic.h"
#include "console/log.h"
#include "core/partition.h"
#include "host/percpu.h"
#include "lib/x86.h"
#include "vmx/ept.h"
#include "vmx/vmcs.h"
#include "vmx/vmx.h"

#define FEATURE_CONTROL_LOCKED     BIT(0)
#define FEATURE_CONTROL_VMX_NO_SMX BIT(2)

#define INVEPT_ALL_CONTEXT  2
#define INVVPID_ALL_CONTEXT 2

/* CF or ZF after a VMX instruction: VMfailInvalid or VMfailValid (SDM 30.2). */
static bool vmxon(paddr_t pa)
{
	bool fail;

	asm volatile("vmxon %1; setna %0" : "=qm"(fail) : "m"(pa) : "cc", "memory");
	return !fail;
}

static bool vmclear(paddr_t pa)
{
	bool fail;

	asm volatile("vmclear %1; setna %0" : "=qm"(fail) : "m"(pa) : "cc", "memory");
	return !fail;
}

static bool vmptrld(paddr_t pa)
{
	bool fail;

	asm volatile("vmptrld %1; setna %0" : "=qm"(fail) : "m"(pa) : "cc", "memory");
	return !fail;
}

static bool invept_all(void)
{
	struct { uint64_t eptp, zero; } desc = { 0, 0 };
	bool fail;

	asm volatile("invept %1, %2; setna %0"
		     : "=qm"(fail) : "m"(desc), "r"((uint64_t)INVEPT_ALL_CONTEXT) : "cc", "memory");
	return !fail;
}

static bool invvpid_all(void)
{
	struct { uint64_t vpid, addr; } desc = { 0, 0 };
	bool fail;

	asm volatile("invvpid %1, %2; setna %0"
		     : "=qm"(fail) : "m"(desc), "r"((uint64_t)INVVPID_ALL_CONTEXT) : "cc", "memory");
	return !fail;
}

/* SDM 23.7: IA32_FEATURE_CONTROL must allow VMXON outside SMX, and be locked. */
static bool feature_control_enable(void)
{
	uint64_t fc = rdmsr(MSR_IA32_FEATURE_CONTROL);

	if (!(fc & FEATURE_CONTROL_LOCKED)) {
		wrmsr(MSR_IA32_FEATURE_CONTROL,
		      fc | FEATURE_CONTROL_VMX_NO_SMX | FEATURE_CONTROL_LOCKED);
		return true;
	}
	if (!(fc & FEATURE_CONTROL_VMX_NO_SMX)) {
		log_err("vmx: IA32_FEATURE_CONTROL is locked with VMX outside SMX disabled; "
			"enable Intel VT-x in the firmware setup");
		return false;
	}
	return true;
}

static bool vmx_cpu_enable(void)
{
	struct percpu *cpu = this_cpu();
	struct vmx_cpu *c;
	paddr_t pa;

	if (cpu->backend_data)
		return true;
	if (!feature_control_enable())
		return false;
	pa = frames_alloc_zeroed(2, 1, FRAMES_NO_LIMIT);
	if (!pa)
		return false;
	c = phys_to_virt(pa + PAGE_SIZE);
	c->vmxon_pa = pa;
	c->revision = rdmsr(MSR_IA32_VMX_BASIC) & VMX_BASIC_REVISION_MASK;
	*(uint32_t *)phys_to_virt(pa) = c->revision;

	/* SDM 23.8: CR0 and CR4 as the fixed MSRs say, CR4.VMXE set. */
	write_cr0((read_cr0() | rdmsr(MSR_VMX_CR0_FIXED0)) & rdmsr(MSR_VMX_CR0_FIXED1));
	write_cr4((read_cr4() | rdmsr(MSR_VMX_CR4_FIXED0) | CR4_VMXE) &
		  rdmsr(MSR_VMX_CR4_FIXED1));
	if (!vmxon(pa)) {
		log_err("cpu %u: VMXON failed", cpu->index);
		frames_free(pa, 2);
		return false;
	}
	uint64_t cap = rdmsr(MSR_IA32_VMX_EPT_VPID_CAP);
	if ((cap & EPT_CAP_INVEPT_ALL) && !invept_all())
		log_warn("cpu %u: INVEPT failed", cpu->index);
	if ((cap & VPID_CAP_INVVPID_ALL) && !invvpid_all())
		log_warn("cpu %u: INVVPID failed", cpu->index);
	cpu->backend_data = c;
	return true;
}

static bool vmx_partition_init(struct partition *p)
{
	if (!vmx_msr_bitmap_init())
		return false;
	if (!ept_build(p))
		return false;
	p->apic_accelerated = vmx_apicv_supported() && vmx_map_apic_access_page(p);
	return true;
}

static bool vmx_vcpu_init(struct vcpu *v, uint32_t entry)
{
	struct vmx_cpu *c = this_cpu()->backend_data;
	paddr_t pa = frames_alloc_zeroed(2, 1, FRAMES_NO_LIMIT);
	struct vmx_vcpu *x;

	if (!pa || !c)
		return false;
	x = phys_to_virt(pa + PAGE_SIZE);
	x->vmcs_pa = pa;
	x->pi_enabled = v->apic_accelerated && vmx_posted_supported();
	pi_desc_init(&x->pi, POSTED_INTR_VECTOR, this_cpu()->apic_id, lapic_x2apic_mode());
	*(uint32_t *)phys_to_virt(pa) = c->revision; /* bit 31 clear: not a shadow VMCS */
	if (!vmclear(pa) || !vmptrld(pa)) {
		log_err("vmx: VMCLEAR/VMPTRLD of a new VMCS failed");
		return false;
	}
	if (!vmcs_setup(x, v, entry, vmx_msr_bitmap(false), virt_to_phys(v->apic.regs),
			v->apic_accelerated ? v->partition->apic_page : 0))
		return false;
	__atomic_store_n(&v->arch, x, __ATOMIC_RELEASE); /* other CPUs post through it */
	return true;
}

/*
 * SDM 26.2.4 / 26.3.1.1: "IA-32e mode guest" must equal the guest's
 * EFER.LMA, which the CPU sets by itself when the guest turns paging on with
 * LME set (the exit saves EFER), so sync the control before every entry.
 */
static void sync_ia32e_mode(void)
{
	uint64_t ctl = vmcs_read(VMCS_ENTRY_CONTROLS);
	bool lma = vmcs_read(VMCS_GUEST_EFER) & EFER_LMA;

	if (!!(ctl & ENTRY_IA32E_GUEST) != lma)
		vmcs_write(VMCS_ENTRY_CONTROLS, lma ? ctl | ENTRY_IA32E_GUEST
						    : ctl & ~(uint64_t)ENTRY_IA32E_GUEST);
}

void vmx_inject_exception(uint8_t vector, bool has_error, uint32_t error_code)
{
	vmcs_write(VMCS_ENTRY_INTR_INFO, vector | (INTR_TYPE_HW_EXCEPTION << INTR_INFO_TYPE_SHIFT) |
						 (has_error ? INTR_INFO_ERROR_VALID : 0) |
						 INTR_INFO_VALID);
	if (has_error)
		vmcs_write(VMCS_ENTRY_EXCEPTION_ERROR, error_code);
	if (x86_vector_is_fault(vector))
		vmcs_write(VMCS_GUEST_RFLAGS, vmcs_read(VMCS_GUEST_RFLAGS) | RFLAGS_RF);
}

static void advance_rip(uint64_t len)
{
	vmcs_write(VMCS_GUEST_RIP, vmcs_read(VMCS_GUEST_RIP) + len);
	vmcs_write(VMCS_GUEST_INTERRUPTIBILITY,
		   vmcs_read(VMCS_GUEST_INTERRUPTIBILITY) & ~(uint64_t)INTERRUPTIBILITY_STI_MOVSS);
}

void vmx_skip_instruction(void)
{
	advance_rip(vmcs_read(VMCS_EXIT_INSN_LENGTH));
}

static void vmx_vcpu_run(struct vcpu *v, struct exit_event *e)
{
	struct vmx_vcpu *x = v->arch;

	sync_ia32e_mode();
	if (read_cr2() != x->cr2)
		write_cr2(x->cr2);
	int r = vmx_enter(&v->regs, x->launched);
	x->cr2 = read_cr2();
	if (r) {
		/* The guest ends; the hypervisor goes on (SDM 30.4). */
		*e = (struct exit_event){
			.reason = EXIT_INVALID_STATE,
			.hw_reason = VMX_HW_REASON_ENTRY_FAILED,
			.hw_info1 = r == 2 ? vmcs_read(VMCS_INSN_ERROR) : 0,
			.hw_info2 = r == 2,
		};
		return;
	}
	x->launched = true;
	vmx_decode_exit(x, e);
}

static void vmx_vcpu_skip_instruction(struct vcpu *v, const struct exit_event *e)
{
	(void)v;
	(void)e;
	vmx_skip_instruction();
}

static void vmx_vcpu_advance_rip(struct vcpu *v, unsigned int len)
{
	(void)v;
	advance_rip(len);
}

static void vmx_vcpu_inject_exception(struct vcpu *v, uint8_t vector, bool has_error,
				      uint32_t error_code)
{
	(void)v;
	vmx_inject_exception(vector, has_error, error_code);
}

static bool vmx_vcpu_interrupt_allowed(struct vcpu *v)
{
	(void)v;
	return (vmcs_read(VMCS_GUEST_RFLAGS) & BIT(9)) &&
	       !(vmcs_read(VMCS_GUEST_INTERRUPTIBILITY) & INTERRUPTIBILITY_STI_MOVSS) &&
	       !(vmcs_read(VMCS_ENTRY_INTR_INFO) & INTR_INFO_VALID);
}

static void inject_event(uint8_t vector, uint32_t type)
{
	vmcs_write(VMCS_ENTRY_INTR_INFO, vector | (type << INTR_INFO_TYPE_SHIFT) | INTR_INFO_VALID);
}

static void vmx_vcpu_inject_interrupt(struct vcpu *v, uint8_t vector)
{
	(void)v;
	inject_event(vector, INTR_TYPE_EXT_INTR);
}

/* Virtual-NMI blocking lasts from an NMI's delivery to the guest's IRET (SDM 24.4.2, 25.3). */
static bool vmx_vcpu_nmi_allowed(struct vcpu *v)
{
	(void)v;
	return !(vmcs_read(VMCS_GUEST_INTERRUPTIBILITY) &
		 (INTERRUPTIBILITY_MOVSS | INTERRUPTIBILITY_NMI)) &&
	       !(vmcs_read(VMCS_ENTRY_INTR_INFO) & INTR_INFO_VALID);
}

/*
 * Blocking by STI goes: some CPUs refuse to inject an NMI with it (SDM
 * 26.3.1.5), and an entry that injects ends it anyway (26.6.1).
 */
static void vmx_vcpu_inject_nmi(struct vcpu *v)
{
	(void)v;
	vmcs_write(VMCS_GUEST_INTERRUPTIBILITY,
		   vmcs_read(VMCS_GUEST_INTERRUPTIBILITY) & ~(uint64_t)INTERRUPTIBILITY_STI);
	inject_event(2, INTR_TYPE_NMI);
}

/* NMI-window exiting (SDM 25.2): an exit once there is no virtual-NMI or MOV-SS blocking. */
static void vmx_vcpu_request_nmi_window(struct vcpu *v, bool on)
{
	uint64_t ctl = vmcs_read(VMCS_PROC_CONTROLS);

	(void)v;
	vmcs_write(VMCS_PROC_CONTROLS, on ? ctl | PROC_NMI_WINDOW_EXITING
					  : ctl & ~(uint64_t)PROC_NMI_WINDOW_EXITING);
}

/* Interrupt-window exiting (SDM 25.2): an exit as soon as RFLAGS.IF and no blocking allow. */
static void vmx_vcpu_request_interrupt_window(struct vcpu *v, bool on)
{
	uint64_t ctl = vmcs_read(VMCS_PROC_CONTROLS);

	(void)v;
	vmcs_write(VMCS_PROC_CONTROLS, on ? ctl | PROC_INTR_WINDOW_EXITING
					  : ctl & ~(uint64_t)PROC_INTR_WINDOW_EXITING);
}

static void vmx_vcpu_start_at_sipi(struct vcpu *v, uint8_t vector)
{
	vmcs_guest_start_at_sipi(v->arch, vector);
}

static void vmx_vcpu_read_control(struct vcpu *v, struct vcpu_control_regs *r)
{
	struct vmx_vcpu *x = v->arch;
	uint64_t cr0 = vmcs_read(VMCS_GUEST_CR0);
	uint64_t cs_ar = vmcs_read(VMCS_GUEST_CS_AR);

	*r = (struct vcpu_control_regs){
		.rip = vmcs_read(VMCS_GUEST_RIP),
		.rsp = vmcs_read(VMCS_GUEST_RSP),
		.rflags = vmcs_read(VMCS_GUEST_RFLAGS),
		/* SDM 25.3: the guest reads the shadow's bits where the mask is set. */
		.cr0 = (cr0 & ~x->cr0_mask) | (vmcs_read(VMCS_CR0_READ_SHADOW) & x->cr0_mask),
		.cr2 = x->cr2,
		.cr3 = vmcs_read(VMCS_GUEST_CR3),
		.cr4 = vmx_guest_visible_cr4(x),
		.efer = vmcs_read(VMCS_GUEST_EFER),
		.cs_base = vmcs_read(VMCS_GUEST_CS_BASE),
		.cs_sel = vmcs_read(VMCS_GUEST_CS_SEL),
		.cs_long = cs_ar & AR_L,
		.cs_db = cs_ar & AR_DB,
		.cpl = (vmcs_read(VMCS_GUEST_SS_AR) >> AR_DPL_SHIFT) & 3,
	};
}

static void vmx_vcpu_read_segments(struct vcpu *v, struct vcpu_segment_regs *s)
{
	(void)v;
	*s = (struct vcpu_segment_regs){
		.cs = vmcs_read(VMCS_GUEST_CS_SEL), .ss = vmcs_read(VMCS_GUEST_SS_SEL),
		.ds = vmcs_read(VMCS_GUEST_DS_SEL), .es = vmcs_read(VMCS_GUEST_ES_SEL),
		.fs = vmcs_read(VMCS_GUEST_FS_SEL), .gs = vmcs_read(VMCS_GUEST_GS_SEL),
		.fs_base = vmcs_read(VMCS_GUEST_FS_BASE), .gs_base = vmcs_read(VMCS_GUEST_GS_BASE),
	};
}

static void vmx_vcpu_write_frame(struct vcpu *v, uint64_t rip, uint64_t rsp, uint64_t rflags)
{
	(void)v;
	vmcs_write(VMCS_GUEST_RIP, rip);
	vmcs_write(VMCS_GUEST_RSP, rsp);
	vmcs_write(VMCS_GUEST_RFLAGS, rflags);
}

static uint64_t with_bit(uint64_t word, uint64_t bit, bool on)
{
	return on ? word | bit : word & ~bit;
}

/*
 * #BP exits through the exception bitmap (#DB, #AC and #MC stay in it) and
 * "MOV-DR exiting" (SDM 25.1.3: every MOV DR exits, after the CPL, CR4.DE
 * and DR7.GD checks, 25.1.1); the step is the monitor trap flag (26.5.2),
 * where the CPU has it.
 */
static bool vmx_vcpu_set_debug(struct vcpu *v, bool breakpoints, bool step)
{
	uint64_t allowed = rdmsr(MSR_IA32_VMX_PROCBASED) >> 32, ctl = vmcs_read(VMCS_PROC_CONTROLS);
	bool can_step = allowed & PROC_MONITOR_TRAP_FLAG;

	(void)v;
	vmcs_write(VMCS_EXCEPTION_BITMAP,
		   with_bit(vmcs_read(VMCS_EXCEPTION_BITMAP), BIT(VECTOR_BP), breakpoints));
	ctl = with_bit(ctl, PROC_MOV_DR_EXITING, breakpoints && (allowed & PROC_MOV_DR_EXITING));
	vmcs_write(VMCS_PROC_CONTROLS, with_bit(ctl, PROC_MONITOR_TRAP_FLAG, step && can_step));
	return !step || can_step;
}

static void vmx_vcpu_read_debug_regs(struct vcpu *v, struct vcpu_debug_regs *d)
{
	(void)v;
	read_debug_addrs(d->addr);
	d->dr7 = vmcs_read(VMCS_GUEST_DR7);
}

static void vmx_vcpu_write_debug_regs(struct vcpu *v, const struct vcpu_debug_regs *d)
{
	(void)v;
	write_debug_addrs(d->addr);
	vmcs_write(VMCS_GUEST_DR7, d->dr7);
}

static uint64_t vmx_vcpu_read_dr6(struct vcpu *v)
{
	(void)v;
	return read_dr6();
}

static void vmx_vcpu_write_dr6(struct vcpu *v, uint64_t dr6)
{
	(void)v;
	write_dr6(dr6);
}

static void vmx_vcpu_write_efer(struct vcpu *v, uint64_t efer)
{
	(void)v;
	vmcs_write(VMCS_GUEST_EFER, efer);
	sync_ia32e_mode();
}

static void vmx_vcpu_write_pat(struct vcpu *v, uint64_t pat)
{
	(void)v;
	vmcs_write(VMCS_GUEST_PAT, pat);
}

static void vmx_vcpu_write_tsc_offset(struct vcpu *v, uint64_t offset)
{
	(void)v;
	vmcs_write(VMCS_TSC_OFFSET, offset);
}

static uint64_t vmx_vcpu_rip(struct vcpu *v)
{
	(void)v;
	return vmcs_read(VMCS_GUEST_RIP);
}

/* INVEPT drops guest-physical and combined mappings for every VPID (SDM 30.4.3.4). */
static void vmx_vcpu_flush_nested(struct vcpu *v)
{
	(void)v;
	if (!invept_all())
		log_warn("cpu %u: INVEPT failed", this_cpu()->index);
}

const struct backend vmx_backend = {
	.name = "vmx",
	.cpu_enable = vmx_cpu_enable,
	.partition_init = vmx_partition_init,
	.partition_remap_page = ept_remap_page,
	.vcpu_flush_nested = vmx_vcpu_flush_nested,
	.hypercall_insn = { 0x0f, 0x01, 0xc1 }, /* VMCALL */
	.eoi_exit_bitmap = true,
	.vcpu_init = vmx_vcpu_init,
	.vcpu_run = vmx_vcpu_run,
	.vcpu_rip = vmx_vcpu_rip,
	.vcpu_skip_instruction = vmx_vcpu_skip_instruction,
	.vcpu_advance_rip = vmx_vcpu_advance_rip,
	.vcpu_inject_exception = vmx_vcpu_inject_exception,
	.vcpu_read_control = vmx_vcpu_read_control,
	.vcpu_read_segments = vmx_vcpu_read_segments,
	.vcpu_write_frame = vmx_vcpu_write_frame,
	.vcpu_set_debug = vmx_vcpu_set_debug,
	.vcpu_read_debug_regs = vmx_vcpu_read_debug_regs,
	.vcpu_write_debug_regs = vmx_vcpu_write_debug_regs,
	.vcpu_read_dr6 = vmx_vcpu_read_dr6,
	.vcpu_write_dr6 = vmx_vcpu_write_dr6,
	.vcpu_write_efer = vmx_vcpu_write_efer,
	.vcpu_write_pat = vmx_vcpu_write_pat,
	.vcpu_write_tsc_offset = vmx_vcpu_write_tsc_offset,
	.vcpu_cr_access = vmx_vcpu_cr_access,
	.vcpu_task_switch = vmx_vcpu_task_switch,
	.vcpu_interrupt_allowed = vmx_vcpu_interrupt_allowed,
	.vcpu_inject_interrupt = vmx_vcpu_inject_interrupt,
	.vcpu_nmi_allowed = vmx_vcpu_nmi_allowed,
	.vcpu_inject_nmi = vmx_vcpu_inject_nmi,
	.vcpu_request_nmi_window = vmx_vcpu_request_nmi_window,
	.vcpu_request_interrupt_window = vmx_vcpu_request_interrupt_window,
	.vcpu_start_at_sipi = vmx_vcpu_start_at_sipi,
	.vcpu_apic_update = vmx_vcpu_apic_update,
	.vcpu_set_eoi_exit_bitmap = vmx_vcpu_set_eoi_exit_bitmap,
	.vcpu_apic_mode_changed = vmx_vcpu_apic_mode_changed,
	.vcpu_set_apic_accelerated = vmx_vcpu_set_apic_accelerated,
	.vcpu_post_interrupt = vmx_vcpu_post_interrupt,
	.vcpu_sync_posted = vmx_vcpu_sync_posted,
	.vcpu_doorbell = vmx_vcpu_doorbell,
	.apic_mode = vmx_apic_mode,
	.describe_exit = vmx_describe_exit,
	.vcpu_dump_state = vmx_vcpu_dump_state,
	.vcpu_dump_controls = vmx_vcpu_dump_controls,
};

/*
 * The VMX backend: VMX root operation, the VMCS of each vCPU, VM entry and
 * the handling of the exits core/ need not see (Intel SDM vol. 3,
 * chapters 23-28). The VMCS set-up is in vmcs_setup.c, exit decoding in
 * vmx_exit.c, the EPT in ept.c, the entry code in vmx_entry.S.
 */
#include "core/backend.h"
#include "lib/fmt.h"
#include "mm/frames.h"
#include "host/lapic.h"
#include "console/log.h"
#include "core/partition.h"
#include "host/percpu.h"
#include "lib/string.h"
#include "lib/x86.h"
#include "vmx/ept.h"
#include "vmx/vmcs.h"
#include "vmx/vmx.h"

#define FEATURE_CONTROL_LOCKED     BIT(0)
#define FEATURE_CONTROL_VMX_NO_SMX BIT(2)

#define INVEPT_ALL_CONTEXT  2
#define INVVPID_ALL_CONTEXT 2

#define VECTOR_GP 13

static paddr_t msr_bitmap_pa;
static paddr_t msr_bitmap_x2apic_pa;

/* SDM 24.6.9: read-low, read-high, write-low, write-high bitmaps of 1 KiB each. */
static void msr_bitmap_allow(uint8_t *map, uint32_t msr, bool read, bool write)
{
	uint32_t base = msr >= 0xc0000000 ? 0x400 : 0;
	uint32_t bit = msr & 0x1fff;

	if (msr > 0x1fff && (msr < 0xc0000000 || msr > 0xc0001fff))
		return;
	if (read)
		map[base + bit / 8] &= ~(1u << (bit % 8));
	if (write)
		map[0x800 + base + bit / 8] &= ~(1u << (bit % 8));
}

/*
 * With x2APIC virtualization and APIC-register virtualization, RDMSR of
 * these x2APIC registers reads the virtual-APIC page, and WRMSR of TPR, EOI
 * and SELF_IPI is virtualized (SDM 29.5). Every other x2APIC MSR must exit:
 * without an exit the CPU would reach its own, physical, x2APIC. The
 * current count (0x839) is computed by the model, so it exits too.
 */
static void msr_bitmap_allow_x2apic(uint8_t *map)
{
	static const uint16_t readable[][2] = {
		{ 0x802, 0x803 }, { 0x808, 0x808 }, { 0x80a, 0x80a }, { 0x80d, 0x80d },
		{ 0x80f, 0x828 }, { 0x82f, 0x830 }, { 0x832, 0x838 }, { 0x83e, 0x83e },
	};

	for (unsigned int i = 0; i < ARRAY_SIZE(readable); i++)
		for (uint32_t msr = readable[i][0]; msr <= readable[i][1]; msr++)
			msr_bitmap_allow(map, msr, true, false);
	msr_bitmap_allow(map, 0x808, false, true); /* TPR */
	msr_bitmap_allow(map, 0x80b, false, true); /* EOI */
	msr_bitmap_allow(map, 0x83f, false, true); /* SELF_IPI */
}

/* One bitmap for every APIC mode but x2APIC under APICv, one for that. */
static paddr_t msr_bitmap_new(bool x2apic_virtualized)
{
	paddr_t pa = frames_alloc(1, 1, FRAMES_NO_LIMIT);

	if (!pa)
		return 0;
	memset(phys_to_virt(pa), 0xff, PAGE_SIZE);
	for (unsigned int i = 0; i < nr_msr_guest_owned; i++)
		msr_bitmap_allow(phys_to_virt(pa), msr_guest_owned[i], true, true);
	if (x2apic_virtualized)
		msr_bitmap_allow_x2apic(phys_to_virt(pa));
	return pa;
}

static bool msr_bitmap_init(void)
{
	msr_bitmap_pa = msr_bitmap_new(false);
	msr_bitmap_x2apic_pa = msr_bitmap_new(true);
	return msr_bitmap_pa && msr_bitmap_x2apic_pa;
}

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

/* APICv: APIC-access virtualization, APIC-register virtualization, virtual-interrupt delivery. */
static bool apicv_supported(void)
{
	const struct cpu_features *f = &this_cpu()->features;

	return cpu_has(f, FEAT_APIC_ACCESS) && cpu_has(f, FEAT_APIC_REG_VIRT) &&
	       cpu_has(f, FEAT_VIRT_INTR_DELIVERY);
}

static bool posted_supported(void)
{
	return cpu_has(&this_cpu()->features, FEAT_POSTED_INTR) && !backend_posted_intr_off;
}

/*
 * The APIC-access page: any page will do, the CPU only compares addresses
 * (SDM 29.4); EPT maps the guest's APIC base to it. It is the partition's
 * own: in x2APIC mode the guest reaches it as plain memory. A guest whose
 * RAM reaches the APIC base would hide it, so such a guest runs without APICv.
 */
static bool map_apic_access_page(struct partition *p)
{
	p->apic_page = frames_alloc_zeroed(1, 1, FRAMES_NO_LIMIT);
	return p->apic_page && p->mem_size <= VLAPIC_DEFAULT_BASE &&
	       ept_map_page(p, VLAPIC_DEFAULT_BASE, p->apic_page);
}

static bool vmx_partition_init(struct partition *p)
{
	if (!msr_bitmap_pa && !msr_bitmap_init())
		return false;
	if (!ept_build(p))
		return false;
	p->apic_accelerated = apicv_supported() && map_apic_access_page(p);
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
	x->pi_enabled = v->apic_accelerated && posted_supported();
	pi_desc_init(&x->pi, POSTED_INTR_VECTOR, this_cpu()->apic_id, lapic_x2apic_mode());
	*(uint32_t *)phys_to_virt(pa) = c->revision; /* bit 31 clear: not a shadow VMCS */
	if (!vmclear(pa) || !vmptrld(pa)) {
		log_err("vmx: VMCLEAR/VMPTRLD of a new VMCS failed");
		return false;
	}
	if (!vmcs_setup(x, v->partition, entry, msr_bitmap_pa, virt_to_phys(v->apic.regs),
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

static void inject_exception(uint8_t vector, bool has_error, uint32_t error_code)
{
	vmcs_write(VMCS_ENTRY_INTR_INFO, vector | (INTR_TYPE_HW_EXCEPTION << INTR_INFO_TYPE_SHIFT) |
						 (has_error ? INTR_INFO_ERROR_VALID : 0) |
						 INTR_INFO_VALID);
	if (has_error)
		vmcs_write(VMCS_ENTRY_EXCEPTION_ERROR, error_code);
}

static void advance_rip(uint64_t len)
{
	vmcs_write(VMCS_GUEST_RIP, vmcs_read(VMCS_GUEST_RIP) + len);
	vmcs_write(VMCS_GUEST_INTERRUPTIBILITY,
		   vmcs_read(VMCS_GUEST_INTERRUPTIBILITY) & ~(uint64_t)INTERRUPTIBILITY_STI_MOVSS);
}

static void skip_instruction(void)
{
	advance_rip(vmcs_read(VMCS_EXIT_INSN_LENGTH));
}

/* The register a CR-access qualification names (table 27-3: RAX, RCX, RDX, RBX, RSP, ...). */
static uint64_t *cr_access_gpr(struct vcpu *v, unsigned int n)
{
	struct guest_regs *r = &v->regs;
	uint64_t *regs[16] = { &r->rax, &r->rcx, &r->rdx, &r->rbx, NULL, &r->rbp, &r->rsi,
			       &r->rdi, &r->r8, &r->r9, &r->r10, &r->r11, &r->r12, &r->r13,
			       &r->r14, &r->r15 };

	return regs[n & 15];
}

/* SDM 25.3: the guest reads the shadow's bits where the mask is set, its own elsewhere. */
static uint64_t guest_visible_cr4(const struct vmx_vcpu *x)
{
	return (vmcs_read(VMCS_GUEST_CR4) & ~x->cr4_mask) |
	       (vmcs_read(VMCS_CR4_READ_SHADOW) & x->cr4_mask);
}

/* MOV to CR0 with paging changing under EFER.LME switches IA-32e mode (SDM vol. 3, 10.8.5). */
static void emulate_cr0_write(struct vmx_vcpu *x, uint64_t val)
{
	uint64_t efer = vmcs_read(VMCS_GUEST_EFER);

	if ((val & CR0_PG) && !(val & CR0_PE)) {
		inject_exception(VECTOR_GP, true, 0);
		return;
	}
	if ((efer & EFER_LME) && (val & CR0_PG) && !(guest_visible_cr4(x) & CR4_PAE)) {
		inject_exception(VECTOR_GP, true, 0);
		return;
	}
	if (efer & EFER_LME)
		vmcs_write(VMCS_GUEST_EFER, (val & CR0_PG) ? efer | EFER_LMA : efer & ~EFER_LMA);
	vmcs_write(VMCS_CR0_READ_SHADOW, val & x->cr0_mask);
	vmcs_write(VMCS_GUEST_CR0, vmx_guest_cr0(val));
	skip_instruction();
}

/*
 * A MOV to/from a control register that exits because it touches a bit
 * the guest/host masks keep (CR0.NE, CR4.VMXE, ...), because the CPU
 * forces CR3 exiting, or CR8 without a TPR shadow: emulated here; false if
 * this is one core must see.
 */
static bool vmx_vcpu_cr_access(struct vcpu *v, const struct exit_event *e)
{
	struct vmx_vcpu *x = v->arch;
	uint64_t qual = e->hw_info1;
	unsigned int cr = qual & 15, type = (qual >> 4) & 3, gpr = (qual >> 8) & 15;
	uint64_t *reg = cr_access_gpr(v, gpr);
	uint64_t val = reg ? *reg : vmcs_read(VMCS_GUEST_RSP);

	if (type == 1 && (cr == 3 || cr == 8)) { /* MOV from CR3 or CR8 */
		uint64_t from = cr == 3 ? vmcs_read(VMCS_GUEST_CR3) : vlapic_cr8_read(&v->apic);
		if (reg)
			*reg = from;
		else
			vmcs_write(VMCS_GUEST_RSP, from);
		skip_instruction();
		return true;
	}
	if (type != 0)
		return false;
	switch (cr) {
	case 0:
		emulate_cr0_write(x, val);
		return true;
	case 3:
		vmcs_write(VMCS_GUEST_CR3, val);
		skip_instruction();
		return true;
	case 4:
		if (val & CR4_VMXE) { /* the guest is not offered VMX */
			inject_exception(VECTOR_GP, true, 0);
			return true;
		}
		vmcs_write(VMCS_CR4_READ_SHADOW, val & x->cr4_mask);
		vmcs_write(VMCS_GUEST_CR4, vmx_guest_cr4(val));
		skip_instruction();
		return true;
	case 8:
		if (!vlapic_cr8_write(&v->apic, val))
			inject_exception(VECTOR_GP, true, 0);
		else
			skip_instruction();
		return true;
	}
	return false;
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
	skip_instruction();
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
	inject_exception(vector, has_error, error_code);
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
		.cr4 = guest_visible_cr4(x),
		.efer = vmcs_read(VMCS_GUEST_EFER),
		.cs_base = vmcs_read(VMCS_GUEST_CS_BASE),
		.cs_sel = vmcs_read(VMCS_GUEST_CS_SEL),
		.cs_long = cs_ar & AR_L,
		.cs_db = cs_ar & AR_DB,
		.cpl = (vmcs_read(VMCS_GUEST_SS_AR) >> AR_DPL_SHIFT) & 3,
	};
}

static void vmx_vcpu_write_efer(struct vcpu *v, uint64_t efer)
{
	(void)v;
	vmcs_write(VMCS_GUEST_EFER, efer);
	sync_ia32e_mode();
}

/* SDM 26.8 table: what the qualification of a VM-entry failure exit says. */
static const char *entry_failure_detail(uint64_t qual)
{
	switch (qual) {
	case 2: return "PDPTE loading";
	case 3: return "NMI injection";
	case 4: return "invalid VMCS link pointer";
	default: return "invalid guest state";
	}
}

static void vmx_describe_exit(const struct exit_event *e, char *buf, size_t size)
{
	if (e->hw_reason == VMX_HW_REASON_ENTRY_FAILED) {
		if (e->hw_info2)
			fmt_snprintf(buf, size, "VMLAUNCH/VMRESUME failed (VMfailValid): "
				     "VM-instruction error %lu (%s)",
				     e->hw_info1, vmx_insn_error_name(e->hw_info1));
		else
			fmt_snprintf(buf, size, "VMLAUNCH/VMRESUME failed (VMfailInvalid: no current VMCS)");
		return;
	}
	uint32_t basic = VMX_EXIT_REASON_BASIC(e->hw_reason);
	if (e->hw_reason & VMX_EXIT_ENTRY_FAILURE) {
		fmt_snprintf(buf, size, "VMX exit reason %u (VM entry failed: %s), qualification 0x%lx",
			     basic, basic == VMX_EXIT_INVALID_GUEST ? entry_failure_detail(e->hw_info1)
								    : vmx_exit_name(basic),
			     e->hw_info1);
		return;
	}
	fmt_snprintf(buf, size, "VMX exit reason %u (%s), qualification 0x%lx, guest-physical 0x%lx",
		     basic, vmx_exit_name(basic), e->hw_info1, e->hw_info2);
}

/*
 * The guest state VM entry checks (SDM vol. 3, 26.3.1): segments as
 * selector, access rights, limit and base, then the control state.
 */
static void vmx_vcpu_dump_state(struct vcpu *v)
{
	static const char *const names[] = { "es", "cs", "ss", "ds", "fs", "gs", "ldtr", "tr" };

	(void)v;
	log_err("  VMCS: cr0 %lx cr3 %lx cr4 %lx efer %lx rflags %lx entry-controls %lx",
		vmcs_read(VMCS_GUEST_CR0), vmcs_read(VMCS_GUEST_CR3), vmcs_read(VMCS_GUEST_CR4),
		vmcs_read(VMCS_GUEST_EFER), vmcs_read(VMCS_GUEST_RFLAGS),
		vmcs_read(VMCS_ENTRY_CONTROLS));
	log_err("  activity %lu interruptibility %lx gdtr %lx/%lx idtr %lx/%lx",
		vmcs_read(VMCS_GUEST_ACTIVITY_STATE), vmcs_read(VMCS_GUEST_INTERRUPTIBILITY),
		vmcs_read(VMCS_GUEST_GDTR_BASE), vmcs_read(VMCS_GUEST_GDTR_LIMIT),
		vmcs_read(VMCS_GUEST_IDTR_BASE), vmcs_read(VMCS_GUEST_IDTR_LIMIT));
	for (unsigned int i = 0; i < ARRAY_SIZE(names); i++)
		log_err("  %-4s sel %04lx ar %05lx limit %08lx base %016lx", names[i],
			vmcs_read(VMCS_GUEST_ES_SEL + 2 * i), vmcs_read(VMCS_GUEST_ES_AR + 2 * i),
			vmcs_read(VMCS_GUEST_ES_LIMIT + 2 * i), vmcs_read(VMCS_GUEST_ES_BASE + 2 * i));
}

static const char *vmx_apic_mode(void)
{
	if (!apicv_supported())
		return "software delivery (the CPU lacks APICv)";
	if (backend_posted_intr_off)
		return "APICv (APIC-register virtualization, virtual-interrupt delivery; "
		       "posted interrupts off: posted-intr=off)";
	return posted_supported() ? "APICv (APIC-register virtualization, virtual-interrupt "
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
static bool vmx_vcpu_post_interrupt(struct vcpu *v, uint8_t vector)
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
static bool vmx_vcpu_doorbell(struct vcpu *v)
{
	(void)v;
	return false;
}

static void vmx_vcpu_sync_posted(struct vcpu *v)
{
	struct vmx_vcpu *x = v->arch;

	if (x && x->pi_enabled)
		pi_sync_to_irr(&x->pi, &v->apic.regs[0x200 / 4]);
}

/* SDM 29.1.1: RVI and SVI, which the CPU evaluates at VM entry (29.2.1). */
static void vmx_vcpu_apic_update(struct vcpu *v, int highest_irr, int highest_isr)
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
static void vmx_vcpu_apic_mode_changed(struct vcpu *v)
{
	bool x2apic = v->apic_accelerated && vlapic_x2apic_enabled(&v->apic) &&
		      cpu_has(&this_cpu()->features, FEAT_X2APIC_VIRT);
	uint64_t ctl = vmcs_read(VMCS_PROC_CONTROLS2) & ~(uint64_t)(PROC2_VIRT_APIC_ACCESS |
								  PROC2_VIRT_X2APIC);

	vmcs_write(VMCS_PROC_CONTROLS2, ctl | (x2apic ? PROC2_VIRT_X2APIC : PROC2_VIRT_APIC_ACCESS));
	vmcs_write(VMCS_MSR_BITMAP, x2apic ? msr_bitmap_x2apic_pa : msr_bitmap_pa);
}

/*
 * APICv off for one vCPU: "virtualize APIC accesses" stays, so that every
 * access to the APIC page (which EPT maps for the partition) exits to the
 * decoder; without the TPR shadow the other APICv controls must be 0 (SDM
 * 26.2.1.1) and CR8 must exit. On again: the controls vmcs_setup() gave.
 */
static bool vmx_vcpu_set_apic_accelerated(struct vcpu *v, bool on)
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

static void vmx_vcpu_set_eoi_exit_bitmap(struct vcpu *v, const uint64_t bitmap[4])
{
	(void)v;
	for (unsigned int i = 0; i < 4; i++)
		vmcs_write(VMCS_EOI_EXIT_BITMAP0 + 2 * i, bitmap[i]);
}

/* The execution, exit and entry controls and the last exit (SDM vol. 3, 25.6-25.9). */
static void vmx_vcpu_dump_controls(struct vcpu *v)
{
	(void)v;
	log_err("  VMCS controls: pin %lx proc %lx proc2 %lx exit %lx entry %lx exceptions %lx",
		vmcs_read(VMCS_PIN_CONTROLS), vmcs_read(VMCS_PROC_CONTROLS),
		vmcs_read(VMCS_PROC_CONTROLS2), vmcs_read(VMCS_EXIT_CONTROLS),
		vmcs_read(VMCS_ENTRY_CONTROLS), vmcs_read(VMCS_EXCEPTION_BITMAP));
	log_err("  VMCS vpid %lx eptp %lx interruptibility %lx intr status %lx tpr threshold %lx",
		vmcs_read(VMCS_VPID), vmcs_read(VMCS_EPT_POINTER),
		vmcs_read(VMCS_GUEST_INTERRUPTIBILITY), vmcs_read(VMCS_GUEST_INTR_STATUS),
		vmcs_read(VMCS_TPR_THRESHOLD));
	log_err("  VMCS exit: reason %lx qualification %lx intr info %lx idt vectoring %lx entry intr %lx",
		vmcs_read(VMCS_EXIT_REASON), vmcs_read(VMCS_EXIT_QUALIFICATION),
		vmcs_read(VMCS_EXIT_INTR_INFO), vmcs_read(VMCS_IDT_VECTORING_INFO),
		vmcs_read(VMCS_ENTRY_INTR_INFO));
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
	.vcpu_write_efer = vmx_vcpu_write_efer,
	.vcpu_cr_access = vmx_vcpu_cr_access,
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

/*
 * The SVM backend (AMD APM vol. 2, chapter 15): enabling SVM on each CPU, the
 * I/O and MSR permission maps, VMCB set-up, VMRUN, and the operations core/
 * calls on a vCPU. The decoding of #VMEXIT is in svm_exit.c, the CR0/CR4
 * writes in cr_access.c, what a crash report shows of the VMCB in svm_dump.c.
 */
#include "core/backend.h"
#include "mm/frames.h"
#include "svm/insn.h"
#include "core/partition.h"
#include "host/percpu.h"
#include "lib/string.h"
#include "lib/x86.h"
#include "svm/avic.h"
#include "svm/npt.h"
#include "svm/svm.h"
#include "svm/svm_nmi.h"
#include "svm/vmcb.h"

#define MSR_VM_HSAVE_PA 0xc0010117

#define IOPM_PAGES  3
#define MSRPM_PAGES 2

/* The guest's PAT at reset (APM vol. 2, 7.8.2) */

/* Segment attributes, the VMCB's packed form of descriptor bits 8-15, 20-23 */
#define ATTR_CODE32 0xc9b /* G, D, P, S, execute/read, accessed */
#define ATTR_DATA32 0xc93 /* G, B, P, S, read/write, accessed */
#define ATTR_TSS32  0x08b /* P, busy 32-bit TSS */
#define ATTR_LDT    0x082 /* P, LDT */
#define ATTR_CODE16 0x09b /* P, S, execute/read, accessed: real mode */
#define ATTR_DATA16 0x093 /* P, S, read/write, accessed */

struct svm_cpu {
	paddr_t hsave;     /* VM_HSAVE_PA: where VMRUN keeps the host state */
	paddr_t host_save; /* a VMCB for VMSAVE/VMLOAD of the host's FS/GS/TR/... */
};

void svm_vmrun(struct guest_regs *regs, paddr_t vmcb, paddr_t host_save);

static paddr_t iopm_pa, msrpm_pa;
static bool has_nrip_save;

static inline void clgi(void) { asm volatile("clgi" ::: "memory"); }
static inline void stgi(void) { asm volatile("stgi" ::: "memory"); }

/* APM vol. 2, 15.11: two bits per MSR (read, write) in three 2-KiB ranges */
static void msrpm_allow(uint8_t *map, uint32_t msr)
{
	static const uint32_t range_base[] = { 0x00000000, 0xc0000000, 0xc0010000 };

	for (unsigned int r = 0; r < ARRAY_SIZE(range_base); r++) {
		if (msr < range_base[r] || msr - range_base[r] >= 0x2000)
			continue;
		uint32_t bit = (r * 0x2000 + (msr - range_base[r])) * 2;
		map[bit / 8] &= ~(3u << (bit % 8)); /* the read and the write bit */
	}
}

/* One I/O map (every port intercepted) and one MSR map, shared read-only. */
static bool svm_maps_init(void)
{
	iopm_pa = frames_alloc(IOPM_PAGES, 1, FRAMES_NO_LIMIT);
	msrpm_pa = frames_alloc(MSRPM_PAGES, 1, FRAMES_NO_LIMIT);
	if (!iopm_pa || !msrpm_pa)
		return false;
	memset(phys_to_virt(iopm_pa), 0xff, IOPM_PAGES * PAGE_SIZE);
	memset(phys_to_virt(msrpm_pa), 0xff, MSRPM_PAGES * PAGE_SIZE);
	for (unsigned int i = 0; i < nr_msr_guest_owned; i++)
		msrpm_allow(phys_to_virt(msrpm_pa), msr_guest_owned[i]);
	has_nrip_save = cpu_has(&this_cpu()->features, FEAT_NRIP_SAVE);
	return true;
}

static bool svm_cpu_enable(void)
{
	struct svm_cpu *c;
	paddr_t pa = frames_alloc_zeroed(3, 1, FRAMES_NO_LIMIT);

	if (!pa)
		return false;
	c = phys_to_virt(pa);
	c->hsave = pa + PAGE_SIZE;
	c->host_save = pa + 2 * PAGE_SIZE;
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
	wrmsr(MSR_VM_HSAVE_PA, c->hsave);
	asm volatile("vmsave %0" ::"a"(c->host_save) : "memory");
	this_cpu()->backend_data = c;
	return true;
}

/* On the boot CPU, before any CPU runs a vCPU: the shared maps are built once here. */
static bool svm_partition_init(struct partition *p)
{
	if (!iopm_pa && !svm_maps_init())
		return false;
	if (!npt_build(p))
		return false;
	p->apic_accelerated = avic_supported() && avic_partition_init(p);
	return true;
}

static void set_segment(struct vmcb_segment *s, uint16_t sel, uint16_t attrib, uint32_t limit)
{
	*s = (struct vmcb_segment){ .selector = sel, .attrib = attrib, .limit = limit, .base = 0 };
}

/* Multiboot: 32-bit protected mode, paging off, flat segments, IF clear. */
static void vmcb_init_save(struct vmcb_save *s, const struct vcpu *v, uint32_t entry)
{
	set_segment(&s->cs, 0x08, ATTR_CODE32, 0xffffffff);
	set_segment(&s->ds, 0x10, ATTR_DATA32, 0xffffffff);
	s->es = s->ss = s->fs = s->gs = s->ds;
	set_segment(&s->tr, 0, ATTR_TSS32, 0x67);
	set_segment(&s->ldtr, 0, ATTR_LDT, 0);
	set_segment(&s->gdtr, 0, 0, 0xffff);
	set_segment(&s->idtr, 0, 0, 0x3ff);
	s->cr0 = CR0_PE | BIT(4); /* ET */
	s->efer = EFER_SVME;      /* required in the guest's VMCB (APM 15.5.1) */
	s->rflags = BIT(1);
	s->rip = entry;
	s->dr6 = 0xffff0ff0;
	s->dr7 = 0x400;
	s->g_pat = v->msrs.pat;
}

/*
 * CR0 and CR4 writes are intercepted, to be checked against the guest's CPU
 * model (cr_access.c); CR3 and CR8 (V_TPR) and every read are the guest's.
 */
static void vmcb_init_control(struct vmcb_control *c, const struct partition *p)
{
	c->intercept_cr = INTERCEPT_CR_WRITE(0) | INTERCEPT_CR_WRITE(4);
	c->intercept_exceptions = BIT(1) | BIT(17) | BIT(18); /* #DB, #AC, #MC */
	c->intercept_misc1 = INTERCEPT_INTR | INTERCEPT_NMI | INTERCEPT_SMI | INTERCEPT_INIT |
			     INTERCEPT_CPUID | INTERCEPT_HLT | INTERCEPT_INVLPGA |
			     INTERCEPT_IOIO_PROT | INTERCEPT_MSR_PROT | INTERCEPT_SHUTDOWN;
	c->intercept_misc2 = INTERCEPT_VMRUN | INTERCEPT_VMMCALL | INTERCEPT_VMLOAD |
			     INTERCEPT_VMSAVE | INTERCEPT_STGI | INTERCEPT_CLGI |
			     INTERCEPT_SKINIT | INTERCEPT_MONITOR | INTERCEPT_MWAIT |
			     INTERCEPT_XSETBV;
	c->iopm_base_pa = iopm_pa;
	c->msrpm_base_pa = msrpm_pa;
	c->guest_asid = p->id + 1; /* ASID 0 is the host's */
	/* The host's IF, not the guest's, gates physical interrupts (APM 15.21.1). */
	c->int_control = V_INTR_MASKING;
	c->tlb_control = TLB_CONTROL_FLUSH_ALL;
	c->nested_control = NP_ENABLE;
	c->nested_cr3 = p->nested_root;
}

static bool svm_vcpu_init(struct vcpu *v, uint32_t entry)
{
	paddr_t pa = frames_alloc_zeroed(2, 1, FRAMES_NO_LIMIT);
	struct svm_vcpu *s;

	if (!pa)
		return false;
	s = phys_to_virt(pa + PAGE_SIZE);
	s->vmcb = phys_to_virt(pa);
	s->vmcb_pa = pa;
	vmcb_init_control(&s->vmcb->control, v->partition);
	vmcb_init_save(&s->vmcb->save, v, entry);
	s->vmcb->control.tsc_offset = v->msrs.tsc_offset;
	if (v->apic_accelerated)
		avic_vcpu_init(v, s->vmcb);
	v->arch = s;
	return true;
}

/*
 * An exit taken while the CPU was delivering an event (EXITINTINFO valid)
 * must not lose that event: inject it again on the next VMRUN (APM 15.7.2).
 */
static void requeue_interrupted_event(struct vmcb_control *c)
{
	c->event_inj = (c->exit_int_info & EVENT_VALID) ? c->exit_int_info : 0;
}

/*
 * Guest CR8 writes land in V_TPR (V_INTR_MASKING, APM 15.21.4): hand the
 * model's TPR over before VMRUN and take a changed V_TPR back after.
 */
static void tpr_to_vtpr(struct vcpu *v, struct vmcb_control *c)
{
	c->int_control = (c->int_control & ~V_TPR_MASK) | (uint32_t)vlapic_cr8_read(&v->apic);
}

static void vtpr_to_tpr(struct vcpu *v, const struct vmcb_control *c)
{
	uint32_t v_tpr = c->int_control & V_TPR_MASK;

	if (v_tpr != vlapic_cr8_read(&v->apic))
		vlapic_cr8_write(&v->apic, v_tpr);
}

static void svm_vcpu_run(struct vcpu *v, struct exit_event *e)
{
	struct svm_vcpu *s = v->arch;
	struct vmcb_control *c = &s->vmcb->control;
	struct svm_cpu *cpu = this_cpu()->backend_data;

	if (s->avic_logical_dirty) {
		avic_update_logical_table(v->partition);
		s->avic_logical_dirty = false;
	}
	if (v->apic_accelerated)
		avic_set_running(v, true);
	else
		tpr_to_vtpr(v, c);
	s->vmcb->save.rax = v->regs.rax;
	/*
	 * GIF holds host interrupts until VMRUN; with IF set, one arriving in
	 * the guest then exits (V_INTR_MASKING), and after #VMEXIT GIF holds it
	 * again until the exit handler lets the host take it.
	 */
	clgi();
	irq_enable();
	svm_vmrun(&v->regs, s->vmcb_pa, cpu->host_save);
	irq_disable();
	stgi();
	if (v->apic_accelerated)
		avic_set_running(v, false);
	else
		vtpr_to_tpr(v, c);
	v->regs.rax = s->vmcb->save.rax;
	c->tlb_control = 0;
	requeue_interrupted_event(c);
	e->in_delivery = c->exit_int_info & EVENT_VALID;
	e->hw_reason = c->exit_code;
	e->hw_info1 = c->exit_info1;
	e->hw_info2 = c->exit_info2;
	e->reason = svm_nmi_after_exit(&s->nmi, s->vmcb) ? EXIT_NMI_WINDOW
							  : svm_decode_exit(s->vmcb, e);
	if (e->reason == EXIT_APIC_WRITE && (e->apic_offset == 0xd0 || e->apic_offset == 0xe0))
		s->avic_logical_dirty = true;
	if (e->reason == EXIT_DR_ACCESS && !cpu_has(&this_cpu()->features, FEAT_DECODE_ASSISTS) &&
	    !insn_decode_mov_dr(v, &e->dr.gpr))
		e->reason = EXIT_UNKNOWN; /* its bytes unreadable: crash report */
}

/*
 * The next RIP: from the CPU where it tells (NRIP save, or EXITINFO2 for
 * IN/OUT, APM 15.10.2), else from decoding the instruction at RIP.
 */
static void svm_vcpu_skip_instruction(struct vcpu *v, const struct exit_event *e)
{
	struct svm_vcpu *s = v->arch;
	struct vmcb *vmcb = s->vmcb;

	if (has_nrip_save)
		vmcb->save.rip = vmcb->control.next_rip;
	else if (e->reason == EXIT_IO)
		vmcb->save.rip = vmcb->control.exit_info2;
	else
		vmcb->save.rip += insn_length(v, e->reason);
	vmcb->control.int_state &= ~1ULL; /* the instruction retired: no interrupt shadow */
}

static void svm_vcpu_advance_rip(struct vcpu *v, unsigned int len)
{
	struct vmcb *vmcb = ((struct svm_vcpu *)v->arch)->vmcb;

	vmcb->save.rip += len;
	vmcb->control.int_state &= ~1ULL;
}

static void svm_vcpu_inject_exception(struct vcpu *v, uint8_t vector, bool has_error,
				      uint32_t error_code)
{
	struct svm_vcpu *s = v->arch;

	s->vmcb->control.event_inj = vector | EVENT_TYPE_EXCEPTION | EVENT_VALID |
				     (has_error ? EVENT_ERROR_VALID : 0) |
				     ((uint64_t)error_code << 32);
	if (x86_vector_is_fault(vector))
		s->vmcb->save.rflags |= RFLAGS_RF;
}

static void svm_vcpu_read_control(struct vcpu *v, struct vcpu_control_regs *r)
{
	const struct vmcb_save *s = &((struct svm_vcpu *)v->arch)->vmcb->save;

	*r = (struct vcpu_control_regs){
		.rip = s->rip, .rsp = s->rsp, .rflags = s->rflags,
		.cr0 = s->cr0, .cr2 = s->cr2, .cr3 = s->cr3, .cr4 = s->cr4,
		.efer = s->efer & ~EFER_SVME,
		.cs_base = s->cs.base, .cs_sel = s->cs.selector,
		.cs_long = s->cs.attrib & BIT(9), .cs_db = s->cs.attrib & BIT(10),
		.cpl = s->cpl,
	};
}

static struct vmcb *vmcb_of(struct vcpu *v) { return ((struct svm_vcpu *)v->arch)->vmcb; }

static void svm_vcpu_read_segments(struct vcpu *v, struct vcpu_segment_regs *r)
{
	const struct vmcb_save *s = &vmcb_of(v)->save;

	*r = (struct vcpu_segment_regs){
		.cs = s->cs.selector, .ss = s->ss.selector, .ds = s->ds.selector,
		.es = s->es.selector, .fs = s->fs.selector, .gs = s->gs.selector,
		.fs_base = s->fs.base, .gs_base = s->gs.base,
	};
}

/*
 * #BP through the exception intercepts (#DB, #AC and #MC stay on), and the
 * debug registers' reads and writes (the debugger owns them); the step
 * is RFLAGS.TF, whose #DB the #DB intercept catches (SVM has no monitor
 * trap flag), the guest's own TF and DR6.BS put back when it ends.
 */
static bool svm_vcpu_set_debug(struct vcpu *v, bool breakpoints, bool step)
{
	struct svm_vcpu *s = v->arch;
	struct vmcb *vmcb = s->vmcb;

	/* MOV DR0-DR5 and DR7 (DR4 and DR5 may alias DR6 and DR7); DR6 stays the guest's */
	vmcb->control.intercept_dr = breakpoints ? INTERCEPT_DR_RW(0xbf) : 0;
	vmcb->control.intercept_exceptions = breakpoints
		? vmcb->control.intercept_exceptions | BIT(VECTOR_BP)
		: vmcb->control.intercept_exceptions & ~(uint32_t)BIT(VECTOR_BP);
	if (step && !s->stepping)
		s->guest_tf = vmcb->save.rflags & RFLAGS_TF;
	if (!step && s->stepping)
		vmcb->save.rflags = (vmcb->save.rflags & ~RFLAGS_TF) | (s->guest_tf ? RFLAGS_TF : 0);
	if (!step)
		vmcb->save.dr6 &= ~(DR6_BS | DR6_B0_B3); /* what the debugger's #DB left there */
	if (step)
		vmcb->save.rflags |= RFLAGS_TF;
	s->stepping = step;
	return true;
}

static void svm_vcpu_read_debug_regs(struct vcpu *v, struct vcpu_debug_regs *d)
{
	read_debug_addrs(d->addr);
	d->dr7 = vmcb_of(v)->save.dr7;
}

static void svm_vcpu_write_debug_regs(struct vcpu *v, const struct vcpu_debug_regs *d)
{
	write_debug_addrs(d->addr);
	vmcb_of(v)->save.dr7 = d->dr7;
}

static uint64_t svm_vcpu_read_dr6(struct vcpu *v)
{
	return vmcb_of(v)->save.dr6;
}

static void svm_vcpu_write_dr6(struct vcpu *v, uint64_t dr6)
{
	vmcb_of(v)->save.dr6 = dr6;
}

static void svm_vcpu_write_frame(struct vcpu *v, uint64_t rip, uint64_t rsp, uint64_t rflags)
{
	struct vmcb_save *s = &vmcb_of(v)->save;

	s->rip = rip;
	s->rsp = rsp;
	s->rflags = rflags;
}

static bool svm_vcpu_interrupt_allowed(struct vcpu *v)
{
	const struct vmcb *vmcb = vmcb_of(v);

	return (vmcb->save.rflags & BIT(9)) && !(vmcb->control.int_state & 1) &&
	       !(vmcb->control.event_inj & EVENT_VALID);
}

static void svm_vcpu_inject_interrupt(struct vcpu *v, uint8_t vector)
{
	vmcb_of(v)->control.event_inj = vector | EVENT_TYPE_INTR | EVENT_VALID;
}

static bool svm_vcpu_nmi_allowed(struct vcpu *v)
{
	struct svm_vcpu *s = v->arch;

	return svm_nmi_allowed(&s->nmi, s->vmcb);
}

static void svm_vcpu_inject_nmi(struct vcpu *v)
{
	struct svm_vcpu *s = v->arch;

	svm_nmi_inject(&s->nmi, s->vmcb);
}

static void svm_vcpu_request_nmi_window(struct vcpu *v, bool on)
{
	struct svm_vcpu *s = v->arch;

	svm_nmi_request_window(&s->nmi, s->vmcb, on);
}

/* A virtual interrupt nobody will take: its only use is the VINTR exit (APM 15.21.4). */
static void svm_vcpu_request_interrupt_window(struct vcpu *v, bool on)
{
	struct vmcb_control *c = &vmcb_of(v)->control;

	if (on) {
		c->int_control |= V_IRQ | V_INTR_PRIO_MAX | V_IGN_TPR;
		c->intercept_misc1 |= INTERCEPT_VINTR;
	} else {
		c->int_control &= ~(V_IRQ | V_INTR_PRIO_MAX | V_IGN_TPR);
		c->intercept_misc1 &= ~INTERCEPT_VINTR;
	}
}

/* Real mode at CS = vector << 8, IP = 0 (SDM 9.4.4.1; APM 15.3 for the VMCB). */
static void svm_vcpu_start_at_sipi(struct vcpu *v, uint8_t vector)
{
	struct vmcb_save *s = &vmcb_of(v)->save;

	set_segment(&s->cs, (uint16_t)vector << 8, ATTR_CODE16, 0xffff);
	s->cs.base = (uint64_t)vector << 12;
	set_segment(&s->ds, 0, ATTR_DATA16, 0xffff);
	s->es = s->ss = s->fs = s->gs = s->ds;
	set_segment(&s->tr, 0, ATTR_TSS32, 0xffff);
	set_segment(&s->ldtr, 0, ATTR_LDT, 0xffff);
	set_segment(&s->gdtr, 0, 0, 0xffff);
	set_segment(&s->idtr, 0, 0, 0xffff);
	s->cr0 = BIT(4); /* ET */
	s->cr2 = s->cr3 = s->cr4 = 0;
	s->efer = EFER_SVME;
	s->rflags = BIT(1);
	s->rip = s->rsp = 0;
	s->cpl = 0;
	vmcb_of(v)->control.event_inj = 0;
	vmcb_of(v)->control.int_state = 0;
	svm_nmi_reset(&((struct svm_vcpu *)v->arch)->nmi, vmcb_of(v));
}

/* The guest's VMCB must keep EFER.SVME set, whatever the guest thinks (APM 15.5.1). */
static void svm_vcpu_write_efer(struct vcpu *v, uint64_t efer)
{
	((struct svm_vcpu *)v->arch)->vmcb->save.efer = efer | EFER_SVME;
}

/* Under nested paging the guest's PAT is G_PAT, loaded by VMRUN (APM 15.25.8). */
static void svm_vcpu_write_pat(struct vcpu *v, uint64_t pat)
{
	vmcb_of(v)->save.g_pat = pat;
}

static void svm_vcpu_write_tsc_offset(struct vcpu *v, uint64_t offset)
{
	vmcb_of(v)->control.tsc_offset = offset;
}

static const char *svm_apic_mode(void)
{
	if (!avic_supported())
		return "software delivery (the CPU lacks AVIC)";
	return avic_erratum() ? "AVIC (xAPIC mode; x2APIC falls back to software delivery); AMD "
				"erratum 1235: IsRunning never set, every IPI woken through the "
				"incomplete-IPI exit"
			      : "AVIC (xAPIC mode; x2APIC falls back to software delivery)";
}

/* AVIC evaluates the backing page's IRR at VMRUN: nothing to hand over. */
static void svm_vcpu_apic_update(struct vcpu *v, int highest_irr, int highest_isr)
{
	(void)v;
	(void)highest_irr;
	(void)highest_isr;
}

/*
 * AVIC has no EOI-exit bitmap: EOIs of level-triggered vectors (TMR) trap
 * by themselves, others cannot be made to exit.
 */
static void svm_vcpu_set_eoi_exit_bitmap(struct vcpu *v, const uint64_t bitmap[4])
{
	(void)v;
	(void)bitmap;
}

/* Nothing is posted on SVM: senders set IRR in the backing page and ring the doorbell. */
static bool svm_vcpu_post_interrupt(struct vcpu *v, uint8_t vector)
{
	(void)v;
	(void)vector;
	return false;
}

static void svm_vcpu_sync_posted(struct vcpu *v) { (void)v; }

static bool svm_vcpu_doorbell(struct vcpu *v) { return avic_doorbell(v); }

static void svm_vcpu_apic_mode_changed(struct vcpu *v)
{
	avic_mode_changed(v, vmcb_of(v));
}

static uint64_t svm_vcpu_rip(struct vcpu *v) { return vmcb_of(v)->save.rip; }

/* The next VMRUN flushes the ASID's TLB entries (APM vol. 2, 15.16.1). */
static void svm_vcpu_flush_nested(struct vcpu *v)
{
	vmcb_of(v)->control.tlb_control = TLB_CONTROL_FLUSH_ALL;
}

/*
 * AVIC cannot be turned off for one vCPU here: the APIC page is mapped in
 * the partition's nested page tables, which a software APIC would need
 * unmapped. Only a change to what the vCPU already has succeeds.
 */
static bool svm_vcpu_set_apic_accelerated(struct vcpu *v, bool on)
{
	return on == v->apic_accelerated;
}

const struct backend svm_backend = {
	.name = "svm",
	.cpu_enable = svm_cpu_enable,
	.partition_init = svm_partition_init,
	.partition_remap_page = npt_remap_page,
	.vcpu_flush_nested = svm_vcpu_flush_nested,
	.hypercall_insn = { 0x0f, 0x01, 0xd9 }, /* VMMCALL */
	.vcpu_init = svm_vcpu_init,
	.vcpu_run = svm_vcpu_run,
	.vcpu_rip = svm_vcpu_rip,
	.vcpu_skip_instruction = svm_vcpu_skip_instruction,
	.vcpu_advance_rip = svm_vcpu_advance_rip,
	.vcpu_inject_exception = svm_vcpu_inject_exception,
	.vcpu_read_control = svm_vcpu_read_control,
	.vcpu_read_segments = svm_vcpu_read_segments,
	.vcpu_write_frame = svm_vcpu_write_frame,
	.vcpu_set_debug = svm_vcpu_set_debug,
	.vcpu_read_debug_regs = svm_vcpu_read_debug_regs,
	.vcpu_write_debug_regs = svm_vcpu_write_debug_regs,
	.vcpu_read_dr6 = svm_vcpu_read_dr6,
	.vcpu_write_dr6 = svm_vcpu_write_dr6,
	.vcpu_write_efer = svm_vcpu_write_efer,
	.vcpu_write_pat = svm_vcpu_write_pat,
	.vcpu_write_tsc_offset = svm_vcpu_write_tsc_offset,
	.vcpu_cr_access = svm_vcpu_cr_access,
	.vcpu_interrupt_allowed = svm_vcpu_interrupt_allowed,
	.vcpu_inject_interrupt = svm_vcpu_inject_interrupt,
	.vcpu_nmi_allowed = svm_vcpu_nmi_allowed,
	.vcpu_inject_nmi = svm_vcpu_inject_nmi,
	.vcpu_request_nmi_window = svm_vcpu_request_nmi_window,
	.vcpu_request_interrupt_window = svm_vcpu_request_interrupt_window,
	.vcpu_start_at_sipi = svm_vcpu_start_at_sipi,
	.apic_mode = svm_apic_mode,
	.vcpu_apic_update = svm_vcpu_apic_update,
	.vcpu_set_eoi_exit_bitmap = svm_vcpu_set_eoi_exit_bitmap,
	.vcpu_post_interrupt = svm_vcpu_post_interrupt,
	.vcpu_sync_posted = svm_vcpu_sync_posted,
	.vcpu_doorbell = svm_vcpu_doorbell,
	.vcpu_apic_mode_changed = svm_vcpu_apic_mode_changed,
	.vcpu_set_apic_accelerated = svm_vcpu_set_apic_accelerated,
	.describe_exit = svm_describe_exit,
	.vcpu_dump_state = svm_vcpu_dump_state,
	.vcpu_dump_controls = svm_vcpu_dump_controls,
};

/*
 * The CR0 and CR4 writes SVM intercepts (APM vol. 2, 15.9: MOV to CR0 or
 * CR4, LMSW, CLTS; CR3 and CR8 stay the guest's): checked as the CPU checks
 * them, then refused with #GP(0), RIP left on the instruction, or done as
 * the CPU does them. Without the intercepts the guest's writes reached the
 * VMCB unchecked against its CPU model: a bit of a hidden feature (LA57,
 * PKE without PKU, CET, ...) was set on the host's behalf, and under an
 * emulator that does not check either, a reserved bit made the next VMRUN
 * fail. The rules are lib/cr_write.c's, shared with vmx/cr_access.c (SDM
 * vol. 2, MOV to/from Control Registers; APM vol. 3, MOV CRn, LMSW, CLTS;
 * APM vol. 2, 3.1.1-3.1.3).
 */
#include "core/backend.h"
#include "core/guest_mem.h"
#include "host/percpu.h"
#include "lib/cr_write.h"
#include "lib/x86.h"
#include "svm/insn.h"
#include "svm/svm.h"
#include "svm/vmcb.h"

/* VMCB segment attributes (descriptor bits 8-15, 20-23): the type, and L */
#define ATTR_TYPE_MASK  0xfu
#define ATTR_L          BIT(9)
/* CPUID 8000000A:EDX[6], FlushByAsid: TLB_CONTROL may flush one ASID (APM 15.16.1) */
#define SVM_FEATURE_FLUSH_BY_ASID BIT(6)

static struct cr_state guest_cr_state(const struct vmcb_save *s)
{
	unsigned int tr_type = s->tr.attrib & ATTR_TYPE_MASK;

	return (struct cr_state){
		.cr0 = s->cr0, .cr3 = s->cr3, .cr4 = s->cr4, .efer = s->efer,
		.cs_long = s->cs.attrib & ATTR_L,
		.tss16 = tr_type == TSS16_AVAILABLE || tr_type == TSS16_BUSY,
	};
}

/*
 * The CPU would have flushed its TLB; the next VMRUN flushes the guest's
 * ASID where it can, else everything (never less than a flush already due).
 */
static void flush_guest_tlb(struct vmcb_control *c)
{
	static int by_asid = -1;

	if (by_asid < 0)
		by_asid = !!(cpuid(0x8000000a, 0).edx & SVM_FEATURE_FLUSH_BY_ASID);
	if (c->tlb_control != TLB_CONTROL_FLUSH_ALL)
		c->tlb_control = by_asid ? TLB_CONTROL_FLUSH_ASID : TLB_CONTROL_FLUSH_ALL;
}

/*
 * ET reads 1 and the reserved bits of 31:0 are ignored; paging turned on or
 * off with EFER.LME set activates or leaves long mode, EFER.LMA (APM vol.
 * 2, 14.6).
 */
static bool emulate_cr0_write(struct vmcb *vmcb, uint64_t val)
{
	struct vmcb_save *s = &vmcb->save;
	struct cr_state st = guest_cr_state(s);

	if (cr0_write_faults(&st, val))
		return false;
	val = (val & CR0_ARCH_BITS) | CR0_ET;
	if ((s->efer & EFER_LME) && ((val ^ s->cr0) & CR0_PG))
		s->efer = (val & CR0_PG) ? s->efer | EFER_LMA : s->efer & ~EFER_LMA;
	if ((val ^ s->cr0) & CR0_FLUSH_BITS)
		flush_guest_tlb(&vmcb->control);
	s->cr0 = val;
	return true;
}

static bool emulate_cr4_write(const struct vcpu *v, struct vmcb *vmcb, uint64_t val)
{
	struct vmcb_save *s = &vmcb->save;
	struct cr_state st = guest_cr_state(s);

	if (cr4_write_faults(v->cr4_valid, &st, val))
		return false;
	if ((val ^ s->cr4) & CR4_FLUSH_BITS)
		flush_guest_tlb(&vmcb->control);
	s->cr4 = val;
	return true;
}

/* The guest's registers by number (RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8-R15). */
static void guest_gprs(const struct vcpu *v, const struct vmcb *vmcb, uint64_t g[16])
{
	const struct guest_regs *r = &v->regs;
	const uint64_t regs[16] = { r->rax, r->rcx, r->rdx, r->rbx, vmcb->save.rsp, r->rbp,
				    r->rsi, r->rdi, r->r8, r->r9, r->r10, r->r11, r->r12,
				    r->r13, r->r14, r->r15 };

	for (unsigned int i = 0; i < 16; i++)
		g[i] = regs[i];
}

/* LMSW's word in memory, at its segment's base (only FS's and GS's count in 64-bit code). */
static bool read_msw(struct vcpu *v, const struct vmcb *vmcb, const struct cr_insn *i,
		     uint16_t *msw)
{
	const struct vmcb_segment *segs[] = { &vmcb->save.es, &vmcb->save.cs, &vmcb->save.ss,
					      &vmcb->save.ds, &vmcb->save.fs, &vmcb->save.gs };
	struct vcpu_control_regs c;
	bool long64 = (vmcb->save.efer & EFER_LMA) && (vmcb->save.cs.attrib & ATTR_L);
	uint64_t base = long64 && i->seg < SEG_FS ? 0 : segs[i->seg]->base;
	uint64_t linear = base + i->offset;

	backend->vcpu_read_control(v, &c);
	return gva_read(v, &c, long64 ? linear : (uint32_t)linear, msw, sizeof(*msw));
}

/*
 * The value the instruction writes: MOV's register (64 bits in 64-bit
 * code, else 32), CR0 without TS for CLTS, CR0 with LMSW's four bits.
 */
static bool written_value(struct vcpu *v, const struct vmcb *vmcb, const struct cr_insn *i,
			  const uint64_t g[16], uint64_t *val)
{
	const struct cr_state st = guest_cr_state(&vmcb->save);
	uint16_t msw;

	switch (i->kind) {
	case CR_INSN_MOV:
		*val = cr_in_64bit_code(&st) ? g[i->gpr] : (uint32_t)g[i->gpr];
		return true;
	case CR_INSN_CLTS:
		*val = st.cr0 & ~CR0_TS;
		return true;
	case CR_INSN_LMSW:
		if (i->mem && !read_msw(v, vmcb, i, &msw))
			return false;
		if (!i->mem)
			msw = (uint16_t)g[i->gpr];
		*val = (st.cr0 & ~CR0_LMSW_BITS) | (st.cr0 & CR0_PE) | (msw & CR0_LMSW_BITS);
		return true;
	}
	return false;
}

/*
 * The instruction that exited: with decode assists, a MOV names its
 * register in EXITINFO1; otherwise (and for the length without NRIP save)
 * it is decoded at RIP. It must be one a write to this CR intercepts.
 */
static bool decode(struct vcpu *v, const struct exit_event *e, unsigned int cr, bool nrip,
		   const uint64_t g[16], struct cr_insn *i)
{
	bool assisted = cpu_has(&this_cpu()->features, FEAT_DECODE_ASSISTS) &&
			(e->hw_info1 & CR_EXITINFO_MOV);

	*i = (struct cr_insn){ .kind = CR_INSN_MOV, .cr = cr };
	if ((!assisted || !nrip) && !insn_decode_cr_write(v, g, i))
		return false;
	if (assisted) {
		i->kind = CR_INSN_MOV;
		i->cr = cr;
		i->gpr = e->hw_info1 & CR_EXITINFO_GPR_MASK;
	}
	return i->kind == CR_INSN_MOV ? i->cr == cr : cr == 0;
}

/*
 * EXIT_CR_ACCESS: a CR0 or CR4 write. False (core/ reports the guest
 * crashed) only if the instruction cannot be read or is not one the
 * intercept stops.
 */
bool svm_vcpu_cr_access(struct vcpu *v, const struct exit_event *e)
{
	struct vmcb *vmcb = ((struct svm_vcpu *)v->arch)->vmcb;
	unsigned int cr = e->hw_reason == SVM_EXIT_CR0_WRITE ? 0 : 4;
	bool nrip = cpu_has(&this_cpu()->features, FEAT_NRIP_SAVE);
	uint64_t g[16], val;
	struct cr_insn i;
	bool ok;

	guest_gprs(v, vmcb, g);
	if (!decode(v, e, cr, nrip, g, &i) || !written_value(v, vmcb, &i, g, &val))
		return false;
	ok = cr == 0 ? emulate_cr0_write(vmcb, val) : emulate_cr4_write(v, vmcb, val);
	if (!ok)
		backend->vcpu_inject_exception(v, VECTOR_GP, true, 0);
	else if (nrip)
		backend->vcpu_skip_instruction(v, e);
	else
		backend->vcpu_advance_rip(v, i.length);
	return true;
}

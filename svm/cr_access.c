/*
 * The CR0 and CR4 writes SVM intercepts (APM vol. 2, 15.9: MOV to CR0 or
 * CR4, LMSW, CLTS; CR3 and CR8 stay the guest's): checked as the CPU checks
 * them, then refused with #GP(0), RIP left on the instruction, or done as
 * the CPU does them. Without the intercepts the guest's writes reached the
 * VMCB unchecked against its CPU model: a bit of a hidden feature (LA57,
 * PKE without PKU, CET, ...) was set on the host's behalf, and under an
 * emulator that does not check either, a reserved bit made the next VMRUN
 * fail. The rules are vmx/cr_access.c's (SDM vol. 2, MOV to/from Control
 * Registers; APM vol. 3, MOV CRn, LMSW, CLTS; APM vol. 2, 3.1.1-3.1.3).
 */
#include "core/backend.h"
#include "core/guest_mem.h"
#include "host/percpu.h"
#include "lib/x86.h"
#include "svm/insn.h"
#include "svm/svm.h"
#include "svm/vmcb.h"

#define CR0_MP BIT(1)
#define CR0_EM BIT(2)
#define CR0_TS BIT(3)
#define CR0_ET BIT(4)
#define CR0_NE BIT(5)
#define CR0_AM BIT(18)
#define CR0_NW BIT(29)
#define CR0_CD BIT(30)
/* The bits CR0 has; the others of 31:0 are reserved and ignored when written (APM vol. 2, 3.1.1) */
#define CR0_ARCH_BITS (CR0_PE | CR0_MP | CR0_EM | CR0_TS | CR0_ET | CR0_NE | CR0_WP | CR0_AM | \
		       CR0_NW | CR0_CD | CR0_PG)
/* The bits LMSW loads (APM vol. 3, LMSW): PE, MP, EM, TS; it never clears PE */
#define CR0_LMSW_BITS (CR0_PE | CR0_MP | CR0_EM | CR0_TS)

#define CR4_PSE   BIT(4)
#define CR4_LA57  BIT(12)
#define CR4_PCIDE BIT(17)
#define CR4_SMEP  BIT(20)
#define CR4_SMAP  BIT(21)
#define CR4_PKE   BIT(22)
#define CR4_CET   BIT(23)
#define CR3_PCID  0xfffUL

/* Changing these flushes the TLB (APM vol. 2, 5.5; SDM vol. 3, 4.10.4.1) */
#define CR0_FLUSH_BITS (CR0_PG | CR0_PE | CR0_WP)
#define CR4_FLUSH_BITS (CR4_PGE | CR4_PAE | CR4_PSE | CR4_PCIDE | CR4_SMEP | CR4_SMAP | \
			CR4_PKE | CR4_LA57)

/* VMCB segment attributes (descriptor bits 8-15, 20-23): the type, and L */
#define ATTR_TYPE_MASK  0xfu
#define ATTR_L          BIT(9)
#define TSS16_AVAILABLE 1
#define TSS16_BUSY      3

/* CPUID 8000000A:EDX[6], FlushByAsid: TLB_CONTROL may flush one ASID (APM 15.16.1) */
#define SVM_FEATURE_FLUSH_BY_ASID BIT(6)

/* What the MOV-to-CR rules read of the guest. */
struct cr_state {
	uint64_t cr0, cr3, cr4, efer;
	bool cs_long; /* CS.L: with EFER.LMA, 64-bit code */
	bool tss16;   /* TR holds a 16-bit TSS */
};

static struct cr_state guest_cr_state(const struct vmcb_save *s)
{
	unsigned int tr_type = s->tr.attrib & ATTR_TYPE_MASK;

	return (struct cr_state){
		.cr0 = s->cr0, .cr3 = s->cr3, .cr4 = s->cr4, .efer = s->efer,
		.cs_long = s->cs.attrib & ATTR_L,
		.tss16 = tr_type == TSS16_AVAILABLE || tr_type == TSS16_BUSY,
	};
}

static bool in_64bit_code(const struct cr_state *s)
{
	return (s->efer & EFER_LMA) && s->cs_long;
}

/*
 * MOV to CR0 that the CPU refuses with #GP(0) (APM vol. 3, MOV CRn; SDM
 * vol. 2, MOV to CR): bits 63:32; PG without PE; NW without CD; WP cleared
 * while CR4.CET is set; PG cleared in 64-bit code or with CR4.PCIDE set; PG
 * set with EFER.LME (long-mode activation, APM vol. 2, 14.6) without
 * CR4.PAE, from a 64-bit code segment or with a 16-bit TSS in TR.
 */
static bool cr0_write_faults(const struct cr_state *s, uint64_t val)
{
	bool pg_on = (val & CR0_PG) && !(s->cr0 & CR0_PG);
	bool pg_off = !(val & CR0_PG) && (s->cr0 & CR0_PG);

	if ((val >> 32) || ((val & CR0_PG) && !(val & CR0_PE)) ||
	    ((val & CR0_NW) && !(val & CR0_CD)) || (!(val & CR0_WP) && (s->cr4 & CR4_CET)))
		return true;
	if (pg_off && (in_64bit_code(s) || (s->cr4 & CR4_PCIDE)))
		return true;
	return pg_on && (s->efer & EFER_LME) && (!(s->cr4 & CR4_PAE) || s->cs_long || s->tss16);
}

/*
 * MOV to CR4 that the CPU refuses with #GP(0) (APM vol. 3, MOV CRn; SDM
 * vol. 2, MOV to CR): a bit the guest's CPUID does not offer (reserved, or
 * a hidden feature's); in long mode PAE cleared or LA57 changed; PCIDE set
 * outside long mode or, from 0, with CR3[11:0] not 0; CET set while CR0.WP
 * is clear.
 */
static bool cr4_write_faults(const struct vcpu *v, const struct cr_state *s, uint64_t val)
{
	bool long_mode = s->efer & EFER_LMA;

	if ((val & ~v->cr4_valid) || ((val & CR4_CET) && !(s->cr0 & CR0_WP)))
		return true;
	if (long_mode && (!(val & CR4_PAE) || ((val ^ s->cr4) & CR4_LA57)))
		return true;
	if ((val & CR4_PCIDE) && !long_mode)
		return true;
	return (val & CR4_PCIDE) && !(s->cr4 & CR4_PCIDE) && (s->cr3 & CR3_PCID);
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

	if (cr4_write_faults(v, &st, val))
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
		*val = in_64bit_code(&st) ? g[i->gpr] : (uint32_t)g[i->gpr];
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

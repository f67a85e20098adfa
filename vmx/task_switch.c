/*
 * Hardware task switches (Intel SDM vol. 3, 8.3 "Task Switching"), which
 * VMX makes exit whatever their source (26.4.2): CALL or JMP to a TSS or a
 * task gate, IRET with EFLAGS.NT, and an event whose IDT entry is a task
 * gate. Before the exit the CPU checked the gate's and the TSS descriptor's
 * privilege, presence and limit; this carries out the rest as the CPU does:
 * the TSS descriptor's type and busy bit (table 8-1), the state saved into
 * the current TSS, the busy bits and the link, TR, CR3, EFLAGS, EIP and the
 * registers loaded, the new task's LDT and segments checked and loaded,
 * CR0.TS set, and an exception's error code pushed on the new stack.
 * 16-bit TSSs as well as 32-bit ones; not the TSS's debug-trap bit.
 */
#include "core/backend.h"
#include "core/guest_mem.h"
#include "lib/x86.h"
#include "vmx/vmcs.h"
#include "vmx/vmx.h"

/* The exit qualification of a task switch (SDM vol. 3, table 27-2) */
enum task_switch_source { SOURCE_CALL, SOURCE_IRET, SOURCE_JMP, SOURCE_GATE };

/* The 32-bit TSS (SDM vol. 3, figure 8-2) */
struct tss32 {
	uint32_t link, esp0, ss0, esp1, ss1, esp2, ss2, cr3, eip, eflags;
	uint32_t eax, ecx, edx, ebx, esp, ebp, esi, edi;
	uint32_t es, cs, ss, ds, fs, gs, ldt;
	uint16_t trap, iomap;
} __attribute__((packed));
_Static_assert(sizeof(struct tss32) == 0x68, "32-bit TSS");
#define TSS32_STATE_OFFSET 0x20 /* EIP to GS: what a switch saves */
#define TSS32_STATE_SIZE   0x40

/* The 16-bit TSS (SDM vol. 3, figure 8-11): no CR3, FS or GS */
struct tss16 {
	uint16_t link, sp0, ss0, sp1, ss1, sp2, ss2, ip, flags;
	uint16_t ax, cx, dx, bx, sp, bp, si, di;
	uint16_t es, cs, ss, ds, ldt;
} __attribute__((packed));
_Static_assert(sizeof(struct tss16) == 0x2c, "16-bit TSS");
#define TSS16_STATE_OFFSET 0x0e /* IP to DS */
#define TSS16_STATE_SIZE   0x1a

/* Segment descriptors (SDM vol. 3, 3.4.5 and 3.5): the high dword */
#define DESC_TYPE(hi)   (((hi) >> 8) & 0xf)
#define DESC_DPL(hi)    (((hi) >> 13) & 3)
#define DESC_S          BIT(12)
#define DESC_P          BIT(15)
#define DESC_G          BIT(23)
#define TYPE_ACCESSED   1
#define TYPE_TSS_BUSY   2
#define TYPE_RW         2 /* data: writable; code: readable */
#define TYPE_CONFORMING 4
#define TYPE_CODE       8
#define TYPE_LDT        2
#define TYPE_TSS16      1
#define TYPE_TSS32      9
#define TYPE_TSS_32BIT  8 /* of a TSS's type: 32-bit rather than 16-bit */
#define SEL_TI          BIT(2)
#define SEL_RPL(sel)    ((sel) & 3)

#define EFLAGS_NT       BIT(14)
#define EFLAGS_VM       BIT(17)
#define EFLAGS_ARCH     0x3f7fd5u /* CF..ID, bit 1 apart */
#define AR_V86          0xf3      /* DPL 3, present, read/write, accessed */

enum { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_LDTR, SEG_TR };

/* A fault of the switch: its vector and error code, or none (vector 0). */
struct ts_fault {
	uint8_t vector;
	uint16_t code;
};

struct task_switch {
	struct vcpu *v;
	struct vcpu_control_regs c;
	enum task_switch_source source;
	uint16_t sel, old_sel;
	uint32_t vectoring;     /* the event a gate delivers, else 0 */
	uint64_t new_base, old_base;
	struct tss32 tss;       /* the new task's, a 16-bit one widened */
	bool new_tss16, old_tss16;
	uint8_t cpl;
};

static struct ts_fault fault(uint8_t vector, uint16_t sel) { return (struct ts_fault){ vector, sel & 0xfffc }; }
static const struct ts_fault no_fault;

static uint64_t desc_base(uint64_t d)
{
	return ((d >> 16) & 0xffffff) | ((d >> 32) & 0xff000000);
}

static uint32_t desc_limit(uint64_t d)
{
	uint32_t limit = (d & 0xffff) | ((d >> 32) & 0xf0000);

	return (d >> 32) & DESC_G ? limit << 12 | 0xfff : limit;
}

/* The VMCS access rights: descriptor bits 40-47 and 52-55 (SDM vol. 3, table 24-2). */
static uint32_t desc_ar(uint64_t d) { return (d >> 40) & 0xf0ff; }

/* The descriptor a selector names in the GDT or the current LDT; false past the table. */
static bool read_desc(struct task_switch *t, uint16_t sel, uint64_t *d, uint64_t *where)
{
	uint64_t base = sel & SEL_TI ? vmcs_read(VMCS_GUEST_LDTR_BASE) : vmcs_read(VMCS_GUEST_GDTR_BASE);
	uint32_t limit = sel & SEL_TI ? vmcs_read(VMCS_GUEST_LDTR_LIMIT) : vmcs_read(VMCS_GUEST_GDTR_LIMIT);

	if ((sel & SEL_TI) && (vmcs_read(VMCS_GUEST_LDTR_AR) & AR_UNUSABLE))
		return false;
	if ((sel | 7u) > limit)
		return false;
	*where = base + (sel & ~7u);
	return gva_read(t->v, &t->c, *where, d, sizeof(*d));
}

static bool write_desc_hi(struct task_switch *t, uint64_t where, uint64_t d)
{
	uint32_t hi = d >> 32;

	return gva_write(t->v, &t->c, where + 4, &hi, sizeof(hi));
}

/*
 * Table 8-1, before the commit: the new TSS descriptor is in the GDT, a
 * TSS (16- or 32-bit), available for CALL, JMP and a gate, busy for IRET,
 * and its limit covers the TSS.
 */
static struct ts_fault check_new_tss(struct task_switch *t, uint64_t *d, uint64_t *where)
{
	uint8_t bad = t->source == SOURCE_IRET ? VECTOR_TS : VECTOR_GP;
	uint32_t type, size;

	if ((t->sel & SEL_TI) || !read_desc(t, t->sel, d, where))
		return fault(bad, t->sel);
	type = DESC_TYPE(*d >> 32);
	if ((*d >> 32) & DESC_S || (type & ~(TYPE_TSS_BUSY | TYPE_TSS_32BIT)) != TYPE_TSS16)
		return fault(bad, t->sel);
	if (!!(type & TYPE_TSS_BUSY) != (t->source == SOURCE_IRET))
		return fault(bad, t->sel);
	t->new_tss16 = !(type & TYPE_TSS_32BIT);
	size = t->new_tss16 ? sizeof(struct tss16) : sizeof(struct tss32);
	if (desc_limit(*d) < size - 1)
		return fault(VECTOR_TS, t->sel);
	return no_fault;
}

/* Where the old task goes on: after CALL, JMP, IRET or a software interrupt; at a fault or an interrupt. */
static uint32_t old_eip(const struct task_switch *t)
{
	uint32_t type = (t->vectoring & INTR_INFO_TYPE_MASK) >> INTR_INFO_TYPE_SHIFT;
	bool after = t->source != SOURCE_GATE || type == INTR_TYPE_SW_INTR ||
		     type == INTR_TYPE_PRIV_SW_EXC || type == INTR_TYPE_SW_EXCEPTION;

	return t->c.rip + (after ? vmcs_read(VMCS_EXIT_INSN_LENGTH) : 0);
}

/* The current state into the current TSS: EIP to GS, or IP to DS (SDM vol. 3, 8.3, step 9). */
static bool save_old_task(struct task_switch *t)
{
	const struct guest_regs *r = &t->v->regs;
	uint32_t eflags = t->c.rflags & (t->source == SOURCE_IRET ? ~EFLAGS_NT : ~0u);
	uint32_t state[16] = { old_eip(t), eflags, r->rax, r->rcx, r->rdx, r->rbx, t->c.rsp,
			       r->rbp, r->rsi, r->rdi };
	uint16_t state16[13];

	for (unsigned int seg = SEG_ES; seg <= SEG_GS; seg++)
		state[10 + seg] = vmcs_read(VMCS_GUEST_ES_SEL + 2 * seg);
	if (!t->old_tss16)
		return gva_write(t->v, &t->c, t->old_base + TSS32_STATE_OFFSET, state,
				 TSS32_STATE_SIZE);
	for (unsigned int i = 0; i < 13; i++)
		state16[i] = (uint16_t)state[i];
	return gva_write(t->v, &t->c, t->old_base + TSS16_STATE_OFFSET, state16, TSS16_STATE_SIZE);
}

/*
 * A 16-bit TSS read as the 32-bit one it stands for: the registers' low
 * halves (zero-extended), no CR3 (the current one stays), FS and GS as they are.
 */
static bool read_new_tss(struct task_switch *t)
{
	struct tss16 n;

	if (!t->new_tss16)
		return gva_read(t->v, &t->c, t->new_base, &t->tss, sizeof(t->tss));
	if (!gva_read(t->v, &t->c, t->new_base, &n, sizeof(n)))
		return false;
	t->tss = (struct tss32){
		.link = n.link, .cr3 = t->c.cr3, .eip = n.ip, .eflags = n.flags,
		.eax = n.ax, .ecx = n.cx, .edx = n.dx, .ebx = n.bx, .esp = n.sp, .ebp = n.bp,
		.esi = n.si, .edi = n.di, .es = n.es, .cs = n.cs, .ss = n.ss, .ds = n.ds,
		.fs = vmcs_read(VMCS_GUEST_FS_SEL), .gs = vmcs_read(VMCS_GUEST_GS_SEL), .ldt = n.ldt,
	};
	return true;
}

/*
 * The busy bits (table 8-2): JMP and IRET free the old task, CALL, JMP and
 * a gate mark the new one busy; CALL and a gate link it back to the old one
 * (8.4). The old TSS descriptor is read again: it may be the new one's.
 */
static bool switch_busy_bits(struct task_switch *t, uint64_t where)
{
	uint64_t old, old_where, d;

	if (t->source == SOURCE_JMP || t->source == SOURCE_IRET) {
		if (!read_desc(t, t->old_sel, &old, &old_where) ||
		    !write_desc_hi(t, old_where, old & ~((uint64_t)TYPE_TSS_BUSY << 40)))
			return false;
	}
	if (t->source == SOURCE_IRET)
		return true;
	if (!read_desc(t, t->sel, &d, &where) ||
	    !write_desc_hi(t, where, d | (uint64_t)TYPE_TSS_BUSY << 40))
		return false;
	if (t->source == SOURCE_JMP)
		return true;
	t->tss.link = t->old_sel;
	t->tss.eflags |= EFLAGS_NT;
	return gva_write(t->v, &t->c, t->new_base, &t->tss.link, sizeof(uint16_t));
}

static void write_segment(unsigned int seg, uint16_t sel, uint64_t base, uint32_t limit,
			  uint32_t ar)
{
	vmcs_write(VMCS_GUEST_ES_SEL + 2 * seg, sel);
	vmcs_write(VMCS_GUEST_ES_BASE + 2 * seg, base);
	vmcs_write(VMCS_GUEST_ES_LIMIT + 2 * seg, limit);
	vmcs_write(VMCS_GUEST_ES_AR + 2 * seg, ar);
}

/* A segment's descriptor, accessed bit set in memory as the CPU sets it; false past its table. */
static bool load_desc(struct task_switch *t, uint16_t sel, uint64_t *d)
{
	uint64_t where;

	if (!read_desc(t, sel, d, &where))
		return false;
	if (!((*d >> 40) & TYPE_ACCESSED) && ((*d >> 32) & DESC_S)) {
		*d |= (uint64_t)TYPE_ACCESSED << 40;
		write_desc_hi(t, where, *d);
	}
	return true;
}

/* The new task's LDT: null (unusable) or an LDT descriptor of the GDT (table 8-1). */
static struct ts_fault load_ldt(struct task_switch *t, uint16_t sel)
{
	uint64_t d;

	if (!(sel & ~3u)) {
		write_segment(SEG_LDTR, sel, 0, 0, AR_UNUSABLE);
		return no_fault;
	}
	if ((sel & SEL_TI) || !load_desc(t, sel, &d) || ((d >> 32) & DESC_S) ||
	    DESC_TYPE(d >> 32) != TYPE_LDT || !((d >> 32) & DESC_P))
		return fault(VECTOR_TS, sel);
	write_segment(SEG_LDTR, sel, desc_base(d), desc_limit(d), desc_ar(d));
	return no_fault;
}

/* CS of the new task (table 8-1): a present code segment whose DPL is its RPL (at most, if conforming). */
static struct ts_fault check_cs(struct task_switch *t, uint16_t cs, uint64_t *d)
{
	uint32_t hi, type;

	if (!(cs & ~3u) || !load_desc(t, cs, d))
		return fault(VECTOR_TS, cs);
	hi = *d >> 32;
	type = DESC_TYPE(hi);
	if (!(hi & DESC_S) || !(type & TYPE_CODE) ||
	    (type & TYPE_CONFORMING ? DESC_DPL(hi) > t->cpl : DESC_DPL(hi) != t->cpl))
		return fault(VECTOR_TS, cs);
	return hi & DESC_P ? no_fault : fault(VECTOR_NP, cs);
}

/* SS of the new task (table 8-1): a present writable data segment at the new CPL. */
static struct ts_fault check_ss(struct task_switch *t, uint16_t ss, uint64_t *d)
{
	uint32_t hi, type;

	if (!(ss & ~3u) || SEL_RPL(ss) != t->cpl || !load_desc(t, ss, d))
		return fault(VECTOR_TS, ss);
	hi = *d >> 32;
	type = DESC_TYPE(hi);
	if (!(hi & DESC_S) || (type & TYPE_CODE) || !(type & TYPE_RW) || DESC_DPL(hi) != t->cpl)
		return fault(VECTOR_TS, ss);
	return hi & DESC_P ? no_fault : fault(VECTOR_SS, ss);
}

/*
 * CS and SS; the first fault, if any. A faulting CS or SS still holds its
 * new selector (SDM vol. 3, 8.3, after the commit point) over a flat segment
 * at the new CPL, so that VM entry takes the state and the fault is
 * delivered in the new task, through its IDT gate.
 */
static struct ts_fault load_cs_ss(struct task_switch *t)
{
	uint16_t cs = t->tss.cs, ss = t->tss.ss;
	uint32_t dpl = (uint32_t)SEL_RPL(cs) << AR_DPL_SHIFT;
	struct ts_fault f;
	uint64_t dc, ds;

	t->cpl = SEL_RPL(cs);
	f = check_cs(t, cs, &dc);
	if (f.vector) {
		write_segment(SEG_CS, cs, 0, 0xffffffff, AR_CODE32 | dpl);
		write_segment(SEG_SS, (ss & ~3u) | t->cpl, 0, 0xffffffff, AR_DATA32 | dpl);
		return f;
	}
	write_segment(SEG_CS, cs, desc_base(dc), desc_limit(dc), desc_ar(dc));
	f = check_ss(t, ss, &ds);
	if (f.vector)
		write_segment(SEG_SS, (ss & ~3u) | t->cpl, 0, 0xffffffff, AR_DATA32 | dpl);
	else
		write_segment(SEG_SS, ss, desc_base(ds), desc_limit(ds), desc_ar(ds));
	return f;
}

/* DS, ES, FS or GS: null (unusable), or readable and within reach of the CPL (table 8-1). */
static struct ts_fault load_data_segment(struct task_switch *t, unsigned int seg, uint16_t sel)
{
	uint64_t d;
	uint32_t type, hi;

	write_segment(seg, sel, 0, 0, AR_UNUSABLE);
	if (!(sel & ~3u))
		return no_fault;
	if (!load_desc(t, sel, &d))
		return fault(VECTOR_TS, sel);
	hi = d >> 32;
	type = DESC_TYPE(hi);
	if (!(hi & DESC_S) || ((type & TYPE_CODE) && !(type & TYPE_RW)))
		return fault(VECTOR_TS, sel);
	if ((!(type & TYPE_CODE) || !(type & TYPE_CONFORMING)) &&
	    (SEL_RPL(sel) > DESC_DPL(hi) || t->cpl > DESC_DPL(hi)))
		return fault(VECTOR_TS, sel);
	if (!(hi & DESC_P))
		return fault(VECTOR_NP, sel);
	write_segment(seg, sel, desc_base(d), desc_limit(d), desc_ar(d));
	return no_fault;
}

/* Virtual-8086 mode: each segment's base is its selector times 16 (SDM vol. 3, 20.1.1). */
static void load_v86_segments(const struct tss32 *n)
{
	const uint32_t sels[] = { n->es, n->cs, n->ss, n->ds, n->fs, n->gs };

	for (unsigned int seg = SEG_ES; seg <= SEG_GS; seg++)
		write_segment(seg, sels[seg], (uint64_t)(sels[seg] & 0xffff) << 4, 0xffff, AR_V86);
}

/* The first of two faults */
static struct ts_fault first(struct ts_fault a, struct ts_fault b) { return a.vector ? a : b; }

/* The new task's LDT and segments, in the CPU's order; the first fault it would raise. */
static struct ts_fault load_segments(struct task_switch *t)
{
	const struct tss32 *n = &t->tss;
	const uint32_t data[] = { [SEG_ES] = n->es, [SEG_DS] = n->ds, [SEG_FS] = n->fs,
				  [SEG_GS] = n->gs };
	struct ts_fault f = load_ldt(t, n->ldt);

	if (n->eflags & EFLAGS_VM) {
		load_v86_segments(n);
		return f;
	}
	f = first(f, load_cs_ss(t));
	for (unsigned int seg = SEG_ES; seg <= SEG_GS; seg++)
		if (seg != SEG_CS && seg != SEG_SS)
			f = first(f, load_data_segment(t, seg, data[seg]));
	return f;
}

/* CR3 of a new 32-bit task where paging is on, with its PDPTEs under PAE paging (#GP if invalid). */
static bool load_cr3(struct task_switch *t)
{
	if (!(t->c.cr0 & CR0_PG) || t->new_tss16)
		return true;
	if ((t->c.cr4 & CR4_PAE) && !vmx_load_pdptes(t->v, t->tss.cr3))
		return false;
	if (t->tss.cr3 != t->c.cr3)
		vmx_flush_guest_tlb();
	vmcs_write(VMCS_GUEST_CR3, t->tss.cr3);
	t->c.cr3 = t->tss.cr3; /* the new task's descriptors are read through its own tables */
	return true;
}

/* TR, CR0.TS, EFLAGS, EIP and the general registers of the new task (8.3, steps 10-12). */
static void load_task_registers(struct task_switch *t, uint64_t d)
{
	struct guest_regs *r = &t->v->regs;
	const struct tss32 *n = &t->tss;

	write_segment(SEG_TR, t->sel, t->new_base, desc_limit(d),
		      desc_ar(d) | TYPE_TSS_BUSY);
	vmcs_write(VMCS_GUEST_CR0, vmcs_read(VMCS_GUEST_CR0) | CR0_TS);
	vmcs_write(VMCS_GUEST_RFLAGS, (n->eflags & EFLAGS_ARCH) | BIT(1));
	vmcs_write(VMCS_GUEST_RIP, n->eip);
	vmcs_write(VMCS_GUEST_RSP, n->esp);
	r->rax = n->eax;
	r->rcx = n->ecx;
	r->rdx = n->edx;
	r->rbx = n->ebx;
	r->rbp = n->ebp;
	r->rsi = n->esi;
	r->rdi = n->edi;
}

/* An exception's error code, pushed on the new task's stack, 16 bits for a 16-bit TSS (8.3, step 14). */
static bool push_error_code(struct task_switch *t)
{
	uint32_t code = vmcs_read(VMCS_IDT_VECTORING_ERROR), size = t->new_tss16 ? 2 : 4;
	uint32_t esp = (uint32_t)vmcs_read(VMCS_GUEST_RSP) - size;

	if (!(t->vectoring & INTR_INFO_ERROR_VALID))
		return true;
	vmcs_write(VMCS_GUEST_RSP, esp);
	return gva_write(t->v, &t->c, vmcs_read(VMCS_GUEST_SS_BASE) + esp, &code, size);
}

/*
 * The event a gate delivers is delivered by this switch: it is not injected
 * again; an NMI blocks NMIs until the new task's IRET (SDM vol. 3, 6.7.1).
 * The switch ends blocking by STI and MOV SS.
 */
static void consume_event(struct task_switch *t)
{
	uint64_t blocking = vmcs_read(VMCS_GUEST_INTERRUPTIBILITY) & ~(uint64_t)INTERRUPTIBILITY_STI_MOVSS;
	uint32_t type = (t->vectoring & INTR_INFO_TYPE_MASK) >> INTR_INFO_TYPE_SHIFT;

	if (t->source != SOURCE_GATE)
		return;
	vmcs_write(VMCS_ENTRY_INTR_INFO, 0);
	if ((t->vectoring & INTR_INFO_VALID) && type == INTR_TYPE_NMI)
		blocking |= INTERRUPTIBILITY_NMI;
	vmcs_write(VMCS_GUEST_INTERRUPTIBILITY, blocking);
}

static void task_switch_init(struct task_switch *t, struct vcpu *v, const struct exit_event *e)
{
	*t = (struct task_switch){
		.v = v,
		.source = (e->hw_info1 >> 30) & 3,
		.sel = e->hw_info1 & 0xffff,
		.old_sel = vmcs_read(VMCS_GUEST_TR_SEL),
		.old_base = vmcs_read(VMCS_GUEST_TR_BASE),
		.old_tss16 = !(vmcs_read(VMCS_GUEST_TR_AR) & TYPE_TSS_32BIT),
	};
	if (t->source == SOURCE_GATE)
		t->vectoring = vmcs_read(VMCS_IDT_VECTORING_INFO);
	backend->vcpu_read_control(v, &t->c);
}

/* The commit: from here on the new task is current and its faults are its own. */
static const char *commit(struct task_switch *t, uint64_t d, uint64_t where)
{
	struct ts_fault f;

	if (!save_old_task(t) || !switch_busy_bits(t, where))
		return "a task switch whose TSS or GDT is not in guest memory";
	load_task_registers(t, d);
	if (!load_cr3(t))
		return "a task switch to a task whose PAE page-directory pointers are invalid (#GP, not emulated)";
	f = load_segments(t);
	if (!push_error_code(t))
		return "a task switch whose new stack is not in guest memory";
	if (f.vector)
		vmx_inject_exception(f.vector, true, f.code);
	return NULL;
}

const char *vmx_vcpu_task_switch(struct vcpu *v, const struct exit_event *e)
{
	struct task_switch t;
	struct ts_fault f;
	uint64_t d, where;

	task_switch_init(&t, v, e);
	consume_event(&t);
	f = check_new_tss(&t, &d, &where);
	if (f.vector) {
		vmx_inject_exception(f.vector, true, f.code);
		return NULL;
	}
	t.new_base = desc_base(d);
	if (!read_new_tss(&t))
		return "a task switch to a TSS that is not in guest memory";
	return commit(&t, d, where);
}

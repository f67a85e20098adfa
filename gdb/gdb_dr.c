/*
 * The guest's own debug registers while the debugger owns the CPU's: its
 * MOV DR exits (armed with the #BP exits) and reads or writes the DR0-DR3
 * and DR7 kept at attach, which go back at detach; DR6 stays the guest's.
 * Checked as the CPU checks a MOV DR (SDM vol. 2, MOV to/from Debug
 * Registers; vol. 3, 18.2): #GP(0) outside CPL 0, #UD for DR4 and DR5
 * with CR4.DE (they alias DR6 and DR7 without it), #DB with DR6.BD when
 * the kept DR7.GD is set, #GP(0) for bits 63:32 of DR6 or DR7 in 64-bit
 * code. VMX checks the first three before it exits (SDM vol. 3, 25.1.1);
 * SVM's intercept may come first, so all are checked here.
 */
#include "core/backend.h"
#include "gdb/gdb_session.h"
#include "lib/x86.h"

#define DR6_FIXED1   0xffff0ff0ULL /* 31:16 and 11:4 read 1 (no RTM or bus-lock detection offered) */
#define DR6_WRITABLE (DR6_B0_B3 | DR6_BD | DR6_BS | DR6_BT)
#define DR7_FIXED1   BIT(10)
#define DR7_WRITABLE 0xffff23ffULL /* L0-G3, LE, GE, GD, R/W0-LEN3; 11, 12, 14 and 15 read 0 */

struct dr_insn {
	struct vcpu_control_regs c;
	bool long64;
	unsigned int dr; /* DR4 and DR5 taken as DR6 and DR7 */
};

/* The MOV's GPR (RSP from the VMCS or VMCB), to its operand size. */
static uint64_t gpr_read(struct vcpu *v, const struct dr_insn *i, unsigned int n)
{
	uint64_t *reg = vcpu_gpr(v, n), val = reg ? *reg : i->c.rsp;

	return i->long64 ? val : (uint32_t)val;
}

static void gpr_write(struct vcpu *v, const struct dr_insn *i, unsigned int n, uint64_t val)
{
	uint64_t *reg = vcpu_gpr(v, n);

	val = i->long64 ? val : (uint32_t)val;
	if (reg)
		*reg = val;
	else
		backend->vcpu_write_frame(v, i->c.rip, val, i->c.rflags);
}

static uint64_t dr_read(struct vcpu *v, const struct vcpu_debug_regs *kept, unsigned int dr)
{
	if (dr < 4)
		return kept->addr[dr];
	return dr == 6 ? backend->vcpu_read_dr6(v) : kept->dr7;
}

/* False: bits 63:32 of DR6 or DR7 set in 64-bit code (#GP). */
static bool dr_write(struct vcpu *v, struct vcpu_debug_regs *kept, unsigned int dr, uint64_t val)
{
	if (dr >= 6 && (val >> 32))
		return false;
	if (dr < 4)
		kept->addr[dr] = val;
	else if (dr == 6)
		backend->vcpu_write_dr6(v, (val & DR6_WRITABLE) | DR6_FIXED1);
	else
		kept->dr7 = (val & DR7_WRITABLE) | DR7_FIXED1;
	return true;
}

/* The fault the MOV raises before it does anything, or -1. */
static int dr_fault(struct vcpu *v, const struct exit_event *e, struct dr_insn *i,
		    struct vcpu_debug_regs *kept)
{
	if (i->c.cpl)
		return VECTOR_GP;
	if ((e->dr.dr == 4 || e->dr.dr == 5) && (i->c.cr4 & CR4_DE))
		return VECTOR_UD;
	if (kept->dr7 & DR7_GD) { /* the CPU clears GD as it raises the #DB (SDM 18.2.4) */
		kept->dr7 &= ~DR7_GD;
		backend->vcpu_write_dr6(v, backend->vcpu_read_dr6(v) | DR6_BD);
		return VECTOR_DB;
	}
	return -1;
}

bool gdb_dr_access(struct vcpu *v, const struct exit_event *e)
{
	struct vcpu_debug_regs *kept = &gdb.guest_dr[v->index];
	struct dr_insn i = { .dr = e->dr.dr == 4 ? 6u : e->dr.dr == 5 ? 7u : e->dr.dr };
	int fault;

	if (v->partition != gdb.p || !gdb.connected)
		return false;
	backend->vcpu_read_control(v, &i.c);
	i.long64 = i.c.cs_long && (i.c.efer & EFER_LMA);
	fault = dr_fault(v, e, &i, kept);
	if (fault < 0 && e->dr.write && !dr_write(v, kept, i.dr, gpr_read(v, &i, e->dr.gpr)))
		fault = VECTOR_GP;
	if (fault >= 0) {
		backend->vcpu_inject_exception(v, (uint8_t)fault, fault == VECTOR_GP, 0);
		return true;
	}
	if (!e->dr.write)
		gpr_write(v, &i, e->dr.gpr, dr_read(v, kept, i.dr));
	backend->vcpu_skip_instruction(v, e);
	return true;
}

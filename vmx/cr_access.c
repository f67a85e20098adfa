/*
 * Control-register accesses that exit (SDM vol. 3, 25.1.3): MOV to and from
 * CR0, CR3, CR4 and CR8, emulated where the guest/host masks or the controls
 * make them exit.
 */
#include "lib/x86.h"
#include "vmx/vmcs.h"
#include "vmx/vmx.h"

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
uint64_t vmx_guest_visible_cr4(const struct vmx_vcpu *x)
{
	return (vmcs_read(VMCS_GUEST_CR4) & ~x->cr4_mask) |
	       (vmcs_read(VMCS_CR4_READ_SHADOW) & x->cr4_mask);
}

/* MOV to CR0 with paging changing under EFER.LME switches IA-32e mode (SDM vol. 3, 10.8.5). */
static void emulate_cr0_write(struct vmx_vcpu *x, uint64_t val)
{
	uint64_t efer = vmcs_read(VMCS_GUEST_EFER);

	if ((val & CR0_PG) && !(val & CR0_PE)) {
		vmx_inject_exception(VECTOR_GP, true, 0);
		return;
	}
	if ((efer & EFER_LME) && (val & CR0_PG) && !(vmx_guest_visible_cr4(x) & CR4_PAE)) {
		vmx_inject_exception(VECTOR_GP, true, 0);
		return;
	}
	if (efer & EFER_LME)
		vmcs_write(VMCS_GUEST_EFER, (val & CR0_PG) ? efer | EFER_LMA : efer & ~EFER_LMA);
	vmcs_write(VMCS_CR0_READ_SHADOW, val & x->cr0_mask);
	vmcs_write(VMCS_GUEST_CR0, vmx_guest_cr0(val));
	vmx_skip_instruction();
}

/*
 * A MOV to/from a control register that exits because it touches a bit
 * the guest/host masks keep (CR0.NE, CR4.VMXE, ...), because the CPU
 * forces CR3 exiting, or CR8 without a TPR shadow: emulated here; false if
 * this is one core must see.
 */
bool vmx_vcpu_cr_access(struct vcpu *v, const struct exit_event *e)
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
		vmx_skip_instruction();
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
		vmx_skip_instruction();
		return true;
	case 4:
		if (val & CR4_VMXE) { /* the guest is not offered VMX */
			vmx_inject_exception(VECTOR_GP, true, 0);
			return true;
		}
		vmcs_write(VMCS_CR4_READ_SHADOW, val & x->cr4_mask);
		vmcs_write(VMCS_GUEST_CR4, vmx_guest_cr4(val));
		vmx_skip_instruction();
		return true;
	case 8:
		if (!vlapic_cr8_write(&v->apic, val))
			vmx_inject_exception(VECTOR_GP, true, 0);
		else
			vmx_skip_instruction();
		return true;
	}
	return false;
}

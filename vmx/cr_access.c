/*
 * Control-register accesses that exit (SDM vol. 3, 25.1.3): MOV to and from
 * CR0, CR3, CR4 and CR8, CLTS and LMSW, emulated where the guest/host masks
 * or the controls make them exit.
 *
 * The CR4 mask holds every bit the guest may not set (vmcs_setup.c: those
 * VMX pins and those v->cr4_valid lacks), so that a write setting one exits
 * and is refused here with #GP(0), as a CPU without the feature refuses it;
 * the CR0 mask holds bits 63:32 and NE. A write the masks let through is
 * checked by the CPU itself; one that exits is checked here as the CPU
 * checks it (SDM vol. 2, MOV to/from Control Registers, "Protected Mode
 * Exceptions" and "64-Bit Mode Exceptions"), and raises #GP(0) with RIP
 * left on the instruction, or takes effect as on the CPU. svm/cr_access.c
 * applies the same rules to SVM's intercepted writes.
 */
#include "core/guest_mem.h"
#include "lib/cr_write.h"
#include "lib/x86.h"
#include "vmx/vmcs.h"
#include "vmx/vmx.h"

/* Exit qualification of a CR access (SDM vol. 3, table 27-3) */
enum cr_access_type { MOV_TO_CR, MOV_FROM_CR, CLTS, LMSW };
#define QUAL_LMSW_SOURCE_SHIFT 16

/* IA32_VMX_EPT_VPID_CAP (SDM vol. 3, A.10) and the INVVPID types (vol. 2, INVVPID) */
#define VPID_CAP_INVVPID_SINGLE BIT(41)
#define INVVPID_SINGLE_CONTEXT  1
#define INVVPID_ALL_CONTEXT     2

/* SDM 25.3: the guest reads the shadow's bits where the mask is set, its own elsewhere. */
uint64_t vmx_guest_visible_cr4(const struct vmx_vcpu *x)
{
	return (vmcs_read(VMCS_GUEST_CR4) & ~x->cr4_mask) |
	       (vmcs_read(VMCS_CR4_READ_SHADOW) & x->cr4_mask);
}

static uint64_t guest_visible_cr0(const struct vmx_vcpu *x)
{
	return (vmcs_read(VMCS_GUEST_CR0) & ~x->cr0_mask) |
	       (vmcs_read(VMCS_CR0_READ_SHADOW) & x->cr0_mask);
}

static struct cr_state guest_cr_state(const struct vmx_vcpu *x)
{
	uint32_t tr_type = vmcs_read(VMCS_GUEST_TR_AR) & 0xf;

	return (struct cr_state){
		.cr0 = guest_visible_cr0(x),
		.cr3 = vmcs_read(VMCS_GUEST_CR3),
		.cr4 = vmx_guest_visible_cr4(x),
		.efer = vmcs_read(VMCS_GUEST_EFER),
		.cs_long = vmcs_read(VMCS_GUEST_CS_AR) & AR_L,
		.tss16 = tr_type == TSS16_AVAILABLE || tr_type == TSS16_BUSY,
	};
}

/*
 * The CPU flushes the TLB when such a write changes paging (SDM vol. 3,
 * 4.10.4.1); one emulated here must drop the VPID's linear and combined
 * mappings itself (vol. 2, INVVPID): of this VPID where the CPU can, else
 * of all.
 */
void vmx_flush_guest_tlb(void)
{
	uint64_t cap = rdmsr(MSR_IA32_VMX_EPT_VPID_CAP);
	struct { uint64_t vpid, addr; } desc = { vmcs_read(VMCS_VPID), 0 };
	uint64_t type = (cap & VPID_CAP_INVVPID_SINGLE) ? INVVPID_SINGLE_CONTEXT
							: INVVPID_ALL_CONTEXT;

	if (cap & (VPID_CAP_INVVPID_SINGLE | VPID_CAP_INVVPID_ALL)) /* else no INVVPID: #UD */
		asm volatile("invvpid %0, %1" ::"m"(desc), "r"(type) : "cc", "memory");
}

/* A PAE page-directory-pointer entry's reserved bits (SDM vol. 3, table 4-8) */
#define PDPTE_RESERVED(phys_bits) (0x1e6ULL | ~0ULL << (phys_bits))
/* The CR0 bits whose change makes the CPU load the PDPTEs under PAE paging (4.4.1) */
#define CR0_PDPTE_BITS (CR0_PG | CR0_CD | CR0_NW)

bool vmx_load_pdptes(struct vcpu *v, uint64_t cr3)
{
	uint64_t pdpte[4];

	if (!gpa_read(v->partition, cr3 & 0xffffffe0u, pdpte, sizeof(pdpte)))
		return false;
	for (unsigned int i = 0; i < 4; i++)
		if ((pdpte[i] & 1) && (pdpte[i] & PDPTE_RESERVED(v->msrs.phys_bits)))
			return false;
	for (unsigned int i = 0; i < 4; i++)
		vmcs_write(VMCS_GUEST_PDPTE0 + 2 * i, pdpte[i]);
	return true;
}

/* PAE paging after the write (PG and PAE, not IA-32e mode) and a bit changed that reloads them. */
static bool cr0_loads_pdptes(const struct cr_state *s, uint64_t val)
{
	return (val & CR0_PG) && (s->cr4 & CR4_PAE) && !(s->efer & EFER_LME) &&
	       ((val ^ s->cr0) & CR0_PDPTE_BITS);
}

/*
 * MOV to CR0 (or CLTS, LMSW): ET reads 1 and the reserved bits of 31:0 are
 * ignored; paging changing under EFER.LME switches IA-32e mode (SDM vol. 3,
 * 10.8.5), "IA-32e mode guest" following EFER.LMA at the next entry.
 */
static void emulate_cr0_write(struct vcpu *v, const struct cr_state *s, uint64_t val)
{
	struct vmx_vcpu *x = v->arch;
	uint64_t efer = s->efer;

	if (cr0_write_faults(s, val) || (cr0_loads_pdptes(s, val) && !vmx_load_pdptes(v, s->cr3))) {
		vmx_inject_exception(VECTOR_GP, true, 0);
		return;
	}
	val = (val & CR0_ARCH_BITS) | CR0_ET;
	if ((efer & EFER_LME) && ((val ^ s->cr0) & CR0_PG))
		vmcs_write(VMCS_GUEST_EFER, (val & CR0_PG) ? efer | EFER_LMA : efer & ~EFER_LMA);
	vmcs_write(VMCS_CR0_READ_SHADOW, val & x->cr0_mask);
	vmcs_write(VMCS_GUEST_CR0, vmx_guest_cr0(val));
	if ((val ^ s->cr0) & CR0_FLUSH_BITS)
		vmx_flush_guest_tlb();
	vmx_skip_instruction();
}

static void emulate_cr4_write(struct vcpu *v, const struct cr_state *s, uint64_t val)
{
	struct vmx_vcpu *x = v->arch;

	if (cr4_write_faults(v->cr4_valid, s, val)) {
		vmx_inject_exception(VECTOR_GP, true, 0);
		return;
	}
	vmcs_write(VMCS_CR4_READ_SHADOW, val & x->cr4_mask);
	vmcs_write(VMCS_GUEST_CR4, vmx_guest_cr4(val));
	if ((val ^ s->cr4) & CR4_FLUSH_BITS)
		vmx_flush_guest_tlb();
	vmx_skip_instruction();
}

/* MOV from CR3 or CR8: CR3 exits where the CPU forces it, CR8 without a TPR shadow. */
static void emulate_cr_read(struct vcpu *v, unsigned int cr, uint64_t *reg)
{
	uint64_t from = cr == 3 ? vmcs_read(VMCS_GUEST_CR3) : vlapic_cr8_read(&v->apic);

	if (reg)
		*reg = from;
	else
		vmcs_write(VMCS_GUEST_RSP, from);
	vmx_skip_instruction();
}

/* MOV to CRn: the source register's 64 bits in 64-bit code, its low 32 elsewhere. */
static bool emulate_cr_write(struct vcpu *v, const struct cr_state *s, unsigned int cr,
			     uint64_t val)
{
	if (!cr_in_64bit_code(s))
		val = (uint32_t)val;
	switch (cr) {
	case 0:
		emulate_cr0_write(v, s, val);
		return true;
	case 3:
		vmcs_write(VMCS_GUEST_CR3, val);
		vmx_skip_instruction();
		return true;
	case 4:
		emulate_cr4_write(v, s, val);
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

/*
 * A MOV to/from a control register, CLTS or LMSW that exits because it
 * touches a bit the guest/host masks keep, because the CPU forces CR3
 * exiting, or CR8 without a TPR shadow: emulated here; false if this is one
 * core must see.
 */
bool vmx_vcpu_cr_access(struct vcpu *v, const struct exit_event *e)
{
	uint64_t qual = e->hw_info1;
	unsigned int cr = qual & 15, type = (qual >> 4) & 3, gpr = (qual >> 8) & 15;
	uint64_t *reg = vcpu_gpr(v, gpr);
	struct cr_state s = guest_cr_state(v->arch);
	uint64_t msw = (qual >> QUAL_LMSW_SOURCE_SHIFT) & 0xffff;

	switch (type) {
	case MOV_TO_CR:
		return emulate_cr_write(v, &s, cr, reg ? *reg : vmcs_read(VMCS_GUEST_RSP));
	case MOV_FROM_CR:
		if (cr != 3 && cr != 8)
			return false;
		emulate_cr_read(v, cr, reg);
		return true;
	case CLTS:
		emulate_cr0_write(v, &s, s.cr0 & ~CR0_TS);
		return true;
	default: /* LMSW */
		emulate_cr0_write(v, &s, (s.cr0 & ~CR0_LMSW_BITS) | (s.cr0 & CR0_PE) |
							(msw & CR0_LMSW_BITS));
		return true;
	}
}

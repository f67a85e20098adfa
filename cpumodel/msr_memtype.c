/*
 * The memory-type MSRs: IA32_PAT and the MTRRs, with the rules of
 * cpumodel/memtype.c. The guest's PAT is loaded into the CPU (VMCS guest
 * PAT, VMCB G_PAT) and combines with the nested tables' write-back type;
 * its MTRRs are stored and read back only: under EPT and NPT the CPU takes
 * the memory type from the nested tables, not from the guest's MTRRs (SDM
 * vol. 3, 29.3.7.2; APM vol. 2, 15.25.8).
 */
#include "cpumodel/memtype.h"
#include "core/backend.h"
#include "cpumodel/msr_table.h"
#include "lib/x86.h"

#define MSR_MTRR_PHYSBASE0 0x200
#define MSR_MTRR_FIX64K    0x250
#define MSR_MTRR_FIX16K    0x258
#define MSR_MTRR_FIX4K     0x268

void msr_memtype_init(struct vcpu *v)
{
	v->msrs.pat = PAT_RESET_VALUE;
	v->msrs.mtrr_def_type = MTRR_DEF_TYPE_FIRMWARE;
}

bool msr_pat_read(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	(void)msr;
	*val = v->msrs.pat;
	return true;
}

bool msr_pat_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
	(void)msr;
	if (!pat_valid(val))
		return false;
	v->msrs.pat = val;
	backend->vcpu_write_pat(v, val);
	return true;
}

bool msr_mtrrcap_read(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	(void)v;
	(void)msr;
	*val = MTRRCAP_GUEST;
	return true;
}

bool msr_mtrr_def_type_read(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	(void)msr;
	*val = v->msrs.mtrr_def_type;
	return true;
}

bool msr_mtrr_def_type_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
	(void)msr;
	if (!mtrr_def_type_valid(val))
		return false;
	v->msrs.mtrr_def_type = val;
	return true;
}

/* PHYSBASEn at 0x200 + 2n, PHYSMASKn at 0x201 + 2n. */
bool msr_mtrr_variable_read(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	*val = v->msrs.mtrr_variable[msr - MSR_MTRR_PHYSBASE0];
	return true;
}

bool msr_mtrr_variable_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
	unsigned int i = msr - MSR_MTRR_PHYSBASE0;
	bool ok = i % 2 ? mtrr_physmask_valid(val, v->msrs.phys_bits)
			: mtrr_physbase_valid(val, v->msrs.phys_bits);

	if (ok)
		v->msrs.mtrr_variable[i] = val;
	return ok;
}

/* FIX64K_00000 is 0, FIX16K_80000 and _A0000 1 and 2, FIX4K_C0000 to _F8000 3 to 10. */
static unsigned int fixed_index(uint32_t msr)
{
	if (msr == MSR_MTRR_FIX64K)
		return 0;
	if (msr < MSR_MTRR_FIX4K)
		return 1 + msr - MSR_MTRR_FIX16K;
	return 3 + msr - MSR_MTRR_FIX4K;
}

bool msr_mtrr_fixed_read(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	*val = v->msrs.mtrr_fixed[fixed_index(msr)];
	return true;
}

bool msr_mtrr_fixed_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
	if (!mtrr_fixed_valid(val))
		return false;
	v->msrs.mtrr_fixed[fixed_index(msr)] = val;
	return true;
}

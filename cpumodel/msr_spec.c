/*
 * Speculation control (Intel's "Speculative Execution Side Channel
 * Mitigations" and the SDM vol. 4 MSRs; AMD's "Indirect Branch Control
 * Extension" and APM vol. 2, 3.2.9): IA32_SPEC_CTRL is the guest's while it
 * runs (core/vcpu.c loads it around each entry; the hypervisor's own is 0),
 * IBPB and the L1D flush are done on the guest's CPU when it asks, and
 * IA32_ARCH_CAPABILITIES passes on the host's bits that describe the CPU.
 */
#include "cpumodel/msr_table.h"
#include "lib/x86.h"

#define MSR_ARCH_CAPABILITIES 0x10a

/* IA32_SPEC_CTRL's bits, and the CPUID bit that enumerates each */
#define SPEC_CTRL_IBRS      BIT(0)
#define SPEC_CTRL_STIBP     BIT(1)
#define SPEC_CTRL_SSBD      BIT(2)
#define SPEC_CTRL_IPRED_DIS (BIT(3) | BIT(4))
#define SPEC_CTRL_RRSBA_DIS (BIT(5) | BIT(6))
#define SPEC_CTRL_PSFD      BIT(7)
#define SPEC_CTRL_DDPD_U    BIT(8)
#define SPEC_CTRL_BHI_DIS_S BIT(10)

/* IA32_PRED_CMD.IBPB and IA32_FLUSH_CMD.L1D_FLUSH: the only bit of each */
#define COMMAND_BIT BIT(0)

/*
 * IA32_ARCH_CAPABILITIES bits a guest is told as the host has them: the
 * CPU's immunities and its enhanced IBRS, RSBA, FB_CLEAR and RFDS_CLEAR
 * behaviours (SDM vol. 4, table 2-2). Left out: the bits that announce an
 * MSR the vCPU does not have (TSX_CTRL 7, MCU_CONTROL 9, MISC_PACKAGE_CTRLS
 * 10, ENERGY_FILTERING_CTL 11, DOITM 12, FB_CLEAR_CTRL 18, XAPIC_DISABLE 21,
 * OVERCLOCKING_STATUS 23, GDS_CTRL 25).
 */
#define ARCH_CAPS_DESCRIBING                                                         \
	(BIT(0) /* RDCL_NO */ | BIT(1) /* IBRS_ALL */ | BIT(2) /* RSBA */ |          \
	 BIT(3) /* SKIP_L1DFL_VMENTRY */ | BIT(4) /* SSB_NO */ | BIT(5) /* MDS_NO */ | \
	 BIT(6) /* IF_PSCHANGE_MC_NO */ | BIT(8) /* TAA_NO */ |                        \
	 BIT(13) /* SBDR_SSDP_NO */ | BIT(14) /* FBSDP_NO */ | BIT(15) /* PSDP_NO */ | \
	 BIT(17) /* FB_CLEAR */ | BIT(19) /* RRSBA */ | BIT(20) /* BHI_NO */ |         \
	 BIT(24) /* PBRSB_NO */ | BIT(26) /* GDS_NO */ | BIT(27) /* RFDS_NO */ |       \
	 BIT(28) /* RFDS_CLEAR */)

static uint64_t spec_ctrl_bits(const struct cpu_model_leaves *c)
{
	uint32_t d7 = c->leaf7.edx, d72 = c->leaf7_2.edx, b8 = c->ext8.ebx;
	uint64_t bits = 0;

	bits |= (d7 & BIT(26)) || (b8 & BIT(14)) ? SPEC_CTRL_IBRS : 0;
	bits |= (d7 & BIT(27)) || (b8 & BIT(15)) ? SPEC_CTRL_STIBP : 0;
	bits |= (d7 & BIT(31)) || (b8 & BIT(24)) ? SPEC_CTRL_SSBD : 0;
	bits |= d72 & BIT(0) ? SPEC_CTRL_PSFD : 0;
	bits |= d72 & BIT(1) ? SPEC_CTRL_IPRED_DIS : 0;
	bits |= d72 & BIT(2) ? SPEC_CTRL_RRSBA_DIS : 0;
	bits |= d72 & BIT(3) ? SPEC_CTRL_DDPD_U : 0;
	bits |= d72 & BIT(4) ? SPEC_CTRL_BHI_DIS_S : 0;
	return bits;
}

uint32_t msr_spec_init(struct vcpu *v, const struct cpu_model_leaves *c)
{
	uint32_t f = 0;

	v->msrs.spec_ctrl_valid = spec_ctrl_bits(c);
	if (v->msrs.spec_ctrl_valid)
		f |= MSR_NEEDS_SPEC_CTRL;
	if ((c->leaf7.edx & BIT(26)) || (c->ext8.ebx & BIT(12)))
		f |= MSR_NEEDS_IBPB;
	if (c->leaf7.edx & BIT(28))
		f |= MSR_NEEDS_FLUSH_CMD;
	if (c->leaf7.edx & BIT(29))
		f |= MSR_NEEDS_ARCH_CAPS;
	return f;
}

bool msr_spec_ctrl_read(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	(void)msr;
	*val = v->msrs.spec_ctrl;
	return true;
}

bool msr_spec_ctrl_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
	(void)msr;
	if (val & ~v->msrs.spec_ctrl_valid)
		return false;
	v->msrs.spec_ctrl = val;
	return true;
}

/* Checked before it reaches the host: only the command bit, which every CPU with the MSR takes. */
bool msr_pred_cmd_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
	(void)v;
	if (val & ~COMMAND_BIT)
		return false;
	if (val)
		wrmsr(msr, COMMAND_BIT);
	return true;
}

bool msr_flush_cmd_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
	return msr_pred_cmd_write(v, msr, val);
}

bool msr_arch_capabilities_read(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	(void)v;
	(void)msr;
	*val = rdmsr(MSR_ARCH_CAPABILITIES) & ARCH_CAPS_DESCRIBING;
	return true;
}

/*
 * Every MSR a vCPU has that the hypervisor answers: one row per MSR or range
 * in msr_rules[] (cpumodel/msr_table.c), with the vendors that have it, the
 * feature of the guest's CPUID without which it does not exist, and its read
 * and write rules. The MSRs a guest owns outright (not intercepted, switched
 * with its state) are msr_guest_owned[] in core/backend.c; the Hyper-V MSRs
 * are the enlightenment's (synic/hv_msr.c). Any other MSR raises #GP.
 */
#ifndef HV_CPUMODEL_MSR_TABLE_H
#define HV_CPUMODEL_MSR_TABLE_H

#include "core/vcpu.h"
#include "cpumodel/cpu_model.h"

/* The features an MSR may need, set in vcpu->msrs.offered from the guest's CPUID. */
enum msr_feature {
	MSR_NEEDS_TSC_ADJUST = BIT(0), /* CPUID.(7,0):EBX[1] */
	MSR_NEEDS_TSC_AUX = BIT(1),    /* CPUID.80000001H:EDX[27] RDTSCP or (7,0):ECX[22] RDPID */
	MSR_NEEDS_MTRR = BIT(2),       /* CPUID.1:EDX[12] */
	MSR_NEEDS_PAT = BIT(3),        /* CPUID.1:EDX[16] */
	MSR_NEEDS_SPEC_CTRL = BIT(4),  /* any IA32_SPEC_CTRL bit (cpumodel/msr_spec.c) */
	MSR_NEEDS_IBPB = BIT(5),       /* CPUID.(7,0):EDX[26] or 80000008H:EBX[12] */
	MSR_NEEDS_FLUSH_CMD = BIT(6),  /* CPUID.(7,0):EDX[28] */
	MSR_NEEDS_ARCH_CAPS = BIT(7),  /* CPUID.(7,0):EDX[29] */
	MSR_NEEDS_XSAVES = BIT(8),     /* CPUID.(0DH,1):EAX[3] */
};

/* Reads and writes return false for #GP (a reserved bit, a read-only MSR). */
typedef bool (*msr_read_fn)(struct vcpu *v, uint32_t msr, uint64_t *val);
typedef bool (*msr_write_fn)(struct vcpu *v, uint32_t msr, uint64_t val);

struct msr_rule {
	uint32_t first, last;  /* inclusive */
	const char *name;
	uint8_t vendors;       /* CPU_MODEL_INTEL, CPU_MODEL_AMD */
	uint32_t needs;        /* enum msr_feature: all must be offered */
	msr_read_fn read;      /* NULL: write-only, reads raise #GP */
	msr_write_fn write;    /* NULL: read-only, writes raise #GP */
};

/* The rule for msr on a CPU of these vendor bits (cpu_model_vendor_bits()), or NULL. */
const struct msr_rule *msr_rule_find(uint32_t msr, unsigned int vendor_bits);

/* The TSC and what counts with it (cpumodel/msr_tsc.c) */
bool msr_tsc_read(struct vcpu *v, uint32_t msr, uint64_t *val);
bool msr_tsc_write(struct vcpu *v, uint32_t msr, uint64_t val);
bool msr_tsc_adjust_read(struct vcpu *v, uint32_t msr, uint64_t *val);
bool msr_tsc_adjust_write(struct vcpu *v, uint32_t msr, uint64_t val);
bool msr_tsc_deadline_read(struct vcpu *v, uint32_t msr, uint64_t *val);
bool msr_tsc_deadline_write(struct vcpu *v, uint32_t msr, uint64_t val);
bool msr_tsc_aux_read(struct vcpu *v, uint32_t msr, uint64_t *val);
bool msr_tsc_aux_write(struct vcpu *v, uint32_t msr, uint64_t val);

/* Memory types: PAT and the MTRRs (cpumodel/msr_memtype.c) */
bool msr_pat_read(struct vcpu *v, uint32_t msr, uint64_t *val);
bool msr_pat_write(struct vcpu *v, uint32_t msr, uint64_t val);
bool msr_mtrrcap_read(struct vcpu *v, uint32_t msr, uint64_t *val);
bool msr_mtrr_def_type_read(struct vcpu *v, uint32_t msr, uint64_t *val);
bool msr_mtrr_def_type_write(struct vcpu *v, uint32_t msr, uint64_t val);
bool msr_mtrr_variable_read(struct vcpu *v, uint32_t msr, uint64_t *val);
bool msr_mtrr_variable_write(struct vcpu *v, uint32_t msr, uint64_t val);
bool msr_mtrr_fixed_read(struct vcpu *v, uint32_t msr, uint64_t *val);
bool msr_mtrr_fixed_write(struct vcpu *v, uint32_t msr, uint64_t val);
/* The state firmware leaves: PAT at its reset value, MTRRs write-back everywhere. */
void msr_memtype_init(struct vcpu *v);

/* Speculation control (cpumodel/msr_spec.c) */
bool msr_spec_ctrl_read(struct vcpu *v, uint32_t msr, uint64_t *val);
bool msr_spec_ctrl_write(struct vcpu *v, uint32_t msr, uint64_t val);
bool msr_pred_cmd_write(struct vcpu *v, uint32_t msr, uint64_t val);
bool msr_flush_cmd_write(struct vcpu *v, uint32_t msr, uint64_t val);
bool msr_arch_capabilities_read(struct vcpu *v, uint32_t msr, uint64_t *val);
/* The MSR_NEEDS_* of speculation control the CPUID c offers; v's SPEC_CTRL bits. */
uint32_t msr_spec_init(struct vcpu *v, const struct cpu_model_leaves *c);

#endif

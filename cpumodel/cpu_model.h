/*
 * The CPU a guest sees, built by construction: one row per CPUID feature bit
 * the hypervisor offers (cpu_model_features[], cpumodel/cpu_model_table.c),
 * one per bit it hides on purpose (cpu_model_hidden[],
 * cpumodel/cpu_model_hidden.c), and the per-leaf masks built from them
 * (cpumodel/cpu_model.c). A feature register reads the host's value AND the
 * mask of its rows for this CPU's vendor: what the host lacks is never
 * invented, except the bits the hypervisor itself provides. Pure: no
 * hardware access, so that the host unit tests build it.
 */
#ifndef HV_CPUMODEL_CPU_MODEL_H
#define HV_CPUMODEL_CPU_MODEL_H

#include "host/cpu_features.h"
#include "lib/x86.h"

enum cpuid_reg {
	CPUID_EAX,
	CPUID_EBX,
	CPUID_ECX,
	CPUID_EDX,
	CPUID_NR_REGS,
};

/* The vendors whose CPUs define a row's bit with the row's meaning */
#define CPU_MODEL_INTEL BIT(0)
#define CPU_MODEL_AMD   BIT(1)
#define CPU_MODEL_BOTH  (CPU_MODEL_INTEL | CPU_MODEL_AMD)

/* The groups the boot log names: the offered ones first, then the hidden ones. */
enum cpu_model_group {
	CPU_GROUP_BASE,
	CPU_GROUP_SSE_AVX,
	CPU_GROUP_AVX512,
	CPU_GROUP_XSAVE,
	CPU_GROUP_APIC,
	CPU_GROUP_TSC,
	CPU_GROUP_VIRTUAL_MEMORY,
	CPU_GROUP_MEMORY_TYPES, /* MTRR and PAT MSRs */
	CPU_GROUP_SECURITY,
	CPU_GROUP_MISC,
	CPU_GROUP_FIRST_HIDDEN,
	CPU_GROUP_VIRT = CPU_GROUP_FIRST_HIDDEN, /* VMX, SVM, SMX, SKINIT */
	CPU_GROUP_PMU,       /* performance counters, PDCM, IBS, LWP */
	CPU_GROUP_TRACE,     /* debug store (BTS/PEBS), processor trace, arch LBR, bus-lock #DB */
	CPU_GROUP_MCA,       /* MCE, MCA: the machine-check MSRs */
	CPU_GROUP_POWER,     /* MONITOR/MWAIT, thermal and frequency control */
	CPU_GROUP_SPEC_CTRL, /* the speculation-control MSRs */
	CPU_GROUP_CET,       /* shadow stacks, indirect-branch tracking */
	CPU_GROUP_AMX,       /* AMX and its XFD */
	CPU_GROUP_SGX,       /* SGX, TME, PCONFIG */
	CPU_GROUP_RDT,       /* resource director: cache and bandwidth monitoring and allocation */
	CPU_GROUP_OTHER,
	CPU_NR_GROUPS,
};

/* Where a row's bit comes from */
enum cpu_model_source {
	CPU_MODEL_FROM_HOST,     /* the host's bit: never offered where the host lacks it */
	CPU_MODEL_SYNTHESIZED,   /* set whatever the host has: the hypervisor provides it */
	CPU_MODEL_GUEST_OSXSAVE, /* the guest's CR4.OSXSAVE */
	CPU_MODEL_GUEST_OSPKE,   /* the guest's CR4.PKE */
	CPU_MODEL_GUEST_APIC,    /* the guest's IA32_APIC_BASE.EN */
};

/* The guest state cpu_model_apply() takes: one bit per CPU_MODEL_GUEST_* source */
#define CPU_MODEL_NR_GUEST_STATES 3
#define CPU_MODEL_GUEST_STATE(source) BIT((source) - CPU_MODEL_GUEST_OSXSAVE)

/*
 * The feature leaves of a guest's CPUID that decide which control-register
 * bits and MSRs exist for it (cpumodel/cr_rules.c, cpumodel/msr_table.h).
 */
struct cpu_model_leaves {
	struct cpuid_regs leaf1;   /* CPUID.1 */
	struct cpuid_regs leaf7;   /* CPUID.(EAX=7,ECX=0) */
	struct cpuid_regs leaf7_1; /* CPUID.(EAX=7,ECX=1) */
	struct cpuid_regs leaf7_2; /* CPUID.(EAX=7,ECX=2) */
	struct cpuid_regs xsave1;  /* CPUID.(EAX=0DH,ECX=1) */
	struct cpuid_regs ext1;    /* CPUID.80000001H */
	struct cpuid_regs ext8;    /* CPUID.80000008H */
};

/* One CPUID feature bit the guest is offered. */
struct cpu_model_feature {
	const char *name;            /* as Linux's /proc/cpuinfo spells it */
	enum cpu_model_group group;  /* an offered group */
	uint32_t leaf;
	uint32_t subleaf;
	enum cpuid_reg reg;
	uint8_t bit;
	uint8_t vendors;             /* CPU_MODEL_INTEL, CPU_MODEL_AMD */
	enum cpu_model_source source;
	const char *backed_by;       /* what makes it work in the guest */
};

/* One CPUID feature bit the guest is denied, and why. */
struct cpu_model_hidden {
	const char *name;
	enum cpu_model_group group;  /* a hidden group */
	uint32_t leaf;
	uint32_t subleaf;
	enum cpuid_reg reg;
	uint8_t bit;
	const char *why;
};

/* Both sorted by leaf, subleaf, register and bit, each bit once. */
extern const struct cpu_model_feature cpu_model_features[];
extern const unsigned int cpu_model_nr_features;
extern const struct cpu_model_hidden cpu_model_hidden[];
extern const unsigned int cpu_model_nr_hidden;

#define CPU_MODEL_ANY_SUBLEAF 0xffffffffu

/*
 * A leaf (or subleaf) the guest's CPUID answers: each register is
 * (host & keep) | set, plus guest[s] while the guest state s is on.
 */
struct cpu_model_leaf {
	uint32_t leaf;
	uint32_t subleaf;            /* CPU_MODEL_ANY_SUBLEAF: every subleaf alike */
	uint32_t keep[CPUID_NR_REGS];
	uint32_t set[CPUID_NR_REGS];
	uint32_t guest[CPU_MODEL_NR_GUEST_STATES][CPUID_NR_REGS];
	bool reads_guest;            /* some guest[] bit is set */
};

#define CPU_MODEL_MAX_LEAVES 32

struct cpu_model {
	struct cpu_model_leaf leaves[CPU_MODEL_MAX_LEAVES];
	unsigned int nr_leaves;
};

/* The vendor bits a row must have to be taken on a CPU of vendor (the MSR table's too). */
unsigned int cpu_model_vendor_bits(enum cpu_vendor vendor);

/* The masks of every leaf the guest is answered, for a CPU of this vendor. */
void cpu_model_build(struct cpu_model *m, enum cpu_vendor vendor);

/* Takes bits away from a built model: those the backend cannot run after all. */
void cpu_model_clear(struct cpu_model *m, uint32_t leaf, uint32_t subleaf, enum cpuid_reg reg,
		     uint32_t bits);

/* The leaf's masks, or NULL: a leaf the model does not answer reads all zeros. */
const struct cpu_model_leaf *cpu_model_find(const struct cpu_model *m, uint32_t leaf,
					    uint32_t subleaf);

/* The guest's view of a leaf from the host's, guest_state as CPU_MODEL_GUEST_STATE() bits. */
struct cpuid_regs cpu_model_apply(const struct cpu_model_leaf *l, struct cpuid_regs host,
				  unsigned int guest_state);

/* The host's CPUID as the model sees it (zeros above the leaves it answers). */
typedef struct cpuid_regs (*cpu_model_cpuid_fn)(uint32_t leaf, uint32_t subleaf);

/*
 * The groups (bit n: enum cpu_model_group n) with a bit the guest sees at
 * reset (APIC enabled, CR4 clear), and those with a hidden bit the host has.
 */
uint32_t cpu_model_offered_groups(const struct cpu_model *m, cpu_model_cpuid_fn host);
uint32_t cpu_model_hidden_groups(cpu_model_cpuid_fn host);

/* "base, sse/avx, ...; hidden: pmu, ..." into buf; returns the length it needed. */
int cpu_model_describe(char *buf, size_t size, uint32_t offered, uint32_t hidden);

#endif

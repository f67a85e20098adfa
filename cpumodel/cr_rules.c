/*
 * Which CR4 and EFER bits the guest's CPUID lets it set: one row per bit
 * and the CPUID bit that announces its feature (Intel SDM vol. 3, 2.5 and
 * 2.2.1, vol. 2, CPUID; AMD APM vol. 2, 3.1.3 and 3.1.7, vol. 3, appendix
 * E). Where both vendors define a bit they agree; a bit only one defines
 * is announced by a CPUID bit the other reserves (reads 0).
 */
#include "cpumodel/cr_rules.h"

enum cr_leaf { LEAF1, LEAF7, LEAF7_1, EXT1, EXT8 };
enum cr_reg { EAX, EBX, ECX, EDX };

/* A control-register bit and the CPUID bit that offers it. */
struct cr_bit {
	uint64_t bits;
	enum cr_leaf leaf;
	enum cr_reg reg;
	uint8_t cpuid_bit;
};

static const struct cr_bit cr4_bits[] = {
	{ CR4_VME | CR4_PVI, LEAF1, EDX, 1 },  /* VME */
	{ CR4_TSD, LEAF1, EDX, 4 },            /* TSC */
	{ CR4_DE, LEAF1, EDX, 2 },             /* DE */
	{ CR4_PSE, LEAF1, EDX, 3 },            /* PSE */
	{ CR4_PAE, LEAF1, EDX, 6 },            /* PAE */
	{ CR4_MCE, LEAF1, EDX, 7 },            /* MCE */
	{ CR4_PGE, LEAF1, EDX, 13 },           /* PGE */
	{ CR4_OSFXSR, LEAF1, EDX, 24 },        /* FXSR */
	{ CR4_OSXMMEXCPT, LEAF1, EDX, 25 },    /* SSE */
	{ CR4_UMIP, LEAF7, ECX, 2 },           /* UMIP */
	{ CR4_LA57, LEAF7, ECX, 16 },          /* LA57 */
	{ CR4_VMXE, LEAF1, ECX, 5 },           /* VMX */
	{ CR4_SMXE, LEAF1, ECX, 6 },           /* SMX */
	{ CR4_FSGSBASE, LEAF7, EBX, 0 },       /* FSGSBASE */
	{ CR4_PCIDE, LEAF1, ECX, 17 },         /* PCID */
	{ CR4_OSXSAVE, LEAF1, ECX, 26 },       /* XSAVE */
	{ CR4_KL, LEAF7, ECX, 23 },            /* Key Locker */
	{ CR4_SMEP, LEAF7, EBX, 7 },           /* SMEP */
	{ CR4_SMAP, LEAF7, EBX, 20 },          /* SMAP */
	{ CR4_PKE, LEAF7, ECX, 3 },            /* PKU */
	{ CR4_CET, LEAF7, ECX, 7 },            /* CET_SS (shadow stacks) */
	{ CR4_CET, LEAF7, EDX, 20 },           /* CET_IBT: either announces CR4.CET */
	{ CR4_PKS, LEAF7, ECX, 31 },           /* PKS */
	{ CR4_UINTR, LEAF7, EDX, 5 },          /* UINTR */
	{ CR4_LASS, LEAF7_1, EAX, 6 },         /* LASS */
	{ CR4_LAM_SUP, LEAF7_1, EAX, 26 },     /* LAM */
	{ CR4_FRED, LEAF7_1, EAX, 17 },        /* FRED */
};

/*
 * EFER: LMSLE (AMD's long-mode segment limits) is never offered: CPUs since
 * Zen 3 lack it (CPUID.80000008H:EBX[20]), and neither is AUTOIBRS, whose
 * leaf 0x80000021 the guest's CPUID does not answer.
 */
static const struct cr_bit efer_bits[] = {
	{ EFER_LME | EFER_LMA, EXT1, EDX, 29 }, /* LM */
	{ EFER_NXE, EXT1, EDX, 20 },            /* NX */
	{ EFER_SVME, EXT1, ECX, 2 },            /* SVM */
	{ EFER_FFXSR, EXT1, EDX, 25 },          /* FFXSR (AMD) */
	{ EFER_TCE, EXT1, ECX, 17 },            /* TCE (AMD) */
	{ EFER_MCOMMIT, EXT8, EBX, 8 },         /* MCOMMIT (AMD) */
};

static uint32_t reg_of(const struct cpu_model_leaves *c, enum cr_leaf leaf, enum cr_reg reg)
{
	const struct cpuid_regs *leaves[] = { &c->leaf1, &c->leaf7, &c->leaf7_1, &c->ext1,
					      &c->ext8 };
	const struct cpuid_regs *r = leaves[leaf];
	const uint32_t regs[] = { r->eax, r->ebx, r->ecx, r->edx };

	return regs[reg];
}

static uint64_t offered(const struct cpu_model_leaves *c, const struct cr_bit *rows, size_t n)
{
	uint64_t bits = 0;

	for (size_t i = 0; i < n; i++)
		if (reg_of(c, rows[i].leaf, rows[i].reg) & BIT(rows[i].cpuid_bit))
			bits |= rows[i].bits;
	return bits;
}

/* PCE needs no CPUID bit: RDPMC exists on every CPU with CR4 (SDM vol. 3, 2.5). */
uint64_t cr4_valid_bits(const struct cpu_model_leaves *c)
{
	return CR4_PCE | offered(c, cr4_bits, ARRAY_SIZE(cr4_bits));
}

/* SCE needs none either: every CPU with EFER has it (SDM vol. 4, table 2-2). */
uint64_t efer_valid_bits(const struct cpu_model_leaves *c)
{
	return EFER_SCE | offered(c, efer_bits, ARRAY_SIZE(efer_bits));
}

/*
 * Host unit tests of the CR4 and EFER bits a guest may set (cpumodel/cr_rules.c)
 * and of the MOV-to-CR rules (lib/cr_write.c):
 * each bit follows the CPUID bit of its feature (Intel SDM vol. 3, 2.5 and
 * 2.2.1; AMD APM vol. 2, 3.1.3 and 3.1.7), on a CPU that offers nothing, on
 * one that offers everything, and one CPUID bit at a time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "cpumodel/cr_rules.h"
#include "lib/cr_write.h"

#define ALL_ONES 0xffffffffu

enum leaf { LEAF1, LEAF7, LEAF7_1, EXT1, EXT8 };
enum reg { EAX, EBX, ECX, EDX };

/* A CPUID with one bit set. */
static struct cpu_model_leaves with_bit(enum leaf leaf, enum reg reg, unsigned int bit)
{
	struct cpu_model_leaves c = { 0 };
	struct cpuid_regs *leaves[] = { &c.leaf1, &c.leaf7, &c.leaf7_1, &c.ext1, &c.ext8 };
	uint32_t *regs[] = { &leaves[leaf]->eax, &leaves[leaf]->ebx, &leaves[leaf]->ecx,
			     &leaves[leaf]->edx };

	*regs[reg] = 1u << bit;
	return c;
}

static const struct cpu_model_leaves everything = {
	.leaf1 = { ALL_ONES, ALL_ONES, ALL_ONES, ALL_ONES },
	.leaf7 = { ALL_ONES, ALL_ONES, ALL_ONES, ALL_ONES },
	.leaf7_1 = { ALL_ONES, ALL_ONES, ALL_ONES, ALL_ONES },
	.ext1 = { ALL_ONES, ALL_ONES, ALL_ONES, ALL_ONES },
	.ext8 = { ALL_ONES, ALL_ONES, ALL_ONES, ALL_ONES },
};

/* One CR4 bit (or pair) and the CPUID bit that offers it. */
struct row {
	uint64_t bits;
	enum leaf leaf;
	enum reg reg;
	unsigned int cpuid_bit;
};

static const struct row cr4_rows[] = {
	{ CR4_VME | CR4_PVI, LEAF1, EDX, 1 }, { CR4_TSD, LEAF1, EDX, 4 },
	{ CR4_DE, LEAF1, EDX, 2 },            { CR4_PSE, LEAF1, EDX, 3 },
	{ CR4_PAE, LEAF1, EDX, 6 },           { CR4_MCE, LEAF1, EDX, 7 },
	{ CR4_PGE, LEAF1, EDX, 13 },          { CR4_OSFXSR, LEAF1, EDX, 24 },
	{ CR4_OSXMMEXCPT, LEAF1, EDX, 25 },   { CR4_UMIP, LEAF7, ECX, 2 },
	{ CR4_LA57, LEAF7, ECX, 16 },         { CR4_VMXE, LEAF1, ECX, 5 },
	{ CR4_SMXE, LEAF1, ECX, 6 },          { CR4_FSGSBASE, LEAF7, EBX, 0 },
	{ CR4_PCIDE, LEAF1, ECX, 17 },        { CR4_OSXSAVE, LEAF1, ECX, 26 },
	{ CR4_KL, LEAF7, ECX, 23 },           { CR4_SMEP, LEAF7, EBX, 7 },
	{ CR4_SMAP, LEAF7, EBX, 20 },         { CR4_PKE, LEAF7, ECX, 3 },
	{ CR4_CET, LEAF7, ECX, 7 },           { CR4_CET, LEAF7, EDX, 20 },
	{ CR4_PKS, LEAF7, ECX, 31 },          { CR4_UINTR, LEAF7, EDX, 5 },
	{ CR4_LASS, LEAF7_1, EAX, 6 },        { CR4_LAM_SUP, LEAF7_1, EAX, 26 },
	{ CR4_FRED, LEAF7_1, EAX, 17 },
};

static const struct row efer_rows[] = {
	{ EFER_LME | EFER_LMA, EXT1, EDX, 29 }, { EFER_NXE, EXT1, EDX, 20 },
	{ EFER_SVME, EXT1, ECX, 2 },            { EFER_FFXSR, EXT1, EDX, 25 },
	{ EFER_TCE, EXT1, ECX, 17 },            { EFER_MCOMMIT, EXT8, EBX, 8 },
};

/* Every CR4 bit a feature brings, and PCE. */
#define CR4_DEFINED (CR4_VME | CR4_PVI | CR4_TSD | CR4_DE | CR4_PSE | CR4_PAE | CR4_MCE | \
		     CR4_PGE | CR4_PCE | CR4_OSFXSR | CR4_OSXMMEXCPT | CR4_UMIP | CR4_LA57 | \
		     CR4_VMXE | CR4_SMXE | CR4_FSGSBASE | CR4_PCIDE | CR4_OSXSAVE | CR4_KL | \
		     CR4_SMEP | CR4_SMAP | CR4_PKE | CR4_CET | CR4_PKS | CR4_UINTR | CR4_LASS | \
		     CR4_LAM_SUP | CR4_FRED)

static void test_nothing_offered(void **state)
{
	const struct cpu_model_leaves none = { 0 };

	(void)state;
	assert_int_equal(cr4_valid_bits(&none), CR4_PCE);
	assert_int_equal(efer_valid_bits(&none), EFER_SCE);
}

/* Bit 15, 26 and 29-31 and 33-63 of CR4 are reserved whatever CPUID says. */
static void test_everything_offered(void **state)
{
	(void)state;
	assert_int_equal(cr4_valid_bits(&everything), CR4_DEFINED);
	assert_false(cr4_valid_bits(&everything) & (BIT(15) | BIT(26) | BIT(29) | BIT(30) |
						     BIT(31) | ~((BIT(33)) - 1)));
}

/* LMSLE and AUTOIBRS are never offered; SVME only with SVM in CPUID (hidden). */
static void test_efer_everything_offered(void **state)
{
	uint64_t valid = efer_valid_bits(&everything);

	(void)state;
	assert_int_equal(valid, EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE | EFER_SVME |
					EFER_FFXSR | EFER_TCE | EFER_MCOMMIT);
	assert_false(valid & (EFER_LMSLE | EFER_AUTOIBRS | BIT(1) | BIT(9) | BIT(63)));
}

static void test_cr4_one_bit_at_a_time(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cr4_rows) / sizeof(cr4_rows[0]); i++) {
		const struct row *r = &cr4_rows[i];
		struct cpu_model_leaves c = with_bit(r->leaf, r->reg, r->cpuid_bit);

		assert_int_equal(cr4_valid_bits(&c), CR4_PCE | r->bits);
	}
}

static void test_efer_one_bit_at_a_time(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(efer_rows) / sizeof(efer_rows[0]); i++) {
		const struct row *r = &efer_rows[i];
		struct cpu_model_leaves c = with_bit(r->leaf, r->reg, r->cpuid_bit);

		assert_int_equal(efer_valid_bits(&c), EFER_SCE | r->bits);
	}
}

/* A bit the CPUID shows without a control-register bit of its own offers nothing. */
static void test_unrelated_cpuid_bits(void **state)
{
	struct cpu_model_leaves c = with_bit(LEAF1, ECX, 27); /* OSXSAVE: the state, not the feature */

	(void)state;
	assert_int_equal(cr4_valid_bits(&c), CR4_PCE);
	c = with_bit(LEAF7, ECX, 4); /* OSPKE */
	assert_int_equal(cr4_valid_bits(&c), CR4_PCE);
	c = with_bit(EXT8, EBX, 20); /* AMD's EferLmsleUnsupported: LMSLE stays refused */
	assert_int_equal(efer_valid_bits(&c), EFER_SCE);
}

/* The hidden features of the CPU model (cpumodel/cpu_model_hidden.c) stay reserved. */
static void test_model_like_cpu(void **state)
{
	struct cpu_model_leaves c = everything;

	(void)state;
	c.leaf1.ecx &= ~(1u << 5 | 1u << 6);               /* VMX, SMX */
	c.leaf1.edx &= ~(1u << 7);                         /* MCE */
	c.leaf7.ecx &= ~(1u << 16 | 1u << 7 | 1u << 23 | 1u << 31); /* LA57, SHSTK, KL, PKS */
	c.leaf7.edx &= ~(1u << 20 | 1u << 5);              /* IBT, UINTR */
	c.leaf7_1.eax = 1u << 6;                           /* LASS only */
	c.ext1.ecx &= ~(1u << 2 | 1u << 17);               /* SVM, TCE */
	c.ext1.edx &= ~(1u << 25);                         /* FFXSR */
	c.ext8.ebx = 0;
	assert_int_equal(cr4_valid_bits(&c), CR4_DEFINED & ~(CR4_VMXE | CR4_SMXE | CR4_MCE |
							      CR4_LA57 | CR4_CET | CR4_KL |
							      CR4_PKS | CR4_UINTR | CR4_LAM_SUP |
							      CR4_FRED));
	assert_int_equal(efer_valid_bits(&c), EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE);
}

/* Long mode, 64-bit code, paging with PAE: where a kernel runs. */
static const struct cr_state long_mode = {
	.cr0 = CR0_PE | CR0_ET | CR0_NE | CR0_WP | CR0_PG, .cr3 = 0x1000,
	.cr4 = CR4_PAE | CR4_OSFXSR, .efer = EFER_LME | EFER_LMA | EFER_SCE, .cs_long = true,
};

static void test_cr0_write_rules(void **state)
{
	struct cr_state cet = long_mode;

	(void)state;
	cet.cr4 |= CR4_CET;
	assert_false(cr0_write_faults(&long_mode, long_mode.cr0 | CR0_TS | CR0_MP));
	assert_true(cr0_write_faults(&long_mode, long_mode.cr0 | BIT(32)));      /* bits 63:32 */
	assert_true(cr0_write_faults(&long_mode, long_mode.cr0 | CR0_NW));       /* NW without CD */
	assert_false(cr0_write_faults(&long_mode, long_mode.cr0 | CR0_NW | CR0_CD));
	assert_true(cr0_write_faults(&long_mode, long_mode.cr0 & ~CR0_PG));      /* in 64-bit code */
	assert_true(cr0_write_faults(&long_mode, CR0_PG | CR0_ET));              /* PG without PE */
	assert_true(cr0_write_faults(&cet, cet.cr0 & ~CR0_WP));                  /* WP with CET */
}

static void test_cr0_long_mode_activation(void **state)
{
	struct cr_state s = { .cr0 = CR0_PE | CR0_ET, .efer = EFER_LME, .cr4 = CR4_PAE };

	(void)state;
	assert_false(cr0_write_faults(&s, s.cr0 | CR0_PG));
	s.cr4 = 0;
	assert_true(cr0_write_faults(&s, s.cr0 | CR0_PG));                       /* without PAE */
	s.cr4 = CR4_PAE;
	s.tss16 = true;
	assert_true(cr0_write_faults(&s, s.cr0 | CR0_PG));                       /* a 16-bit TSS */
}

static void test_cr4_write_rules(void **state)
{
	uint64_t valid = CR4_PAE | CR4_OSFXSR | CR4_PCIDE | CR4_PGE | CR4_CET;
	struct cr_state no_wp = long_mode, pcid_bits = long_mode;

	(void)state;
	no_wp.cr0 &= ~CR0_WP;
	pcid_bits.cr3 |= 0x5;
	assert_false(cr4_write_faults(valid, &long_mode, long_mode.cr4 | CR4_PGE));
	assert_true(cr4_write_faults(valid, &long_mode, long_mode.cr4 | CR4_LA57)); /* not valid */
	assert_true(cr4_write_faults(valid | CR4_LA57, &long_mode, long_mode.cr4 | CR4_LA57));
	assert_true(cr4_write_faults(valid, &long_mode, CR4_OSFXSR));             /* PAE cleared */
	assert_false(cr4_write_faults(valid, &long_mode, long_mode.cr4 | CR4_PCIDE));
	assert_true(cr4_write_faults(valid, &pcid_bits, long_mode.cr4 | CR4_PCIDE)); /* CR3[11:0] */
	assert_true(cr4_write_faults(valid, &no_wp, long_mode.cr4 | CR4_CET));    /* CET, no WP */
	assert_false(cr4_write_faults(valid, &long_mode, long_mode.cr4 | CR4_CET));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nothing_offered),
		cmocka_unit_test(test_everything_offered),
		cmocka_unit_test(test_efer_everything_offered),
		cmocka_unit_test(test_cr4_one_bit_at_a_time),
		cmocka_unit_test(test_efer_one_bit_at_a_time),
		cmocka_unit_test(test_unrelated_cpuid_bits),
		cmocka_unit_test(test_model_like_cpu),
		cmocka_unit_test(test_cr0_write_rules),
		cmocka_unit_test(test_cr0_long_mode_activation),
		cmocka_unit_test(test_cr4_write_rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Host unit tests of the CPU model's tables and masks (cpumodel/cpu_model.c):
 * the rows are sorted and unique, each lands in a feature register, none is
 * offered and hidden at once, the vendors' masks keep apart, what the host
 * lacks is never invented but for the synthesized bits, the guest-state bits
 * follow the guest, and the bits the hypervisor cannot back stay hidden.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cpumodel/cpu_model.h"

#define ALL_GUEST_STATES ((1u << CPU_MODEL_NR_GUEST_STATES) - 1)

static struct cpu_model intel, amd;

static int setup(void **state)
{
	(void)state;
	cpu_model_build(&intel, VENDOR_INTEL);
	cpu_model_build(&amd, VENDOR_AMD);
	return 0;
}

static uint32_t reg_value(struct cpuid_regs r, enum cpuid_reg reg)
{
	uint32_t regs[CPUID_NR_REGS] = { r.eax, r.ebx, r.ecx, r.edx };

	return regs[reg];
}

/* A register of the guest's view of a host that has every bit (or none), in every guest state. */
static uint32_t seen(const struct cpu_model *m, uint32_t leaf, uint32_t subleaf,
		     enum cpuid_reg reg, uint32_t host, unsigned int guest_state)
{
	const struct cpu_model_leaf *l = cpu_model_find(m, leaf, subleaf);
	struct cpuid_regs h = { host, host, host, host };

	return l ? reg_value(cpu_model_apply(l, h, guest_state), reg) : 0;
}

static uint32_t ever_seen(const struct cpu_model *m, uint32_t leaf, uint32_t subleaf,
			  enum cpuid_reg reg)
{
	return seen(m, leaf, subleaf, reg, ~0u, ALL_GUEST_STATES);
}

static uint64_t position(uint32_t leaf, uint32_t subleaf, enum cpuid_reg reg, unsigned int bit)
{
	return (uint64_t)leaf << 32 | (uint64_t)subleaf << 16 | (uint64_t)reg << 8 | bit;
}

static void test_features_sorted_and_unique(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < cpu_model_nr_features; i++) {
		const struct cpu_model_feature *f = &cpu_model_features[i];

		assert_true(f->bit < 32);
		assert_true(f->subleaf < 0x100);
		if (i) {
			const struct cpu_model_feature *p = &cpu_model_features[i - 1];

			assert_true(position(p->leaf, p->subleaf, p->reg, p->bit) <
				    position(f->leaf, f->subleaf, f->reg, f->bit));
		}
	}
}

static void test_hidden_sorted_and_unique(void **state)
{
	(void)state;
	for (unsigned int i = 1; i < cpu_model_nr_hidden; i++) {
		const struct cpu_model_hidden *p = &cpu_model_hidden[i - 1], *h = &cpu_model_hidden[i];

		assert_true(h->bit < 32);
		assert_true(position(p->leaf, p->subleaf, p->reg, p->bit) <
			    position(h->leaf, h->subleaf, h->reg, h->bit));
	}
}

static void test_rows_described(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < cpu_model_nr_features; i++) {
		const struct cpu_model_feature *f = &cpu_model_features[i];

		assert_true(f->name && f->name[0] && f->backed_by && f->backed_by[0]);
		assert_true(f->group < CPU_GROUP_FIRST_HIDDEN);
		assert_true(f->vendors && !(f->vendors & ~CPU_MODEL_BOTH));
	}
	for (unsigned int i = 0; i < cpu_model_nr_hidden; i++) {
		const struct cpu_model_hidden *h = &cpu_model_hidden[i];

		assert_true(h->name && h->name[0] && h->why && h->why[0]);
		assert_true(h->group >= CPU_GROUP_FIRST_HIDDEN && h->group < CPU_NR_GROUPS);
	}
}

/* No row is lost: each one's bit reaches the guest of its vendors, on a host that has it. */
static void test_every_row_lands(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < cpu_model_nr_features; i++) {
		const struct cpu_model_feature *f = &cpu_model_features[i];
		uint32_t bit = 1u << f->bit;

		if (f->vendors & CPU_MODEL_INTEL)
			assert_true(ever_seen(&intel, f->leaf, f->subleaf, f->reg) & bit);
		if (f->vendors & CPU_MODEL_AMD)
			assert_true(ever_seen(&amd, f->leaf, f->subleaf, f->reg) & bit);
	}
}

/* A row of one vendor sets nothing in the other's model, unless a row of that vendor does. */
static bool offered_for(uint8_t vendor, uint32_t leaf, uint32_t subleaf, enum cpuid_reg reg,
			unsigned int bit)
{
	for (unsigned int i = 0; i < cpu_model_nr_features; i++) {
		const struct cpu_model_feature *f = &cpu_model_features[i];

		if (f->leaf == leaf && f->subleaf == subleaf && f->reg == reg && f->bit == bit &&
		    (f->vendors & vendor))
			return true;
	}
	return false;
}

static void test_vendors_apart(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < cpu_model_nr_features; i++) {
		const struct cpu_model_feature *f = &cpu_model_features[i];
		uint32_t bit = 1u << f->bit;

		if (!offered_for(CPU_MODEL_INTEL, f->leaf, f->subleaf, f->reg, f->bit))
			assert_false(ever_seen(&intel, f->leaf, f->subleaf, f->reg) & bit);
		if (!offered_for(CPU_MODEL_AMD, f->leaf, f->subleaf, f->reg, f->bit))
			assert_false(ever_seen(&amd, f->leaf, f->subleaf, f->reg) & bit);
	}
	/* SSE4A (AMD) and the AMD copy of leaf 1's FPU bit are no Intel bits. */
	assert_true(ever_seen(&amd, 0x80000001, 0, CPUID_ECX) & (1u << 6));
	assert_false(ever_seen(&intel, 0x80000001, 0, CPUID_ECX) & (1u << 6));
	assert_false(ever_seen(&intel, 0x80000001, 0, CPUID_EDX) & 1u);
	/* HLE and RTM are Intel's. */
	assert_false(ever_seen(&amd, 7, 0, CPUID_EBX) & ((1u << 4) | (1u << 11)));
}

static void test_hidden_never_offered(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < cpu_model_nr_hidden; i++) {
		const struct cpu_model_hidden *h = &cpu_model_hidden[i];

		assert_false(ever_seen(&intel, h->leaf, h->subleaf, h->reg) & (1u << h->bit));
		assert_false(ever_seen(&amd, h->leaf, h->subleaf, h->reg) & (1u << h->bit));
	}
}

/* The bits the hypervisor cannot back, named on their own (not read from the hidden table). */
static const struct {
	uint32_t leaf, subleaf;
	enum cpuid_reg reg;
	uint32_t bits;
} must_hide[] = {
	{ 1, 0, CPUID_ECX, 1u << 2 | 1u << 3 | 1u << 4 | 1u << 5 | 1u << 6 | 1u << 7 | 1u << 8 |
			   1u << 14 | 1u << 15 },         /* DTES64 MONITOR DS-CPL VMX SMX EIST TM2 xTPR PDCM */
	{ 1, 0, CPUID_EDX, 1u << 7 | 1u << 14 | 1u << 21 | 1u << 22 | 1u << 29 | 1u << 31 },
							  /* MCE MCA DS ACPI TM PBE */
	{ 6, 0, CPUID_EAX, ~(1u << 2) },                   /* all but ARAT */
	{ 7, 0, CPUID_EBX, 1u << 2 | 1u << 12 | 1u << 14 | 1u << 15 | 1u << 25 },
	{ 7, 0, CPUID_ECX, 1u << 5 | 1u << 7 | 1u << 16 | 1u << 30 | 1u << 31 },
	{ 7, 0, CPUID_EDX, 1u << 5 | 1u << 15 | 1u << 19 | 1u << 20 | 1u << 22 | 1u << 24 |
			   1u << 25 | 1u << 30 },         /* UINTR HYBRID ARCH_LBR IBT AMX CORE_CAPS */
	{ 7, 1, CPUID_EAX, 1u << 21 },                     /* AMX-FP16 */
	{ 7, 1, CPUID_EDX, 1u << 8 },                      /* AMX-COMPLEX */
	{ 7, 2, CPUID_EDX, ~0x3fu },                      /* all but SPEC_CTRL's and MCDT_NO */
	{ 0xd, 1, CPUID_EAX, 1u << 4 },                    /* XFD */
	{ 0x80000001, 0, CPUID_ECX, 1u << 2 | 1u << 9 | 1u << 10 | 1u << 12 | 1u << 13 | 1u << 15 |
				    1u << 17 | 1u << 22 | 1u << 23 | 1u << 24 | 1u << 28 | 1u << 29 },
	{ 0x80000001, 0, CPUID_EDX, 1u << 7 | 1u << 14 },
	{ 0x80000007, 0, CPUID_EDX, ~(1u << 8) },          /* all but the invariant TSC */
	{ 0x80000008, 0, CPUID_EBX, 1u << 25 },           /* VIRT_SSBD */
};

static void test_unbacked_bits_hidden(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < ARRAY_SIZE(must_hide); i++) {
		uint32_t leaf = must_hide[i].leaf, sub = must_hide[i].subleaf;

		assert_int_equal(ever_seen(&intel, leaf, sub, must_hide[i].reg) & must_hide[i].bits, 0);
		assert_int_equal(ever_seen(&amd, leaf, sub, must_hide[i].reg) & must_hide[i].bits, 0);
	}
}

/* What the host lacks reads 0, but for hypervisor, x2APIC, TSC-deadline and ARAT. */
static void test_nothing_invented(void **state)
{
	(void)state;
	assert_int_equal(seen(&intel, 1, 0, CPUID_ECX, 0, 0), 1u << 31 | 1u << 21 | 1u << 24);
	assert_int_equal(seen(&amd, 1, 0, CPUID_EDX, 0, 0), 0);
	assert_int_equal(seen(&intel, 6, 0, CPUID_EAX, 0, 0), 1u << 2);
	assert_int_equal(seen(&amd, 7, 0, CPUID_EBX, 0, 0), 0);
	assert_int_equal(seen(&amd, 0x80000001, 0, CPUID_ECX, 0, 0), 0);
	assert_int_equal(seen(&intel, 0x80000008, 0, CPUID_EBX, 0, 0), 0);
}

static void test_guest_state_bits(void **state)
{
	unsigned int osxsave = CPU_MODEL_GUEST_STATE(CPU_MODEL_GUEST_OSXSAVE);
	unsigned int ospke = CPU_MODEL_GUEST_STATE(CPU_MODEL_GUEST_OSPKE);
	unsigned int apic = CPU_MODEL_GUEST_STATE(CPU_MODEL_GUEST_APIC);

	(void)state;
	/* The host's OSXSAVE and APIC bits do not leak through: the guest's state decides. */
	assert_false(seen(&intel, 1, 0, CPUID_ECX, ~0u, 0) & (1u << 27));
	assert_true(seen(&intel, 1, 0, CPUID_ECX, 0, osxsave) & (1u << 27));
	assert_false(seen(&intel, 1, 0, CPUID_EDX, ~0u, 0) & (1u << 9));
	assert_true(seen(&intel, 1, 0, CPUID_EDX, 0, apic) & (1u << 9));
	assert_false(seen(&intel, 7, 0, CPUID_ECX, ~0u, osxsave | apic) & (1u << 4));
	assert_true(seen(&intel, 7, 0, CPUID_ECX, 0, ospke) & (1u << 4));
	/* AMD's copy of the APIC bit follows it too; Intel reserves it. */
	assert_true(seen(&amd, 0x80000001, 0, CPUID_EDX, 0, apic) & (1u << 9));
	assert_false(seen(&intel, 0x80000001, 0, CPUID_EDX, 0, apic) & (1u << 9));
	assert_true(cpu_model_find(&intel, 1, 0)->reads_guest);
	assert_false(cpu_model_find(&intel, 0x80000001, 0)->reads_guest);
	assert_false(cpu_model_find(&intel, 0xd, 1)->reads_guest);
}

/* Leaves not answered read zeros; a leaf's own subleaf entry comes before its ANY one. */
static void test_leaves(void **state)
{
	static const uint32_t zero_leaves[] = { 3, 5, 8, 9, 0xa, 0xc, 0xe, 0xf, 0x10, 0x12, 0x14,
						0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e,
						0x20, 0x24, 0x80000009, 0x8000000a, 0x8000001d,
						0x8000001e, 0x8000001f, 0x80000021 };
	const struct cpu_model_leaf *l;

	(void)state;
	for (unsigned int i = 0; i < ARRAY_SIZE(zero_leaves); i++)
		assert_null(cpu_model_find(&intel, zero_leaves[i], 0));
	assert_null(cpu_model_find(&amd, 7, 3));
	l = cpu_model_find(&intel, 0xd, 1);
	assert_true(l && l->subleaf == 1 && l->keep[CPUID_EBX] == ~0u && !l->keep[CPUID_ECX]);
	l = cpu_model_find(&intel, 0xd, 2);
	assert_true(l && l->subleaf == CPU_MODEL_ANY_SUBLEAF);
	assert_int_equal(seen(&amd, 0x80000008, 0, CPUID_EAX, ~0u, 0), 0xffff);
	assert_int_equal(seen(&amd, 0x80000007, 0, CPUID_EBX, ~0u, 0), 0);
}

static void test_clear(void **state)
{
	struct cpu_model m;

	(void)state;
	cpu_model_build(&m, VENDOR_INTEL);
	assert_true(ever_seen(&m, 7, 0, CPUID_EBX) & (1u << 10));
	cpu_model_clear(&m, 7, 0, CPUID_EBX, 1u << 10);
	assert_false(ever_seen(&m, 7, 0, CPUID_EBX) & (1u << 10));
	assert_true(ever_seen(&m, 7, 0, CPUID_EBX) & (1u << 9));
}

/* An unknown vendor gets only what both vendors define alike. */
static void test_unknown_vendor(void **state)
{
	struct cpu_model m;

	(void)state;
	cpu_model_build(&m, VENDOR_UNKNOWN);
	assert_int_equal(ever_seen(&m, 0x80000001, 0, CPUID_EDX),
			 1u << 11 | 1u << 20 | 1u << 26 | 1u << 27 | 1u << 29);
	assert_false(ever_seen(&m, 7, 0, CPUID_EBX) & (1u << 11));
}

static struct cpuid_regs every_bit(uint32_t leaf, uint32_t subleaf)
{
	(void)leaf;
	(void)subleaf;
	return (struct cpuid_regs){ ~0u, ~0u, ~0u, ~0u };
}

static struct cpuid_regs no_bit(uint32_t leaf, uint32_t subleaf)
{
	(void)leaf;
	(void)subleaf;
	return (struct cpuid_regs){ 0 };
}

static void test_groups(void **state)
{
	uint32_t offered_groups = (1u << CPU_GROUP_FIRST_HIDDEN) - 1;
	uint32_t hidden_groups = ((1u << CPU_NR_GROUPS) - 1) & ~offered_groups;

	(void)state;
	assert_int_equal(cpu_model_offered_groups(&intel, every_bit), offered_groups);
	assert_int_equal(cpu_model_offered_groups(&amd, every_bit), offered_groups);
	assert_int_equal(cpu_model_hidden_groups(every_bit), hidden_groups);
	/* On a CPU with nothing, the hypervisor's bits remain: hypervisor, x2APIC, APIC, ARAT. */
	assert_int_equal(cpu_model_offered_groups(&intel, no_bit),
			 1u << CPU_GROUP_APIC | 1u << CPU_GROUP_MISC);
	assert_int_equal(cpu_model_hidden_groups(no_bit), 0);
}

/* The boot log's line: "hv: guest NAME: CPU model: " (up to 58 chars) and this, under 240. */
static void test_describe(void **state)
{
	uint32_t all = (1u << CPU_NR_GROUPS) - 1, hidden = all & ~((1u << CPU_GROUP_FIRST_HIDDEN) - 1);
	char buf[176], small[12];
	int len;

	(void)state;
	len = cpu_model_describe(buf, sizeof(buf), all & ~hidden, hidden);
	assert_true(len < (int)sizeof(buf));
	assert_int_equal(strlen(buf), len);
	assert_string_equal(buf, "base, sse/avx, avx-512, xsave, apic, tsc, virtual-memory, "
				 "mtrr/pat, security, misc; hidden: virt, pmu, trace, mca, power, "
				 "spec-ctrl, cet, amx, sgx, rdt, other");
	cpu_model_describe(buf, sizeof(buf), 1u << CPU_GROUP_APIC, 0);
	assert_string_equal(buf, "apic");
	cpu_model_describe(buf, sizeof(buf), 0, 1u << CPU_GROUP_PMU);
	assert_string_equal(buf, "nothing; hidden: pmu");
	len = cpu_model_describe(small, sizeof(small), all & ~hidden, hidden);
	assert_true(len > (int)sizeof(small));
	assert_int_equal(strlen(small), sizeof(small) - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_features_sorted_and_unique),
		cmocka_unit_test(test_hidden_sorted_and_unique),
		cmocka_unit_test(test_rows_described),
		cmocka_unit_test(test_every_row_lands),
		cmocka_unit_test(test_vendors_apart),
		cmocka_unit_test(test_hidden_never_offered),
		cmocka_unit_test(test_unbacked_bits_hidden),
		cmocka_unit_test(test_nothing_invented),
		cmocka_unit_test(test_guest_state_bits),
		cmocka_unit_test(test_leaves),
		cmocka_unit_test(test_clear),
		cmocka_unit_test(test_unknown_vendor),
		cmocka_unit_test(test_groups),
		cmocka_unit_test(test_describe),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}

/*
 * The CPU model's masks, built from its tables (cpumodel/cpu_model.h).
 * Pure: the host unit tests build it.
 */
#include "cpumodel/cpu_model.h"
#include "lib/fmt.h"

#define ALL 0xffffffffu
#define ANY CPU_MODEL_ANY_SUBLEAF
#define FEATURES(a, b, c, d) (((a) << CPUID_EAX) | ((b) << CPUID_EBX) | ((c) << CPUID_ECX) | \
			      ((d) << CPUID_EDX))

/*
 * The leaves the guest is answered; every other leaf reads all zeros. Each
 * register passes the host's bits in host, and in a feature register
 * (features, bit n: enum cpuid_reg n) those of the table's rows. A leaf's
 * subleaves come before its ANY entry, which takes the table's rows of
 * subleaf 0. cpumodel/cpuid_policy.c then adjusts what describes the vCPU
 * rather than the CPU (the maximum leaves, the topology, the XSAVE sizes).
 */
static const struct leaf_layout {
	uint32_t leaf, subleaf;
	uint32_t host[CPUID_NR_REGS];
	uint8_t features;
} layouts[] = {
	{ 0x0, ANY, { ALL, ALL, ALL, ALL }, 0 },               /* maximum leaf, vendor */
	{ 0x1, ANY, { ALL, ALL, 0, 0 }, FEATURES(0, 0, 1, 1) },  /* signature, APIC ID */
	{ 0x2, ANY, { ALL, ALL, ALL, ALL }, 0 },               /* cache and TLB descriptors */
	{ 0x4, ANY, { ALL, ALL, ALL, ALL }, 0 },               /* cache parameters */
	{ 0x6, ANY, { 0, 0, 0, 0 }, FEATURES(1, 0, 0, 0) },      /* power management: ARAT */
	{ 0x7, 0, { ALL, 0, 0, 0 }, FEATURES(0, 1, 1, 1) },      /* EAX: the last subleaf */
	{ 0x7, 1, { 0, 0, 0, 0 }, FEATURES(1, 0, 0, 1) },
	{ 0x7, 2, { 0, 0, 0, 0 }, FEATURES(0, 0, 0, 1) },
	{ 0xb, ANY, { ALL, ALL, ALL, ALL }, 0 },               /* extended topology */
	{ 0xd, 1, { 0, ALL, 0, 0 }, FEATURES(1, 0, 0, 0) },      /* EBX: the XSAVEC size */
	{ 0xd, ANY, { ALL, ALL, ALL, ALL }, 0 },               /* XSAVE components */
	{ 0x15, ANY, { ALL, ALL, ALL, ALL }, 0 },              /* TSC/crystal ratio */
	{ 0x16, ANY, { ALL, ALL, ALL, ALL }, 0 },              /* frequencies */
	{ 0x1f, ANY, { ALL, ALL, ALL, ALL }, 0 },              /* V2 extended topology */
	{ 0x80000000, ANY, { ALL, ALL, ALL, ALL }, 0 },        /* maximum extended leaf */
	{ 0x80000001, ANY, { ALL, ALL, 0, 0 }, FEATURES(0, 0, 1, 1) },
	{ 0x80000002, ANY, { ALL, ALL, ALL, ALL }, 0 },        /* brand string */
	{ 0x80000003, ANY, { ALL, ALL, ALL, ALL }, 0 },
	{ 0x80000004, ANY, { ALL, ALL, ALL, ALL }, 0 },
	{ 0x80000005, ANY, { ALL, ALL, ALL, ALL }, 0 },        /* L1 caches and TLBs */
	{ 0x80000006, ANY, { ALL, ALL, ALL, ALL }, 0 },        /* L2 and L3 */
	{ 0x80000007, ANY, { 0, 0, 0, 0 }, FEATURES(0, 0, 0, 1) }, /* invariant TSC */
	/* EAX: physical and linear address sizes, without AMD's guest size (23:16) */
	{ 0x80000008, ANY, { 0x0000ffff, 0, 0, 0 }, FEATURES(0, 1, 0, 0) },
};
_Static_assert(ARRAY_SIZE(layouts) <= CPU_MODEL_MAX_LEAVES, "struct cpu_model holds every leaf");
_Static_assert(CPU_NR_GROUPS <= 32, "a uint32_t holds a set of groups");
_Static_assert(CPU_MODEL_GUEST_APIC - CPU_MODEL_GUEST_OSXSAVE + 1 == CPU_MODEL_NR_GUEST_STATES,
	       "one guest[] mask per CPU_MODEL_GUEST_* source");

static const char *const group_names[CPU_NR_GROUPS] = {
	[CPU_GROUP_BASE] = "base",
	[CPU_GROUP_SSE_AVX] = "sse/avx",
	[CPU_GROUP_AVX512] = "avx-512",
	[CPU_GROUP_XSAVE] = "xsave",
	[CPU_GROUP_APIC] = "apic",
	[CPU_GROUP_TSC] = "tsc",
	[CPU_GROUP_VIRTUAL_MEMORY] = "virtual-memory",
	[CPU_GROUP_MEMORY_TYPES] = "mtrr/pat",
	[CPU_GROUP_SECURITY] = "security",
	[CPU_GROUP_MISC] = "misc",
	[CPU_GROUP_VIRT] = "virt",
	[CPU_GROUP_PMU] = "pmu",
	[CPU_GROUP_TRACE] = "trace",
	[CPU_GROUP_MCA] = "mca",
	[CPU_GROUP_POWER] = "power",
	[CPU_GROUP_SPEC_CTRL] = "spec-ctrl",
	[CPU_GROUP_CET] = "cet",
	[CPU_GROUP_AMX] = "amx",
	[CPU_GROUP_SGX] = "sgx",
	[CPU_GROUP_RDT] = "rdt",
	[CPU_GROUP_OTHER] = "other",
};

static uint32_t *reg_of(struct cpuid_regs *r, enum cpuid_reg reg)
{
	uint32_t *regs[CPUID_NR_REGS] = { &r->eax, &r->ebx, &r->ecx, &r->edx };

	return regs[reg];
}

unsigned int cpu_model_vendor_bits(enum cpu_vendor vendor)
{
	switch (vendor) {
	case VENDOR_INTEL:
		return CPU_MODEL_INTEL;
	case VENDOR_AMD:
		return CPU_MODEL_AMD;
	default:
		return CPU_MODEL_BOTH; /* only what both define the same way is known */
	}
}

static bool subleaf_matches(uint32_t entry, uint32_t subleaf)
{
	return entry == ANY || entry == subleaf;
}

/* The layout that takes a row: its feature register of its leaf and subleaf (ANY: 0). */
static bool layout_takes(const struct leaf_layout *l, const struct cpu_model_feature *f)
{
	uint32_t subleaf = l->subleaf == ANY ? 0 : l->subleaf;

	return l->leaf == f->leaf && f->subleaf == subleaf && (l->features & BIT(f->reg));
}

static void add_row(struct cpu_model_leaf *l, const struct cpu_model_feature *f)
{
	uint32_t bit = (uint32_t)BIT(f->bit);

	switch (f->source) {
	case CPU_MODEL_FROM_HOST:
		l->keep[f->reg] |= bit;
		break;
	case CPU_MODEL_SYNTHESIZED:
		l->set[f->reg] |= bit;
		break;
	default:
		l->guest[f->source - CPU_MODEL_GUEST_OSXSAVE][f->reg] |= bit;
		l->reads_guest = true;
		break;
	}
}

static void build_leaf(struct cpu_model_leaf *l, const struct leaf_layout *layout,
		       unsigned int vendors)
{
	*l = (struct cpu_model_leaf){ .leaf = layout->leaf, .subleaf = layout->subleaf };
	for (unsigned int r = 0; r < CPUID_NR_REGS; r++)
		l->keep[r] = layout->host[r];
	for (unsigned int i = 0; i < cpu_model_nr_features; i++) {
		const struct cpu_model_feature *f = &cpu_model_features[i];

		if ((f->vendors & vendors) == vendors && layout_takes(layout, f))
			add_row(l, f);
	}
}

void cpu_model_build(struct cpu_model *m, enum cpu_vendor vendor)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(layouts); i++)
		build_leaf(&m->leaves[i], &layouts[i], cpu_model_vendor_bits(vendor));
	m->nr_leaves = ARRAY_SIZE(layouts);
}

/* The index of the leaf's entry, or -1. */
static int leaf_index(const struct cpu_model *m, uint32_t leaf, uint32_t subleaf)
{
	for (unsigned int i = 0; i < m->nr_leaves; i++)
		if (m->leaves[i].leaf == leaf && subleaf_matches(m->leaves[i].subleaf, subleaf))
			return (int)i;
	return -1;
}

void cpu_model_clear(struct cpu_model *m, uint32_t leaf, uint32_t subleaf, enum cpuid_reg reg,
		     uint32_t bits)
{
	int i = leaf_index(m, leaf, subleaf);

	if (i >= 0)
		m->leaves[i].keep[reg] &= ~bits;
}

const struct cpu_model_leaf *cpu_model_find(const struct cpu_model *m, uint32_t leaf,
					    uint32_t subleaf)
{
	int i = leaf_index(m, leaf, subleaf);

	return i >= 0 ? &m->leaves[i] : NULL;
}

struct cpuid_regs cpu_model_apply(const struct cpu_model_leaf *l, struct cpuid_regs host,
				  unsigned int guest_state)
{
	for (unsigned int r = 0; r < CPUID_NR_REGS; r++) {
		uint32_t *reg = reg_of(&host, r);

		*reg = (*reg & l->keep[r]) | l->set[r];
		for (unsigned int s = 0; s < CPU_MODEL_NR_GUEST_STATES; s++)
			if (guest_state & BIT(s))
				*reg |= l->guest[s][r];
	}
	return host;
}

/* The host's leaf, read once for the rows of one leaf and subleaf (they are sorted). */
static struct cpuid_regs host_leaf(cpu_model_cpuid_fn host, uint32_t leaf, uint32_t subleaf,
				   struct cpuid_regs *cache, uint64_t *cached)
{
	uint64_t key = (uint64_t)leaf << 32 | subleaf;

	if (*cached != key) {
		*cache = host(leaf, subleaf);
		*cached = key;
	}
	return *cache;
}

uint32_t cpu_model_offered_groups(const struct cpu_model *m, cpu_model_cpuid_fn host)
{
	unsigned int at_reset = CPU_MODEL_GUEST_STATE(CPU_MODEL_GUEST_APIC);
	struct cpuid_regs cache = { 0 };
	uint64_t cached = ~0ul;
	uint32_t groups = 0;

	for (unsigned int i = 0; i < cpu_model_nr_features; i++) {
		const struct cpu_model_feature *f = &cpu_model_features[i];
		const struct cpu_model_leaf *l = cpu_model_find(m, f->leaf, f->subleaf);
		struct cpuid_regs r;

		if (!l)
			continue;
		r = cpu_model_apply(l, host_leaf(host, f->leaf, f->subleaf, &cache, &cached),
				    at_reset);
		if (*reg_of(&r, f->reg) & BIT(f->bit))
			groups |= (uint32_t)BIT(f->group);
	}
	return groups;
}

uint32_t cpu_model_hidden_groups(cpu_model_cpuid_fn host)
{
	struct cpuid_regs cache = { 0 };
	uint64_t cached = ~0ul;
	uint32_t groups = 0;

	for (unsigned int i = 0; i < cpu_model_nr_hidden; i++) {
		const struct cpu_model_hidden *h = &cpu_model_hidden[i];
		struct cpuid_regs r = host_leaf(host, h->leaf, h->subleaf, &cache, &cached);

		if (*reg_of(&r, h->reg) & BIT(h->bit))
			groups |= (uint32_t)BIT(h->group);
	}
	return groups;
}

/* Appends a and b to buf, whose text is len long (or would be, had it room). */
static int append(char *buf, size_t size, int len, const char *a, const char *b)
{
	size_t at = MIN((size_t)len, size);

	return len + fmt_snprintf(buf + at, size - at, "%s%s", a, b);
}

/* Appends the names of groups, the first after first, the others after ", ". */
static int describe_groups(char *buf, size_t size, int len, uint32_t groups, const char *first)
{
	const char *sep = first;

	for (unsigned int g = 0; g < CPU_NR_GROUPS; g++) {
		if (!(groups & BIT(g)))
			continue;
		len = append(buf, size, len, sep, group_names[g]);
		sep = ", ";
	}
	return len;
}

int cpu_model_describe(char *buf, size_t size, uint32_t offered, uint32_t hidden)
{
	int len = offered ? describe_groups(buf, size, 0, offered, "")
			  : append(buf, size, 0, "nothing", "");

	if (hidden)
		len = describe_groups(buf, size, len, hidden, "; hidden: ");
	return len;
}

/*
 * The CPUID policy: the CPU model of cpumodel/cpu_model.h on this host (its
 * feature leaves the host's bits that the model's tables offer, the bits
 * the hypervisor provides, and the guest's own state), the leaves that
 * describe the vCPU rather than the CPU adjusted, the Hyper-V leaves from
 * 0x40000000 (synic/) and a timing leaf.
 */
#include "cpumodel/cpuid_policy.h"
#include "apic/vlapic.h"
#include "console/log.h"
#include "core/backend.h"
#include "core/enlightenment.h"
#include "core/partition.h"
#include "cpumodel/cpu_model.h"
#include "cpumodel/xcr0.h"
#include "host/percpu.h"
#include "host/tsc.h"
#include "lib/spinlock.h"

/* The highest leaves answered: every leaf above reads zeros (see cpuid_guest()) */
#define MAX_BASIC_LEAF    0x1fu
#define MAX_EXTENDED_LEAF 0x80000008u
#define MAX_LEAF7_SUBLEAF 2u
/* CPUID.80000008H:EAX[15:8], the linear-address size: 48 without LA57 (hidden) */
#define LINEAR_BITS_SHIFT 8
#define LINEAR_BITS_4LEVEL 48u
#define EBX7_INVPCID     BIT(10)
#define ECX7_RDPID       BIT(22)
#define EXT1_EDX_RDTSCP  BIT(27)
/* IA32_VMX_PROCBASED_CTLS2's allowed-1 half: "enable RDTSCP", "enable INVPCID", "enable XSAVES/XRSTORS" (SDM vol. 3, A.3.3) */
#define VMX_ALLOWED_RDTSCP  BIT(32 + 3)
#define VMX_ALLOWED_INVPCID BIT(32 + 12)
#define VMX_ALLOWED_XSAVES  BIT(32 + 20)
#define EAX_XSAVE1_XSAVES   BIT(3)

/* The XSAVE area's legacy region and header: x87 and SSE state (SDM vol. 1, 13.4) */
#define XSAVE_LEGACY_AND_HEADER 576
#define CPUID_HV_TIMING_LEAF 0x40000010
#define XCR0_APX BIT(19)

/*
 * The extended-state components the guest may not enable, those of hidden
 * features (cpumodel/cpu_model_hidden.c). AMX: IA32_XFD is not emulated, so
 * XFD is hidden, and Linux then leaves AMX's tile data out of XCR0 but its
 * tile configuration in, a value XSETBV refuses (every CPU with AMX has XFD,
 * so nothing else meets this). MPX: IA32_BNDCFGS is not switched. APX: the
 * MMIO decoder knows no REX2 prefix.
 */
#define XCR0_HIDDEN (XCR0_AMX | XCR0_MPX | XCR0_APX)

/* The model on this host, built once: every CPU has the same vendor and features. */
struct guest_cpuid {
	struct cpu_model model;
	uint32_t max_basic, max_extended;
};

/*
 * INVPCID, RDTSCP, RDPID, XSAVES and XRSTORS run in the guest on SVM, where
 * they are not intercepted, and on VMX with "enable INVPCID", "enable RDTSCP"
 * (which also governs RDPID) and "enable XSAVES/XRSTORS", which
 * vmx/vmcs_setup.c asks for and gets where IA32_VMX_PROCBASED_CTLS2 allows
 * them; without, they raise #UD (SDM vol. 2, INVPCID, RDTSCP, RDPID, XSAVES;
 * vol. 3, A.3.3).
 */
static bool vmx_secondary_allows(uint64_t allowed_bit)
{
	return backend != &vmx_backend || (rdmsr(MSR_IA32_VMX_PROCBASED2) & allowed_bit);
}

static void build(struct guest_cpuid *g)
{
	cpu_model_build(&g->model, this_cpu()->features.vendor);
	if (!vmx_secondary_allows(VMX_ALLOWED_INVPCID))
		cpu_model_clear(&g->model, 7, 0, CPUID_EBX, EBX7_INVPCID);
	if (!vmx_secondary_allows(VMX_ALLOWED_XSAVES))
		cpu_model_clear(&g->model, 0xd, 1, CPUID_EAX, EAX_XSAVE1_XSAVES);
	if (!vmx_secondary_allows(VMX_ALLOWED_RDTSCP)) {
		cpu_model_clear(&g->model, 7, 0, CPUID_ECX, ECX7_RDPID);
		cpu_model_clear(&g->model, 0x80000001, 0, CPUID_EDX, EXT1_EDX_RDTSCP);
	}
	g->max_basic = MIN(cpuid(0, 0).eax, MAX_BASIC_LEAF);
	g->max_extended = MIN(cpuid(0x80000000, 0).eax, MAX_EXTENDED_LEAF);
}

/*
 * Built at the first CPUID exit or boot-log line, after backend_select();
 * CPUID exits are frequent, so the built model is read without a lock.
 */
static const struct guest_cpuid *guest_cpuid(void)
{
	static struct guest_cpuid g;
	static bool ready;
	static struct spinlock lock = SPINLOCK_INIT;

	if (__atomic_load_n(&ready, __ATOMIC_ACQUIRE))
		return &g;
	spin_lock(&lock);
	if (!ready) {
		build(&g);
		__atomic_store_n(&ready, true, __ATOMIC_RELEASE);
	}
	spin_unlock(&lock);
	return &g;
}

static bool leaf_answered(const struct guest_cpuid *g, uint32_t leaf)
{
	return leaf <= g->max_basic || (leaf >= 0x80000000 && leaf <= g->max_extended);
}

/*
 * The host's leaf, or zeros above the highest leaves answered: there the
 * guest reads zeros, as on AMD, where Intel would repeat its highest basic
 * leaf (SDM vol. 2, CPUID); zeros promise nothing.
 */
static struct cpuid_regs host_cpuid(uint32_t leaf, uint32_t subleaf)
{
	if (!leaf_answered(guest_cpuid(), leaf))
		return (struct cpuid_regs){ 0 };
	return cpuid(leaf, subleaf);
}

/* OSXSAVE and OSPKE read the guest's CR4 (SDM vol. 2, CPUID), not the host's. */
static uint64_t guest_cr4(struct vcpu *v)
{
	struct vcpu_control_regs c;

	backend->vcpu_read_control(v, &c);
	return c.cr4;
}

/*
 * The guest state the feature bits reflect; the APIC's bit reads 0 while the
 * guest's IA32_APIC_BASE.EN is clear (SDM vol. 3, 11.4.3; APM vol. 2, 16.3.1).
 */
static unsigned int guest_state(struct vcpu *v)
{
	uint64_t cr4 = guest_cr4(v);
	unsigned int s = 0;

	if (cr4 & CR4_OSXSAVE)
		s |= CPU_MODEL_GUEST_STATE(CPU_MODEL_GUEST_OSXSAVE);
	if (cr4 & CR4_PKE)
		s |= CPU_MODEL_GUEST_STATE(CPU_MODEL_GUEST_OSPKE);
	if (vlapic_get_base(&v->apic) & APIC_BASE_EN)
		s |= CPU_MODEL_GUEST_STATE(CPU_MODEL_GUEST_APIC);
	return s;
}

/* Leaf 1: APIC ID and logical-processor count are the vCPU's, not the host's. */
static void adjust_leaf1(const struct vcpu *v, struct cpuid_regs *r)
{
	r->ebx = (r->ebx & 0x0000ffff) | ((uint32_t)v->partition->nr_vcpus << 16) |
		 ((uint32_t)v->index << 24);
}

/* Topology leaves describe the host: give each vCPU its own x2APIC ID there. */
static void adjust_topology(const struct vcpu *v, uint32_t leaf, struct cpuid_regs *r)
{
	if (leaf == 0xb || leaf == 0x1f)
		r->edx = v->index;
	else if (leaf == 4)
		r->eax &= 0x3ff; /* no cores or threads sharing: one per package */
}

/* The end of the furthest component offered: the XSAVE area's largest size. */
static uint32_t xsave_size_of(uint64_t components)
{
	uint32_t size = XSAVE_LEGACY_AND_HEADER;

	for (unsigned int i = 2; i < 64; i++) {
		if (!(components & BIT(i)))
			continue;
		struct cpuid_regs c = cpuid(0xd, i); /* EAX its size, EBX its offset */
		size = MAX(size, c.ebx + c.eax);
	}
	return size;
}

/*
 * Leaf 0xD: subleaf 0 without the hidden components (ECX, the largest area,
 * shrinks with them; EBX follows the guest's XCR0, loaded on this CPU); the
 * hidden components' own subleaves empty. Subleaf 1 is a feature leaf: only
 * XSAVEOPT, XSAVEC and XGETBV1, EBX still the compacted size for XCR0 |
 * IA32_XSS (the host's IA32_XSS is 0: XSAVEC's size, which Linux reads).
 */
static void adjust_xsave_leaf(uint32_t subleaf, struct cpuid_regs *r)
{
	uint64_t offered;

	if (subleaf == 0) {
		offered = ((uint64_t)r->edx << 32 | r->eax) & ~XCR0_HIDDEN;
		r->eax = (uint32_t)offered;
		r->edx = (uint32_t)(offered >> 32);
		r->ecx = xsave_size_of(offered);
	} else if (subleaf < 64 && (XCR0_HIDDEN & BIT(subleaf))) {
		*r = (struct cpuid_regs){ 0 };
	}
}

/*
 * Leaf 0x80000008: 48-bit linear addresses, LA57 being hidden; on AMD, ECX
 * counts the vCPUs as cores of one package, NC = nr_vcpus - 1, ApicIdSize 0
 * (derive the ID width from NC: the vCPUs' APIC IDs are 0..NC), and no
 * performance TSC (APM vol. 3, E.4.7). Intel reserves ECX: 0.
 */
static void adjust_address_sizes(const struct vcpu *v, struct cpuid_regs *r)
{
	uint32_t linear = (r->eax >> LINEAR_BITS_SHIFT) & 0xff;

	if (linear > LINEAR_BITS_4LEVEL)
		r->eax = (r->eax & ~(0xffu << LINEAR_BITS_SHIFT)) |
			 LINEAR_BITS_4LEVEL << LINEAR_BITS_SHIFT;
	if (this_cpu()->features.vendor == VENDOR_AMD)
		r->ecx = (v->partition->nr_vcpus - 1) & 0xff;
}

/* What describes the vCPU or the model rather than the host's CPU. */
static void adjust_leaf(const struct guest_cpuid *g, const struct vcpu *v, uint32_t leaf,
			uint32_t subleaf, struct cpuid_regs *r)
{
	switch (leaf) {
	case 0:
		r->eax = g->max_basic;
		break;
	case 1:
		adjust_leaf1(v, r);
		break;
	case 4:
	case 0xb:
	case 0x1f:
		adjust_topology(v, leaf, r);
		break;
	case 7:
		if (subleaf == 0)
			r->eax = MIN(r->eax, MAX_LEAF7_SUBLEAF);
		break;
	case 0xd:
		adjust_xsave_leaf(subleaf, r);
		break;
	case 0x15: /* TSC/crystal ratio and base frequency: only where they are true */
	case 0x16:
		if (tsc_cpuid_is_wrong())
			*r = (struct cpuid_regs){ 0 };
		break;
	case 0x80000000:
		r->eax = g->max_extended;
		break;
	case 0x80000008:
		adjust_address_sizes(v, r);
		break;
	}
}

/*
 * The timing leaf other hypervisors also offer at 0x40000010: EAX the TSC
 * and EBX the local APIC timer frequency, in kHz.
 */
static void timing_leaf(const struct vcpu *v, struct cpuid_regs *r)
{
	r->eax = (uint32_t)v->partition->apic_group.tsc_khz;
	r->ebx = (uint32_t)v->partition->apic_group.timer_khz;
}

/*
 * Leaves the model does not answer read all zeros: no PMU (0xA), no
 * MONITOR/MWAIT (5), no RDT (0xF, 0x10), SGX (0x12), trace (0x14), AMX
 * (0x1D, 0x1E), SVM (0x8000000A), SEV (0x8000001F), ...
 */
struct cpuid_regs cpuid_guest(struct vcpu *v, uint32_t leaf, uint32_t subleaf)
{
	struct cpuid_regs r = { 0 };
	const struct guest_cpuid *g;
	const struct cpu_model_leaf *l;

	if (leaf >= 0x40000000 && leaf < 0x50000000) {
		if (leaf == CPUID_HV_TIMING_LEAF)
			timing_leaf(v, &r);
		else if (leaf < CPUID_HV_TIMING_LEAF)
			enlightenment->cpuid(v, leaf, &r);
		return r;
	}
	g = guest_cpuid();
	l = cpu_model_find(&g->model, leaf, subleaf);
	if (!l || !leaf_answered(g, leaf))
		return r;
	r = cpu_model_apply(l, cpuid(leaf, subleaf), l->reads_guest ? guest_state(v) : 0);
	adjust_leaf(g, v, leaf, subleaf, &r);
	return r;
}

/*
 * A leaf as cpuid_guest() answers it with the guest state clear (CR4.OSXSAVE,
 * CR4.PKE and IA32_APIC_BASE.EN read as 0): the features offered, readable
 * before the backend holds the vCPU's state. Not for the hypervisor leaves
 * (0x40000000 and up).
 */
struct cpuid_regs cpuid_guest_offered(struct vcpu *v, uint32_t leaf, uint32_t subleaf)
{
	const struct guest_cpuid *g = guest_cpuid();
	const struct cpu_model_leaf *l = cpu_model_find(&g->model, leaf, subleaf);
	struct cpuid_regs r = { 0 };

	if (!l || !leaf_answered(g, leaf))
		return r;
	r = cpu_model_apply(l, cpuid(leaf, subleaf), 0);
	adjust_leaf(g, v, leaf, subleaf, &r);
	return r;
}

void cpuid_guest_exit(struct vcpu *v, const struct exit_event *e)
{
	struct cpuid_regs r = cpuid_guest(v, (uint32_t)v->regs.rax, (uint32_t)v->regs.rcx);

	v->regs.rax = r.eax;
	v->regs.rbx = r.ebx;
	v->regs.rcx = r.ecx;
	v->regs.rdx = r.edx;
	backend->vcpu_skip_instruction(v, e);
}

void cpu_model_log(const struct partition *p)
{
	const struct guest_cpuid *g = guest_cpuid();
	char groups[176];

	cpu_model_describe(groups, sizeof(groups), cpu_model_offered_groups(&g->model, host_cpuid),
			   cpu_model_hidden_groups(host_cpuid));
	log_info("guest %s: CPU model: %s", p->name, groups);
}

void cpuid_guest_feature_leaves(struct vcpu *v, struct cpu_model_leaves *l)
{
	*l = (struct cpu_model_leaves){
		.leaf1 = cpuid_guest_offered(v, 1, 0),
		.leaf7 = cpuid_guest_offered(v, 7, 0),
		.leaf7_1 = cpuid_guest_offered(v, 7, 1),
		.leaf7_2 = cpuid_guest_offered(v, 7, 2),
		.xsave1 = cpuid_guest_offered(v, 0xd, 1),
		.ext1 = cpuid_guest_offered(v, 0x80000001, 0),
		.ext8 = cpuid_guest_offered(v, 0x80000008, 0),
	};
}

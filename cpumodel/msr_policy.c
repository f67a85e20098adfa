/*
 * The MSR policy: the RDMSR and WRMSR exits, answered by the enlightenment's
 * MSRs, the test counters, or the MSR table (cpumodel/msr_table.c); #GP for
 * any other MSR, said once per MSR.
 */
#include "cpumodel/msr_policy.h"
#include "console/log.h"
#include "core/backend.h"
#include "core/enlightenment.h"
#include "core/partition.h"
#include "cpumodel/cpu_model.h"
#include "cpumodel/cpuid_policy.h"
#include "cpumodel/msr_table.h"
#include "host/percpu.h"
#include "lib/x86.h"

#define MSR_EXIT_COUNTERS 0x4d480000 /* "MH": outside the Hyper-V range */
#define MSR_POSTED        0x4d480100 /* then vcpu_stats.posted and .notified */
#define MSR_NOTIFIED      0x4d480101

/*
 * Each MSR said once; past MSR_LOG_ONCE_MAX of them one last line, then silence
 * (nr_msrs_logged = MAX + 1), so that a guest cannot flood the console.
 */
static void log_once(struct vcpu *v, uint32_t msr, bool write)
{
	struct partition *p = v->partition;
	uint64_t flags = spin_lock_irqsave(&p->io_lock);
	unsigned int n = p->nr_msrs_logged;
	bool seen = n > MSR_LOG_ONCE_MAX;

	for (unsigned int i = 0; i < MIN(n, MSR_LOG_ONCE_MAX) && !seen; i++)
		seen = p->msrs_logged[i] == msr;
	if (!seen && n < MSR_LOG_ONCE_MAX)
		p->msrs_logged[n] = msr;
	if (!seen)
		p->nr_msrs_logged = n + 1;
	spin_unlock_irqrestore(&p->io_lock, flags);
	if (!seen && n < MSR_LOG_ONCE_MAX)
		log_info("guest %s: %s of MSR 0x%x, which this vCPU does not have: #GP (said once per MSR)",
			 p->name, write ? "wrmsr" : "rdmsr", msr);
	else if (!seen)
		log_info("guest %s: more MSRs it does not have; they raise #GP without a word", p->name);
}

/*
 * With exit-counters=on (for tests), MSR_EXIT_COUNTERS + N reads how many
 * exits of reason N (enum exit_reason) this vCPU has taken, this read's
 * included; MSR_POSTED and MSR_NOTIFIED its posted-interrupt counts.
 */
static bool read_counter(const struct vcpu *v, uint32_t msr, uint64_t *val)
{
	if (!v->partition->config.exit_counters)
		return false;
	if (msr >= MSR_EXIT_COUNTERS && msr < MSR_EXIT_COUNTERS + EXIT_REASON_COUNT)
		*val = v->stats.exits[msr - MSR_EXIT_COUNTERS];
	else if (msr == MSR_POSTED || msr == MSR_NOTIFIED)
		*val = __atomic_load_n(msr == MSR_POSTED ? &v->stats.posted : &v->stats.notified,
				       __ATOMIC_RELAXED);
	else
		return false;
	return true;
}

/* The row for msr if this vCPU has it: the vendor's, and its feature offered. */
static const struct msr_rule *rule_of(const struct vcpu *v, uint32_t msr)
{
	unsigned int vendor = cpu_model_vendor_bits(this_cpu()->features.vendor);
	const struct msr_rule *r = msr_rule_find(msr, vendor);

	return r && !(r->needs & ~v->msrs.offered) ? r : NULL;
}

static uint32_t other_features(const struct cpu_model_leaves *c)
{
	uint32_t f = 0;

	if (c->leaf7.ebx & BIT(1))
		f |= MSR_NEEDS_TSC_ADJUST;
	if ((c->ext1.edx & BIT(27)) || (c->leaf7.ecx & BIT(22)))
		f |= MSR_NEEDS_TSC_AUX;
	if (c->leaf1.edx & BIT(12))
		f |= MSR_NEEDS_MTRR;
	if (c->leaf1.edx & BIT(16))
		f |= MSR_NEEDS_PAT;
	if (c->xsave1.eax & BIT(3))
		f |= MSR_NEEDS_XSAVES;
	return f;
}

void msr_policy_init_vcpu(struct vcpu *v)
{
	struct cpu_model_leaves c;

	cpuid_guest_feature_leaves(v, &c);
	v->msrs.offered = other_features(&c) | msr_spec_init(v, &c);
	/* MAXPHYADDR is 36 where leaf 0x80000008 is not answered (SDM vol. 3, 4.1.4) */
	v->msrs.phys_bits = c.ext8.eax & 0xff ? c.ext8.eax & 0xff : 36;
	msr_memtype_init(v);
}

bool msr_guest_read(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	const struct msr_rule *r;

	if (enlightenment->is_msr(msr))
		return enlightenment->msr_read(v, msr, val);
	if (read_counter(v, msr, val))
		return true;
	r = rule_of(v, msr);
	if (r)
		return r->read && r->read(v, msr, val);
	log_once(v, msr, false);
	return false;
}

bool msr_guest_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
	const struct msr_rule *r;

	if (enlightenment->is_msr(msr))
		return enlightenment->msr_write(v, msr, val);
	r = rule_of(v, msr);
	if (r)
		return r->write && r->write(v, msr, val);
	log_once(v, msr, true);
	return false;
}

void msr_guest_rdmsr_exit(struct vcpu *v, const struct exit_event *e)
{
	uint64_t val;

	if (!msr_guest_read(v, (uint32_t)v->regs.rcx, &val)) {
		backend->vcpu_inject_exception(v, VECTOR_GP, true, 0);
		return;
	}
	v->regs.rax = (uint32_t)val;
	v->regs.rdx = val >> 32;
	backend->vcpu_skip_instruction(v, e);
}

void msr_guest_wrmsr_exit(struct vcpu *v, const struct exit_event *e)
{
	uint64_t val = (v->regs.rdx << 32) | (uint32_t)v->regs.rax;

	if (!msr_guest_write(v, (uint32_t)v->regs.rcx, val)) {
		backend->vcpu_inject_exception(v, VECTOR_GP, true, 0);
		return;
	}
	backend->vcpu_skip_instruction(v, e);
}

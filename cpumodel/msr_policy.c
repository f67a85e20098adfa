/*
 * The MSR policy: the few MSRs that exit (the rest pass through to the
 * state the backend switches, or are refused with #GP), and the RDMSR and
 * WRMSR exits themselves.
 */
#include "cpumodel/msr_policy.h"
#include "core/backend.h"
#include "core/enlightenment.h"
#include "core/guest_apic.h"
#include "console/log.h"
#include "core/partition.h"
#include "host/percpu.h"
#include "lib/x86.h"

#define MSR_MISC_ENABLE   0x1a0
#define MSR_TSC_DEADLINE  0x6e0
#define MSR_X2APIC_FIRST  0x800
#define MSR_X2APIC_LAST   0x8ff
#define MSR_EXIT_COUNTERS 0x4d480000 /* "MH": outside the Hyper-V range */
#define MSR_POSTED        0x4d480100 /* then vcpu_stats.posted and .notified */
#define MSR_NOTIFIED      0x4d480101

/*
 * IA32_MISC_ENABLE, Intel's only (SDM vol. 4, table 2-2): fast strings on,
 * branch trace and PEBS unavailable. Kernels read it before they have an IDT
 * (Linux's verify_cpu). It stays as it is: the guest cannot change the
 * processor's features, so writing another value is #GP.
 */
#define MISC_ENABLE_FAST_STRINGS BIT(0)
#define MISC_ENABLE_NO_BTS       BIT(11)
#define MISC_ENABLE_NO_PEBS      BIT(12)
#define MISC_ENABLE_GUEST (MISC_ENABLE_FAST_STRINGS | MISC_ENABLE_NO_BTS | MISC_ENABLE_NO_PEBS)

/*
 * AMD's legacy performance counters, PerfEvtSel0-3 and PerfCtr0-3 (APM vol.
 * 2, 13.2.1): every AMD64 CPU has them whatever CPUID says, and start-up
 * code clears them. There is no PMU: they read 0 and ignore writes, as other
 * hypervisors without a PMU answer them.
 */
#define MSR_AMD_PERF_FIRST 0xc0010000
#define MSR_AMD_PERF_LAST  0xc0010007

static bool is_amd_legacy_pmc(uint32_t msr)
{
	return this_cpu()->features.vendor == VENDOR_AMD && msr >= MSR_AMD_PERF_FIRST &&
	       msr <= MSR_AMD_PERF_LAST;
}

static bool has_misc_enable(void)
{
	return this_cpu()->features.vendor == VENDOR_INTEL;
}

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
		log_info("guest %s: %s of MSR 0x%x is not handled: #GP (said once per MSR)",
			 p->name, write ? "wrmsr" : "rdmsr", msr);
	else if (!seen)
		log_info("guest %s: more unhandled MSRs; they raise #GP without a word", p->name);
}

static bool is_x2apic_msr(uint32_t msr) { return msr >= MSR_X2APIC_FIRST && msr <= MSR_X2APIC_LAST; }

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

/*
 * Only the bits of features the guest's CPUID offers, v->efer_valid (Intel
 * SDM vol. 3, 2.2.1; AMD APM vol. 2, 3.1.7); LME may change only while
 * paging is off; LMA is the CPU's, writes keep it.
 */
static bool write_efer(struct vcpu *v, uint64_t val)
{
	struct vcpu_control_regs c;

	backend->vcpu_read_control(v, &c);
	if (val & ~v->efer_valid)
		return false;
	if ((c.cr0 & CR0_PG) && ((val ^ c.efer) & EFER_LME))
		return false;
	backend->vcpu_write_efer(v, (val & ~EFER_LMA) | (c.efer & EFER_LMA));
	return true;
}

bool msr_guest_read(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	struct vcpu_control_regs c;

	if (is_x2apic_msr(msr))
		return vlapic_msr_read(&v->apic, msr, val);
	if (enlightenment->is_msr(msr))
		return enlightenment->msr_read(v, msr, val);
	if (read_counter(v, msr, val))
		return true;
	if (is_amd_legacy_pmc(msr)) {
		*val = 0;
		return true;
	}
	switch (msr) {
	case MSR_IA32_TSC:
		*val = rdtsc(); /* the guest's TSC has no offset */
		return true;
	case MSR_IA32_APIC_BASE:
		*val = vlapic_get_base(&v->apic);
		return true;
	case MSR_TSC_DEADLINE:
		*val = vlapic_tsc_deadline_read(&v->apic);
		return true;
	case MSR_EFER:
		backend->vcpu_read_control(v, &c);
		*val = c.efer;
		return true;
	case MSR_MISC_ENABLE:
		if (!has_misc_enable())
			break;
		*val = MISC_ENABLE_GUEST;
		return true;
	}
	log_once(v, msr, false);
	return false;
}

bool msr_guest_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
	if (is_x2apic_msr(msr))
		return vlapic_msr_write(&v->apic, msr, val);
	if (enlightenment->is_msr(msr))
		return enlightenment->msr_write(v, msr, val);
	if (is_amd_legacy_pmc(msr))
		return true;
	switch (msr) {
	case MSR_IA32_APIC_BASE:
		return guest_apic_set_base(v, val);
	case MSR_TSC_DEADLINE:
		vlapic_tsc_deadline_write(&v->apic, val);
		return true;
	case MSR_EFER:
		return write_efer(v, val);
	case MSR_MISC_ENABLE:
		if (has_misc_enable())
			return val == MISC_ENABLE_GUEST;
		break;
	}
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

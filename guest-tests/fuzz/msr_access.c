/*
 * MSR accesses on either vCPU: the BSP's own, or the AP's through an SMP
 * call; and the checked write of a synthetic MSR, which keeps the model.
 */
#include "guest-tests/fuzz/fuzz.h"

static struct {
	uint32_t msr;
	uint64_t val;
	int vector;
} remote;

static void remote_read(void) { remote.vector = rdmsr_safe(remote.msr, &remote.val); }
static void remote_write(void) { remote.vector = wrmsr_safe(remote.msr, remote.val); }

static void remote_write_then_sane(void)
{
	remote_write();
	lapic_sane();
}

int msr_read_on(unsigned int vp, uint32_t msr, uint64_t *val)
{
	if (vp == BSP)
		return rdmsr_safe(msr, val);
	if (!fz.ap_alive)
		return NOT_RUN;
	remote.msr = msr;
	remote.val = 0;
	if (!ap_call(remote_read))
		return NOT_RUN;
	*val = remote.val;
	return remote.vector;
}

int msr_write_on(unsigned int vp, uint32_t msr, uint64_t val)
{
	if (vp == BSP)
		return wrmsr_safe(msr, val);
	if (!fz.ap_alive)
		return NOT_RUN;
	remote.msr = msr;
	remote.val = val;
	return ap_call(remote_write) ? remote.vector : NOT_RUN;
}

int msr_write_then_sane_on(unsigned int vp, uint32_t msr, uint64_t val)
{
	int v;

	if (vp == BSP) {
		v = wrmsr_safe(msr, val);
		lapic_sane();
		return v;
	}
	if (!fz.ap_alive)
		return NOT_RUN;
	remote.msr = msr;
	remote.val = val;
	return ap_call(remote_write_then_sane) ? remote.vector : NOT_RUN;
}

/* A storm's quench (interrupts.c) switches the timers off between the write and the read. */
static bool quenched_timer(uint32_t msr, unsigned long quenches)
{
	return msr >= HV_MSR_STIMER_CONFIG(0) && msr <= HV_MSR_STIMER_COUNT(3) &&
	       quench_count() != quenches;
}

static void check_readback(unsigned int vp, uint32_t msr, uint64_t val, uint64_t *back,
			   unsigned long quenches)
{
	uint64_t mask, want = model_readback(vp, msr, val, &mask);
	int v = msr_read_on(vp, msr, back);

	if (v == NOT_RUN || quenched_timer(msr, quenches))
		*back = want;
	else if (v != NO_EXCEPTION)
		mismatch("rdmsr 0x%x on vp %u after a write raised %s", msr, vp, exception_name(v));
	else if ((*back ^ want) & mask)
		mismatch("wrmsr 0x%x <- 0x%lx on vp %u: reads back 0x%lx, expected 0x%lx (mask 0x%lx)",
			 msr, val, vp, *back, want, mask);
}

int hv_msr_write_checked(unsigned int vp, uint32_t msr, uint64_t val)
{
	unsigned long quenches = quench_count();
	int want = model_write_vector(vp, msr, val);
	int v = msr_write_on(vp, msr, val);
	uint64_t back;

	if (v == NOT_RUN)
		return v;
	if (v != want)
		mismatch("wrmsr 0x%x <- 0x%lx on vp %u raised %s, expected %s", msr, val, vp,
			 exception_name(v), exception_name(want));
	if (v != NO_EXCEPTION)
		return v;
	check_readback(vp, msr, val, &back, quenches);
	model_written(vp, msr, msr == HV_MSR_EOM ? val : back);
	return v;
}

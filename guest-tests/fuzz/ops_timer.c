/*
 * Timers: the synthetic timers (TLFS 12.3) armed with COUNT 0, in the past,
 * in the far future, periodic with tiny periods, in direct mode with random
 * vectors; and the local APIC timer (SDM 11.5.4) with random initial counts,
 * modes and divide values, TSC deadlines in the past and the far future.
 * Each synthetic timer write begins an epoch (model.h): the messages that
 * come after it must fit it (messages.c checks them).
 */
#include "guest-tests/fuzz/fuzz.h"

#define APIC_LVT_TIMER_MODE   (3U << 17)
#define APIC_LVT_TIMER_BITS   0x700ffu   /* vector, mask, mode (SDM figure 11-8) */
#define APIC_DCR_BITS         0xbu       /* SDM figure 11-10 */
#define NEAR                  10000      /* 1 ms of reference time */
#define FIRE_WAIT_US          200000 /* a timer may be late: an emulator on a loaded machine */
#define QUIET_WAIT_US         2000
#define MSR_EXIT_COUNTERS     0x4d480000 /* the hypervisor's, with exit-counters=on */
#define EXIT_INTR             8          /* its exit reason "intr" */
#define FAR_SPIN_US           5000
#define FAR_MAX_INTR          50

static uint64_t add_saturated(uint64_t a, uint64_t b)
{
	return a + b < a ? ~0ULL : a + b;
}

static unsigned int timer_of(uint32_t msr)
{
	return (msr - HV_MSR_STIMER_CONFIG(0)) / 2;
}

/*
 * TLFS 12.3.1: a one-shot expires at COUNT (absolute); a periodic one first
 * a period after it was enabled. Enable as the hypervisor has it now; the
 * epoch begins once that is read: a one-shot due at once may have fired,
 * and cleared Enable, between the write and the read (seed 6 on QEMU: its
 * message came after the time taken at the write, from a timer read as off).
 */
static void begin_epoch(unsigned int vp, unsigned int n, uint64_t t_before)
{
	struct timer_epoch *e = &hv.vp[vp].epoch[n];
	uint64_t cfg = 0, count = 0;

	if (msr_read_on(vp, HV_MSR_STIMER_CONFIG(n), &cfg) != NO_EXCEPTION ||
	    msr_read_on(vp, HV_MSR_STIMER_COUNT(n), &count) != NO_EXCEPTION)
		return;
	e->armed = (cfg & HV_STIMER_ENABLE) && count;
	e->periodic = cfg & HV_STIMER_PERIODIC;
	e->direct = cfg & HV_STIMER_DIRECT_MODE;
	e->sint = (cfg >> 16) & 0xf;
	e->count = count;
	e->t_after = ref_count();
	e->min_expiration = e->periodic ? add_saturated(t_before, count) : count;
	messages_epoch_begins(vp, n);
}

void timer_write(unsigned int vp, uint32_t msr, uint64_t val)
{
	uint64_t t_before = ref_count();

	if (hv_msr_write_checked(vp, msr, val) == NO_EXCEPTION)
		begin_epoch(vp, timer_of(msr), t_before);
}

void timers_off(unsigned int vp)
{
	if (vp == AP && !fz.ap_alive)
		return;
	for (unsigned int n = 0; n < 4; n++)
		timer_write(vp, HV_MSR_STIMER_CONFIG(n), 0);
}

/* A vector for an interrupt source: any, but never the SMP call's */
static uint8_t source_vector(void)
{
	return deny_fix_vector((uint8_t)(rng_percent(90) ? rng_range(32, 255) : rng_below(32)));
}

static uint64_t stimer_config(void)
{
	uint64_t cfg = rng_u64() & (HV_STIMER_ENABLE | HV_STIMER_PERIODIC | HV_STIMER_LAZY |
				    HV_STIMER_AUTO_ENABLE | HV_STIMER_DIRECT_MODE);

	cfg |= HV_STIMER_APIC_VECTOR(source_vector()) | HV_STIMER_SINT(rng_below(16));
	if (rng_percent(5))
		cfg |= 1ULL << RNG_PICK(((const uint8_t[]){ 13, 14, 15, 20, 31, 40, 63 }));
	return cfg;
}

static uint64_t stimer_count(bool periodic)
{
	uint64_t now = hv.last_ref;

	switch (rng_below(9)) {
	case 0:
		return 0;
	case 1:
		return now - rng_below(now + 1);               /* the past */
	case 2:
		return periodic ? rng_range(1, 3) : now + rng_range(1, NEAR); /* tiny period, soon */
	case 3:
		return 1ULL << 63;                             /* the far future */
	case 4:
		return ~0ULL - rng_below(4);
	case 5:
		return rng_value();
	default:
		return periodic ? rng_range(NEAR, 20 * NEAR) : now + rng_range(1, 20 * NEAR);
	}
}

/* CONFIG then COUNT, or the other way round (AutoEnable), on the BSP or the AP */
static void stimer_op(void)
{
	unsigned int vp = fz.ap_alive && rng_percent(25) ? AP : BSP, n = (unsigned int)rng_below(4);
	uint64_t cfg = stimer_config(), count = stimer_count(cfg & HV_STIMER_PERIODIC);

	if (rng_percent(50)) {
		timer_write(vp, HV_MSR_STIMER_CONFIG(n), cfg);
		timer_write(vp, HV_MSR_STIMER_COUNT(n), count);
	} else {
		timer_write(vp, HV_MSR_STIMER_COUNT(n), count);
		timer_write(vp, HV_MSR_STIMER_CONFIG(n), cfg);
	}
	if (vp == BSP && rng_percent(30)) {
		irq_pause(QUIET_WAIT_US);
		messages_drain(BSP);
	}
}

/* TLFS 12.3.3: a direct-mode one-shot due now asserts its vector. */
static void stimer_direct_fires(void)
{
	uint8_t v = (uint8_t)rng_range(0x20, 0xef);
	uint32_t before = irq_seen(BSP, v);
	unsigned long storms = quench_count();

	timer_write(BSP, HV_MSR_STIMER_CONFIG(3), 0);
	timer_write(BSP, HV_MSR_STIMER_COUNT(3), hv.last_ref + rng_below(NEAR));
	timer_write(BSP, HV_MSR_STIMER_CONFIG(3), HV_STIMER_ENABLE | HV_STIMER_DIRECT_MODE |
						  HV_STIMER_APIC_VECTOR(v));
	if (!irq_wait(BSP, v, before, FIRE_WAIT_US) && quench_count() == storms)
		mismatch("direct-mode timer 3 on vector 0x%x due within 1 ms did not fire in %u us",
			 v, FIRE_WAIT_US);
	timer_write(BSP, HV_MSR_STIMER_CONFIG(3), 0);
}

/* Host interrupts taken in the guest's place while it spins, or ~0 without exit counters */
static uint64_t host_interrupts_while_spinning(void)
{
	uint64_t before, after;

	if (rdmsr_safe(MSR_EXIT_COUNTERS + EXIT_INTR, &before) != NO_EXCEPTION)
		return ~0ULL;
	udelay(FAR_SPIN_US);
	rdmsr_safe(MSR_EXIT_COUNTERS + EXIT_INTR, &after);
	return after - before;
}

/*
 * A timer armed for the far future leaves the vCPU alone until then: the
 * host timer serving it must not fire at once, again and again (it did
 * when the TSC of 2^63 reference units wrapped into the past). Counted
 * with the hypervisor's exit counters, where the module line has them.
 */
static void far_future_quiet(void)
{
	static const uint64_t far[] = { 1ULL << 63, ~0ULL, ~0ULL - 1, 1ULL << 62 };
	uint64_t n;

	timers_off(BSP);
	lapic_sane();
	timer_write(BSP, HV_MSR_STIMER_COUNT(1), RNG_PICK(far));
	timer_write(BSP, HV_MSR_STIMER_CONFIG(1), HV_STIMER_ENABLE | HV_STIMER_SINT(1) |
						  (rng_percent(50) ? HV_STIMER_PERIODIC : 0));
	n = host_interrupts_while_spinning();
	if (n != ~0ULL && n > FAR_MAX_INTR)
		mismatch("timer 1 armed for the far future: %lu host interrupts in %u us", n,
			 FAR_SPIN_US);
	timer_write(BSP, HV_MSR_STIMER_CONFIG(1), 0);
}

/* ---- the local APIC timer ---- */

static void lvt_timer(uint32_t val)
{
	apic_write(APIC_LVT_TIMER, val & APIC_LVT_TIMER_BITS);
}

/* SDM 11.5.4.1: only in TSC-deadline mode does IA32_TSC_DEADLINE arm; elsewhere it reads 0. */
static void tsc_deadline_op(bool deadline_mode)
{
	uint64_t tsc = rdtsc(), back, val;

	switch (rng_below(4)) {
	case 0:
		val = 0;
		break;
	case 1:
		val = tsc - rng_below(tsc);
		break;
	case 2:
		val = ~0ULL - rng_below(1000);
		break;
	default:
		val = tsc + rng_below(1000000);
	}
	wrmsr(MSR_IA32_TSC_DEADLINE, val);
	back = rdmsr(MSR_IA32_TSC_DEADLINE);
	if (!deadline_mode && back)
		mismatch("IA32_TSC_DEADLINE reads 0x%lx outside TSC-deadline mode", back);
	else if (deadline_mode && back != val && back != 0)
		mismatch("IA32_TSC_DEADLINE reads 0x%lx after 0x%lx was written", back, val);
}

/*
 * SDM 11.5.4: the current count never exceeds the initial count; in
 * TSC-deadline mode a write of the initial count is ignored and the current
 * count reads 0 (11.5.4.1).
 */
static void initial_count_op(bool deadline_mode)
{
	uint32_t init = (uint32_t)(rng_percent(50) ? rng_range(1, 100000) : rng_value());
	uint32_t was = apic_read(APIC_TIMER_INIT), icr, ccr;

	apic_write(APIC_TIMER_DIVIDE, (uint32_t)rng_below(16) & APIC_DCR_BITS);
	apic_write(APIC_TIMER_INIT, init);
	icr = apic_read(APIC_TIMER_INIT);
	ccr = apic_read(APIC_TIMER_COUNT);
	if (deadline_mode && (icr != was || ccr))
		mismatch("TSC-deadline mode: initial count 0x%x (was 0x%x), current 0x%x after "
			 "writing 0x%x", icr, was, ccr, init);
	else if (!deadline_mode && (icr != init || ccr > icr))
		mismatch("initial count 0x%x (0x%x written), current count 0x%x", icr, init, ccr);
}

/* A one-shot with a small count and a legal vector fires (SDM 11.5.4). */
static void apic_timer_fires(void)
{
	uint8_t v = (uint8_t)rng_range(0x20, 0xef);
	uint32_t before = irq_seen(BSP, v);
	unsigned long storms = quench_count();

	apic_write(APIC_TIMER_DIVIDE, 0xb); /* divide by 1 */
	lvt_timer(v);
	apic_write(APIC_TIMER_INIT, (uint32_t)rng_range(1, 10000));
	if (!irq_wait(BSP, v, before, FIRE_WAIT_US) && quench_count() == storms)
		mismatch("APIC one-shot timer on vector 0x%x did not fire in %u us", v, FIRE_WAIT_US);
}

static void apic_timer_op(void)
{
	uint32_t lvt = (uint32_t)rng_u64() & APIC_LVT_TIMER_BITS;
	bool deadline_mode;

	lvt = (lvt & ~0xffu) | source_vector();
	lvt_timer(lvt);
	deadline_mode = (apic_read(APIC_LVT_TIMER) & APIC_LVT_TIMER_MODE) == APIC_LVT_TIMER_DEADLINE;
	if (rng_percent(50))
		tsc_deadline_op(deadline_mode);
	else
		initial_count_op(deadline_mode);
	irq_window();
	if (rng_percent(70))
		lapic_sane();
}

void op_timer(void)
{
	switch (rng_below(20)) {
	case 0:
		far_future_quiet();
		break;
	case 1:
	case 2:
		timers_off(BSP);
		lapic_sane();
		stimer_direct_fires();
		break;
	case 3:
	case 4:
		timers_off(BSP);
		lapic_sane();
		apic_timer_fires();
		lapic_sane();
		break;
	case 5:
	case 6:
	case 7:
	case 8:
		apic_timer_op();
		break;
	default:
		stimer_op();
	}
}

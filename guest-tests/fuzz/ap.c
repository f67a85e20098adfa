/*
 * The partner vCPU (the AP): it idles with interrupts on, counting what
 * arrives (interrupts.c), answers SMP calls, and runs the one background
 * task the BSP may hand it. It never prints: the console lock must not be
 * held by a CPU that an INIT may reset at any instruction.
 */
#include "guest-tests/fuzz/fuzz.h"

#define AP_INDEX      1       /* the library's CPU index of the first AP */
#define BURST_CALLS   32

/* Generous: an emulator's vCPU thread may wait long for a host CPU on a loaded machine. */
#define CALL_US       2000000
#define READY_US      2000000

static void (*volatile task)(void);
static volatile bool task_done = true;
static volatile bool ready; /* its APIC enabled: an IPI before that would be lost */

static void ap_idle(void)
{
	for (;;) {
		void (*t)(void);

		cli();
		t = __atomic_exchange_n(&task, NULL, __ATOMIC_ACQUIRE);
		if (t) {
			sti();
			t();
			__atomic_store_n(&task_done, true, __ATOMIC_RELEASE);
		}
		asm volatile("sti; hlt" ::: "memory");
	}
}

void ap_entry(unsigned int cpu)
{
	(void)cpu;
	lapic_sane();
	__atomic_store_n(&ready, true, __ATOMIC_RELEASE);
	ap_idle();
}

/* SDM 11.4.7.2: the APIC an INIT left software-disabled takes no fixed interrupt yet. */
static bool wait_ready(void)
{
	uint64_t end = tsc_after_us(READY_US);

	while (!__atomic_load_n(&ready, __ATOMIC_ACQUIRE))
		if (rdtsc() >= end)
			return false;
	return true;
}

static void ping(void) {}

static void (*volatile call_fn)(void);

/* On the AP, in its SMP call handler */
static void serve(void)
{
	irq_ap_progress();
	call_fn();
}

static bool call(void (*fn)(void))
{
	call_fn = fn;
	return smp_call(fz.ap_apic_id, serve, CALL_US);
}

bool ap_call(void (*fn)(void))
{
	if (call(fn))
		return true;
	mismatch("the AP did not answer an SMP call within %u us", CALL_US);
	fz.ap_alive = false;
	return false;
}

void ap_start(void)
{
	fz.ap_apic_id = AP_INDEX; /* the hypervisor's APIC IDs are the vCPU indices */
	fz.ap_alive = !smp_start_ap(fz.ap_apic_id, ap_entry) && wait_ready();
	if (!fz.ap_alive)
		mismatch("the AP did not start");
}

/* Intel SDM vol. 3, 9.4.4.1: INIT, SIPI again, on the same CPU index; then a call. */
bool ap_restart(void)
{
	__atomic_store_n(&task, NULL, __ATOMIC_RELEASE);
	__atomic_store_n(&task_done, true, __ATOMIC_RELEASE);
	fz.ap_alive = false;
	__atomic_store_n(&ready, false, __ATOMIC_RELEASE);
	smp_restart_ap(AP_INDEX, fz.ap_apic_id, ap_entry); /* its 100 ms may be too few: ready says */
	fz.ap_alive = wait_ready() && call(ping);
	return fz.ap_alive;
}

void ap_run_task(void (*t)(void))
{
	__atomic_store_n(&task_done, false, __ATOMIC_RELEASE);
	__atomic_store_n(&task, t, __ATOMIC_RELEASE);
	ap_call(ping); /* wakes it from HLT */
}

bool ap_task_idle(void)
{
	return __atomic_load_n(&task_done, __ATOMIC_ACQUIRE);
}

bool ap_task_done(uint64_t us)
{
	uint64_t end = tsc_after_us(us);

	while (!__atomic_load_n(&task_done, __ATOMIC_ACQUIRE) && rdtsc() < end)
		irq_pause(10);
	return task_done;
}

/*
 * The gdb stub's guest (tests/system/test_gdb.py): it counts in a loop until
 * a debugger writes 42 into gdb_release (at most WAIT_S seconds), then says
 * whether it was released so and counted meanwhile. Built with symbols, as
 * every guest program. With "alone" it counts ALONE_S seconds and passes:
 * the guest beside the debugged one, which must run on meanwhile. Released
 * with CRASH instead, it triple-faults (crash_now()): a crash the debugger
 * must stop at.
 */
#include "guest-tests/lib/guest.h"

#define WAIT_S  120
#define RELEASE 42
#define CRASH   7
#define ALONE_S 4

volatile uint64_t gdb_counter;
volatile uint32_t gdb_release;

/* Where the test's breakpoint goes: each call counts one. */
__attribute__((noinline)) void count_once(void)
{
	gdb_counter++;
	asm volatile("pause");
}

/*
 * With interrupts on: no interrupt source is set up, and Bochs's VMX takes
 * the host's timer out of the guest only when IF is set (README).
 */
static __attribute__((noinline)) void spin_until_released(uint64_t end)
{
	sti();
	while (gdb_release != RELEASE && gdb_release != CRASH && rdtsc() < end)
		count_once();
}

/* An empty IDT, then #UD: #DF cannot be delivered either, a triple fault. */
__attribute__((noinline)) void crash_now(void)
{
	struct { uint16_t limit; uint64_t base; } __attribute__((packed)) none = { 0, 0 };

	asm volatile("lidt %0; ud2" :: "m"(none) : "memory");
}

void test_main(const char *cmdline)
{
	if (cmdline_has(cmdline, "alone")) {
		spin_until_released(tsc_after_us(ALONE_S * 1000000ULL));
		check("ran-beside-the-debugged-guest", gdb_counter > 0, "gdb_counter is %lu",
		      gdb_counter);
		return;
	}
	guest_printf("gdbtarget: counting until gdb_release is %u\n", RELEASE);
	spin_until_released(tsc_after_us(WAIT_S * 1000000ULL));
	if (gdb_release == CRASH)
		crash_now();
	check("released-by-the-debugger", gdb_release == RELEASE, "gdb_release is %u",
	      gdb_release);
	check("counted-meanwhile", gdb_counter > 0, "gdb_counter is %lu", gdb_counter);
}

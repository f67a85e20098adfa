/*
 * The gdb stub's guest (tests/system/test_gdb.py): it counts in a loop until
 * a debugger writes 42 into gdb_release (at most WAIT_S seconds), then says
 * whether it was released so and counted meanwhile. Built with symbols, as
 * every guest program. With "alone" it counts ALONE_S seconds and passes:
 * the guest beside the debugged one, which must run on meanwhile. Released
 * with CRASH instead, it triple-faults (crash_now()): a crash the debugger
 * must stop at. Released with DR_CHECK, it checks that its own debug
 * registers are its own while the debugger owns the CPU's (the test has a
 * watch in DR0 meanwhile), says so, and waits again; with a second vCPU
 * it starts it then, and that AP checks that its debug registers are its
 * own from its start.
 */
#include "guest-tests/lib/guest.h"

#define WAIT_S  120
#define RELEASE 42
#define CRASH   7
#define ALONE_S 4
#define DR_CHECK 3
#define DR7_FIXED1 0x400UL
#define DR7_G0 0x2UL
#define DR7_GD (1UL << 13)
#define DR6_BD (1UL << 13)
#define X86_DB 1

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
	while (gdb_release != RELEASE && gdb_release != CRASH && gdb_release != DR_CHECK &&
	       rdtsc() < end)
		count_once();
}

#define DEFINE_DR(n)                                                                \
	static uint64_t read_dr##n(void)                                            \
	{                                                                           \
		uint64_t v;                                                         \
		asm volatile("mov %%db" #n ", %0" : "=r"(v) : : "memory");          \
		return v;                                                           \
	}                                                                           \
	static void write_dr##n(uint64_t v) { asm volatile("mov %0, %%db" #n ::"r"(v) : "memory"); }
DEFINE_DR(0)
DEFINE_DR(6)
DEFINE_DR(7)

static void write_dr7_call(void *arg) { write_dr7(*(uint64_t *)arg); }
static void read_dr0_call(void *arg) { *(uint64_t *)arg = read_dr0(); }

static volatile bool ap_checked;

/* On the AP started while the debugger is attached: its own reset values, not the debugger's. */
static void check_ap_debug_regs(unsigned int cpu)
{
	(void)cpu;
	check("ap-dr-its-own-from-its-start", read_dr0() == 0 && read_dr7() == DR7_FIXED1,
	      "DR0 0x%lx, DR7 0x%lx", read_dr0(), read_dr7());
	ap_checked = true;
}

static void start_ap_while_debugged(void)
{
	check("ap-started-while-debugged", smp_start_ap(1, check_ap_debug_regs) == 0, "no AP");
	wait_for_flag(&ap_checked, 1000000);
}

/* A breakpoint of its own that never fires: G0 on the execution of gdb_release's address. */
static void check_debug_regs(void)
{
	uint64_t bad = DR7_FIXED1 | (1UL << 32), gd = DR7_FIXED1 | DR7_GD, dr0 = 0;
	int vector;
	uint64_t addr = (uint64_t)&gdb_release;

	check("dr-reads-its-own-before-written", read_dr0() == 0 && read_dr7() == DR7_FIXED1,
	      "DR0 0x%lx, DR7 0x%lx", read_dr0(), read_dr7());
	write_dr0(addr);
	write_dr7(DR7_FIXED1 | DR7_G0);
	check("dr-reads-back-what-it-wrote", read_dr0() == addr && read_dr7() == (DR7_FIXED1 | DR7_G0),
	      "DR0 0x%lx, DR7 0x%lx", read_dr0(), read_dr7());
	check("dr7-high-bits-gp", guest_try(write_dr7_call, &bad).vector == X86_GP, "no #GP");
	write_dr6(0);
	write_dr7(gd);
	vector = guest_try(read_dr0_call, &dr0).vector;
	check("dr7-gd-db", vector == X86_DB && (read_dr6() & DR6_BD) && read_dr7() == DR7_FIXED1,
	      "vector %d, DR6 0x%lx, DR7 0x%lx", vector, read_dr6(), read_dr7());
	write_dr7(DR7_FIXED1);
	write_dr0(0);
	if (fw_cfg_present() && fw_cfg_cpu_count() > 1)
		start_ap_while_debugged();
	guest_printf("gdbtarget: debug registers checked\n");
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
	if (gdb_release == DR_CHECK) {
		check_debug_regs();
		gdb_release = 0;
		spin_until_released(tsc_after_us(WAIT_S * 1000000ULL));
	}
	if (gdb_release == CRASH)
		crash_now();
	check("released-by-the-debugger", gdb_release == RELEASE, "gdb_release is %u",
	      gdb_release);
	check("counted-meanwhile", gdb_counter > 0, "gdb_counter is %lu", gdb_counter);
}

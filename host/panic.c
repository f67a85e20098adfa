/* Panic: report once, stop every CPU, never return. */
#include <stdarg.h>
#include "host/panic.h"
#include "host/traps.h"
#include "lib/fmt.h"
#include "host/lapic.h"
#include "console/log.h"
#include "host/percpu.h"
#include "lib/x86.h"

static volatile bool system_halting;

static void (*cpu_report)(void);

void panic_set_cpu_report(void (*report)(void))
{
	cpu_report = report;
}

static void halt_this_cpu(void)
{
	if (cpu_report)
		cpu_report();
	hv_log(LOG_PANIC, "cpu %u halted", this_cpu()->index);
	cpu_halt_forever();
}

__noreturn void panic_halt_system(void)
{
	irq_disable();
	if (!__atomic_exchange_n(&system_halting, true, __ATOMIC_SEQ_CST))
		lapic_send_nmi_all_but_self();
	halt_this_cpu();
	__builtin_unreachable();
}

__noreturn void panic(const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	irq_disable();
	va_start(ap, fmt);
	fmt_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	hv_log(LOG_PANIC, "PANIC on cpu %u: %s", this_cpu()->index, msg);
	backtrace_print((uintptr_t)__builtin_return_address(0),
			*(uint64_t *)__builtin_frame_address(0));
	panic_halt_system();
}

void panic_nmi(void)
{
	if (system_halting)
		halt_this_cpu();
	log_warn("unexpected NMI on cpu %u, ignored", this_cpu()->index);
}

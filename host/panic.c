/* Panic: report once, stop every CPU, never return. */
#include <stdarg.h>
#include "core/panic.h"
#include "boot/traps.h"
#include "core/fmt.h"
#include "core/lapic.h"
#include "core/log.h"
#include "core/partition.h"
#include "core/percpu.h"
#include "core/x86.h"

static volatile bool system_halting;

#define PANIC_EXITS_SHOWN 4

/* What this CPU was doing: its vCPU and that vCPU's last exits. */
static void report_this_cpu(void)
{
	const struct vcpu *v = this_cpu()->vcpu;
	const struct trace_entry *t;

	if (!v) {
		hv_log(LOG_PANIC, "cpu %u: no vcpu", this_cpu()->index);
		return;
	}
	hv_log(LOG_PANIC, "cpu %u: guest %s vcpu %u, %lu exits", this_cpu()->index,
	       v->partition->name, v->index, v->trace.count);
	for (unsigned int i = 0; i < PANIC_EXITS_SHOWN && (t = trace_get(&v->trace, i)); i++)
		hv_log(LOG_PANIC, "cpu %u:   exit -%u: %s (hw 0x%x, 0x%lx) at rip 0x%lx",
		       this_cpu()->index, i, exit_reason_name(t->reason), t->hw_reason,
		       t->qualification, t->rip);
}

static void halt_this_cpu(void)
{
	report_this_cpu();
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

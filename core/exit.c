/* Names of the arch-neutral exit reasons, as the console and statistics show them. */
#include "core/exit.h"

static const char *const exit_reason_names[EXIT_REASON_COUNT] = {
	[EXIT_CPUID] = "cpuid",
	[EXIT_RDMSR] = "rdmsr",
	[EXIT_WRMSR] = "wrmsr",
	[EXIT_IO] = "io",
	[EXIT_HLT] = "hlt",
	[EXIT_HYPERCALL] = "hypercall",
	[EXIT_NESTED_PAGE_FAULT] = "npf",
	[EXIT_EXCEPTION] = "exception",
	[EXIT_EXTERNAL_INTERRUPT] = "intr",
	[EXIT_NMI] = "nmi",
	[EXIT_INIT] = "init",
	[EXIT_SHUTDOWN] = "shutdown",
	[EXIT_INVALID_STATE] = "invalid-state",
	[EXIT_UNSUPPORTED_INSN] = "unsupported-insn",
	[EXIT_CR_ACCESS] = "cr-access",
	[EXIT_INTERRUPT_WINDOW] = "interrupt-window",
	[EXIT_APIC_WRITE] = "apic-write",
	[EXIT_EOI_INDUCED] = "eoi-induced",
	[EXIT_APIC_ACCESS] = "apic-access",
	[EXIT_APIC_EOI] = "eoi",
	[EXIT_APIC_IPI] = "ipi",
	[EXIT_UNKNOWN] = "unknown",
	[EXIT_XSETBV] = "xsetbv",
	[EXIT_NMI_WINDOW] = "nmi-window",
	[EXIT_TASK_SWITCH] = "task-switch",
	[EXIT_SINGLE_STEP] = "single-step",
	[EXIT_DR_ACCESS] = "dr-access",
	[EXIT_APIC_IPI_WAKE] = "ipi-wake",
};

const char *exit_reason_name(enum exit_reason r)
{
	return r < EXIT_REASON_COUNT ? exit_reason_names[r] : "?";
}

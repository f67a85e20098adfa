/* Exception reporting and interrupt dispatch. */
#include "host/traps.h"
#include "host/extable.h"
#include "console/log.h"
#include "host/panic.h"
#include "host/percpu.h"
#include "lib/x86.h"

#define BACKTRACE_MAX 16

static irq_handler_t irq_handlers[256];

static const char *const exception_names[32] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
	"#BR bound range", "#UD invalid opcode", "#NM device not available",
	"#DF double fault", "coprocessor segment overrun", "#TS invalid TSS",
	"#NP segment not present", "#SS stack fault", "#GP general protection",
	"#PF page fault", "reserved (15)", "#MF x87 error", "#AC alignment check",
	"#MC machine check", "#XM SIMD error", "#VE virtualization exception",
	"#CP control protection", "reserved (22)", "reserved (23)", "reserved (24)",
	"reserved (25)", "reserved (26)", "reserved (27)", "#HV hypervisor injection",
	"#VC VMM communication", "#SX security exception", "reserved (31)",
};

const char *exception_name(uint8_t vector)
{
	return vector < ARRAY_SIZE(exception_names) ? exception_names[vector] : "an interrupt";
}

void irq_register(unsigned int vector, irq_handler_t handler)
{
	irq_handlers[vector] = handler;
}

/* A frame pointer is followed only while it stays inside this CPU's stack. */
static bool frame_on_stack(uint64_t rbp)
{
	const struct percpu *cpu = this_cpu();

	return !(rbp & 7) && rbp >= cpu->stack_bottom && rbp + 16 <= cpu->stack_top;
}

void backtrace_print(uint64_t rip, uint64_t rbp)
{
	hv_log(LOG_PANIC, "backtrace (addr2line -e build/hv.elf ADDRESS):");
	hv_log(LOG_PANIC, "  #0  0x%016lx", rip);
	for (int i = 1; i < BACKTRACE_MAX && frame_on_stack(rbp); i++) {
		const uint64_t *frame = (const uint64_t *)rbp;
		if (!frame[1])
			break;
		hv_log(LOG_PANIC, "  #%-2d 0x%016lx", i, frame[1]);
		if (frame[0] <= rbp)
			break;
		rbp = frame[0];
	}
}

static void dump_registers(const struct trap_frame *f)
{
	hv_log(LOG_PANIC, "  rip %016lx  cs %04lx  rflags %016lx", f->rip, f->cs, f->rflags);
	hv_log(LOG_PANIC, "  rsp %016lx  ss %04lx", f->rsp, f->ss);
	hv_log(LOG_PANIC, "  rax %016lx  rbx %016lx  rcx %016lx", f->rax, f->rbx, f->rcx);
	hv_log(LOG_PANIC, "  rdx %016lx  rsi %016lx  rdi %016lx", f->rdx, f->rsi, f->rdi);
	hv_log(LOG_PANIC, "  rbp %016lx  r8  %016lx  r9  %016lx", f->rbp, f->r8, f->r9);
	hv_log(LOG_PANIC, "  r10 %016lx  r11 %016lx  r12 %016lx", f->r10, f->r11, f->r12);
	hv_log(LOG_PANIC, "  r13 %016lx  r14 %016lx  r15 %016lx", f->r13, f->r14, f->r15);
	hv_log(LOG_PANIC, "  cr0 %016lx  cr2 %016lx", read_cr0(), read_cr2());
	hv_log(LOG_PANIC, "  cr3 %016lx  cr4 %016lx", read_cr3(), read_cr4());
}

static __noreturn void exception_report(const struct trap_frame *f)
{
	hv_log(LOG_PANIC, "EXCEPTION %s (vector %lu) on cpu %u, error code 0x%lx",
	       exception_name((uint8_t)f->vector), f->vector, this_cpu()->index, f->error_code);
	dump_registers(f);
	backtrace_print(f->rip, f->rbp);
	panic_halt_system();
}

void irq_dispatch(uint8_t vector)
{
	struct trap_frame f = { .vector = vector };

	if (irq_handlers[vector])
		irq_handlers[vector](&f);
	else
		log_warn("unexpected interrupt, vector %u on cpu %u", vector, this_cpu()->index);
}

void trap_dispatch(struct trap_frame *f)
{
	if (f->vector == VECTOR_NMI) {
		panic_nmi();
		return;
	}
	if (f->vector < VECTOR_FIRST_IRQ) {
		if (!extable_fixup(f))
			exception_report(f); /* does not return */
		return;
	}
	if (irq_handlers[f->vector])
		irq_handlers[f->vector](f);
	else
		log_warn("unexpected interrupt, vector %lu on cpu %u", f->vector, this_cpu()->index);
}

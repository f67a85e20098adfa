/* The vCPU loop: enter the guest, count the exit, handle it, again. */
#include "boot/traps.h"
#include "core/backend.h"
#include "core/console_in.h"
#include "core/cpuid_policy.h"
#include "core/crash.h"
#include "core/guest_apic.h"
#include "core/guest_io.h"
#include "core/guest_ioapic.h"
#include "core/lapic.h"
#include "core/log.h"
#include "core/msr_policy.h"
#include "core/panic.h"
#include "core/partition.h"
#include "core/percpu.h"
#include "core/sched.h"
#include "core/string_io.h"
#include "core/vcpu_run.h"
#include "core/xcr.h"
#include "synic/hv.h"

#define VECTOR_UD 6
#define VECTOR_GP 13
#define VECTOR_MC 18
#define RFLAGS_IF BIT(9)

typedef void (*exit_handler_t)(struct vcpu *v, const struct exit_event *e);

static void inject_gp(struct vcpu *v) { backend->vcpu_inject_exception(v, VECTOR_GP, true, 0); }

static void handle_cpuid(struct vcpu *v, const struct exit_event *e)
{
	struct cpuid_regs r = cpuid_guest(v, (uint32_t)v->regs.rax, (uint32_t)v->regs.rcx);

	v->regs.rax = r.eax;
	v->regs.rbx = r.ebx;
	v->regs.rcx = r.ecx;
	v->regs.rdx = r.edx;
	backend->vcpu_skip_instruction(v, e);
}

static void handle_rdmsr(struct vcpu *v, const struct exit_event *e)
{
	uint64_t val;

	if (!msr_guest_read(v, (uint32_t)v->regs.rcx, &val)) {
		inject_gp(v);
		return;
	}
	v->regs.rax = (uint32_t)val;
	v->regs.rdx = val >> 32;
	backend->vcpu_skip_instruction(v, e);
}

static void handle_wrmsr(struct vcpu *v, const struct exit_event *e)
{
	uint64_t val = (v->regs.rdx << 32) | (uint32_t)v->regs.rax;

	if (!msr_guest_write(v, (uint32_t)v->regs.rcx, val)) {
		inject_gp(v);
		return;
	}
	backend->vcpu_skip_instruction(v, e);
}

static void handle_string_io(struct vcpu *v, const struct exit_event *e)
{
	switch (string_io(v, &e->io)) {
	case STRING_IO_DONE:
		if (v->state == VCPU_RUNNING)
			backend->vcpu_skip_instruction(v, e);
		break;
	case STRING_IO_MORE:
		break;
	case STRING_IO_FAULT:
		crash_guest(v, e, "INS/OUTS with an unmapped memory operand");
		break;
	}
}

/* IN writes AL/AX, or EAX zero-extended into RAX (SDM vol. 1, 3.4.1.1). */
static void handle_io(struct vcpu *v, const struct exit_event *e)
{
	const struct exit_io *io = &e->io;
	uint32_t mask = 0xffffffffu >> (32 - 8 * io->size);

	if (io->string) {
		handle_string_io(v, e);
		return;
	}
	if (io->in) {
		uint32_t val = guest_io_in(v, io->port, io->size);
		v->regs.rax = io->size == 4 ? val : (v->regs.rax & ~(uint64_t)mask) | (val & mask);
	} else {
		guest_io_out(v, io->port, io->size, (uint32_t)v->regs.rax & mask);
	}
	if (v->state == VCPU_RUNNING)
		backend->vcpu_skip_instruction(v, e);
}

/*
 * HLT with interrupts enabled waits for one; with interrupts disabled only
 * an NMI or INIT wakes the vCPU, so it is parked until one comes (another
 * vCPU's IPI; guest_apic_vcpu_wants_cpu()).
 */
static void handle_hlt(struct vcpu *v, const struct exit_event *e)
{
	struct vcpu_control_regs c;

	backend->vcpu_skip_instruction(v, e);
	backend->vcpu_read_control(v, &c);
	if (c.rflags & RFLAGS_IF) {
		guest_apic_wait_for_interrupt(v);
		return;
	}
	log_info("guest %s: vcpu %u halted with interrupts disabled; only INIT or NMI wakes it",
		 v->partition->name, v->index);
	v->state = VCPU_PARKED;
	partition_vcpu_parked(v->partition);
}

static void handle_apic_write(struct vcpu *v, const struct exit_event *e)
{
	guest_apic_write_trap(v, e);
}

static void handle_eoi_induced(struct vcpu *v, const struct exit_event *e)
{
	guest_apic_eoi_induced(v, e);
}

static void handle_npf(struct vcpu *v, const struct exit_event *e)
{
	if (guest_apic_is_mmio(v, e->npf.gpa)) {
		guest_apic_mmio(v, e);
		return;
	}
	if (guest_ioapic_is_mmio(e->npf.gpa)) {
		guest_ioapic_mmio(v, e);
		return;
	}
	if (e->npf.write && hv_is_overlay(v->partition, e->npf.gpa)) {
		inject_gp(v); /* the hypercall page is read-only (TLFS 3.13) */
		return;
	}
	crash_guest(v, e, e->npf.fetch ? "instruction fetch outside guest memory"
			  : e->npf.write ? "write outside guest memory"
					 : "read outside guest memory");
}

/* #DB and #AC are intercepted only so that they cannot loop forever in the CPU. */
static void handle_exception(struct vcpu *v, const struct exit_event *e)
{
	const struct exit_exception *x = &e->exception;

	if (x->vector == VECTOR_MC)
		panic("machine check while guest %s was running", v->partition->name);
	backend->vcpu_inject_exception(v, x->vector, x->has_error_code, x->error_code);
}

/*
 * Let the host take the interrupt that caused the exit. STI delays
 * interrupts by one instruction (SDM vol. 2, STI), hence the NOP.
 */
static void handle_host_interrupt(struct vcpu *v, const struct exit_event *e)
{
	(void)v;
	if (e->reason == EXIT_EXTERNAL_INTERRUPT && e->host_vector >= 0)
		irq_dispatch((uint8_t)e->host_vector); /* acknowledged by the exit */
	asm volatile("sti; nop; cli" ::: "memory");
}

static void handle_ignored(struct vcpu *v, const struct exit_event *e)
{
	(void)v;
	(void)e;
}

static void handle_ud(struct vcpu *v, const struct exit_event *e)
{
	(void)e;
	backend->vcpu_inject_exception(v, VECTOR_UD, false, 0);
}

static void handle_cr_access(struct vcpu *v, const struct exit_event *e)
{
	if (!backend->vcpu_cr_access(v, e))
		crash_guest(v, e, "a control-register access the hypervisor cannot emulate");
}

static void handle_shutdown(struct vcpu *v, const struct exit_event *e)
{
	crash_guest(v, e, "triple fault");
}

static void handle_invalid_state(struct vcpu *v, const struct exit_event *e)
{
	crash_guest(v, e, "the CPU refused the guest's state");
}

static void handle_unknown(struct vcpu *v, const struct exit_event *e)
{
	crash_guest(v, e, "an exit the hypervisor does not expect");
}

static const exit_handler_t exit_handlers[EXIT_REASON_COUNT] = {
	[EXIT_CPUID] = handle_cpuid,
	[EXIT_RDMSR] = handle_rdmsr,
	[EXIT_WRMSR] = handle_wrmsr,
	[EXIT_IO] = handle_io,
	[EXIT_HLT] = handle_hlt,
	[EXIT_HYPERCALL] = hv_hypercall,
	[EXIT_NESTED_PAGE_FAULT] = handle_npf,
	[EXIT_EXCEPTION] = handle_exception,
	[EXIT_EXTERNAL_INTERRUPT] = handle_host_interrupt,
	[EXIT_NMI] = handle_host_interrupt,
	[EXIT_INIT] = handle_ignored,
	[EXIT_SHUTDOWN] = handle_shutdown,
	[EXIT_INVALID_STATE] = handle_invalid_state,
	[EXIT_UNSUPPORTED_INSN] = handle_ud,
	[EXIT_CR_ACCESS] = handle_cr_access,
	[EXIT_INTERRUPT_WINDOW] = handle_ignored, /* the next entry injects */
	[EXIT_APIC_WRITE] = handle_apic_write,
	[EXIT_EOI_INDUCED] = handle_eoi_induced,
	[EXIT_UNKNOWN] = handle_unknown,
	[EXIT_XSETBV] = xcr_guest_xsetbv,
	[EXIT_NMI_WINDOW] = handle_ignored, /* the next entry injects */
};

/* What a write to an APIC register does (SDM vol. 3, 11.4.1 and 11.12.1.2). */
static enum exit_reason apic_bucket(uint32_t offset, bool write)
{
	if (write && offset == 0xb0)
		return EXIT_APIC_EOI;
	if (write && (offset == 0x300 || offset == 0x3f0))
		return EXIT_APIC_IPI;
	return EXIT_APIC_ACCESS;
}

/*
 * Where the exit is counted: its reason, or for local-APIC accesses the
 * register they touched, so that EOI and IPI costs show on their own.
 */
static enum exit_reason stats_bucket(const struct vcpu *v, const struct exit_event *e)
{
	uint32_t msr = (uint32_t)v->regs.rcx;

	if (e->reason == EXIT_NESTED_PAGE_FAULT && guest_apic_is_mmio(v, e->npf.gpa))
		return apic_bucket(e->npf.gpa & 0xff0, e->npf.write);
	if (e->reason == EXIT_APIC_WRITE &&
	    apic_bucket(e->apic_offset & 0xff0, true) == EXIT_APIC_IPI)
		return EXIT_APIC_IPI;
	if (e->reason == EXIT_WRMSR && msr >= 0x800 && msr <= 0x8ff &&
	    apic_bucket((msr & 0xff) << 4, true) != EXIT_APIC_ACCESS)
		return apic_bucket((msr & 0xff) << 4, true);
	return e->reason;
}

/* Paused from the debug shell: out of the guest until resumed, still taking calls. */
static void wait_while_paused(struct vcpu *v)
{
	while (__atomic_load_n(&v->partition->paused, __ATOMIC_ACQUIRE) &&
	       v->state == VCPU_RUNNING) {
		vcpu_take_call(v);
		cpu_doze();
	}
}

void vcpu_run_loop(struct vcpu *v)
{
	struct exit_event e;

	for (;;) {
		wait_while_paused(v);
		hv_vcpu_before_entry(v);
		guest_apic_before_entry(v);
		if (v->state != VCPU_RUNNING)
			return;
		backend->vcpu_run(v, &e);
		v->stats.exits[stats_bucket(v, &e)]++;
		trace_record(&v->trace, &e, backend->vcpu_rip(v));
		exit_handlers[e.reason](v, &e);
		console_poll_if_due();
	}
}

/* The vCPU loop: enter the guest, count the exit, handle it, again. */
#include "host/traps.h"
#include "lib/x86.h"
#include "core/backend.h"
#include "core/crash.h"
#include "core/enlightenment.h"
#include "core/guest_apic.h"
#include "host/lapic.h"
#include "console/log.h"
#include "host/panic.h"
#include "core/partition.h"
#include "host/percpu.h"
#include "core/sched.h"
#include "core/vcpu_run.h"

#define RFLAGS_IF BIT(9)

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

static void handle_ipi_wake(struct vcpu *v, const struct exit_event *e)
{
	(void)e;
	guest_apic_wake_ipi_targets(v);
}

static void handle_eoi_induced(struct vcpu *v, const struct exit_event *e)
{
	guest_apic_eoi_induced(v, e);
}

const struct debugger *debugger;

static bool debugger_trap(struct vcpu *v, const struct exit_event *e)
{
	return debugger && debugger->trap(v, e);
}

/*
 * #DB and #AC are intercepted only so that they cannot loop forever in the
 * CPU. #BP exits only while a debugger has them on; the exit leaves RIP at the
 * INT3 (SDM 27.1, APM 15.12), which the guest's own #BP, a trap, must
 * have behind it.
 */
static void handle_exception(struct vcpu *v, const struct exit_event *e)
{
	const struct exit_exception *x = &e->exception;

	if (x->vector == VECTOR_MC)
		panic("machine check while guest %s was running", v->partition->name);
	if ((x->vector == VECTOR_BP || x->vector == VECTOR_DB) && debugger_trap(v, e))
		return;
	if (x->vector == VECTOR_BP)
		backend->vcpu_advance_rip(v, 1);
	backend->vcpu_inject_exception(v, x->vector, x->has_error_code, x->error_code);
}

static void handle_single_step(struct vcpu *v, const struct exit_event *e)
{
	if (!debugger_trap(v, e))
		backend->vcpu_set_debug(v, false, false);
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

uint64_t *vcpu_gpr(struct vcpu *v, unsigned int n)
{
	struct guest_regs *r = &v->regs;
	uint64_t *regs[16] = { &r->rax, &r->rcx, &r->rdx, &r->rbx, NULL, &r->rbp, &r->rsi,
			       &r->rdi, &r->r8, &r->r9, &r->r10, &r->r11, &r->r12, &r->r13,
			       &r->r14, &r->r15 };

	return regs[n & 15];
}

static void handle_dr_access(struct vcpu *v, const struct exit_event *e)
{
	if (!debugger || !debugger->dr_access(v, e))
		crash_guest(v, e, "a debug-register access no debugger asked to see");
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

static void handle_task_switch(struct vcpu *v, const struct exit_event *e)
{
	const char *why = backend->vcpu_task_switch ? backend->vcpu_task_switch(v, e)
						    : "a task switch the backend does not carry out";

	if (why)
		crash_guest(v, e, why);
}

/*
 * One dispatch for every exit. The layers above core fill in theirs before
 * any vCPU runs (vcpu_run_set_exit_handler); until then they are unknown.
 */
static exit_handler_t exit_handlers[EXIT_REASON_COUNT] = {
	[EXIT_CPUID] = handle_unknown,
	[EXIT_RDMSR] = handle_unknown,
	[EXIT_WRMSR] = handle_unknown,
	[EXIT_IO] = handle_unknown,
	[EXIT_HLT] = handle_hlt,
	[EXIT_HYPERCALL] = handle_unknown,
	[EXIT_NESTED_PAGE_FAULT] = handle_unknown,
	[EXIT_EXCEPTION] = handle_exception,
	[EXIT_EXTERNAL_INTERRUPT] = handle_host_interrupt,
	[EXIT_NMI] = handle_host_interrupt,
	[EXIT_INIT] = handle_ignored,
	[EXIT_SHUTDOWN] = handle_shutdown,
	[EXIT_INVALID_STATE] = handle_invalid_state,
	[EXIT_UNSUPPORTED_INSN] = handle_ud,
	[EXIT_CR_ACCESS] = handle_cr_access,
	[EXIT_DR_ACCESS] = handle_dr_access,
	[EXIT_INTERRUPT_WINDOW] = handle_ignored, /* the next entry injects */
	[EXIT_APIC_WRITE] = handle_apic_write,
	[EXIT_APIC_IPI_WAKE] = handle_ipi_wake,
	[EXIT_EOI_INDUCED] = handle_eoi_induced,
	[EXIT_UNKNOWN] = handle_unknown,
	[EXIT_XSETBV] = handle_unknown,
	[EXIT_NMI_WINDOW] = handle_ignored, /* the next entry injects */
	[EXIT_TASK_SWITCH] = handle_task_switch,
	[EXIT_SINGLE_STEP] = handle_single_step,
};

void vcpu_run_set_exit_handler(enum exit_reason reason, exit_handler_t handler)
{
	exit_handlers[reason] = handler;
}

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
	if ((e->reason == EXIT_APIC_WRITE &&
	     apic_bucket(e->apic_offset & 0xff0, true) == EXIT_APIC_IPI) ||
	    e->reason == EXIT_APIC_IPI_WAKE)
		return EXIT_APIC_IPI;
	if (e->reason == EXIT_WRMSR) {
		uint32_t offset = msr >= 0x800 && msr <= 0x8ff ? (msr & 0xff) << 4
							      : enlightenment->apic_msr_offset(msr);

		if (offset && apic_bucket(offset, true) != EXIT_APIC_ACCESS)
			return apic_bucket(offset, true);
	}
	return e->reason;
}

/* Paused from the debug shell: out of the guest until resumed, still taking calls. */
static void wait_while_paused(struct vcpu *v)
{
	while ((__atomic_load_n(&v->partition->paused, __ATOMIC_ACQUIRE) || v->debug_held) &&
	       v->state == VCPU_RUNNING) {
		vcpu_take_call(v);
		cpu_doze();
	}
}

/*
 * The guest's IA32_SPEC_CTRL (cpumodel/msr_spec.c) is in the CPU only while
 * it runs; the hypervisor's is 0. The guest's writes to it exit, so it is
 * never read back. Two WRMSRs per exit, only while the guest's is not 0.
 */
static void enter_guest(struct vcpu *v, struct exit_event *e)
{
	uint64_t spec_ctrl = v->msrs.spec_ctrl;

	if (spec_ctrl)
		wrmsr(MSR_IA32_SPEC_CTRL, spec_ctrl);
	guest_apic_flush_before_entry(v);
	backend->vcpu_run(v, e);
	__atomic_store_n(&v->in_guest, false, __ATOMIC_RELEASE);
	if (spec_ctrl)
		wrmsr(MSR_IA32_SPEC_CTRL, 0);
}

void vcpu_run_loop(struct vcpu *v)
{
	struct exit_event e;

	for (;;) {
		wait_while_paused(v);
		enlightenment->before_entry(v);
		guest_apic_before_entry(v);
		if (v->state != VCPU_RUNNING)
			return;
		enter_guest(v, &e);
		guest_apic_after_exit(v);
		v->stats.exits[stats_bucket(v, &e)]++;
		trace_record(&v->trace, &e, backend->vcpu_rip(v));
		exit_handlers[e.reason](v, &e);
		host_poll->poll_if_due();
	}
}

/*
 * One vCPU per physical CPU, pinned: a CPU runs its vCPU while it can, and
 * otherwise sleeps until an IPI (WAKEUP_VECTOR) tells it to look again.
 */
#include "core/sched.h"
#include "host/traps.h"
#include "core/backend.h"
#include "core/crash.h"
#include "core/guest_apic.h"
#include "host/lapic.h"
#include "console/log.h"
#include "core/partition.h"
#include "host/percpu.h"
#include "core/vcpu_run.h"
#include "lib/x86.h"

static void no_poll(void) { }
static uint64_t no_poll_deadline(void) { return 0; }
static const struct host_poll no_host_poll = { no_poll, no_poll_deadline };
const struct host_poll *host_poll = &no_host_poll;

/* WAKEUP_VECTOR, HOST_TIMER_VECTOR and POSTED_INTR_VECTOR outside a guest: their only job
 * is to end a HLT or a guest run. */
static void wakeup_interrupt(struct trap_frame *f)
{
	(void)f;
	lapic_eoi();
}

/* The backend state lives on the CPU that runs the vCPU (a VMCS must). */
static bool prepare_vcpu(struct percpu *cpu, struct vcpu *v)
{
	if (cpu->vcpu_ready)
		return true;
	if (!backend->cpu_enable() || !backend->vcpu_init(v, v->boot_entry)) {
		log_err("cpu %u: cannot set up vcpu %u of guest %s", cpu->index, v->index,
			v->partition->name);
		partition_end(v->partition, GUEST_CRASH_EXIT_CODE, "no vcpu");
		return false;
	}
	/* The pinned vCPU owns its CPU's IA32_TSC_AUX (cpumodel/msr_tsc.c): 0 at its start. */
	if (cpu_has(&cpu->features, FEAT_TSC_AUX))
		wrmsr(MSR_TSC_AUX, v->msrs.tsc_aux);
	/* XSAVES in the guest uses the CPU's IA32_XSS: 0, the guest's only value (cpumodel/). */
	if (cpu_has(&cpu->features, FEAT_XSAVES))
		wrmsr(MSR_IA32_XSS, 0);
	/* The hypervisor runs with IA32_SPEC_CTRL 0, whatever firmware left (core/vcpu.c). */
	if (v->msrs.spec_ctrl_valid)
		wrmsr(MSR_IA32_SPEC_CTRL, 0);
	cpu->vcpu_ready = true;
	return true;
}

void cpu_doze(void)
{
	host_poll->poll_if_due();
	lapic_timer_arm(host_poll->deadline());
	asm volatile("sti; hlt; cli" ::: "memory");
}

__noreturn void cpu_idle_loop(void)
{
	struct percpu *cpu = this_cpu();

	for (;;) {
		irq_disable();
		struct vcpu *v = cpu->vcpu;
		if (v && guest_apic_vcpu_wants_cpu(v) && prepare_vcpu(cpu, v)) {
			vcpu_run_loop(v);
			continue;
		}
		if (v)
			vcpu_take_call(v); /* the debug shell, for a vCPU that does not run */
		cpu_doze();
	}
}

void sched_start_all(void)
{
	irq_register(WAKEUP_VECTOR, wakeup_interrupt);
	irq_register(HOST_TIMER_VECTOR, wakeup_interrupt);
	irq_register(POSTED_INTR_VECTOR, wakeup_interrupt); /* arrived outside the guest */
	for (unsigned int i = 1; i < MAX_CPUS; i++)
		if (cpus[i] && cpus[i]->online && cpus[i]->vcpu)
			lapic_send_fixed(cpus[i]->apic_id, WAKEUP_VECTOR);
}

/* Guest crash reports: enough on the console to debug the guest from. */
#include "core/crash.h"
#include "core/backend.h"
#include "core/vcpu_run.h"
#include "console/log.h"
#include "core/partition.h"
#include "host/percpu.h"

#define CRASH_EXITS_SHOWN 8
#define PANIC_EXITS_SHOWN 4

void crash_panic_cpu_report(void)
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

void vcpu_print_registers(struct vcpu *v)
{
	const struct guest_regs *r = &v->regs;
	struct vcpu_control_regs c;

	backend->vcpu_read_control(v, &c);
	log_err("  rip %016lx  rsp %016lx  rflags %016lx", c.rip, c.rsp, c.rflags);
	log_err("  rax %016lx  rbx %016lx  rcx %016lx", r->rax, r->rbx, r->rcx);
	log_err("  rdx %016lx  rsi %016lx  rdi %016lx", r->rdx, r->rsi, r->rdi);
	log_err("  rbp %016lx  r8  %016lx  r9  %016lx", r->rbp, r->r8, r->r9);
	log_err("  r10 %016lx  r11 %016lx  r12 %016lx", r->r10, r->r11, r->r12);
	log_err("  r13 %016lx  r14 %016lx  r15 %016lx", r->r13, r->r14, r->r15);
	log_err("  cr0 %016lx  cr2 %016lx  cr3 %016lx", c.cr0, c.cr2, c.cr3);
	log_err("  cr4 %016lx  efer %016lx  cs %04x (%s, cpl %u)", c.cr4, c.efer, c.cs_sel,
		c.cs_long ? "64-bit" : c.cs_db ? "32-bit" : "16-bit", c.cpl);
}

/* The exits before this one, from the trace ring: how the guest got here. */
static void print_last_exits(const struct vcpu *v)
{
	for (unsigned int i = 1; i <= CRASH_EXITS_SHOWN; i++) {
		const struct trace_entry *t = trace_get(&v->trace, i);

		if (!t)
			break;
		log_err("  exit -%u: %s (hw 0x%x, 0x%lx) at rip 0x%lx", i,
			exit_reason_name(t->reason), t->hw_reason, t->qualification, t->rip);
	}
}

void crash_guest(struct vcpu *v, const struct exit_event *e, const char *why)
{
	char exit_words[120];

	backend->describe_exit(e, exit_words, sizeof(exit_words));
	log_err("guest %s crashed on vcpu %u: %s", v->partition->name, v->index, why);
	log_err("  exit: %s (%s)", exit_reason_name(e->reason), exit_words);
	if (e->reason == EXIT_NESTED_PAGE_FAULT)
		log_err("  guest-physical address 0x%lx, guest memory is 0-0x%lx", e->npf.gpa,
			v->partition->mem_size - 1);
	vcpu_print_registers(v);
	print_last_exits(v);
	if (e->reason == EXIT_INVALID_STATE)
		backend->vcpu_dump_state(v);
	if (debugger && debugger->crashed(v))
		return;
	partition_end(v->partition, GUEST_CRASH_EXIT_CODE, "crashed");
}

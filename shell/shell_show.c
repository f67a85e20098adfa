/* The debug shell's commands that look: CPUs, guests, vCPUs, exits, registers, APIC, SynIC. */
#include "core/backend.h"
#include "core/crash.h"
#include "core/guest_apic.h"
#include "core/guest_mem.h"
#include "host/percpu.h"
#include "shell/shell.h"
#include "shell/shell_cmds.h"
#include "lib/string.h"

#define CALL_TIMEOUT_US 100000

static const char *vcpu_state_name(const struct vcpu *v)
{
	static const char *const names[] = {
		[VCPU_WAIT_FOR_SIPI] = "waiting for SIPI", [VCPU_RUNNING] = "running",
		[VCPU_PARKED] = "parked (halted, interrupts off)", [VCPU_STOPPED] = "stopped",
	};

	return names[v->state];
}

static uint64_t total_exits(const struct vcpu *v)
{
	uint64_t n = 0;

	for (unsigned int r = 0; r < EXIT_REASON_COUNT; r++)
		n += v->stats.exits[r];
	return n;
}

void cmd_cpus(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	for (unsigned int i = 0; i < MAX_CPUS; i++) {
		const struct percpu *c = cpus[i];

		if (!c || (i && !c->online))
			continue;
		if (c->vcpu)
			shell_printf("cpu %u (APIC ID %u): %s:%u, %s\n", i, c->apic_id,
				     c->vcpu->partition->name, c->vcpu->index, vcpu_state_name(c->vcpu));
		else
			shell_printf("cpu %u (APIC ID %u): idle\n", i, c->apic_id);
	}
}

void cmd_guests(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	for (unsigned int i = 0; i < nr_partitions; i++) {
		const struct partition *p = partitions[i];

		shell_printf("%s: %s%s, %u vcpu%s, %lu MiB at 0x%lx", p->name,
			     p->state == PARTITION_RUNNING ? "running" : "ended",
			     p->paused ? " (paused)" : "", p->nr_vcpus, p->nr_vcpus > 1 ? "s" : "",
			     p->mem_size / MiB, p->mem_hpa);
		if (p->state == PARTITION_ENDED)
			shell_printf(", exit code %u", p->exit_code);
		shell_printf("\n");
	}
}

void cmd_vcpus(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	for (unsigned int i = 0; i < nr_partitions; i++)
		for (unsigned int j = 0; j < partitions[i]->nr_vcpus; j++) {
			const struct vcpu *v = partitions[i]->vcpus[j];

			shell_printf("%s:%u on cpu %u: %s, %lu exits\n", v->partition->name, v->index,
				     v->cpu->index, vcpu_state_name(v), total_exits(v));
		}
}

static void print_stats(const struct vcpu *v)
{
	shell_printf("%s:%u: %lu exits\n", v->partition->name, v->index, total_exits(v));
	for (unsigned int r = 0; r < EXIT_REASON_COUNT; r++)
		if (v->stats.exits[r])
			shell_printf("  %-20s %lu\n", exit_reason_name(r), v->stats.exits[r]);
	if (v->stats.posted)
		shell_printf("  posted interrupts %lu, notifications %lu\n", v->stats.posted,
			     v->stats.notified);
}

void cmd_stats(int argc, char **argv)
{
	struct vcpu *v = argc > 1 ? shell_vcpu(argv[1]) : NULL;

	if (argc > 1) {
		if (v)
			print_stats(v);
		return;
	}
	for (unsigned int i = 0; i < nr_partitions; i++)
		for (unsigned int j = 0; j < partitions[i]->nr_vcpus; j++)
			print_stats(partitions[i]->vcpus[j]);
}

void cmd_trace(int argc, char **argv)
{
	struct vcpu *v = shell_vcpu(argv[1]);
	const struct trace_entry *t;

	(void)argc;
	if (!v)
		return;
	shell_printf("%s:%u: the last exits, newest first (%lu in all)\n", v->partition->name,
		     v->index, v->trace.count);
	for (unsigned int i = 0; (t = trace_get(&v->trace, i)); i++)
		shell_printf("  -%-2u %-20s hw 0x%-6x qual 0x%-16lx rip 0x%lx\n", i,
			     exit_reason_name(t->reason), t->hw_reason, t->qualification, t->rip);
}

/* State only the vCPU's own CPU can read (its VMCS): read there, outside the guest. */
static void on_vcpu(struct vcpu *v, void (*fn)(struct vcpu *v, void *arg))
{
	bool answered;

	if (!v->cpu->vcpu_ready) {
		shell_printf("%s:%u has not run yet\n", v->partition->name, v->index);
		return;
	}
	shell_log_from(v->cpu);
	answered = vcpu_call(v, fn, NULL, CALL_TIMEOUT_US);
	shell_log_from(NULL);
	if (!answered)
		shell_printf("%s:%u did not answer\n", v->partition->name, v->index);
}

static void show_registers(struct vcpu *v, void *arg)
{
	(void)arg;
	vcpu_print_registers(v);
}

void cmd_regs(int argc, char **argv)
{
	struct vcpu *v = shell_vcpu(argv[1]);

	(void)argc;
	if (v)
		on_vcpu(v, show_registers);
}

static void show_vmstate(struct vcpu *v, void *arg)
{
	(void)arg;
	backend->vcpu_dump_controls(v);
	backend->vcpu_dump_state(v);
}

/* vmcs on VMX, vmcb on SVM: the backend's own word for it. */
void cmd_vmstate(int argc, char **argv)
{
	struct vcpu *v;

	(void)argc;
	if (strcmp(argv[0], !strcmp(backend->name, "vmx") ? "vmcs" : "vmcb")) {
		shell_printf("%s: this machine runs %s\n", argv[0], backend->name);
		return;
	}
	v = shell_vcpu(argv[1]);
	if (v)
		on_vcpu(v, show_vmstate);
}

#define MEM_MAX     256
#define MEM_DEFAULT 64
#define MEM_ROW     16

/* mem GUEST GPA [LEN]: guest-physical memory, 16 bytes a line (also gdb's `monitor mem`). */
void cmd_mem(int argc, char **argv)
{
	struct partition *p = shell_guest(argv[1]);
	uint8_t buf[MEM_MAX];
	uint64_t gpa, len = MEM_DEFAULT;

	if (!p || !shell_number(argv[2], UINT64_MAX, &gpa) ||
	    (argc > 3 && !shell_number(argv[3], MEM_MAX, &len)))
		return;
	if (!gpa_read(p, gpa, buf, len)) {
		shell_printf("0x%lx+%lu is not all in guest %s's RAM (0-0x%lx)\n", gpa, len, p->name,
			     p->mem_size - 1);
		return;
	}
	for (uint64_t i = 0; i < len; i++)
		shell_printf("%s%02x%s", i % MEM_ROW ? " " : "", buf[i],
			     i % MEM_ROW == MEM_ROW - 1 || i + 1 == len ? "\n" : "");
}

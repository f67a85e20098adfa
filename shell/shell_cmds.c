/* The debug shell's command table and help. */
#include "shell/shell.h"
#include "shell/shell_cmds.h"
#include "lib/string.h"

static void cmd_help(int argc, char **argv);

#define ADDED_MAX 4

static const struct shell_cmd shell_cmds[] = {
	{ "help", "", "this list", 0, 0, cmd_help },
	{ "cpus", "", "physical CPUs and what each runs", 0, 0, cmd_cpus },
	{ "guests", "", "guests: state, vCPUs, memory", 0, 0, cmd_guests },
	{ "vcpus", "", "every vCPU: its CPU, state, exits", 0, 0, cmd_vcpus },
	{ "stats", "[VCPU]", "exit counts per reason", 0, 1, cmd_stats },
	{ "trace", "VCPU", "the last 64 exits: reason, qualification, RIP", 1, 1, cmd_trace },
	{ "regs", "VCPU", "registers", 1, 1, cmd_regs },
	{ "vmcs", "VCPU", "the VMCS guest state (VMX)", 1, 1, cmd_vmstate },
	{ "vmcb", "VCPU", "the VMCB guest state (SVM)", 1, 1, cmd_vmstate },
	{ "lapic", "VCPU", "the virtual local APIC", 1, 1, cmd_lapic },
	{ "synic", "VCPU", "SynIC: SINTs, pages, waiting messages, synthetic timers", 1, 1, cmd_synic },
	{ "ioapic", "GUEST", "the I/O APIC's pins in use and COM1's interrupt state", 1, 1, cmd_ioapic },
	{ "mem", "GUEST GPA [LEN]", "guest-physical memory in hex (LEN up to 256, 64)", 2, 3, cmd_mem },
	{ "poke", "GUEST GPA HEXBYTES", "write bytes to guest-physical memory (up to 64)", 3, 3, cmd_poke },
	{ "post", "VCPU SINT TYPE HEXPAYLOAD", "put a message into a SINT's slot", 4, 4, cmd_post },
	{ "signal", "VCPU SINT FLAG", "set an event flag", 3, 3, cmd_signal },
	{ "inject", "VCPU VECTOR", "raise a fixed interrupt", 2, 2, cmd_inject },
	{ "pause", "GUEST", "stop running the guest's vCPUs", 1, 1, cmd_pause },
	{ "resume", "GUEST", "run them again", 1, 1, cmd_resume },
	{ "kill", "GUEST", "end the guest", 1, 1, cmd_kill },
	{ "loglevel", "N", "0 panic .. 4 debug", 1, 1, cmd_loglevel },
	{ "reboot", "", "reset the machine", 0, 0, cmd_reboot },
	{ "integrity", "[corrupt]", "text, stacks and guard frames checked now", 0, 1, cmd_integrity },
	{ "panic", "", "panic the hypervisor (only with test-panic=on)", 0, 0, cmd_panic },
};

static const struct shell_cmd *added[ADDED_MAX];
static unsigned int nr_added;

bool shell_add_cmd(const struct shell_cmd *cmd)
{
	if (nr_added == ADDED_MAX)
		return false;
	added[nr_added++] = cmd;
	return true;
}

/* The table's commands, then the added ones. */
static const struct shell_cmd *cmd_at(unsigned int i)
{
	if (i < ARRAY_SIZE(shell_cmds))
		return &shell_cmds[i];
	i -= ARRAY_SIZE(shell_cmds);
	return i < nr_added ? added[i] : NULL;
}

const struct shell_cmd *shell_find_cmd(const char *name)
{
	const struct shell_cmd *c;

	for (unsigned int i = 0; (c = cmd_at(i)); i++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

static void cmd_help(int argc, char **argv)
{
	const struct shell_cmd *c;

	(void)argc;
	(void)argv;
	shell_printf("VCPU is GUEST or GUEST:N; numbers are decimal or 0x-hex\n");
	for (unsigned int i = 0; (c = cmd_at(i)); i++)
		shell_printf("  %-8s %-26s %s\n", c->name, c->args, c->help);
}

/*
 * The debug shell on the serial console: a prompt "hv> ", a line with
 * backspace, and the commands of shell_cmds.c. It runs on the CPU that polls
 * the console (shell/console_in.c), outside any guest.
 */
#ifndef HV_SHELL_SHELL_H
#define HV_SHELL_SHELL_H

#include "core/partition.h"

#define SHELL_LINE_MAX 160
#define SHELL_ARGS_MAX 8

void shell_prompt(void);
/* With test-panic=on on the hypervisor's command line, `panic` panics. */
void shell_allow_panic(bool allow);
/* A character typed while the shell owns console input. */
void shell_input(char c);
/*
 * Runs one command line as if typed (the gdb stub's `monitor`); what the
 * command prints with shell_printf goes to sink instead of the console.
 */
void shell_run_captured(char *line, void (*sink)(const char *s, size_t len));

/*
 * While a command runs captured, what the hypervisor logs on cpu's CPU (a
 * vCPU's state printed there, `regs`) goes to the capture too; NULL ends it.
 */
void shell_log_from(const struct percpu *cpu);

/* For the commands: output without the "hv: " prefix, and argument parsing. */
void shell_printf(const char *fmt, ...) __printf(1, 2);
/* A vCPU named "GUEST" (vCPU 0) or "GUEST:N"; NULL (and a message) if there is none. */
struct vcpu *shell_vcpu(const char *arg);
struct partition *shell_guest(const char *arg);
/* A number, decimal or 0x-hex, within max; false (and a message) if not. */
bool shell_number(const char *arg, uint64_t max, uint64_t *out);

struct shell_cmd {
	const char *name;
	const char *args;   /* the usage line's arguments */
	const char *help;
	unsigned int min_args, max_args;
	void (*run)(int argc, char **argv); /* argv[0] is the command */
};

/*
 * A command of a layer above the shell (the gdb stub's `gdb`), added by
 * boot/ before the console is polled; false when the table is full.
 */
bool shell_add_cmd(const struct shell_cmd *cmd);
/* The command named name, or NULL. */
const struct shell_cmd *shell_find_cmd(const char *name);

#endif

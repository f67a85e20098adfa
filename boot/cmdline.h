/* The hypervisor's own command line (the multiboot2 command-line tag). */
#ifndef HV_BOOT_CMDLINE_H
#define HV_BOOT_CMDLINE_H

#include "lib/types.h"
#include "synic/apic_policy.h"

#define CMDLINE_NAME_MAX   24
#define CMDLINE_VALUE_MAX  64
#define CMDLINE_MAX_ERRORS 8

struct hv_config {
	uint16_t console_port;
	uint32_t console_baud;
	int loglevel;
	bool test_panic; /* the debug shell may panic the hypervisor on request */
	bool test_fixup; /* guest operands go to the CPU unchecked (the fix-up's test) */
	bool posted_intr; /* APICv uses posted interrupts where the CPU has them */
	enum apic_policy apic_policy;
	char console_input[CMDLINE_VALUE_MAX + 1]; /* the guest console input goes to first; "": the shell */
	char gdb_guest[CMDLINE_VALUE_MAX + 1];     /* gdb=GUEST[,PORT]: the guest the gdb stub debugs; "": none */
	uint16_t gdb_port;                         /* its UART (default COM2) */
};

struct cmdline_error {
	char name[CMDLINE_NAME_MAX + 4]; /* room for a "..." when truncated */
	const char *why;
};

struct cmdline_result {
	struct cmdline_error errors[CMDLINE_MAX_ERRORS];
	unsigned int nr_errors;
	unsigned int nr_dropped; /* errors beyond CMDLINE_MAX_ERRORS */
};

extern const char *const apic_policy_names[]; /* for the log: "ours", ... */

void cmdline_defaults(struct hv_config *cfg);

/*
 * Parses space-separated NAME=VALUE options into cfg. A bad option leaves
 * its setting at the previous value and is recorded in res; parsing goes on.
 */
void cmdline_parse(const char *s, struct hv_config *cfg, struct cmdline_result *res);

#endif

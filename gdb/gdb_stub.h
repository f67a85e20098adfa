/*
 * A GDB remote-serial-protocol stub for one guest, on a UART of its own
 * (the hypervisor's gdb=GUEST[,PORT] option): gdb's `target remote` stops
 * the guest, its vCPUs are threads, registers and guest-virtual memory are
 * read and written through the selected vCPU, `continue` runs it until
 * Ctrl-C, and `detach` lets it run on. The first CPU polls the port beside
 * the console; other guests never wait for it.
 */
#ifndef HV_GDB_GDB_STUB_H
#define HV_GDB_GDB_STUB_H

#include "core/partition.h"
#include "shell/shell.h"

#define GDB_DEFAULT_PORT 0x2f8 /* COM2 */

/*
 * After the guests are made (gdb=GUEST[,PORT], or the shell's `gdb`): the
 * stub serves guest on port from now on, a console line says so; or why it
 * cannot (no such guest, it has ended, gdb attached, the console's port, no UART).
 */
const char *gdb_stub_start(const char *guest, uint16_t port);
/* The stub off (NULL), unless gdb is attached (why not). */
const char *gdb_stub_stop(void);
/* The guest the stub serves (NULL: none), its port, and whether gdb is attached. */
const struct partition *gdb_stub_guest(uint16_t *port, bool *attached);

/* The debug shell's `gdb [GUEST [PORT] | off]`, added to it by boot/. */
extern const struct shell_cmd gdb_shell_cmd;

/* Its traps and crash stops (struct debugger, core/vcpu_run.h). */
extern const struct debugger gdb_debugger;

/* On the first CPU, from the host poll: the bytes that came, at most every GDB_POLL_US. */
void gdb_stub_poll_if_due(void);
/* The TSC by which it must poll again, 0: not started. */
uint64_t gdb_stub_deadline(void);

#endif

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

#include "lib/types.h"

#define GDB_DEFAULT_PORT 0x2f8 /* COM2 */

/* After the guests are made; a console line says what it listens for, or why it cannot. */
void gdb_stub_start(const char *guest, uint16_t port);

/* Its traps and crash stops (struct debugger, core/vcpu_run.h). */
extern const struct debugger gdb_debugger;

/* On the first CPU, from the host poll: the bytes that came, at most every GDB_POLL_US. */
void gdb_stub_poll_if_due(void);
/* The TSC by which it must poll again, 0: not started. */
uint64_t gdb_stub_deadline(void);

#endif

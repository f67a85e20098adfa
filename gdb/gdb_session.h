/*
 * Within gdb/: the one debugging session (gdb_stub.c) and what the packet
 * handlers (gdb_packets.c) do with it.
 */
#ifndef HV_GDB_GDB_SESSION_H
#define HV_GDB_GDB_SESSION_H

#include "core/partition.h"
#include "gdb/gdb_regs.h"
#include "gdb/rsp.h"

#define GDB_SIGINT  2
#define GDB_SIGTRAP 5
#define GDB_SIGSEGV 11
#define GDB_MEM_MAX ((RSP_PACKET_MAX - 8) / 2) /* bytes per `m` reply */
#define GDB_BREAKPOINTS 64
#define GDB_WATCH_SLOTS 4 /* DR0-DR3 */

/* A software breakpoint: an INT3 written over the byte kept (by guest-virtual address). */
struct gdb_breakpoint {
	uint64_t addr;
	uint8_t saved;
	bool used;
};

/* A hardware breakpoint or watchpoint in one of DR0-DR3 (the Z packet's type: 1, 2 or 4). */
struct gdb_watch {
	uint64_t addr;
	uint8_t len;
	char type;
	bool used;
};

struct gdb_session {
	struct partition *p;
	uint16_t port;
	bool connected;      /* a packet came since the last detach */
	bool running;        /* resumed by `c`: a stop reply is owed */
	uint8_t signal;      /* why it last stopped */
	unsigned int vcpu;   /* Hg: the vCPU registers and memory go through */
	int stepping;        /* the vCPU a single step runs on, -1: none */
	/* A vCPU's trap stopped the guest (set on that vCPU's CPU): its index + 1, 0: none */
	volatile unsigned int trapped;
	bool at_breakpoint;  /* the last stop was an INT3 of ours: `swbreak` */
	uint8_t trap_signal; /* with trapped: SIGTRAP, or SIGSEGV for a crash */
	bool crashed;        /* held after a crash: detach ends it */
	struct gdb_breakpoint breakpoints[GDB_BREAKPOINTS];
	struct gdb_watch watches[GDB_WATCH_SLOTS];
	int watch_hit;       /* with trapped: the slot whose #DB stopped it, -1: none */
	/* The guest's own DR0-DR3 and DR7 while the debugger owns them, per vCPU */
	struct vcpu_debug_regs guest_dr[GUEST_MAX_CPUS];
	uint64_t next_poll;
	struct rsp_rx rx;
	char reply[RSP_PACKET_MAX + 1];
	char frame[2 * RSP_PACKET_MAX + 8];
};

extern struct gdb_session gdb;

void gdb_send(const char *payload);
void gdb_stop(uint8_t signal);      /* hold the guest's vCPUs out of it */
void gdb_resume(void);              /* let them run */
void gdb_stop_reply(void);          /* `T` with the signal and the selected thread */
/* `s`: vCPU index runs one instruction, the others held; false if it cannot step. */
bool gdb_step(unsigned int index);
/* Z0 and z0: an INT3 at addr, or the byte back; false when its memory cannot be reached. */
bool gdb_breakpoint_insert(uint64_t addr);
bool gdb_breakpoint_remove(uint64_t addr);
/*
 * Z1, Z2 and Z4 (and z): a hardware breakpoint, a write or an access watch
 * of LEN 1, 2, 4 or 8 aligned bytes, in a free one of DR0-DR3 of every
 * vCPU; false when none is free or the range is not one x86 can watch.
 */
bool gdb_watch_insert(char type, uint64_t addr, uint64_t len);
bool gdb_watch_remove(char type, uint64_t addr, uint64_t len);
/* D: the breakpoints taken out, the traps disarmed, the guest let run. */
void gdb_detach(void);
/* On the selected vCPU's CPU; false when it does not answer (not started yet). */
bool gdb_frame_get(struct gdb_frame *f);
bool gdb_frame_put(const struct gdb_frame *f);
/* Guest-virtual memory through the selected vCPU: the bytes done, up to the first page not mapped. */
size_t gdb_mem(uint64_t gva, void *buf, size_t len, bool write);

/* The debugger's dr_access hook (gdb_dr.c): a MOV DR against the guest's kept values. */
bool gdb_dr_access(struct vcpu *v, const struct exit_event *e);

/* The handler of one packet (gdb_packets.c): it sends the reply, if any. */
void gdb_packet(const char *data, size_t len);

#endif

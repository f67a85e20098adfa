/*
 * The registers the stub shows gdb, in the order of its target description
 * (GDB manual, "Target Descriptions", "i386 Features"): the x86-64 core set
 * (the x87 registers unavailable), FS/GS base ("org.gnu.gdb.i386.segments")
 * and the system registers CR0, CR2, CR3, CR4 and EFER.
 */
#ifndef HV_GDB_GDB_REGS_H
#define HV_GDB_GDB_REGS_H

#include "core/vcpu.h"

/* One vCPU's registers as read on its CPU. */
struct gdb_frame {
	struct guest_regs gpr;
	struct vcpu_control_regs c;
	struct vcpu_segment_regs s;
};

enum { GDB_REG_COUNT = 47 };

/* On v's CPU: its registers; back into the vCPU (RIP, RSP, RFLAGS and the others). */
void gdb_frame_read(struct vcpu *v, struct gdb_frame *f);
void gdb_frame_write(struct vcpu *v, const struct gdb_frame *f);

/* The `g` reply: every register in hex, `x` for those not available; its length. */
size_t gdb_regs_encode(const struct gdb_frame *f, char *out, size_t size);
/* Register n in hex into out, as `p` answers; false for no such register. */
bool gdb_reg_encode(const struct gdb_frame *f, unsigned int n, char *out, size_t size);
/*
 * `P n=hex`: register n set from its hex bytes (little-endian). Only the
 * general registers, RIP and RFLAGS are writable; false otherwise.
 */
bool gdb_reg_decode(struct gdb_frame *f, unsigned int n, const char *hex);
/* `G`: the writable registers from a `g`-shaped packet; false if malformed. */
bool gdb_regs_decode(struct gdb_frame *f, const char *hex);

/* The target description (qXfer:features:read:target.xml). */
const char *gdb_target_xml(void);

#endif

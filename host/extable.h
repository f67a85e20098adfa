/*
 * The instructions the hypervisor lets fault. Each entry of the exception
 * table names an instruction and where to resume if it raises an exception:
 * the exception handler looks the faulting RIP up here first and, when it is
 * listed, records the exception on this CPU and resumes at the fix-up
 * instead of declaring a hypervisor fault (as kernels do for their _safe
 * MSR accessors). Every instruction the hypervisor executes with an operand
 * a guest chose is either checked completely first or listed here.
 */
#ifndef HV_HOST_EXTABLE_H
#define HV_HOST_EXTABLE_H

#include "host/traps.h"

struct extable_entry {
	uint64_t insn;  /* the instruction allowed to fault */
	uint64_t fixup; /* where it resumes when it does */
};
_Static_assert(sizeof(struct extable_entry) == 16, "extable entry");

/*
 * In an asm statement: the instruction at label insn may fault, execution then
 * goes on at label fixup with every register as the instruction left it.
 */
#define EXTABLE_ENTRY(insn, fixup)                  \
	".pushsection .extable, \"a\"\n\t"          \
	".balign 8\n\t"                             \
	".quad " #insn ", " #fixup "\n\t"           \
	".popsection\n\t"

/* The exception a listed instruction raised, as the CPU reported it. */
struct host_fault {
	uint8_t vector;
	bool has_error_code;
	uint32_t error_code;
};

/* From trap_dispatch(): true if f's RIP is listed (f now resumes at its fix-up). */
bool extable_fixup(struct trap_frame *f);

/* The exception this CPU's last listed instruction raised. */
struct host_fault extable_last_fault(void);

#endif

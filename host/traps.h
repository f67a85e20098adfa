/* Exception and interrupt entry: the frame the stubs build, and the handlers. */
#ifndef HV_HOST_TRAPS_H
#define HV_HOST_TRAPS_H

#include "lib/types.h"
#include "lib/x86.h"

/* Pushed by boot/traps.S below the CPU's own interrupt frame. */
struct trap_frame {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t vector, error_code;
	uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};
_Static_assert(sizeof(struct trap_frame) == 22 * 8, "trap frame");

#define VECTOR_FIRST_IRQ 32

typedef void (*irq_handler_t)(struct trap_frame *f);

extern const uint64_t trap_stubs[256];

void irq_register(unsigned int vector, irq_handler_t handler);
/* Runs the handler of an interrupt a VM exit acknowledged (it never reached the IDT). */
void irq_dispatch(uint8_t vector);
void trap_dispatch(struct trap_frame *f);

/* "#GP general protection", ... for vectors 0-31. */
const char *exception_name(uint8_t vector);

/* Prints the return addresses found by following the frame-pointer chain. */
void backtrace_print(uint64_t rip, uint64_t rbp);

#endif

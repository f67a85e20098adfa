/*
 * The arch-neutral VM exit: what a backend (vmx/, svm/) decodes a hardware
 * exit into before core/ handles it. Nothing here names a VMCS field or a
 * VMCB offset.
 */
#ifndef HV_CORE_EXIT_H
#define HV_CORE_EXIT_H

#include "core/types.h"

enum exit_reason {
	EXIT_CPUID,
	EXIT_RDMSR,
	EXIT_WRMSR,
	EXIT_IO,
	EXIT_HLT,
	EXIT_HYPERCALL,
	EXIT_NESTED_PAGE_FAULT,
	EXIT_EXCEPTION,
	EXIT_EXTERNAL_INTERRUPT,
	EXIT_NMI,
	EXIT_INIT,
	EXIT_SHUTDOWN,        /* triple fault */
	EXIT_INVALID_STATE,   /* the CPU refused the guest state */
	EXIT_UNSUPPORTED_INSN,/* an instruction the guest may not use (VMRUN, ...) */
	EXIT_CR_ACCESS,       /* a control-register access the backend must emulate */
	EXIT_INTERRUPT_WINDOW,/* the guest can take the interrupt that is waiting */
	EXIT_APIC_WRITE,      /* APICv: the guest wrote an APIC register (trap-like) */
	EXIT_EOI_INDUCED,     /* APICv: the guest retired a vector of the EOI-exit bitmap */
	/* Statistics only: the exits above that touched the local APIC, by register. */
	EXIT_APIC_ACCESS,     /* xAPIC MMIO other than EOI and ICR */
	EXIT_APIC_EOI,        /* an EOI write (xAPIC MMIO or x2APIC MSR) */
	EXIT_APIC_IPI,        /* an ICR or SELF_IPI write: an IPI sent */
	EXIT_UNKNOWN,
	EXIT_REASON_COUNT,
};

struct exit_io {
	uint16_t port;
	uint8_t size; /* 1, 2 or 4 */
	bool in;
	bool string;
	bool rep;
	/* INS/OUTS only: */
	uint8_t addr_size;  /* 2, 4 or 8: which of SI/ESI/RSI (DI, CX) */
	uint64_t seg_base;  /* of the memory operand's segment: ES for INS */
};

struct exit_npf {
	uint64_t gpa;
	bool write;
	bool fetch;
	bool present; /* the nested entry was present: a permission fault */
};

struct exit_exception {
	uint8_t vector;
	bool has_error_code;
	uint32_t error_code;
};

struct exit_event {
	enum exit_reason reason;
	union {
		struct exit_io io;
		struct exit_npf npf;
		struct exit_exception exception;
		uint32_t apic_offset; /* EXIT_APIC_WRITE */
		uint8_t eoi_vector;   /* EXIT_EOI_INDUCED */
		int host_vector;      /* EXIT_EXTERNAL_INTERRUPT: acknowledged at exit, or -1 */
	};
	/* The hardware's own words, for crash reports and the trace. */
	uint64_t hw_reason;
	uint64_t hw_info1;
	uint64_t hw_info2;
};

const char *exit_reason_name(enum exit_reason r);

#endif

/*
 * The arch-neutral VM exit: what a backend (vmx/, svm/) decodes a hardware
 * exit into before core/ handles it. Nothing here names a VMCS field or a
 * VMCB offset.
 */
#ifndef HV_CORE_EXIT_H
#define HV_CORE_EXIT_H

#include "lib/types.h"

/*
 * The numbers are also what a guest with exit-counters=on reads at MSR
 * 0x4d480000 + N (cpumodel/msr_policy.c): new reasons go at the end.
 */
enum exit_reason {
	EXIT_CPUID = 0,
	EXIT_RDMSR = 1,
	EXIT_WRMSR = 2,
	EXIT_IO = 3,
	EXIT_HLT = 4,
	EXIT_HYPERCALL = 5,
	EXIT_NESTED_PAGE_FAULT = 6,
	EXIT_EXCEPTION = 7,
	EXIT_EXTERNAL_INTERRUPT = 8,
	EXIT_NMI = 9,
	EXIT_INIT = 10,
	EXIT_SHUTDOWN = 11,        /* triple fault */
	EXIT_INVALID_STATE = 12,   /* the CPU refused the guest state */
	EXIT_UNSUPPORTED_INSN = 13,/* an instruction the guest may not use (VMRUN, ...) */
	EXIT_CR_ACCESS = 14,       /* a control-register access the backend must emulate */
	EXIT_INTERRUPT_WINDOW = 15,/* the guest can take the interrupt that is waiting */
	EXIT_APIC_WRITE = 16,      /* APICv: the guest wrote an APIC register (trap-like) */
	EXIT_EOI_INDUCED = 17,     /* APICv: the guest retired a vector of the EOI-exit bitmap */
	/* Statistics only: the exits above that touched the local APIC, by register. */
	EXIT_APIC_ACCESS = 18,     /* xAPIC MMIO other than EOI and ICR */
	EXIT_APIC_EOI = 19,        /* an EOI write (xAPIC MMIO or x2APIC MSR) */
	EXIT_APIC_IPI = 20,        /* an ICR or SELF_IPI write: an IPI sent */
	EXIT_UNKNOWN = 21,
	EXIT_XSETBV = 22,          /* the guest set an XCR (intercepted on both backends) */
	EXIT_NMI_WINDOW = 23,      /* the guest can take the NMI that is waiting */
	EXIT_TASK_SWITCH = 24,     /* CALL, JMP, IRET or a task gate to a TSS (VMX) */
	EXIT_SINGLE_STEP = 25,     /* the debugger's single step ended (VMX monitor trap flag) */
	EXIT_DR_ACCESS = 26,       /* a MOV to or from a debug register while a debugger owns them */
	/* AVIC: an ICR write whose vector the CPU put into every target's IRR, some not running */
	EXIT_APIC_IPI_WAKE = 27,
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
	uint64_t dr6; /* #DB: its conditions as DR6 bits (B0-B3, BS); VMX leaves DR6 itself alone */
};

/* A MOV DR (0F 21 reads, 0F 23 writes; SDM vol. 2, MOV to/from Debug Registers) */
struct exit_dr {
	uint8_t dr;   /* as the instruction names it: 0-7 (4 and 5 alias 6 and 7 without CR4.DE) */
	uint8_t gpr;  /* the other operand: 0 RAX, 1 RCX, 2 RDX, 3 RBX, 4 RSP, ... 15 R15 */
	bool write;   /* MOV to DR */
};

struct exit_event {
	enum exit_reason reason;
	union {
		struct exit_io io;
		struct exit_npf npf;
		struct exit_exception exception;
		struct exit_dr dr;
		uint32_t apic_offset; /* EXIT_APIC_WRITE */
		uint8_t eoi_vector;   /* EXIT_EOI_INDUCED */
		int host_vector;      /* EXIT_EXTERNAL_INTERRUPT: acknowledged at exit, or -1 */
	};
	/*
	 * The exit came while the CPU was delivering an event (IDT-vectoring
	 * information, EXITINTINFO): what exited was that delivery, not the
	 * instruction at RIP; the backend injects the event again at the next entry.
	 */
	bool in_delivery;
	/* The hardware's own words, for crash reports and the trace. */
	uint64_t hw_reason;
	uint64_t hw_info1;
	uint64_t hw_info2;
};

const char *exit_reason_name(enum exit_reason r);

#endif

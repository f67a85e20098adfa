/* Instruction lengths and the few decodes SVM needs without the CPU's help. */
#ifndef HV_SVM_INSN_H
#define HV_SVM_INSN_H

#include "core/vcpu.h"

/*
 * The length of the instruction at the guest's RIP that caused an exit of
 * `reason` (CPUID, RDMSR/WRMSR, HLT, hypercall), prefixes included.
 */
unsigned int insn_length(struct vcpu *v, enum exit_reason reason);

/* The instructions a CR0 or CR4 write intercept stops (APM vol. 2, 15.9) */
enum cr_insn_kind {
	CR_INSN_MOV,  /* MOV to CRn: 0F 22 /r */
	CR_INSN_LMSW, /* 0F 01 /6 */
	CR_INSN_CLTS, /* 0F 06 */
};

enum { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS };

struct cr_insn {
	enum cr_insn_kind kind;
	unsigned int length;   /* prefixes included */
	unsigned int cr;       /* MOV: the control register (ModRM.reg, REX.R) */
	unsigned int gpr;      /* MOV, LMSW of a register: its number, 0 RAX ... 15 R15 */
	bool mem;              /* LMSW of a word in memory: */
	unsigned int seg;      /* its segment (SEG_*), */
	uint64_t offset;       /* its effective address, to the address size */
};

/*
 * Decodes the instruction at the guest's RIP as one of those (legacy
 * prefixes, REX in 64-bit code, the ModRM, SIB and displacement of LMSW's
 * memory operand in 16-, 32- or 64-bit addressing); gprs holds the guest's
 * registers by number. False if it is none of them or cannot be read.
 */
bool insn_decode_cr_write(struct vcpu *v, const uint64_t gprs[16], struct cr_insn *out);

/* MOV to or from DRn (0F 21 /r, 0F 23 /r) at the guest's RIP: its GPR; false if it is none. */
bool insn_decode_mov_dr(struct vcpu *v, uint8_t *gpr);

#endif

/*
 * Decoding of the instruction behind a nested page fault on an emulated MMIO
 * page (the xAPIC) when the CPU gives no decode assist: the MOV forms that
 * compilers and kernels use on device registers. Pure logic.
 */
#ifndef HV_DEVICES_MMIO_DECODE_H
#define HV_DEVICES_MMIO_DECODE_H

#include "lib/types.h"

#define MMIO_INSN_MAX 15

enum mmio_cpu_mode { MMIO_MODE_32, MMIO_MODE_64 };  /* 32: protected mode with a 32-bit code segment (CS.D=1); 64: long mode 64-bit code */

enum mmio_op_kind { MMIO_OP_READ, MMIO_OP_WRITE };

struct mmio_op {
	enum mmio_op_kind kind;
	unsigned int size;        /* 1, 2, 4 or 8 bytes */
	unsigned int length;      /* of the whole instruction, prefixes included */
	/* READ: the destination register (0-15 in the order RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8..R15)
	 * WRITE: the source register, or has_imm with the immediate */
	unsigned int reg;
	bool high_byte;           /* AH/CH/DH/BH: byte register 4-7 without REX */
	bool has_imm;
	uint64_t imm;             /* sign-/zero-extended as the instruction does */
	bool zero_extend;         /* READ: MOVZX */
	bool sign_extend;         /* READ: MOVSX */
	unsigned int reg_size;    /* READ: the width of the register written: size, or wider for MOVZX/MOVSX */
};

/* Decodes bytes[0..len) (len up to 15). NULL on success, else a short reason ("unknown opcode 0f 38", "truncated", "LOCK prefix", ...). */
const char *mmio_decode(const uint8_t *bytes, unsigned int len, enum mmio_cpu_mode mode, struct mmio_op *op);

/* Applies a READ's value to a register file of 16 uint64_t (index as above), with the architectural rules: 32-bit writes zero-extend to 64, 8/16-bit writes merge, AH..BH write bits 15:8. */
void mmio_apply_read(const struct mmio_op *op, uint64_t *gprs, uint64_t value);
/* The value a WRITE stores (register part or immediate, truncated to size). */
uint64_t mmio_write_value(const struct mmio_op *op, const uint64_t *gprs);

#endif

/*
 * Lengths of the few instructions that exit without a length from the CPU
 * (SVM without NRIP save, as QEMU's TCG): legacy prefixes and, in 64-bit
 * code, a REX prefix, then the opcode that the exit reason implies.
 */
#include "svm/insn.h"
#include "core/backend.h"
#include "core/guest_mem.h"
#include "core/partition.h"

#define INSN_MAX 15

static bool is_legacy_prefix(uint8_t b)
{
	switch (b) {
	case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64: case 0x65:
	case 0x66: case 0x67: case 0xf0: case 0xf2: case 0xf3:
		return true;
	default:
		return false;
	}
}

static unsigned int opcode_length(enum exit_reason reason)
{
	switch (reason) {
	case EXIT_HLT:
		return 1;       /* f4 */
	case EXIT_HYPERCALL:
		return 3;       /* 0f 01 d9 (VMMCALL) or 0f 01 c1 (VMCALL) */
	case EXIT_XSETBV:
		return 3;       /* 0f 01 d1 */
	default:
		return 2;       /* 0f a2 (CPUID), 0f 32 (RDMSR), 0f 30 (WRMSR) */
	}
}

unsigned int insn_length(struct vcpu *v, enum exit_reason reason)
{
	struct vcpu_control_regs c;
	uint8_t bytes[INSN_MAX];
	unsigned int n = 0;

	backend->vcpu_read_control(v, &c);
	if (!gva_read(v, &c, c.cs_base + c.rip, bytes, sizeof(bytes)) &&
	    !gva_read(v, &c, c.cs_base + c.rip, bytes, opcode_length(reason)))
		return opcode_length(reason);
	while (n < INSN_MAX - 3 && is_legacy_prefix(bytes[n]))
		n++;
	if (c.cs_long && (bytes[n] & 0xf0) == 0x40)
		n++;
	return n + opcode_length(reason);
}

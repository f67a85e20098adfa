/*
 * libFuzzer target for the MMIO instruction decoder (devices/mmio_decode.c):
 * data[0] & 1 picks the mode, data[1..] is the instruction. libFuzzer hands
 * over a buffer of exactly that size, so ASan catches any overread; the
 * invariants below abort on a decode that the hypervisor could not use.
 */
#include <stdlib.h>

#include "devices/mmio_decode.h"

static bool is_access_size(unsigned int size)
{
	return size == 1 || size == 2 || size == 4 || size == 8;
}

static void check_invariants(const struct mmio_op *op, unsigned int len)
{
	if (op->length == 0 || op->length > len || op->length > MMIO_INSN_MAX)
		abort();
	if (!is_access_size(op->size) || op->reg >= 16)
		abort();
	if (op->high_byte && (op->size != 1 || op->reg >= 4))
		abort();
	if (op->has_imm && op->kind != MMIO_OP_WRITE)
		abort();
	if (op->kind == MMIO_OP_READ && (!is_access_size(op->reg_size) || op->reg_size < op->size))
		abort();
}

/* The instruction alone decodes the same: nothing after it was looked at. */
static void check_exact_length(const uint8_t *bytes, enum mmio_cpu_mode mode,
			       const struct mmio_op *op)
{
	struct mmio_op again;

	if (mmio_decode(bytes, op->length, mode, &again) || again.length != op->length ||
	    again.size != op->size || again.reg != op->reg || again.imm != op->imm)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum mmio_cpu_mode mode;
	uint64_t gprs[16] = { 0 };
	struct mmio_op op;

	if (size < 1 || size - 1 > 2 * MMIO_INSN_MAX)
		return 0;
	mode = data[0] & 1 ? MMIO_MODE_64 : MMIO_MODE_32;
	if (mmio_decode(data + 1, size - 1, mode, &op))
		return 0;
	check_invariants(&op, size - 1);
	check_exact_length(data + 1, mode, &op);
	if (op.kind == MMIO_OP_READ)
		mmio_apply_read(&op, gprs, ~0ULL);
	else
		mmio_write_value(&op, gprs);
	return 0;
}

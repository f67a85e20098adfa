/*
 * INS/OUTS (Intel SDM vol. 2): each element goes through the port devices;
 * SI (OUTS) or DI (INS) moves by the element size, backwards when RFLAGS.DF
 * is set, and with REP, CX counts down. The address size says which part
 * of those registers is used. Long REP runs are cut into batches so that
 * the exit path stays short.
 */
#include "devices/string_io.h"
#include "core/backend.h"
#include "devices/guest_io.h"
#include "core/guest_mem.h"

#define STRING_IO_BATCH 1024
#define RFLAGS_DF BIT(10)

static uint64_t addr_masked(uint64_t val, unsigned int addr_size)
{
	return addr_size == 8 ? val : val & (BIT(8 * addr_size) - 1);
}

/* A 32-bit write zero-extends into the 64-bit register; a 16-bit one does not. */
static void addr_set(uint64_t *reg, uint64_t val, unsigned int addr_size)
{
	if (addr_size == 2)
		*reg = (*reg & ~0xffffUL) | (val & 0xffff);
	else
		*reg = addr_masked(val, addr_size);
}

static bool move_element(struct vcpu *v, const struct vcpu_control_regs *c,
			 const struct exit_io *io, uint64_t addr)
{
	uint32_t val = 0;

	if (io->in) {
		val = guest_io_in(v, io->port, io->size);
		return gva_write(v, c, addr, &val, io->size);
	}
	if (!gva_read(v, c, addr, &val, io->size))
		return false;
	guest_io_out(v, io->port, io->size, val);
	return true;
}

enum string_io_result string_io(struct vcpu *v, const struct exit_io *io)
{
	struct vcpu_control_regs c;
	uint64_t *index = io->in ? &v->regs.rdi : &v->regs.rsi;
	uint64_t count = io->rep ? addr_masked(v->regs.rcx, io->addr_size) : 1;

	backend->vcpu_read_control(v, &c);
	uint64_t step = (c.rflags & RFLAGS_DF) ? -(uint64_t)io->size : io->size;
	for (uint64_t n = 0; n < count && n < STRING_IO_BATCH; n++) {
		uint64_t addr = io->seg_base + addr_masked(*index, io->addr_size);
		if (!move_element(v, &c, io, addr))
			return STRING_IO_FAULT;
		addr_set(index, *index + step, io->addr_size);
		if (io->rep)
			addr_set(&v->regs.rcx, v->regs.rcx - 1, io->addr_size);
		if (v->state != VCPU_RUNNING)
			return STRING_IO_DONE;
	}
	return io->rep && addr_masked(v->regs.rcx, io->addr_size) ? STRING_IO_MORE : STRING_IO_DONE;
}

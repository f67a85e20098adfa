/* Dword-register MMIO devices in the exit path: decode at RIP, apply, advance. */
#include "devices/guest_mmio.h"
#include "core/backend.h"
#include "core/crash.h"
#include "lib/fmt.h"
#include "core/guest_mem.h"
#include "devices/mmio_decode.h"

/* The registers in the decoder's order: RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8-R15. */
static uint64_t *decoder_gpr(struct guest_regs *r, unsigned int n)
{
	uint64_t *order[16] = { &r->rax, &r->rcx, &r->rdx, &r->rbx, NULL, &r->rbp, &r->rsi,
				&r->rdi, &r->r8, &r->r9, &r->r10, &r->r11, &r->r12, &r->r13,
				&r->r14, &r->r15 };

	return order[n & 15];
}

static void gprs_out(struct guest_regs *r, uint64_t *gprs)
{
	for (unsigned int i = 0; i < 16; i++)
		gprs[i] = decoder_gpr(r, i) ? *decoder_gpr(r, i) : 0;
}

static void gprs_in(struct guest_regs *r, const uint64_t *gprs)
{
	for (unsigned int i = 0; i < 16; i++)
		if (decoder_gpr(r, i))
			*decoder_gpr(r, i) = gprs[i];
}

static void crash_with_bytes(struct vcpu *v, const struct exit_event *e, const char *device,
			     const char *why, const uint8_t *bytes, unsigned int n)
{
	char msg[120];
	int len = fmt_snprintf(msg, sizeof(msg), "%s access by an instruction it cannot decode (%s):",
			       device, why);

	for (unsigned int i = 0; i < n && len < (int)sizeof(msg) - 4; i++)
		len += fmt_snprintf(msg + len, sizeof(msg) - len, " %02x", bytes[i]);
	crash_guest(v, e, msg);
}

/* Fetches and decodes the instruction at RIP; false (the guest crashed) if it cannot. */
static bool decode_at_rip(struct vcpu *v, const struct exit_event *e, const char *device,
			  struct mmio_op *op)
{
	struct vcpu_control_regs c;
	uint8_t bytes[MMIO_INSN_MAX] = { 0 };
	unsigned int n = MMIO_INSN_MAX;
	const char *why;

	backend->vcpu_read_control(v, &c);
	while (n && !gva_read(v, &c, c.cs_base + c.rip, bytes, n))
		n--;
	if (!c.cs_long && !c.cs_db)
		why = "16-bit code";
	else
		why = mmio_decode(bytes, n, c.cs_long ? MMIO_MODE_64 : MMIO_MODE_32, op);
	if (!why && op->reg == 4 && !op->has_imm)
		why = "RSP as the register operand";
	if (why)
		crash_with_bytes(v, e, device, why, bytes, n);
	return !why;
}

/* APIC registers are 32 bits wide at 16-byte strides (SDM 11.4.1); other accesses are ignored. */
void guest_mmio_dword(struct vcpu *v, const struct exit_event *e, uint32_t offset,
		      const struct mmio_dword_device *d)
{
	uint64_t gprs[16];
	struct mmio_op op;

	if (!decode_at_rip(v, e, d->name, &op))
		return;
	gprs_out(&v->regs, gprs);
	if (op.kind == MMIO_OP_READ) {
		mmio_apply_read(&op, gprs, op.size == 4 ? d->read(d->dev, offset) : 0);
		gprs_in(&v->regs, gprs);
	} else if (op.size == 4) {
		d->write(d->dev, offset, (uint32_t)mmio_write_value(&op, gprs));
	}
	backend->vcpu_advance_rip(v, op.length);
}

void guest_mmio_open_bus(struct vcpu *v, const struct exit_event *e, const char *what)
{
	uint64_t gprs[16];
	struct mmio_op op;

	if (!decode_at_rip(v, e, what, &op))
		return;
	if (op.kind == MMIO_OP_READ) {
		gprs_out(&v->regs, gprs);
		mmio_apply_read(&op, gprs, ~0ULL);
		gprs_in(&v->regs, gprs);
	}
	backend->vcpu_advance_rip(v, op.length);
}

/*
 * Lengths of the few instructions that exit without a length from the CPU
 * (SVM without NRIP save, as QEMU's TCG): legacy prefixes and, in 64-bit
 * code, a REX prefix, then the opcode that the exit reason implies. And
 * the decode of the CR0/CR4 writes SVM intercepts, which the CPU describes
 * only with decode assists, and then only MOV's register (cr_access.c).
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
	case EXIT_DR_ACCESS:
		return 3;       /* 0f 21 /r or 0f 23 /r: the ModRM is always a register */
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

/* The instruction bytes at the guest's RIP: as many of INSN_MAX as are mapped. */
static unsigned int fetch(struct vcpu *v, const struct vcpu_control_regs *c, uint8_t *bytes)
{
	uint64_t rip = c->cs_base + c->rip;
	unsigned int first = MIN(INSN_MAX, PAGE_SIZE - (rip & (PAGE_SIZE - 1)));

	if (!gva_read(v, c, rip, bytes, first))
		return 0;
	if (first < INSN_MAX && gva_read(v, c, rip + first, bytes + first, INSN_MAX - first))
		return INSN_MAX;
	return first;
}

struct decoder {
	uint8_t b[INSN_MAX];
	unsigned int size, n; /* bytes fetched, bytes decoded */
	bool bad;             /* ran past the bytes fetched */
	bool long64;          /* 64-bit code */
	bool addr_override;   /* a 67h prefix */
	uint8_t rex;
	int seg;              /* a segment override prefix (SEG_*), or -1 */
};

#define REX_B(d) ((d)->rex & 1)
#define REX_X(d) (((d)->rex >> 1) & 1)
#define REX_R(d) (((d)->rex >> 2) & 1)

/* The next `bytes` bytes, little-endian, sign-extended (displacements are signed). */
static uint64_t take(struct decoder *d, unsigned int bytes)
{
	uint64_t val = 0;
	unsigned int shift = 64 - 8 * bytes;

	if (d->n + bytes > d->size) {
		d->bad = true;
		return 0;
	}
	for (unsigned int i = 0; i < bytes; i++)
		val |= (uint64_t)d->b[d->n + i] << (8 * i);
	d->n += bytes;
	return (uint64_t)((int64_t)(val << shift) >> shift);
}

/* Legacy prefixes, then a REX in 64-bit code (one before a legacy prefix counts for nothing). */
static void read_prefixes(struct decoder *d)
{
	static const uint8_t seg_prefix[] = { 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65 };

	while (d->n < d->size) {
		uint8_t b = d->b[d->n];

		if (d->long64 && (b & 0xf0) == 0x40) {
			d->rex = b;
			d->n++;
			continue;
		}
		if (!is_legacy_prefix(b))
			return;
		for (unsigned int s = 0; s < ARRAY_SIZE(seg_prefix); s++)
			if (b == seg_prefix[s])
				d->seg = (int)s;
		d->addr_override |= b == 0x67;
		d->rex = 0;
		d->n++;
	}
}

/* 16-bit addressing (SDM vol. 2, table 2-1): [BX+SI] ... [BX], BP-based in SS. */
static uint64_t ea16(struct decoder *d, uint8_t modrm, const uint64_t *g, unsigned int *seg)
{
	enum { BX = 3, BP = 5, SI = 6, DI = 7, NONE = -1 };
	static const int8_t base[8] = { BX, BX, BP, BP, SI, DI, BP, BX };
	static const int8_t index[8] = { SI, DI, SI, DI, NONE, NONE, NONE, NONE };
	unsigned int mod = modrm >> 6, rm = modrm & 7;
	uint64_t ea;

	if (mod == 0 && rm == 6)
		return take(d, 2);
	ea = g[base[rm]] + (index[rm] != NONE ? g[index[rm]] : 0);
	if (base[rm] == BP)
		*seg = SEG_SS;
	return ea + (mod == 1 ? take(d, 1) : mod == 2 ? take(d, 2) : 0);
}

/*
 * 32- and 64-bit addressing (SDM vol. 2, tables 2-2, 2-3 and 2-7): a base,
 * or a SIB; disp32 alone, RIP-relative in 64-bit code; RSP/RBP-based in SS.
 */
static uint64_t ea32(struct decoder *d, uint8_t modrm, const uint64_t *g, unsigned int *seg,
		     bool *rip_relative)
{
	unsigned int mod = modrm >> 6, rm = modrm & 7, base = rm | REX_B(d) << 3;
	uint64_t ea = 0;

	if (rm == 4) {
		uint8_t sib = (uint8_t)take(d, 1);
		unsigned int index = ((sib >> 3) & 7) | REX_X(d) << 3;

		base = (sib & 7) | REX_B(d) << 3;
		if (index != 4)
			ea = g[index] << (sib >> 6);
		if ((sib & 7) == 5 && mod == 0)
			return ea + take(d, 4);
	} else if (rm == 5 && mod == 0) {
		*rip_relative = d->long64;
		return take(d, 4);
	}
	if ((base & 7) == 4 || (base & 7) == 5)
		*seg = SEG_SS;
	return ea + g[base] + (mod == 1 ? take(d, 1) : mod == 2 ? take(d, 4) : 0);
}

static unsigned int address_size(const struct decoder *d, const struct vcpu_control_regs *c)
{
	if (d->long64)
		return d->addr_override ? 4 : 8;
	return c->cs_db != d->addr_override ? 4 : 2;
}

/* LMSW's source: a register, or a word at its ModRM's effective address. */
static void decode_lmsw_operand(struct decoder *d, const struct vcpu_control_regs *c,
				const uint64_t *g, uint8_t modrm, struct cr_insn *out)
{
	unsigned int size = address_size(d, c);
	bool rip_relative = false;
	uint64_t ea;

	if (modrm >> 6 == 3) {
		out->gpr = (modrm & 7) | REX_B(d) << 3;
		return;
	}
	out->mem = true;
	ea = size == 2 ? ea16(d, modrm, g, &out->seg) : ea32(d, modrm, g, &out->seg, &rip_relative);
	if (rip_relative)
		ea += c->rip + d->n; /* the end of the instruction: nothing follows the displacement */
	out->offset = size == 8 ? ea : size == 4 ? (uint32_t)ea : (uint16_t)ea;
	if (d->seg >= 0)
		out->seg = (unsigned int)d->seg;
}

/* The decoder at the guest's RIP, past its prefixes and 0F: the second opcode byte, or -1. */
static int two_byte_opcode(struct vcpu *v, struct vcpu_control_regs *c, struct decoder *d)
{
	backend->vcpu_read_control(v, c);
	*d = (struct decoder){ .seg = -1, .long64 = c->cs_long && (c->efer & EFER_LMA) };
	d->size = fetch(v, c, d->b);
	read_prefixes(d);
	if ((uint8_t)take(d, 1) != 0x0f)
		return -1;
	return (uint8_t)take(d, 1);
}

bool insn_decode_mov_dr(struct vcpu *v, uint8_t *gpr)
{
	struct vcpu_control_regs c;
	struct decoder d;
	int opcode = two_byte_opcode(v, &c, &d);
	uint8_t modrm = (uint8_t)take(&d, 1); /* its mod is ignored: always a register */

	*gpr = (modrm & 7) | REX_B(&d) << 3;
	return !d.bad && (opcode == 0x21 || opcode == 0x23);
}

bool insn_decode_cr_write(struct vcpu *v, const uint64_t gprs[16], struct cr_insn *out)
{
	struct vcpu_control_regs c;
	struct decoder d;
	int opcode = two_byte_opcode(v, &c, &d);
	uint8_t modrm;

	*out = (struct cr_insn){ .seg = SEG_DS };
	if (opcode == 0x06) {
		out->kind = CR_INSN_CLTS;
	} else if (opcode == 0x22) { /* the ModRM's mod is ignored: always a register */
		modrm = (uint8_t)take(&d, 1);
		out->kind = CR_INSN_MOV;
		out->cr = ((modrm >> 3) & 7) | REX_R(&d) << 3;
		out->gpr = (modrm & 7) | REX_B(&d) << 3;
	} else if (opcode == 0x01 && d.n < d.size && ((d.b[d.n] >> 3) & 7) == 6) {
		modrm = (uint8_t)take(&d, 1);
		out->kind = CR_INSN_LMSW;
		decode_lmsw_operand(&d, &c, gprs, modrm, out);
	} else {
		return false;
	}
	out->length = d.n;
	return !d.bad;
}

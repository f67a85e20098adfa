/*
 * Decoding of the MOV that faulted on an emulated MMIO page: pure logic.
 * The references are to the Intel SDM vol. 2: chapter 2 (instruction
 * format) and the MOV, MOVZX and MOVSX pages of chapter 4.
 */
#include "devices/mmio_decode.h"

struct decoder {
	const uint8_t *bytes;
	unsigned int len;       /* of bytes, at most MMIO_INSN_MAX */
	unsigned int pos;
	enum mmio_cpu_mode mode;
	bool opsize_prefix;     /* 66 */
	bool addrsize_prefix;   /* 67 */
	uint8_t rex;            /* 0 when there is none */
};

#define REX_W 0x8
#define REX_R 0x4

/* ModRM and SIB fields (vol. 2, 2.1.5). */
#define MODRM_MOD(m) ((m) >> 6)
#define MODRM_REG(m) (((m) >> 3) & 7)
#define MODRM_RM(m)  ((m) & 7)
#define SIB_BASE(s)  ((s) & 7)

/* Instructions are at most 15 bytes (vol. 2, 2.3.11); a longer one raises #GP. */
static const char *need(const struct decoder *d, unsigned int n)
{
	if (d->pos + n <= d->len)
		return NULL;
	return d->pos + n > MMIO_INSN_MAX ? "longer than 15 bytes" : "truncated";
}

static const char *fetch_byte(struct decoder *d, uint8_t *b)
{
	const char *err = need(d, 1);

	if (!err)
		*b = d->bytes[d->pos++];
	return err;
}

static const char *skip(struct decoder *d, unsigned int n)
{
	const char *err = need(d, n);

	if (!err)
		d->pos += n;
	return err;
}

/* A little-endian immediate or offset of n bytes, zero-extended. */
static const char *fetch_le(struct decoder *d, unsigned int n, uint64_t *v)
{
	const char *err = need(d, n);

	if (err)
		return err;
	*v = 0;
	for (unsigned int i = 0; i < n; i++)
		*v |= (uint64_t)d->bytes[d->pos + i] << (8 * i);
	d->pos += n;
	return NULL;
}

static uint64_t sign_extend_from(uint64_t v, unsigned int size)
{
	unsigned int shift = 64 - 8 * size;

	return (uint64_t)((int64_t)(v << shift) >> shift);
}

static uint64_t low_bytes(uint64_t v, unsigned int size)
{
	return size == 8 ? v : v & ((1ULL << (8 * size)) - 1);
}

/* The legacy prefixes that matter here or are ignored: 66, 67 and segments. */
static bool is_legacy_prefix(uint8_t b)
{
	switch (b) {
	case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64: case 0x65:
	case 0x66: case 0x67:
		return true;
	default:
		return false;
	}
}

/* In 32-bit mode 40-4F are INC/DEC, left to the opcode decode to refuse. */
static bool is_rex(const struct decoder *d, uint8_t b)
{
	return d->mode == MMIO_MODE_64 && (b & 0xf0) == 0x40;
}

/*
 * Legacy prefixes in any order, then a REX, which counts only right before
 * the opcode: a legacy prefix after it makes it ignored (vol. 2, 2.2.1).
 */
static const char *decode_prefixes(struct decoder *d)
{
	const char *err;
	uint8_t b;

	for (;; d->pos++) {
		if ((err = need(d, 1)))
			return err;
		b = d->bytes[d->pos];
		if (b == 0xf0)
			return "LOCK prefix";
		if (b == 0xf2 || b == 0xf3)
			return "REP prefix";
		if (is_rex(d, b)) {
			d->rex = b;
			continue;
		}
		if (!is_legacy_prefix(b))
			return NULL;
		d->rex = 0;
		d->opsize_prefix |= b == 0x66;
		d->addrsize_prefix |= b == 0x67;
	}
}

/* REX.W wins over 66 (vol. 2, 2.2.1.2). */
static unsigned int operand_size(const struct decoder *d)
{
	if (d->rex & REX_W)
		return 8;
	return d->opsize_prefix ? 2 : 4;
}

/* The size of an address or moffs: 32 or 64 bits by mode, 67 picks the other. */
static unsigned int address_size(const struct decoder *d)
{
	if (d->mode == MMIO_MODE_64)
		return d->addrsize_prefix ? 4 : 8;
	return d->addrsize_prefix ? 2 : 4;
}

/* 16-bit addressing (vol. 2, table 2-1): no SIB; mod 0 with r/m 110 is a bare disp16. */
static unsigned int disp_size_16(uint8_t modrm)
{
	if (MODRM_MOD(modrm) == 1)
		return 1;
	if (MODRM_MOD(modrm) == 2 || MODRM_RM(modrm) == 6)
		return 2;
	return 0;
}

/*
 * 32/64-bit addressing (vol. 2, tables 2-2 and 2-3): r/m 100 brings a SIB;
 * mod 0 with r/m 101 is a disp32 (RIP-relative in 64-bit mode, 2.2.1.6),
 * and so is a SIB base of 101 with mod 0. REX.B takes no part in these
 * special cases (table 2-5), so the raw fields are tested.
 */
static const char *skip_address_32(struct decoder *d, uint8_t modrm)
{
	const char *err;
	uint8_t sib = 0;

	if (MODRM_RM(modrm) == 4 && (err = fetch_byte(d, &sib)))
		return err;
	if (MODRM_MOD(modrm) == 1)
		return skip(d, 1);
	if (MODRM_MOD(modrm) == 2 || MODRM_RM(modrm) == 5 ||
	    (MODRM_RM(modrm) == 4 && SIB_BASE(sib) == 5))
		return skip(d, 4);
	return NULL;
}

/* Reads ModRM and steps over the memory operand's SIB and displacement. */
static const char *decode_modrm(struct decoder *d, uint8_t *modrm)
{
	const char *err = fetch_byte(d, modrm);

	if (err)
		return err;
	if (MODRM_MOD(*modrm) == 3)
		return "register operand, not a memory access";
	if (address_size(d) == 2)
		return skip(d, disp_size_16(*modrm));
	return skip_address_32(d, *modrm);
}

/*
 * Sets the register operand. Without REX, byte registers 4-7 are AH, CH,
 * DH, BH; with any REX they are SPL, BPL, SIL, DIL (vol. 2, 2.2.1.2).
 */
static void set_reg(const struct decoder *d, struct mmio_op *op, unsigned int reg,
		    unsigned int reg_size)
{
	op->reg = reg;
	op->reg_size = reg_size;
	if (reg_size == 1 && !d->rex && reg >= 4) {
		op->reg = reg - 4;
		op->high_byte = true;
	}
}

static unsigned int modrm_reg(const struct decoder *d, uint8_t modrm)
{
	return MODRM_REG(modrm) | (d->rex & REX_R ? 8 : 0);
}

/*
 * 88, 89, 8A, 8B (the MOV page): the w bit (bit 0) clear is a byte operand,
 * the d bit (bit 1) set loads the register (vol. 2, B.1.4).
 */
static const char *decode_mov_modrm(struct decoder *d, uint8_t opcode, struct mmio_op *op)
{
	const char *err;
	uint8_t modrm;

	if ((err = decode_modrm(d, &modrm)))
		return err;
	op->kind = opcode & 2 ? MMIO_OP_READ : MMIO_OP_WRITE;
	op->size = opcode & 1 ? operand_size(d) : 1;
	set_reg(d, op, modrm_reg(d, modrm), op->size);
	return NULL;
}

/*
 * C6 /0 ib and C7 /0 iw/id: the reg field picks the group member and only /0
 * is MOV. The immediate follows the displacement; with a 64-bit operand it
 * stays 32 bits, sign-extended (vol. 2, 2.2.1.5).
 */
static const char *decode_mov_imm(struct decoder *d, uint8_t opcode, struct mmio_op *op)
{
	const char *err;
	uint8_t modrm;

	if ((err = decode_modrm(d, &modrm)))
		return err;
	if (MODRM_REG(modrm) != 0)
		return "c6/c7 with a reg field other than /0";
	op->kind = MMIO_OP_WRITE;
	op->size = opcode & 1 ? operand_size(d) : 1;
	op->has_imm = true;
	if ((err = fetch_le(d, MIN(op->size, 4u), &op->imm)))
		return err;
	if (op->size == 8)
		op->imm = sign_extend_from(op->imm, 4);
	return NULL;
}

/*
 * A0-A3: AL/rAX and a moffs as wide as the address size, 64 bits by default
 * in 64-bit mode (vol. 2, 2.2.1.4). A0/A1 load, A2/A3 store.
 */
static const char *decode_mov_moffs(struct decoder *d, uint8_t opcode, struct mmio_op *op)
{
	const char *err = skip(d, address_size(d));

	if (err)
		return err;
	op->kind = opcode & 2 ? MMIO_OP_WRITE : MMIO_OP_READ;
	op->size = opcode & 1 ? operand_size(d) : 1;
	set_reg(d, op, 0, op->size);
	return NULL;
}

/*
 * 0F B6/B7 (MOVZX) and 0F BE/BF (MOVSX): bit 0 set is a word source; the
 * register is as wide as the operand size.
 */
static const char *decode_movx(struct decoder *d, uint8_t opcode, struct mmio_op *op)
{
	const char *err;
	uint8_t modrm;

	if ((err = decode_modrm(d, &modrm)))
		return err;
	op->kind = MMIO_OP_READ;
	op->size = opcode & 1 ? 2 : 1;
	op->zero_extend = opcode < 0xbe;
	op->sign_extend = !op->zero_extend;
	set_reg(d, op, modrm_reg(d, modrm), operand_size(d));
	return NULL;
}

static const char *decode_two_byte(struct decoder *d, struct mmio_op *op)
{
	const char *err;
	uint8_t opcode;

	if ((err = fetch_byte(d, &opcode)))
		return err;
	switch (opcode) {
	case 0xb6: case 0xb7: case 0xbe: case 0xbf:
		return decode_movx(d, opcode, op);
	default:
		return "unknown opcode 0f xx";
	}
}

static const char *decode_opcode(struct decoder *d, struct mmio_op *op)
{
	const char *err;
	uint8_t opcode;

	if ((err = fetch_byte(d, &opcode)))
		return err;
	switch (opcode) {
	case 0x88: case 0x89: case 0x8a: case 0x8b:
		return decode_mov_modrm(d, opcode, op);
	case 0xa0: case 0xa1: case 0xa2: case 0xa3:
		return decode_mov_moffs(d, opcode, op);
	case 0xc6: case 0xc7:
		return decode_mov_imm(d, opcode, op);
	case 0x0f:
		return decode_two_byte(d, op);
	default:
		return "unknown opcode";
	}
}

const char *mmio_decode(const uint8_t *bytes, unsigned int len, enum mmio_cpu_mode mode,
			struct mmio_op *op)
{
	struct decoder d = { .bytes = bytes, .len = MIN(len, MMIO_INSN_MAX),
			     .mode = mode };
	const char *err;

	*op = (struct mmio_op){ 0 };
	if ((err = decode_prefixes(&d)) || (err = decode_opcode(&d, op)))
		return err;
	op->length = d.pos;
	return NULL;
}

/*
 * MOVSX extends to the register's width. A 32-bit result zero-extends into
 * the 64-bit register; an 8- or 16-bit one leaves the rest of it alone
 * (vol. 1, 3.4.1.1), AH..BH being bits 15:8.
 */
void mmio_apply_read(const struct mmio_op *op, uint64_t *gprs, uint64_t value)
{
	uint64_t v = low_bytes(value, op->size);
	uint64_t *r = &gprs[op->reg];

	if (op->sign_extend)
		v = low_bytes(sign_extend_from(v, op->size), op->reg_size);
	if (op->high_byte)
		*r = (*r & ~0xff00ULL) | v << 8;
	else if (op->reg_size >= 4)
		*r = v;
	else
		*r = (*r & ~low_bytes(~0ULL, op->reg_size)) | v;
}

uint64_t mmio_write_value(const struct mmio_op *op, const uint64_t *gprs)
{
	if (op->has_imm)
		return low_bytes(op->imm, op->size);
	if (op->high_byte)
		return (gprs[op->reg] >> 8) & 0xff;
	return low_bytes(gprs[op->reg], op->size);
}

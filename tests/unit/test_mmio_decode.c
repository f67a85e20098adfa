/* Host unit tests of the MMIO instruction decoder (devices/mmio_decode.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "devices/mmio_decode.h"

#define M32 MMIO_MODE_32
#define M64 MMIO_MODE_64
#define R   MMIO_OP_READ
#define W   MMIO_OP_WRITE

/* An encoding (from objdump -d of the instruction in `what`) and its decode. */
struct decode_case {
	const char *what;
	enum mmio_cpu_mode mode;
	uint8_t bytes[MMIO_INSN_MAX];
	struct mmio_op expect; /* expect.length is also the number of bytes */
};

static const struct decode_case valid[] = {
	/* 64-bit mode */
	{ "movabs %eax,0xfee000b0", M64, { 0xa3, 0xb0, 0x00, 0xe0, 0xfe, 0, 0, 0, 0 },
	  { .kind = W, .size = 4, .length = 9, .reg = 0 } },
	{ "mov 0x20(%rdx),%eax", M64, { 0x8b, 0x42, 0x20 },
	  { .kind = R, .size = 4, .length = 3, .reg = 0, .reg_size = 4 } },
	{ "movl $0x0,0xb0(%rax)", M64, { 0xc7, 0x80, 0xb0, 0, 0, 0, 0, 0, 0, 0 },
	  { .kind = W, .size = 4, .length = 10, .has_imm = true, .imm = 0 } },
	{ "mov %r9d,(%r10,%rcx,4)", M64, { 0x45, 0x89, 0x0c, 0x8a },
	  { .kind = W, .size = 4, .length = 4, .reg = 9 } },
	{ "movzbl (%rax),%ecx", M64, { 0x0f, 0xb6, 0x08 },
	  { .kind = R, .size = 1, .length = 3, .reg = 1, .reg_size = 4, .zero_extend = true } },
	{ "mov %ah,(%rbx)", M64, { 0x88, 0x23 },
	  { .kind = W, .size = 1, .length = 2, .reg = 0, .high_byte = true } },
	{ "movabs 0xfee00020,%eax", M64, { 0xa1, 0x20, 0x00, 0xe0, 0xfe, 0, 0, 0, 0 },
	  { .kind = R, .size = 4, .length = 9, .reg = 0, .reg_size = 4 } },
	{ "addr32 mov 0xfee00020,%eax", M64, { 0x67, 0xa1, 0x20, 0x00, 0xe0, 0xfe },
	  { .kind = R, .size = 4, .length = 6, .reg = 0, .reg_size = 4 } },
	{ "movabs %rax,0xfee00300", M64, { 0x48, 0xa3, 0x00, 0x03, 0xe0, 0xfe, 0, 0, 0, 0 },
	  { .kind = W, .size = 8, .length = 10, .reg = 0 } },
	{ "movabs %al,0xfee00300", M64, { 0xa2, 0x00, 0x03, 0xe0, 0xfe, 0, 0, 0, 0 },
	  { .kind = W, .size = 1, .length = 9, .reg = 0 } },
	{ "data16 movabs 0x807060504030201,%rax (REX.W wins over 66)", M64,
	  { 0x66, 0x48, 0xa1, 1, 2, 3, 4, 5, 6, 7, 8 },
	  { .kind = R, .size = 8, .length = 11, .reg = 0, .reg_size = 8 } },
	{ "mov %rax,0x10(%rip)", M64, { 0x48, 0x89, 0x05, 0x10, 0, 0, 0 },
	  { .kind = W, .size = 8, .length = 7, .reg = 0 } },
	{ "mov 0x10(%rip),%r12", M64, { 0x4c, 0x8b, 0x25, 0x10, 0, 0, 0 },
	  { .kind = R, .size = 8, .length = 7, .reg = 12, .reg_size = 8 } },
	{ "movl $0xfee00000,0x80(%rip)", M64, { 0xc7, 0x05, 0x80, 0, 0, 0, 0x00, 0x00, 0xe0, 0xfe },
	  { .kind = W, .size = 4, .length = 10, .has_imm = true, .imm = 0xfee00000 } },
	{ "movq $0xffffffffffffffff,0x300(%rdi)", M64,
	  { 0x48, 0xc7, 0x87, 0x00, 0x03, 0, 0, 0xff, 0xff, 0xff, 0xff },
	  { .kind = W, .size = 8, .length = 11, .has_imm = true, .imm = ~0ULL } },
	{ "movq $0xfffffffffee00000,(%rax)", M64, { 0x48, 0xc7, 0x00, 0x00, 0x00, 0xe0, 0xfe },
	  { .kind = W, .size = 8, .length = 7, .has_imm = true, .imm = 0xfffffffffee00000ULL } },
	{ "movw $0x1234,(%rax)", M64, { 0x66, 0xc7, 0x00, 0x34, 0x12 },
	  { .kind = W, .size = 2, .length = 5, .has_imm = true, .imm = 0x1234 } },
	{ "movb $0x80,0x10(%rdx)", M64, { 0xc6, 0x42, 0x10, 0x80 },
	  { .kind = W, .size = 1, .length = 4, .has_imm = true, .imm = 0x80 } },
	{ "mov %ax,(%rcx)", M64, { 0x66, 0x89, 0x01 },
	  { .kind = W, .size = 2, .length = 3, .reg = 0 } },
	{ "rex.W data16 mov %ax,(%rax) (a REX before 66 is ignored)", M64, { 0x48, 0x66, 0x89, 0x00 },
	  { .kind = W, .size = 2, .length = 4, .reg = 0 } },
	{ "data16 mov %rax,(%rax)", M64, { 0x66, 0x48, 0x89, 0x00 },
	  { .kind = W, .size = 8, .length = 4, .reg = 0 } },
	{ "mov (%rsi),%sil", M64, { 0x40, 0x8a, 0x36 },
	  { .kind = R, .size = 1, .length = 3, .reg = 6, .reg_size = 1 } },
	{ "mov (%rsi),%dh", M64, { 0x8a, 0x36 },
	  { .kind = R, .size = 1, .length = 2, .reg = 2, .reg_size = 1, .high_byte = true } },
	{ "mov 0x20(%r13),%r13b", M64, { 0x45, 0x8a, 0x6d, 0x20 },
	  { .kind = R, .size = 1, .length = 4, .reg = 13, .reg_size = 1 } },
	{ "mov 0x10(%rsp,%rax,2),%al", M64, { 0x8a, 0x44, 0x44, 0x10 },
	  { .kind = R, .size = 1, .length = 4, .reg = 0, .reg_size = 1 } },
	{ "mov %al,(%r12)", M64, { 0x41, 0x88, 0x04, 0x24 },
	  { .kind = W, .size = 1, .length = 4, .reg = 0 } },
	{ "rex mov %al,(%rax)", M64, { 0x40, 0x88, 0x00 },
	  { .kind = W, .size = 1, .length = 3, .reg = 0 } },
	{ "movzwl 0x4(%rax),%r8d", M64, { 0x44, 0x0f, 0xb7, 0x40, 0x04 },
	  { .kind = R, .size = 2, .length = 5, .reg = 8, .reg_size = 4, .zero_extend = true } },
	{ "movzbq (%rax),%rax", M64, { 0x48, 0x0f, 0xb6, 0x00 },
	  { .kind = R, .size = 1, .length = 4, .reg = 0, .reg_size = 8, .zero_extend = true } },
	{ "movsbl (%rax),%eax", M64, { 0x0f, 0xbe, 0x00 },
	  { .kind = R, .size = 1, .length = 3, .reg = 0, .reg_size = 4, .sign_extend = true } },
	{ "movswq 0x2(%rbx),%rdx", M64, { 0x48, 0x0f, 0xbf, 0x53, 0x02 },
	  { .kind = R, .size = 2, .length = 5, .reg = 2, .reg_size = 8, .sign_extend = true } },
	{ "movsbw (%rax),%ax", M64, { 0x66, 0x0f, 0xbe, 0x00 },
	  { .kind = R, .size = 1, .length = 4, .reg = 0, .reg_size = 2, .sign_extend = true } },
	{ "mov %eax,(%rsp)", M64, { 0x89, 0x04, 0x24 },
	  { .kind = W, .size = 4, .length = 3, .reg = 0 } },
	{ "mov %eax,0x0(%rbp)", M64, { 0x89, 0x45, 0x00 },
	  { .kind = W, .size = 4, .length = 3, .reg = 0 } },
	{ "mov %eax,0x0(%r13)", M64, { 0x41, 0x89, 0x45, 0x00 },
	  { .kind = W, .size = 4, .length = 4, .reg = 0 } },
	{ "mov %eax,(%r12)", M64, { 0x41, 0x89, 0x04, 0x24 },
	  { .kind = W, .size = 4, .length = 4, .reg = 0 } },
	{ "mov 0x10(%rsp),%eax", M64, { 0x8b, 0x44, 0x24, 0x10 },
	  { .kind = R, .size = 4, .length = 4, .reg = 0, .reg_size = 4 } },
	{ "mov %eax,-0x1200000(%rbp)", M64, { 0x89, 0x85, 0x00, 0x00, 0xe0, 0xfe },
	  { .kind = W, .size = 4, .length = 6, .reg = 0 } },
	{ "mov -0x11ff50(,%rax,1),%eax", M64, { 0x8b, 0x04, 0x05, 0xb0, 0x00, 0xee, 0xff },
	  { .kind = R, .size = 4, .length = 7, .reg = 0, .reg_size = 4 } },
	{ "mov 0x7ee00020,%ecx", M64, { 0x8b, 0x0c, 0x25, 0x20, 0x00, 0xe0, 0x7e },
	  { .kind = R, .size = 4, .length = 7, .reg = 1, .reg_size = 4 } },
	{ "mov 0x7ee00020(,%r13,8),%ecx", M64, { 0x42, 0x8b, 0x0c, 0xed, 0x20, 0x00, 0xe0, 0x7e },
	  { .kind = R, .size = 4, .length = 8, .reg = 1, .reg_size = 4 } },
	{ "mov %r15,0x12345678(%r8,%r9,8)", M64,
	  { 0x4f, 0x89, 0xbc, 0xc8, 0x78, 0x56, 0x34, 0x12 },
	  { .kind = W, .size = 8, .length = 8, .reg = 15 } },
	{ "mov %eax,%fs:0x8(%rax)", M64, { 0x64, 0x89, 0x40, 0x08 },
	  { .kind = W, .size = 4, .length = 4, .reg = 0 } },
	{ "cs ds es ss mov %eax,%gs:(%rax)", M64, { 0x2e, 0x3e, 0x26, 0x36, 0x65, 0x89, 0x00 },
	  { .kind = W, .size = 4, .length = 7, .reg = 0 } },
	{ "mov (%eax),%eax", M64, { 0x67, 0x8b, 0x00 },
	  { .kind = R, .size = 4, .length = 3, .reg = 0, .reg_size = 4 } },
	{ "13 redundant 66 prefixes: mov %ax,(%rax) of exactly 15 bytes", M64,
	  { 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x89, 0x00 },
	  { .kind = W, .size = 2, .length = 15, .reg = 0 } },

	/* 32-bit mode */
	{ "mov %eax,0xfee000b0", M32, { 0xa3, 0xb0, 0x00, 0xe0, 0xfe },
	  { .kind = W, .size = 4, .length = 5, .reg = 0 } },
	{ "mov 0xfee00020,%eax", M32, { 0xa1, 0x20, 0x00, 0xe0, 0xfe },
	  { .kind = R, .size = 4, .length = 5, .reg = 0, .reg_size = 4 } },
	{ "mov 0x20(%edx),%eax", M32, { 0x8b, 0x42, 0x20 },
	  { .kind = R, .size = 4, .length = 3, .reg = 0, .reg_size = 4 } },
	{ "mov 0xfee00020,%ecx", M32, { 0x8b, 0x0d, 0x20, 0x00, 0xe0, 0xfe },
	  { .kind = R, .size = 4, .length = 6, .reg = 1, .reg_size = 4 } },
	{ "movl $0x0,0xb0(%eax)", M32, { 0xc7, 0x80, 0xb0, 0, 0, 0, 0, 0, 0, 0 },
	  { .kind = W, .size = 4, .length = 10, .has_imm = true, .imm = 0 } },
	{ "movw $0x1234,0x20(%eax)", M32, { 0x66, 0xc7, 0x40, 0x20, 0x34, 0x12 },
	  { .kind = W, .size = 2, .length = 6, .has_imm = true, .imm = 0x1234 } },
	{ "movb $0xff,0xfee00020", M32, { 0xc6, 0x05, 0x20, 0x00, 0xe0, 0xfe, 0xff },
	  { .kind = W, .size = 1, .length = 7, .has_imm = true, .imm = 0xff } },
	{ "mov %ecx,(%esi,%ecx,4)", M32, { 0x89, 0x0c, 0x8e },
	  { .kind = W, .size = 4, .length = 3, .reg = 1 } },
	{ "mov %ax,(%ecx)", M32, { 0x66, 0x89, 0x01 },
	  { .kind = W, .size = 2, .length = 3, .reg = 0 } },
	{ "mov %ah,(%ebx)", M32, { 0x88, 0x23 },
	  { .kind = W, .size = 1, .length = 2, .reg = 0, .high_byte = true } },
	{ "mov %bl,0xfee00020", M32, { 0x88, 0x1d, 0x20, 0x00, 0xe0, 0xfe },
	  { .kind = W, .size = 1, .length = 6, .reg = 3 } },
	{ "movzbl (%eax),%ecx", M32, { 0x0f, 0xb6, 0x08 },
	  { .kind = R, .size = 1, .length = 3, .reg = 1, .reg_size = 4, .zero_extend = true } },
	{ "movzwl 0xfee00020,%eax", M32, { 0x0f, 0xb7, 0x05, 0x20, 0x00, 0xe0, 0xfe },
	  { .kind = R, .size = 2, .length = 7, .reg = 0, .reg_size = 4, .zero_extend = true } },
	{ "movsbl (%eax),%edx", M32, { 0x0f, 0xbe, 0x10 },
	  { .kind = R, .size = 1, .length = 3, .reg = 2, .reg_size = 4, .sign_extend = true } },
	{ "mov (%bx,%si),%eax", M32, { 0x67, 0x8b, 0x00 },
	  { .kind = R, .size = 4, .length = 3, .reg = 0, .reg_size = 4 } },
	{ "mov 0x1234,%eax (67 8b: a bare disp16)", M32, { 0x67, 0x8b, 0x06, 0x34, 0x12 },
	  { .kind = R, .size = 4, .length = 5, .reg = 0, .reg_size = 4 } },
	{ "mov 0x12(%bp),%ax", M32, { 0x67, 0x66, 0x8b, 0x46, 0x12 },
	  { .kind = R, .size = 2, .length = 5, .reg = 0, .reg_size = 2 } },
	{ "mov 0x1234(%bx),%eax", M32, { 0x67, 0x8b, 0x87, 0x34, 0x12 },
	  { .kind = R, .size = 4, .length = 5, .reg = 0, .reg_size = 4 } },
	{ "addr16 mov 0x1234,%eax (moffs16)", M32, { 0x67, 0xa1, 0x34, 0x12 },
	  { .kind = R, .size = 4, .length = 4, .reg = 0, .reg_size = 4 } },
};

/* Decodes a copy of exactly len bytes, so that ASan catches any overread. */
static const char *decode_exact(const uint8_t *bytes, unsigned int len,
				enum mmio_cpu_mode mode, struct mmio_op *op)
{
	uint8_t *copy = malloc(len ? len : 1);
	const char *err;

	assert_non_null(copy);
	memcpy(copy, bytes, len);
	err = mmio_decode(copy, len, mode, op);
	free(copy);
	return err;
}

static bool op_matches(const struct mmio_op *op, const struct mmio_op *expect)
{
	return op->kind == expect->kind && op->size == expect->size &&
	       op->length == expect->length && op->has_imm == expect->has_imm &&
	       (op->has_imm ? op->imm == expect->imm : op->reg == expect->reg) &&
	       op->high_byte == expect->high_byte &&
	       op->zero_extend == expect->zero_extend &&
	       op->sign_extend == expect->sign_extend &&
	       (op->kind == MMIO_OP_WRITE || op->reg_size == expect->reg_size);
}

/* Names the failing case: the table runs in one test. */
static void check_op(const struct decode_case *c, const struct mmio_op *op)
{
	if (op_matches(op, &c->expect))
		return;
	print_error("%s: got kind %d size %u length %u reg %u high %d imm %d %#llx "
		    "zx %d sx %d reg_size %u\n", c->what, op->kind, op->size, op->length,
		    op->reg, op->high_byte, op->has_imm, (unsigned long long)op->imm,
		    op->zero_extend, op->sign_extend, op->reg_size);
	fail();
}

static void test_valid_encodings(void **state)
{
	(void)state;
	struct mmio_op op;

	for (unsigned int i = 0; i < ARRAY_SIZE(valid); i++) {
		const struct decode_case *c = &valid[i];
		const char *err = decode_exact(c->bytes, c->expect.length, c->mode, &op);

		if (err)
			fail_msg("%s: %s", c->what, err);
		check_op(c, &op);
	}
}

/* Bytes after the instruction (the rest of a 15-byte fetch) change nothing. */
static void test_trailing_bytes_ignored(void **state)
{
	(void)state;
	struct mmio_op op;
	uint8_t buf[MMIO_INSN_MAX];

	for (unsigned int i = 0; i < ARRAY_SIZE(valid); i++) {
		memset(buf, 0xf0, sizeof(buf));
		memcpy(buf, valid[i].bytes, valid[i].expect.length);
		if (mmio_decode(buf, sizeof(buf), valid[i].mode, &op))
			fail_msg("%s: refused with trailing bytes", valid[i].what);
		check_op(&valid[i], &op);
	}
}

static void test_truncated_at_every_length(void **state)
{
	(void)state;
	struct mmio_op op;

	for (unsigned int i = 0; i < ARRAY_SIZE(valid); i++)
		for (unsigned int n = 0; n < valid[i].expect.length; n++) {
			const char *err = decode_exact(valid[i].bytes, n, valid[i].mode, &op);

			if (!err || strcmp(err, "truncated"))
				fail_msg("%s, %u bytes: got %s", valid[i].what, n,
					 err ? err : "success");
		}
}

struct refusal_case {
	const char *what;
	enum mmio_cpu_mode mode;
	uint8_t bytes[MMIO_INSN_MAX];
	unsigned int len;
	const char *why;
};

static const struct refusal_case refused[] = {
	{ "lock mov %eax,(%rax)", M64, { 0xf0, 0x89, 0x00 }, 3, "LOCK prefix" },
	{ "lock mov %eax,(%eax)", M32, { 0xf0, 0x89, 0x00 }, 3, "LOCK prefix" },
	{ "repz mov %eax,(%rax)", M64, { 0xf3, 0x89, 0x00 }, 3, "REP prefix" },
	{ "repnz mov %eax,0xfee000b0", M32, { 0xf2, 0xa3, 0xb0, 0x00, 0xe0, 0xfe }, 6, "REP prefix" },
	{ "mov %eax,%eax", M64, { 0x89, 0xc0 }, 2, "register operand, not a memory access" },
	{ "mov %r8,%rax", M64, { 0x4c, 0x8b, 0xc0 }, 3, "register operand, not a memory access" },
	{ "movzbl %al,%eax", M32, { 0x0f, 0xb6, 0xc0 }, 3, "register operand, not a memory access" },
	{ "movl $0,%eax (c7 c0)", M32, { 0xc7, 0xc0, 0, 0, 0, 0 }, 6,
	  "register operand, not a memory access" },
	{ "c7 /1 (no such MOV)", M64, { 0xc7, 0x48, 0x10, 0, 0, 0, 0 }, 7,
	  "c6/c7 with a reg field other than /0" },
	{ "c6 /7", M32, { 0xc6, 0x38, 0x00 }, 3, "c6/c7 with a reg field other than /0" },
	{ "pshufb (%rax),%mm0 (0f 38)", M64, { 0x0f, 0x38, 0x00, 0x00 }, 4, "unknown opcode 0f xx" },
	{ "movsxd (%rax),%rax (not needed)", M64, { 0x48, 0x63, 0x00 }, 3, "unknown opcode" },
	{ "add %eax,(%rax)", M64, { 0x01, 0x00 }, 2, "unknown opcode" },
	{ "mov (%rax),%es", M64, { 0x8e, 0x00 }, 2, "unknown opcode" },
	{ "dec %eax; mov %eax,(%eax): no REX in 32-bit mode", M32, { 0x48, 0x89, 0x00 }, 3,
	  "unknown opcode" },
	{ "vmovd %xmm0,(%rax) (VEX)", M64, { 0xc5, 0xf9, 0x7e, 0x00 }, 4, "unknown opcode" },
	{ "14 prefixes, opcode, ModRM: 16 bytes", M64,
	  { 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x89 },
	  15, "longer than 15 bytes" },
	{ "15 prefixes", M32,
	  { 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e },
	  15, "longer than 15 bytes" },
	{ "empty", M64, { 0 }, 0, "truncated" },
};

static void test_refusals(void **state)
{
	(void)state;
	struct mmio_op op;

	for (unsigned int i = 0; i < ARRAY_SIZE(refused); i++) {
		const struct refusal_case *c = &refused[i];
		const char *err = decode_exact(c->bytes, c->len, c->mode, &op);

		if (!err || strcmp(err, c->why))
			fail_msg("%s: got %s, want %s", c->what, err ? err : "success", c->why);
	}
}

/* A len beyond 15 is clamped: the 16th byte is never part of an instruction. */
static void test_len_beyond_15_is_clamped(void **state)
{
	(void)state;
	uint8_t buf[20];
	struct mmio_op op;

	memset(buf, 0x66, sizeof(buf));
	assert_string_equal(mmio_decode(buf, sizeof(buf), M64, &op), "longer than 15 bytes");
}

/* Decodes bytes that must be valid, for the register-file tests. */
static struct mmio_op decoded(enum mmio_cpu_mode mode, const uint8_t *bytes, unsigned int len)
{
	struct mmio_op op;

	assert_null(mmio_decode(bytes, len, mode, &op));
	return op;
}

#define DECODE(mode, ...) \
	decoded(mode, (const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ }))

#define FILL 0x1111111111111111ULL

/* Applies value to register file filled with FILL and checks every register. */
static void assert_apply(struct mmio_op op, uint64_t value, unsigned int reg, uint64_t expect)
{
	uint64_t gprs[16];

	for (unsigned int i = 0; i < 16; i++)
		gprs[i] = FILL;
	mmio_apply_read(&op, gprs, value);
	for (unsigned int i = 0; i < 16; i++)
		assert_int_equal(gprs[i], i == reg ? expect : FILL);
}

static void test_apply_read_plain_mov(void **state)
{
	(void)state;
	/* mov 0x10(%rip),%r12 */
	assert_apply(DECODE(M64, 0x4c, 0x8b, 0x25, 0x10, 0, 0, 0), 0x8877665544332211ULL,
		     12, 0x8877665544332211ULL);
	/* mov 0x20(%rdx),%eax: zero-extends, and the value's upper half is not the access's */
	assert_apply(DECODE(M64, 0x8b, 0x42, 0x20), 0xdeadbeef80000001ULL, 0, 0x80000001ULL);
	/* mov 0x12(%bp),%ax: merges */
	assert_apply(DECODE(M32, 0x67, 0x66, 0x8b, 0x46, 0x12), 0xffffabcd, 0, 0x111111111111abcdULL);
	/* mov 0x20(%r13),%r13b: merges */
	assert_apply(DECODE(M64, 0x45, 0x8a, 0x6d, 0x20), 0xffab, 13, 0x11111111111111abULL);
}

static void test_apply_read_byte_registers(void **state)
{
	(void)state;
	/* mov (%rsi),%dh: bits 15:8 of RDX */
	assert_apply(DECODE(M64, 0x8a, 0x36), 0x1ab, 2, 0x111111111111ab11ULL);
	/* mov (%rsi),%sil: with REX, 6 is SIL, the low byte of RSI */
	assert_apply(DECODE(M64, 0x40, 0x8a, 0x36), 0x1ab, 6, 0x11111111111111abULL);
	/* mov 0x10(%rsp,%rax,2),%al */
	assert_apply(DECODE(M64, 0x8a, 0x44, 0x44, 0x10), 0xcd, 0, 0x11111111111111cdULL);
}

static void test_apply_read_movzx(void **state)
{
	(void)state;
	/* movzbl (%rax),%ecx */
	assert_apply(DECODE(M64, 0x0f, 0xb6, 0x08), 0xff80, 1, 0x80);
	/* movzwl 0x4(%rax),%r8d */
	assert_apply(DECODE(M64, 0x44, 0x0f, 0xb7, 0x40, 0x04), 0x12348765, 8, 0x8765);
	/* movzbq (%rax),%rax */
	assert_apply(DECODE(M64, 0x48, 0x0f, 0xb6, 0x00), 0xfe, 0, 0xfe);
	/* movzbw (%rax),%ax: a 16-bit destination merges */
	assert_apply(DECODE(M64, 0x66, 0x0f, 0xb6, 0x00), 0xfe, 0, 0x11111111111100feULL);
}

static void test_apply_read_movsx(void **state)
{
	(void)state;
	/* movsbl (%rax),%eax: sign-extends to 32, then zero-extends */
	assert_apply(DECODE(M64, 0x0f, 0xbe, 0x00), 0x80, 0, 0xffffff80ULL);
	assert_apply(DECODE(M64, 0x0f, 0xbe, 0x00), 0x7f, 0, 0x7f);
	/* movswq 0x2(%rbx),%rdx */
	assert_apply(DECODE(M64, 0x48, 0x0f, 0xbf, 0x53, 0x02), 0x8000, 2, 0xffffffffffff8000ULL);
	/* movsbw (%rax),%ax: merges */
	assert_apply(DECODE(M64, 0x66, 0x0f, 0xbe, 0x00), 0x80, 0, 0x111111111111ff80ULL);
	/* movsbq (%rax),%rax, the upper bits of value ignored */
	assert_apply(DECODE(M64, 0x48, 0x0f, 0xbe, 0x00), 0xff01, 0, 1);
}

static void test_write_value_from_registers(void **state)
{
	(void)state;
	uint64_t gprs[16];
	struct mmio_op op;

	for (unsigned int i = 0; i < 16; i++)
		gprs[i] = 0x8877665544332211ULL + i;
	op = DECODE(M64, 0x4f, 0x89, 0xbc, 0xc8, 0x78, 0x56, 0x34, 0x12); /* mov %r15,... */
	assert_int_equal(mmio_write_value(&op, gprs), 0x8877665544332220ULL);
	op = DECODE(M64, 0x45, 0x89, 0x0c, 0x8a); /* mov %r9d,(%r10,%rcx,4) */
	assert_int_equal(mmio_write_value(&op, gprs), 0x4433221aULL);
	op = DECODE(M32, 0x66, 0x89, 0x01); /* mov %ax,(%ecx) */
	assert_int_equal(mmio_write_value(&op, gprs), 0x2211);
	op = DECODE(M32, 0x88, 0x1d, 0x20, 0x00, 0xe0, 0xfe); /* mov %bl,0xfee00020 */
	assert_int_equal(mmio_write_value(&op, gprs), 0x14);
	op = DECODE(M64, 0x88, 0x23); /* mov %ah,(%rbx) */
	assert_int_equal(mmio_write_value(&op, gprs), 0x22);
	op = DECODE(M64, 0x40, 0x88, 0x20); /* mov %spl,(%rax) */
	assert_int_equal(mmio_write_value(&op, gprs), 0x15);
}

static void test_write_value_immediates(void **state)
{
	(void)state;
	uint64_t gprs[16] = { 0 };
	struct mmio_op op;

	op = DECODE(M64, 0x48, 0xc7, 0x00, 0x00, 0x00, 0xe0, 0xfe); /* movq $-0x1200000 */
	assert_int_equal(mmio_write_value(&op, gprs), 0xfffffffffee00000ULL);
	op = DECODE(M64, 0xc7, 0x05, 0x80, 0, 0, 0, 0x00, 0x00, 0xe0, 0xfe); /* movl $0xfee00000 */
	assert_int_equal(mmio_write_value(&op, gprs), 0xfee00000ULL);
	op = DECODE(M32, 0x66, 0xc7, 0x40, 0x20, 0x34, 0x12); /* movw $0x1234 */
	assert_int_equal(mmio_write_value(&op, gprs), 0x1234);
	op = DECODE(M32, 0xc6, 0x05, 0x20, 0x00, 0xe0, 0xfe, 0xff); /* movb $0xff */
	assert_int_equal(mmio_write_value(&op, gprs), 0xff);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_encodings),
		cmocka_unit_test(test_trailing_bytes_ignored),
		cmocka_unit_test(test_truncated_at_every_length),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_len_beyond_15_is_clamped),
		cmocka_unit_test(test_apply_read_plain_mov),
		cmocka_unit_test(test_apply_read_byte_registers),
		cmocka_unit_test(test_apply_read_movzx),
		cmocka_unit_test(test_apply_read_movsx),
		cmocka_unit_test(test_write_value_from_registers),
		cmocka_unit_test(test_write_value_immediates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

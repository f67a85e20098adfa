/*
 * The layout of struct guest_regs (core/vcpu.h) for the backends' entry
 * code, and the load/store sequences both backends use around VM entry.
 */
#ifndef HV_CORE_GUEST_REGS_ASM_H
#define HV_CORE_GUEST_REGS_ASM_H

#define GUEST_RAX 0x00
#define GUEST_RBX 0x08
#define GUEST_RCX 0x10
#define GUEST_RDX 0x18
#define GUEST_RSI 0x20
#define GUEST_RDI 0x28
#define GUEST_RBP 0x30
#define GUEST_R8  0x38
#define GUEST_R9  0x40
#define GUEST_R10 0x48
#define GUEST_R11 0x50
#define GUEST_R12 0x58
#define GUEST_R13 0x60
#define GUEST_R14 0x68
#define GUEST_R15 0x70

#ifdef __ASSEMBLY__
/* Loads every guest register but RAX (the backend's own business) from (%rdi); RDI last. */
.macro LOAD_GUEST_REGS_BUT_RAX
	mov	GUEST_RBX(%rdi), %rbx
	mov	GUEST_RCX(%rdi), %rcx
	mov	GUEST_RDX(%rdi), %rdx
	mov	GUEST_RSI(%rdi), %rsi
	mov	GUEST_RBP(%rdi), %rbp
	mov	GUEST_R8(%rdi), %r8
	mov	GUEST_R9(%rdi), %r9
	mov	GUEST_R10(%rdi), %r10
	mov	GUEST_R11(%rdi), %r11
	mov	GUEST_R12(%rdi), %r12
	mov	GUEST_R13(%rdi), %r13
	mov	GUEST_R14(%rdi), %r14
	mov	GUEST_R15(%rdi), %r15
	mov	GUEST_RDI(%rdi), %rdi
.endm

/*
 * Stores every guest register, RAX included, into the struct guest_regs
 * whose address is at (%rsp); leaves RDI pointing to it.
 */
.macro STORE_GUEST_REGS
	push	%rdi
	mov	8(%rsp), %rdi
	mov	%rax, GUEST_RAX(%rdi)
	mov	%rbx, GUEST_RBX(%rdi)
	mov	%rcx, GUEST_RCX(%rdi)
	mov	%rdx, GUEST_RDX(%rdi)
	mov	%rsi, GUEST_RSI(%rdi)
	mov	%rbp, GUEST_RBP(%rdi)
	mov	%r8, GUEST_R8(%rdi)
	mov	%r9, GUEST_R9(%rdi)
	mov	%r10, GUEST_R10(%rdi)
	mov	%r11, GUEST_R11(%rdi)
	mov	%r12, GUEST_R12(%rdi)
	mov	%r13, GUEST_R13(%rdi)
	mov	%r14, GUEST_R14(%rdi)
	mov	%r15, GUEST_R15(%rdi)
	popq	GUEST_RDI(%rdi)
.endm
#endif

#endif

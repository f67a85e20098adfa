/*
 * void svm_vmrun(struct guest_regs *regs, paddr_t vmcb, paddr_t host_save)
 *
 * Called with GIF clear. Loads the guest's general-purpose registers (RAX
 * and RSP live in the VMCB), VMLOADs the guest's FS/GS/TR/LDTR/syscall
 * state, runs it, VMSAVEs that state back, stores the guest registers and
 * VMLOADs the host's own (its GS base is the per-CPU pointer).
 */
#define REG(n) ((n) * 8)
#define RAX REG(0)
#define RBX REG(1)
#define RCX REG(2)
#define RDX REG(3)
#define RSI REG(4)
#define RDI REG(5)
#define RBP REG(6)
#define R8  REG(7)
#define R9  REG(8)
#define R10 REG(9)
#define R11 REG(10)
#define R12 REG(11)
#define R13 REG(12)
#define R14 REG(13)
#define R15 REG(14)

	.text
	.globl svm_vmrun
svm_vmrun:
	push	%rbp
	push	%rbx
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	push	%rdx				/* host save area */
	push	%rdi				/* guest registers */

	mov	%rsi, %rax
	mov	RBX(%rdi), %rbx
	mov	RCX(%rdi), %rcx
	mov	RDX(%rdi), %rdx
	mov	RSI(%rdi), %rsi
	mov	RBP(%rdi), %rbp
	mov	R8(%rdi), %r8
	mov	R9(%rdi), %r9
	mov	R10(%rdi), %r10
	mov	R11(%rdi), %r11
	mov	R12(%rdi), %r12
	mov	R13(%rdi), %r13
	mov	R14(%rdi), %r14
	mov	R15(%rdi), %r15
	mov	RDI(%rdi), %rdi

	vmload	%rax
	vmrun	%rax
	vmsave	%rax

	push	%rdi
	mov	8(%rsp), %rdi
	mov	%rbx, RBX(%rdi)
	mov	%rcx, RCX(%rdi)
	mov	%rdx, RDX(%rdi)
	mov	%rsi, RSI(%rdi)
	mov	%rbp, RBP(%rdi)
	mov	%r8, R8(%rdi)
	mov	%r9, R9(%rdi)
	mov	%r10, R10(%rdi)
	mov	%r11, R11(%rdi)
	mov	%r12, R12(%rdi)
	mov	%r13, R13(%rdi)
	mov	%r14, R14(%rdi)
	mov	%r15, R15(%rdi)
	popq	RDI(%rdi)
	pop	%rdi
	pop	%rax
	vmload	%rax

	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbx
	pop	%rbp
	ret
